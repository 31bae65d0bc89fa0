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
        let json = try analysisJSON(try loaded.histograms.hardWorkspace(at: loaded.analysis.initialParameters))
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
    @Test(arguments: objectives.indices) func gradientMatchesFiniteDifferences(_ o: Int) throws {
        let (name, objective) = Self.objectives[o]
        let function = try AnalysisObjectiveFunction(histograms: Example.loaded.histograms, objective: objective, kernel: .kde)
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
                    "\(name) d/d\(Example.loaded.analysis.parameters[k].name): \(gradient[k]) vs \(numeric)")
        }
    }
}
