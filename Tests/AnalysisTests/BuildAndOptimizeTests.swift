import Foundation
import HistFactory
import Inference
import Testing
@testable import Analysis

/// The example analysis loaded once for every test here (each file read once).
enum Example {
    static let config = HZZReference.fixtures.appendingPathComponent("example/analysis.yml")
    static let loaded: LoadedAnalysis = try! LoadedAnalysis(config: config)

    /// fixtures/analysis/example_scan.json: pyhf's expected CLs of the hard analysis along each cut.
    struct Scan: Decodable {
        struct Point: Decodable {
            let value: Double
            let cls: Double
        }
        struct Line: Decodable {
            let points: [Point]
            let best: Point
        }
        let initial: [String: Double]
        let scans: [String: Line]
    }

    static func scan() throws -> Scan {
        try JSONDecoder().decode(Scan.self, from: Data(contentsOf: HZZReference.fixtures.appendingPathComponent("analysis/example_scan.json")))
    }
}

@Suite struct BuildTests {
    /// `build`'s workspace: schema-valid, its model builds, its templates are numpy's histograms.
    @Test func workspaceValidatesAndMatchesNumpy() throws {
        let loaded = Example.loaded
        let json = try JSONEncoder().encode(try loaded.histograms.hardWorkspace(at: loaded.analysis.initialParameters))
        let document = try WorkspaceDocument.validated(parsing: [UInt8](json), source: "build")
        let workspace = document.workspace
        let model = try Model(workspace: workspace)
        #expect(model.channels == ["SR"])
        #expect(Set(model.parameterNames) == ["mu", "bkg_norm", "shape", "lumi", "mcstat_SR[0]", "mcstat_SR[1]", "mcstat_SR[2]"])

        struct Reference: Decodable { let histograms: [String: HZZReference.Contents] }
        let reference = try JSONDecoder().decode(
            Reference.self, from: Data(contentsOf: HZZReference.fixtures.appendingPathComponent("analysis/example_reference.json")))
        func close(_ a: [Double], _ b: [Double]) -> Bool {
            a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= 1e-9 * max(1, abs($1)) }
        }
        var background = [0.0, 0, 0]
        for sample in workspace.channels[0].samples {
            let nominal = reference.histograms["\(sample.name)/weight"]!
            #expect(close(sample.data, nominal.counts))
            if sample.name == "background" { background = nominal.counts }
            for modifier in sample.modifiers {
                switch modifier.data {
                case .histosys(let hi, let lo):
                    #expect(close(hi, reference.histograms["\(sample.name)/weight_up"]!.counts))
                    #expect(close(lo, reference.histograms["\(sample.name)/weight_down"]!.counts))
                case .perBin(let uncertainties):
                    #expect(modifier.kind == .staterror)
                    #expect(close(uncertainties, nominal.sumw2.map { $0.squareRoot() }))
                case .normsys(let hi, let lo):
                    #expect(hi == 1.1 && lo == 0.9)
                case .none:
                    #expect(modifier.kind == (sample.name == "signal" ? .normfactor : .lumi) || modifier.kind == .lumi)
                case .json(let data):
                    Issue.record("a built workspace has no modifier types outside HistFactory's seven, found \(modifier.kind.rawValue): \(data)")
                }
            }
        }
        #expect(close(workspace.observations[0].data, background))
    }

    /// Expected CLs of built workspaces against pyhf's along the scans (check_pyhf tolerances).
    @Test func expectedCLsMatchesPyhfScan() throws {
        let scan = try Example.scan()
        let analysis = Example.loaded.analysis
        for (name, line) in scan.scans.sorted(by: { $0.key < $1.key }) {
            let k = analysis.parameters.firstIndex { $0.name == name }!
            for point in line.points.enumerated().filter({ $0.offset % 3 == 0 }).map(\.element) {
                var theta = analysis.parameters.map { scan.initial[$0.name]! }
                theta[k] = point.value
                let cls = try ExpectedCLsObjective().value(on: try Example.loaded.histograms.hardWorkspace(at: theta))
                #expect(abs(cls - point.cls) <= max(5e-4, 2e-3 * point.cls), "\(name) = \(point.value): \(cls) vs pyhf \(point.cls)")
            }
        }
        // The joint scan's best point (edges moved too).
        let best = try OptimizationTests.jointScan().best
        let theta = analysis.parameters.map { best.parameters[$0.name]! }
        let cls = try ExpectedCLsObjective().value(on: try Example.loaded.histograms.hardWorkspace(at: theta))
        #expect(abs(cls - best.cls) <= max(5e-4, 2e-3 * best.cls), "joint best \(theta): \(cls) vs pyhf \(best.cls)")
    }

    @Test func badSettingIsAConfigError() throws {
        #expect(throws: ConfigError.self) { try LoadedAnalysis(config: Example.config, settings: ["cut_mett": 50]) }
        #expect(throws: ConfigError.self) { try LoadedAnalysis(config: Example.config, settings: ["cut_met": 500]) }
    }
}

@Suite struct ObjectiveGradientTests {
    static let objectives: [(String, any AnalysisObjective)] = [
        ("cls", ExpectedCLsObjective()), ("discovery", ExpectedSignificanceObjective()), ("poi_uncertainty", POIUncertaintyObjective()),
    ]

