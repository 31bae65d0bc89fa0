import Foundation
import Testing
@testable import Analysis

/// Replays fixtures/regressions/analysis/: the issue's reproductions and the inputs that crashed
/// Fuzz/FuzzAnalysisConfig, through the fuzz target's pipeline (decode, resolve against fixed
/// branches, fill every histogram hard and soft on a few events). Each must finish with a result
/// or an error, and the known ones give their message.
@Suite struct FuzzRegressionTests {
    static let folder = HZZReference.fixtures.appendingPathComponent("regressions/analysis")

    static var inputs: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// The message expected from each reproduction of issue 9 (crashers found by fuzzing only
    /// have to finish).
    static let expected: [String: String] = [
        "issue9-deep-parentheses.yml": "regions[0].selection: expression '((((",
        "issue9-long-sum.yml": "regions[0].observable: expression 'x+x+x",
        "issue9-unary-minus.yml": "regions[0].observable: expression '----",
        "issue9-billion-steps.yml": "optimizer.steps: 1000000000 exceeds the limit of 100000 steps",
        // Stack overflows in Yams's recursive composer (found by hand while fuzzing), and an
        // alias expansion of 9^9 nodes.
        "deep-yaml-flow.yml": "line 1: nested deeper than 64 levels",
        "deep-yaml-block.yml": "line 65: nested deeper than 64 levels",
        "yaml-alias-expansion.yml": "line 2: YAML aliases (*name) are not supported in analysis configs",
        "issue9-nonfinite-observable.yml":
            "region 'SR', sample 'signal': observable 'log(-mass - 1)' is not finite for any selected event (NaN for event 0)",
    ]

    static let branches: [String: ColumnShape] = [
        "x": .scalar, "y": .scalar, "met": .scalar, "mass": .scalar, "weight": .scalar, "weight_up": .scalar,
        "n": .scalar, "jet_pt": .jagged, "jet_eta": .jagged, "jet_pt_up": .jagged, "jet_pt_down": .jagged,
    ]

    static let events: ColumnTable = {
        let offsets = [0, 2, 2, 5, 6, 8]
        let jagged = { (values: [Double]) in try! DataColumn(values: values, offsets: offsets) }
        return try! ColumnTable([
            "x": DataColumn([0, 1.5, -2, 3e5, 7]), "y": DataColumn([1, 0, -1, 2, 0.5]),
            "met": DataColumn([10, 55, 120, 0, 80]), "mass": DataColumn([91, 125, 60, 300, 124]),
            "weight": DataColumn([1, 0.5, 2, 1, 1.5]), "weight_up": DataColumn([1.1, 0.6, 2.1, 1.2, 1.4]),
            "n": DataColumn([2, 0, 3, 1, 2]),
            "jet_pt": jagged([50, 30, 80, 45, 25, 120, 60, 41]), "jet_eta": jagged([0.1, -1, 2, 0, -2.4, 1.1, 0.3, -0.3]),
            "jet_pt_up": jagged([52, 31, 83, 47, 26, 124, 62, 42]), "jet_pt_down": jagged([48, 29, 77, 43, 24, 116, 58, 40]),
        ])
    }()

    /// The fuzz target's pipeline; the first error's description, or nil.
    static func replay(_ bytes: [UInt8]) -> String? {
        do {
            let text = String(decoding: bytes, as: UTF8.self)
            let config = try AnalysisConfig.decode(text, json: bytes.first == UInt8(ascii: "{"))
            let analysis = try config.resolve(baseDirectory: URL(fileURLWithPath: "/fuzz")) { _, _ in branches }
            var alternatives: [Int: (up: ColumnTable, down: ColumnTable)] = [:]
            for (k, systematic) in analysis.systematics.enumerated() {
                if case .histoSys(.files) = systematic.kind { alternatives[k] = (events, events) }
            }
            let histograms = try AnalysisHistograms(
                analysis: analysis,
                events: AnalysisEvents(samples: Array(repeating: events, count: analysis.samples.count), alternatives: alternatives))
            let theta = analysis.initialParameters
            _ = try histograms.checkedHardWorkspace(at: theta)
            _ = try histograms.fillSoft(at: theta, relaxation: 0.5, kernel: .kde)
            _ = try histograms.fillSoft(at: theta, relaxation: 1, kernel: .sigmoid)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// Seeds of the fuzz corpus that use every part of a config: they must go through whole.
    static let seeds = ["fuzz-seed-full.yml", "fuzz-seed.json", "fuzz-seed-jagged.yml"]

    @Test(arguments: seeds) func seedsGoThrough(_ name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: Self.folder.appendingPathComponent(name)))
        #expect(Self.replay(bytes) == nil)
    }

    @Test func everyReproductionIsPresent() {
        #expect(Set(Self.expected.keys).union(Self.seeds).isSubset(of: Set(Self.inputs)))
    }

    @Test(arguments: inputs) func replays(_ name: String) throws {
        let bytes = [UInt8](try Data(contentsOf: Self.folder.appendingPathComponent(name)))
        let outcome = Self.replay(bytes)
        if let expected = Self.expected[name] {
            #expect(outcome?.hasPrefix(expected) == true, "\(name): \(outcome ?? "no error")")
        }
    }
}
