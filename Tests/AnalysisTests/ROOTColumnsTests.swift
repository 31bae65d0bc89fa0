import Foundation
import Testing
@testable import Analysis

/// Values from tools/make_expression_reference.py (uproot + awkward), committed in fixtures/analysis.
struct HZZReference: Decodable {
    struct Values: Decodable {
        let sum: Double
        let sum2: Double
        let first: [Double]
    }
    struct Contents: Decodable {
        let counts: [Double]
        let sumw2: [Double]
    }
    let events: Int
    let expressions: [String: Values]
    let histograms: [String: Contents]

    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures")

    static func load() throws -> HZZReference {
        try JSONDecoder().decode(
            HZZReference.self, from: Data(contentsOf: fixtures.appendingPathComponent("analysis/hzz_reference.json")))
    }
}

@Suite struct ROOTColumnsTests {
    let file = HZZReference.fixtures.appendingPathComponent("root/uproot-HZZ-zlib.root")

    @Test func catalogueListsUsableBranches() throws {
        let catalog = try ROOTColumns.catalog(files: [file], tree: "events")
        #expect(catalog["NJet"] == .scalar)
        #expect(catalog["MET_px"] == .scalar)
        #expect(catalog["Jet_Px"] == .jagged)
        #expect(catalog["Muon_Charge"] == .jagged)
        #expect(catalog["triggerIsoMu24"] == .scalar)
        #expect(catalog.count == 51)
    }

    @Test func expressionsAgreeWithAwkward() throws {
        let reference = try HZZReference.load()
        let catalog = try ROOTColumns.catalog(files: [file], tree: "events")
        let environment = ExpressionEnvironment(branches: catalog)
        for (source, expected) in reference.expressions {
            let expression = try CompiledExpression(source, environment: environment)
            // Small chunks exercise the chunked reading.
            let table = try ROOTColumns.load(branches: expression.branches, files: [file], tree: "events", entriesPerChunk: 500)
            #expect(table.eventCount == reference.events)
            let values = try expression.evaluate(on: table, parameters: [])
            let sum = values.reduce(0, +), sum2 = values.reduce(0) { $0 + $1 * $1 }
            #expect(abs(sum - expected.sum) <= 1e-9 * max(1, abs(expected.sum)), "\(source): \(sum) vs \(expected.sum)")
            #expect(abs(sum2 - expected.sum2) <= 1e-9 * max(1, abs(expected.sum2)), "\(source)")
            #expect(Array(values.prefix(20)) == expected.first, "\(source)")
        }
    }

    @Test func analysisOnROOTFilesMatchesNumpyHistograms() throws {
        let reference = try HZZReference.load()
        let url = HZZReference.fixtures.appendingPathComponent("analysis/hzz_analysis.yml")
        let analysis = try AnalysisConfig.load(contentsOf: url)
            .resolve(baseDirectory: url.deletingLastPathComponent(), branches: ROOTColumns.catalog)
        let events = try AnalysisEvents(loading: analysis)
        #expect(events.samples.map(\.eventCount) == [reference.events, reference.events])
        // Only the branches the expressions read are loaded.
        #expect(Set(events.samples[0].columns.keys) == ["EventWeight", "Jet_Px", "MET_px", "MET_py", "Muon_Px", "Muon_Py"])
        let histograms = try AnalysisHistograms(analysis: analysis, events: events)
        let filled = try histograms.fillHard(at: analysis.initialParameters)
        for (key, contents) in zip(histograms.keys, filled) {
            let name = (key.region == 0 ? "" : "CR_") + analysis.samples[key.sample].name
            let expected = reference.histograms[name]!
            for j in 0..<3 {
                #expect(abs(contents.counts[j] - expected.counts[j]) <= 1e-12 * max(1, expected.counts[j]), "\(name)")
                #expect(abs(contents.sumw2[j] - expected.sumw2[j]) <= 1e-12 * max(1, expected.sumw2[j]), "\(name)")
            }
        }
    }

