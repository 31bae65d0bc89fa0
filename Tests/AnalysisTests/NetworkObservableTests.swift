import DiffColumns
import Foundation
import HEPKitSupport
import Testing
@testable import Analysis

/// Networks as observables: configs, the hard and soft fills of their outputs, and the objective's
/// gradient with respect to their weights (reverse mode through the histograms) against finite differences.
@Suite struct NetworkObservableTests {
    static let neos: LoadedAnalysis = try! LoadedAnalysis(config: HZZReference.fixtures.appendingPathComponent("learned/example-network.yml"))
    static let inferno: LoadedAnalysis = try! LoadedAnalysis(config: HZZReference.fixtures.appendingPathComponent("learned/example-inferno.yml"))

    @Test func configsResolve() {
        let analysis = Self.neos.analysis
        #expect(analysis.networkNames == ["score"])
        #expect(analysis.networks[0].layerSizes == [4, 8, 1])
        #expect(analysis.initialParameters.count == 1 + (4 + 1) * 8 + (8 + 1))
        #expect(analysis.weightRange(ofNetwork: 0) == 1..<analysis.initialParameters.count)
        #expect(Self.inferno.analysis.regions[0].edges == [0, 1, 2, 3, 4].map { .value(Double($0)) })
    }

    /// Scores lie in (0, 1) and memberships sum to one, so the hard histograms over [0, 1] and the
    /// soft membership histograms hold every selected event's weight.
    @Test(arguments: [false, true])
    func histogramsHoldEverySelectedEvent(_ softmax: Bool) throws {
        let loaded = softmax ? Self.inferno : Self.neos
        let theta = loaded.analysis.initialParameters
        let table = loaded.histograms.events.samples[0]
        let met = try table.column(named: "met").values, weight = try table.column(named: "weight").values
        let selected = zip(met, weight).filter { $0.0 > theta[0] }.reduce(0) { $0 + $1.1 }
        let hard = try loaded.histograms.fillHard(at: theta)[0]
        #expect(abs(hard.counts.reduce(0, +) - selected) < 1e-9 * selected)
        if softmax {
            // Soft memberships at a tiny relaxation: the cut is nearly hard.
            let soft = try loaded.histograms.fillSoft(at: theta, relaxation: 1e-6)[0]
            #expect(abs(soft.counts.reduce(0, +) - selected) < 1e-6 * selected)
        }
    }

    /// d objective / dθ (the cut and every network weight) against central differences of the whole
    /// soft pipeline along random directions.
    @Test(arguments: [false, true])
    func objectiveGradientMatchesFiniteDifferences(_ softmax: Bool) throws {
        let loaded = softmax ? Self.inferno : Self.neos
        let analysis = loaded.histograms.standardizingNetworks()
        let histograms = try AnalysisHistograms(analysis: analysis, events: loaded.histograms.events)
        let objective = try analysis.objective.implementation
        let function = try AnalysisObjectiveFunction(histograms: histograms, objective: objective, kernel: .kde)
        var theta = analysis.initialParameters
        theta[0] = 30
        let relaxation = 0.5
        let (value, gradient) = try function.valueAndGradient(at: theta, relaxation: relaxation)
        #expect(value.isFinite && value > 0)
        let weights = analysis.weightRange(ofNetwork: 0)
        #expect(gradient[weights].contains { $0 != 0 })
        for seed in 1...2 as ClosedRange<UInt64> {
            var rng = SeededGenerator(seed: seed)
            // Along the weights only, and along the cut and the weights together.
            let direction = theta.indices.map { k in weights.contains(k) || seed == 2 ? Double.random(in: -1...1, using: &rng) : 0 }
            let analytic = zip(gradient, direction).reduce(0) { $0 + $1.0 * $1.1 }
            let numeric = centralDirectionalDifference(at: theta, along: direction, relativeStep: 1e-6) {
                [try! function.valueAndGradient(at: $0, relaxation: relaxation).value]
            }![0]
            #expect(abs(analytic - numeric) <= 2e-4 * abs(numeric) + 1e-9, "\(softmax ? "softmax" : "sigmoid"): \(analytic) vs \(numeric)")
        }
    }