    /// d objective/dθ through the soft histograms, the model and the fits, against central
    /// differences of the whole soft pipeline (every fit redone), relative 1e-4.
    @Test(arguments: objectives.indices, AnalysisConfig.HistogramKernel.allCases)
    func gradientMatchesFiniteDifferences(_ o: Int, kernel: AnalysisConfig.HistogramKernel) throws {
        let (name, objective) = Self.objectives[o]
        let function = try AnalysisObjectiveFunction(histograms: Example.loaded.histograms, objective: objective, kernel: kernel)
        // Away from the initial point so that every parameter matters.
        let theta = [45.0, 60, 110, 140]
        let relaxation = 0.5
        let (value, gradient) = try function.valueAndGradient(at: theta, relaxation: relaxation)
        #expect(value.isFinite && value > 0)
        for k in theta.indices {
            let h = 0.01
            var up = theta, down = theta
            up[k] += h
            down[k] -= h
            let numeric = (try function.valueAndGradient(at: up, relaxation: relaxation).value
                - function.valueAndGradient(at: down, relaxation: relaxation).value) / (2 * h)
            #expect(abs(gradient[k] - numeric) <= 1e-4 * abs(numeric) + 1e-9,
                    "\(name) (\(kernel)) d/d\(Example.loaded.analysis.parameters[k].name): \(gradient[k]) vs \(numeric)")
        }
    }
}

/// The example's optimisation against the brute-force pyhf scan (tools/scan_example.py, `joint`:
/// the best grid point of all four parameters, by coordinate descent and an exhaustive search
/// around where it stops).
@Suite struct OptimizationTests {
    struct JointScan: Decodable {
        struct Point: Decodable {
            let parameters: [String: Double]
            let cls: Double
        }
        let steps: [String: Double]
        let best: Point
    }

    static func jointScan() throws -> JointScan {
        struct File: Decodable { let joint: JointScan }
        return try JSONDecoder().decode(
            File.self, from: Data(contentsOf: HZZReference.fixtures.appendingPathComponent("analysis/example_scan.json"))).joint
    }

    @Test func optimumAgreesWithPyhfScan() throws {
        let scan = try Self.jointScan()
        let loaded = Example.loaded
        let analysis = loaded.analysis
        let report = try loaded.optimize()
        let (trajectory, optimum) = (report.trajectory, report.optimum)
        #expect(trajectory.count == analysis.optimizer.steps)
        #expect(trajectory.last!.objective < trajectory.first!.objective)
        for (k, parameter) in analysis.parameters.enumerated() {
            let best = scan.best.parameters[parameter.name]!, step = scan.steps[parameter.name]!
            #expect(abs(optimum[k] - best) <= step, "\(parameter.name): optimised \(optimum[k]), scan's best \(best) (step \(step))")
        }
        // The exported workspace (hard cuts at the optimum): within 5% of the scan's best, or better.
        #expect(report.workspace == (try loaded.histograms.hardWorkspace(at: optimum)))
        let cls = report.hardObjective
        #expect(cls <= 1.05 * scan.best.cls, "exported workspace's expected CLs \(cls), scan's best \(scan.best.cls)")
    }
}

@Suite struct OptimizationReportTests {
    /// A short run: the schedule's ends, Adam's first step (lr·g/(|g| + ε) after bias correction) and
    /// the projection onto the bounds.
    @Test func shortRunAndItsFiles() throws {
        let loaded = Example.loaded
        let analysis = loaded.analysis
        var settings = analysis.optimizer
        settings.steps = 3
        let function = try AnalysisObjectiveFunction(histograms: loaded.histograms, objective: ExpectedCLsObjective(), kernel: .kde)
        let optimizer = AnalysisOptimizer(function: function, settings: settings)
        #expect(optimizer.relaxation(atStep: 0) == settings.relaxationStart)
        #expect(abs(optimizer.relaxation(atStep: 2) - settings.relaxationEnd) < 1e-12)
        let (trajectory, _) = try optimizer.run(from: analysis.initialParameters)
        #expect(trajectory.map(\.step) == [0, 1, 2])
        for (k, g) in trajectory[0].gradient.enumerated() {
            let expected = analysis.initialParameters[k] - settings.learningRate * g / (abs(g) + optimizer.epsilon)
            let bounds = analysis.parameters[k].bounds
            #expect(abs(trajectory[1].parameters[k] - min(max(expected, bounds.lowerBound), bounds.upperBound)) < 1e-6)
        }
        // The files written from the trajectory: hepkitTests/AnalysisCommandTests.
    }
}

@Suite struct OptimizerStateTests {
    /// 10 steps straight equal 5 steps, the state through JSON (a checkpoint), then 5 more.
    @Test func continuingFromASavedStateGivesTheSameTrajectory() throws {
        let loaded = Example.loaded
        var settings = loaded.analysis.optimizer
        settings.steps = 10
        let function = try AnalysisObjectiveFunction(histograms: loaded.histograms, objective: ExpectedCLsObjective(), kernel: .kde)
        let optimizer = AnalysisOptimizer(function: function, settings: settings)
        let start = AnalysisOptimizer.State(start: loaded.analysis.initialParameters)
        let straight = try optimizer.run(continuing: start)
        #expect(straight.trajectory.count == 10)
        struct Stop: Error {}
        var saved: AnalysisOptimizer.State?
        do {
            _ = try optimizer.run(continuing: start, checkpoint: { state in
                if state.nextStep == 5 {
                    saved = state
                    throw Stop()
                }
            })
        } catch is Stop {}
        let checkpoint = try JSONDecoder().decode(AnalysisOptimizer.State.self, from: JSONEncoder().encode(try #require(saved)))
        #expect(checkpoint == saved)
        let resumed = try optimizer.run(continuing: checkpoint)
        #expect(resumed == straight)
        // A state of another optimisation is refused.
        var wrong = checkpoint
        wrong.parameters.removeLast()
        #expect(throws: OptimizationError.self) { try optimizer.run(continuing: wrong) }
    }
}