    @Test func unreadableFilesAreConfigErrorsAtTheSample() throws {
        let text = try String(
            contentsOf: HZZReference.fixtures.appendingPathComponent("analysis/hzz_analysis.yml"), encoding: .utf8)
            .replacingOccurrences(of: "[../root/uproot-HZZ-lz4.root]", with: "[../root/missing.root]")
        do {
            _ = try AnalysisConfig.decode(text).resolve(
                baseDirectory: HZZReference.fixtures.appendingPathComponent("analysis"), branches: ROOTColumns.catalog)
            Issue.record("expected an error")
        } catch {
            #expect(error.path == "samples[1].files")
            #expect(error.message.contains("missing.root"))
        }
        let wrongTree = text.replacingOccurrences(of: "tree: events\n    weight: EventWeight\n", with: "tree: evnts\n    weight: EventWeight\n")
        #expect(throws: ConfigError.self) {
            try AnalysisConfig.decode(wrongTree).resolve(
                baseDirectory: HZZReference.fixtures.appendingPathComponent("analysis"), branches: ROOTColumns.catalog)
        }
    }
}

/// The bundled example (fixtures/example, written by uproot with `std::vector<float>` jets)
/// against numpy histograms from tools/make_example.py.
@Suite struct ExampleAnalysisTests {
    struct Reference: Decodable {
        let histograms: [String: HZZReference.Contents]
    }

    let analysis: ResolvedAnalysis
    let histograms: AnalysisHistograms

    init() throws {
        let url = HZZReference.fixtures.appendingPathComponent("example/analysis.yml")
        analysis = try AnalysisConfig.load(contentsOf: url)
            .resolve(baseDirectory: url.deletingLastPathComponent(), branches: ROOTColumns.catalog)
        histograms = try AnalysisHistograms(analysis: analysis, events: AnalysisEvents(loading: analysis))
    }

    @Test func hardHistogramsMatchNumpy() throws {
        let reference = try JSONDecoder().decode(
            Reference.self,
            from: Data(contentsOf: HZZReference.fixtures.appendingPathComponent("analysis/example_reference.json")))
        #expect(histograms.events.samples.map(\.eventCount) == [5000, 50000])
        let filled = try histograms.fillHard(at: analysis.initialParameters)
        for (key, contents) in zip(histograms.keys, filled) {
            let weight = switch key.variation {
            case .nominal: "weight"
            case .up: "weight_up"
            case .down: "weight_down"
            }
            let expected = reference.histograms["\(analysis.samples[key.sample].name)/\(weight)"]!
            for j in 0..<3 {
                #expect(abs(contents.counts[j] - expected.counts[j]) <= 1e-9 * max(1, expected.counts[j]))
                #expect(abs(contents.sumw2[j] - expected.sumw2[j]) <= 1e-9 * max(1, expected.sumw2[j]))
            }
        }
    }

    @Test func softJacobianMatchesFiniteDifferences() throws {
        let theta = analysis.initialParameters
        let soft = try histograms.fillSoft(at: theta)
        for k in theta.indices {
            let h = 1e-4 * max(1, abs(theta[k]))
            var plus = theta, minus = theta
            plus[k] += h
            minus[k] -= h
            let fp = try histograms.fillSoft(at: plus), fm = try histograms.fillSoft(at: minus)
            for (i, filled) in soft.enumerated() {
                for j in 0..<3 {
                    let fd = (fp[i].counts[j] - fm[i].counts[j]) / (2 * h)
                    let scale = soft.map { $0.countsJacobian.map(abs).max()! }.max()!
                    let analytic = filled.countsJacobian[j * theta.count + k]
                    #expect(abs(analytic - fd) <= 1e-5 * max(abs(fd), 1e-3 * scale), "θ\(k) histogram \(i) bin \(j)")
                }
            }
        }
    }
}