    @Test(arguments: [
        ("{network: score,", "{network: scor,", "regions[0].observable.network", "unknown network 'scor' (did you mean 'score'?)"),
        ("    bandwidth: 0.05\n", "", "regions[0].bandwidth", "required for a network's score (the soft histogram's edge width)"),
        ("output: sigmoid,", "output: sigmoid, outputs: 3,", "networks[0].outputs", "a sigmoid network has one output, found 3"),
        ("layers: [8]", "layers: [0]", "networks[0].layers[0]", "a layer's width must be between 1 and 1024, found 0"),
        ("layers: [8]", "layers: [400, 400]", "networks[0].layers", "162801 weights exceed the limit of 100000"),
        ("inputs: [met,", "inputs: [cut_met,", "regions[0].observable.inputs[0]",
         "expression 'cut_met', column 1 at 'cut_met': unknown branch or parameter 'cut_met' (branches of sample 'signal')"),
        ("activation: tanh", "activation: gelu", "networks[0].activation", "unknown activation 'gelu' (expected relu, tanh, elu)"),
        ("networks:\n", "networks:\n  - {name: unused, layers: [2]}\n", "networks[0].name", "network 'unused' is the observable of no region"),
    ])
    func badNetworkConfigsNameThePlace(old: String, new: String, path: String, message: String) throws {
        let url = HZZReference.fixtures.appendingPathComponent("learned/example-network.yml")
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.contains(old))
        let error = Self.resolveError(text.replacingOccurrences(of: old, with: new), base: url.deletingLastPathComponent())
        #expect(error?.path == path)
        #expect(error?.message == message)
    }

    /// A softmax network's region has no edges: its outputs are the bins.
    @Test func softmaxRegionRefusesEdges() throws {
        let url = HZZReference.fixtures.appendingPathComponent("learned/example-inferno.yml")
        let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(
            of: "    observable: {network", with: "    edges: [0, 1]\n    observable: {network")
        let error = Self.resolveError(text, base: url.deletingLastPathComponent())
        #expect(error?.path == "regions[0].edges")
        #expect(error?.message == "a softmax network's outputs are the bins: leave out the edges")
    }

    static func resolveError(_ text: String, base: URL) -> ConfigError? {
        do throws(ConfigError) {
            _ = try AnalysisConfig.decode(text, file: "analysis.yml").resolve(baseDirectory: base, branches: ROOTColumns.catalog)
            return nil
        } catch {
            return error
        }
    }
}

/// SplitMix64 for the tests' random directions.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `objective: cross_entropy`: the balanced classifier loss and its gradient (weights only).
@Suite struct CrossEntropyTests {
    @Test func gradientMatchesFiniteDifferencesAndTrainingLowersTheLoss() throws {
        let loaded = try NetworkObservableTests.neos.standardizingNetworks()
        let function = CrossEntropyFunction(histograms: loaded.histograms)
        var theta = loaded.analysis.initialParameters
        theta[0] = 30
        let (value, gradient) = try function.valueAndGradient(at: theta, relaxation: 0.5)
        // Balanced classes: a network that knows nothing costs about ln 2.
        #expect(value > 0.3 && value < 1.5, "\(value)")
        #expect(gradient[0] == 0)
        var rng = SeededGenerator(seed: 5)
        let direction = theta.indices.map { $0 == 0 ? 0 : Double.random(in: -1...1, using: &rng) }
        let analytic = zip(gradient, direction).reduce(0) { $0 + $1.0 * $1.1 }
        let numeric = centralDirectionalDifference(at: theta, along: direction, relativeStep: 1e-6) {
            [try! function.valueAndGradient(at: $0, relaxation: 0.5).value]
        }![0]
        #expect(abs(analytic - numeric) <= 1e-5 * abs(numeric) + 1e-9, "\(analytic) vs \(numeric)")
        var settings = loaded.analysis.optimizer
        settings.steps = 15
        settings.networkLearningRate = 0.05
        let run = try AnalysisOptimizer(function: function, settings: settings).run(from: theta)
        #expect(run.trajectory.last!.objective < 0.8 * run.trajectory.first!.objective)
        // The cut is not trained by the classifier loss.
        #expect(run.optimum[0] == 30)
    }
}
