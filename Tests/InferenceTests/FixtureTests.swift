import Foundation
import HistFactory
import Testing
@testable import Inference

/// The pyhf ground truth of fixtures/pyhf (pyhf 0.7.6, see fixtures/pyhf/README.md).
struct PyhfTruth: Decodable {
    struct BestFit: Decodable { var twice_nll: Double; var pars: [Double] }
    struct CLs: Decodable { var mu: Double; var CLs_obs: Double; var CLs_exp: [Double] }
    struct Limit: Decodable { var obs: Double; var exp: [Double] }
    var n_parameters: Int
    var bestfit: BestFit
    var cls: CLs
    var upper_limit: Limit?

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/pyhf")

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".truth.json") }.map { String($0.dropLast(".truth.json".count)) }.sorted()
    }

    static func load(_ name: String) throws -> (HistFactoryLikelihood, PyhfTruth) {
        let workspace = try JSONDecoder().decode(Workspace.self, from: Data(contentsOf: directory.appendingPathComponent(name + ".json")))
        let truth = try JSONDecoder().decode(PyhfTruth.self, from: Data(contentsOf: directory.appendingPathComponent(name + ".truth.json")))
        return (try HistFactoryLikelihood(workspace: workspace), truth)
    }
}

@Suite struct PyhfFixtureTests {
    @Test(arguments: PyhfTruth.names) func bestFitAndCLs(_ name: String) throws {
        let (likelihood, truth) = try PyhfTruth.load(name)
        let fitter = Fitter(likelihood)
        let fit = try fitter.fit(data: likelihood.observedData)
        // pyhf's optimizers stop at ~1e-6 relative: never above their minimum, and not far below it.
        #expect(fit.twiceNLL <= truth.bestfit.twice_nll + 1e-6, "\(name): \(fit.twiceNLL) vs \(truth.bestfit.twice_nll)")
        #expect(fit.twiceNLL >= truth.bestfit.twice_nll - 1e-3, "\(name): \(fit.twiceNLL) vs \(truth.bestfit.twice_nll)")
        let result = try AsymptoticCalculator(fitter: fitter, data: likelihood.observedData).hypotest(truth.cls.mu)
        // The truth comes from SLSQP fits (up to ~3e-4 off the optimum in expected values) …
        #expect(abs(result.clsObserved - truth.cls.CLs_obs) <= 1e-7 + 5e-4 * truth.cls.CLs_obs, "\(name): CLs \(result.clsObserved) vs \(truth.cls.CLs_obs)")
        for (a, b) in zip(result.clsExpected, truth.cls.CLs_exp) {
            #expect(abs(a - b) <= 1e-7 + 5e-4 * b, "\(name): CLs_exp \(result.clsExpected) vs \(truth.cls.CLs_exp)")
        }
        // … the tightly converged pyhf numbers (iminuit, tools/make_inference_reference.py) agree far better.
        if let tight = Reference.file.fixtures[name] {
            #expect(relativeDifference(result.clsObserved, tight.CLs_obs) < 2e-6, "\(name): CLs \(result.clsObserved) vs tight \(tight.CLs_obs)")
            for (a, b) in zip(result.clsExpected, tight.CLs_exp) {
                #expect(relativeDifference(a, b) < 2e-5, "\(name): CLs_exp \(result.clsExpected) vs tight \(tight.CLs_exp)")
            }
        }
    }

    @Test(arguments: PyhfTruth.names) func upperLimits(_ name: String) throws {
        let (likelihood, truth) = try PyhfTruth.load(name)
        guard let reference = truth.upper_limit else { return }
        let limits = try Fitter(likelihood).upperLimit(data: likelihood.observedData)
        #expect(limits.failures.isEmpty)
        #expect(relativeDifference(limits.observed, reference.obs) < 5e-4, "\(name): \(limits.observed) vs \(reference.obs)")
        for (a, b) in zip(limits.expected, reference.exp) {
            #expect(relativeDifference(a, b) < 5e-4, "\(name): \(limits.expected) vs \(reference.exp)")
        }
        if let tight = Reference.file.fixtures[name]?.upper_limit {
            #expect(relativeDifference(limits.observed, tight.obs) < 2e-5, "\(name): \(limits.observed) vs tight \(tight.obs)")
            for (a, b) in zip(limits.expected, tight.exp) {
                #expect(relativeDifference(a, b) < 2e-5, "\(name): \(limits.expected) vs tight \(tight.exp)")
            }
        }
    }
}

/// Implicit gradients of a HistFactory model against refits of models rebuilt from perturbed `ModelInputs`.
@Suite struct HistFactoryImplicitGradientTests {
    /// Every input of xmlimport_input (lumi, normsys, histosys, staterror) and validation_1bin_shapesys (shapesys τ from inputs).
    @Test(arguments: ["xml_xmlimport_input__example", "validation_1bin_shapesys"])
    func gradientsMatchRefits(_ name: String) throws {
        let (likelihood, _) = try PyhfTruth.load(name)
        var minimizer = BoundedMinimizer()
        minimizer.options.newtonPolishLimit = 1_000
        let implicit = ImplicitGradients(fitter: Fitter(likelihood, minimizer: minimizer))
        let twiceNLL = try implicit.bestFitTwiceNLL()
        let qA = try implicit.asimovTestStatistic(poiValue: 1)
        let sigma = try implicit.poiUncertainty()
        let x = likelihood.inputVector
        for j in x.indices {
            let h = 1e-4 * max(abs(x[j]), 1)
            var up = x, down = x
            up[j] += h
            down[j] -= h
            let plus = likelihood.replacingInputs(up), minus = likelihood.replacingInputs(down)
            func difference(_ f: (HistFactoryLikelihood) throws -> Double) rethrows -> Double {
                (try f(plus) - f(minus)) / (2 * h)
            }
            let fitter: (HistFactoryLikelihood) -> Fitter<HistFactoryLikelihood> = { Fitter($0, minimizer: minimizer) }
            let dT = try difference { try fitter($0).fit(data: $0.observedData).twiceNLL }
            let dQ = try difference { try AsymptoticCalculator(fitter: fitter($0), data: $0.observedData).hypotest(1).asimovStatistic }
            let dSigma = try difference {
                let f = fitter($0)
                return f.uncertainties(at: try f.fit(data: $0.observedData).parameters, data: $0.observedData).errors[$0.poiIndex!]
            }
            #expect(abs(dT - twiceNLL.inputs[j]) <= 1e-5 * abs(dT) + 1e-11 / h, "\(name) d2NLL/dx[\(j)] \(twiceNLL.inputs[j]) vs \(dT)")
            #expect(abs(dQ - qA.inputs[j]) <= 1e-5 * abs(dQ) + 1e-11 / h, "\(name) dqA/dx[\(j)] \(qA.inputs[j]) vs \(dQ)")
            #expect(abs(dSigma - sigma.inputs[j]) <= 1e-5 * abs(dSigma) + 1e-11 / h, "\(name) dσ/dx[\(j)] \(sigma.inputs[j]) vs \(dSigma)")
        }
    }
}

/// The data distributions toys draw from, against the reference's §8.5 numbers for
/// xmlimport_input (pyhf 0.7.6: auxdata order [lumi, syst2, syst3, syst1, staterror_channel1],
/// lumi σ 0.1, staterror σ [0.05000000074505806, 0.1]).
@Test func xmlImportDataDistributions() throws {
    let (likelihood, _) = try PyhfTruth.load("xml_xmlimport_input__example")
    let expected: [DataDistribution] = [.poisson, .poisson, .normal(sigma: 0.1), .normal(sigma: 1), .normal(sigma: 1),
                                        .normal(sigma: 1), .normal(sigma: 0.05000000074505806), .normal(sigma: 0.1)]
    #expect(likelihood.dataDistributions == expected)
    #expect(likelihood.observedData == [122.0, 112.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0])
}
