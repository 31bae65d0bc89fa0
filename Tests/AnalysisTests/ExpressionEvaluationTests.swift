import Foundation
import Testing
import DiffColumns
@testable import Analysis

/// Eight hand-written events, including ones without jets.
struct SmallEvents {
    let met: [Double] = [10, 60, 120, 250, 45, 80, 300, 55]
    let jetPt: [[Double]] = [[], [50, 20], [35], [120, 80, 40], [], [22, 21, 20, 19], [90], [60, 30]]
    let jetEta: [[Double]] = [[], [0.5, -1], [2], [0.1, 0.2, -0.3], [], [1, 1, 1, 1], [-2], [0, 0]]
    /// Same event count, different multiplicities from the jets.
    let lepPt: [[Double]] = [[10], [20], [30], [40], [50], [60], [70], [80]]

    func table() throws -> ColumnTable {
        func jagged(_ rows: [[Double]]) throws -> DataColumn {
            var offsets = [0]
            for row in rows { offsets.append(offsets.last! + row.count) }
            return try DataColumn(values: rows.flatMap { $0 }, offsets: offsets)
        }
        return try ColumnTable([
            "met": DataColumn(met.map { Float($0) }),  // a Float branch
            "njet": DataColumn(jetPt.map { Int32($0.count) }),
            "jet_pt": jagged(jetPt), "jet_eta": jagged(jetEta), "lep_pt": jagged(lepPt),
        ])
    }

    var environment: ExpressionEnvironment {
        ExpressionEnvironment(
            branches: ["met": .scalar, "njet": .scalar, "jet_pt": .jagged, "jet_eta": .jagged, "lep_pt": .jagged],
            parameters: ["cut_met", "cut_jet", "power"])
    }
}

@Suite struct HardEvaluationTests {
    let events = SmallEvents()
    let theta = [70.0, 30, 1.5]

    func evaluate(_ source: String, options: ExpressionOptions = ExpressionOptions()) throws -> [Double] {
        try CompiledExpression(source, environment: events.environment, options: options)
            .evaluate(on: events.table(), parameters: theta)
    }

    /// Each expression against the same quantity written out per event in plain Swift.
    @Test func matchesPerEventComputation() throws {
        let met = events.met, jets = events.jetPt, eta = events.jetEta
        func bool(_ b: Bool) -> Double { b ? 1 : 0 }
        let cases: [(String, [Double])] = [
            ("met > cut_met", met.map { bool($0 > 70) }),
            ("met >= 60 && njet >= 2", zip(met, jets).map { bool($0 >= 60 && $1.count >= 2) }),
            ("!(met < 100) || njet == 1", zip(met, jets).map { bool(!($0 < 100) || $1.count == 1) }),
            ("met != 45", met.map { bool($0 != 45) }),
            ("-met / 2 + 3 * njet", zip(met, jets).map { -$0 / 2 + 3 * Double($1.count) }),
            ("sqrt(met) + abs(50 - met)", met.map { $0.squareRoot() + abs(50 - $0) }),
            ("log(met) - exp(met / 100)", met.map { log($0) - exp($0 / 100) }),
            ("pow(met, power) + min(met, 100) - max(met, 100)", met.map { pow($0, 1.5) + min($0, 100) - max($0, 100) }),
            ("len(jet_pt)", jets.map { Double($0.count) }),
            ("sum(jet_pt)", jets.map { $0.reduce(0, +) }),
            ("min(jet_pt)", jets.map { $0.min() ?? 0 }),
            ("max(jet_pt)", jets.map { $0.max() ?? 0 }),
            ("any(jet_pt > 45)", jets.map { bool($0.contains { $0 > 45 }) }),
            ("all(jet_pt > cut_jet)", jets.map { bool($0.allSatisfy { $0 > 30 }) }),
            ("sum(jet_pt > 25)", jets.map { Double($0.filter { $0 > 25 }.count) }),
            ("sum(jet_pt * jet_eta)", zip(jets, eta).map { zip($0, $1).map { $0 * $1 }.reduce(0, +) }),
            ("any(jet_pt > met / 2)", zip(jets, met).map { j, m in bool(j.contains { $0 > m / 2 }) }),
            ("jet_pt[0]", jets.map { $0.first ?? 0 }),
            ("jet_pt[1] + jet_eta[1]", zip(jets, eta).map { ($0.count > 1 ? $0[1] : 0) + ($1.count > 1 ? $1[1] : 0) }),
            ("at(jet_pt, 2, -99)", jets.map { $0.count > 2 ? $0[2] : -99 }),
            ("max(abs(jet_eta)) < 1.5", eta.map { bool(($0.map(abs).max() ?? 0) < 1.5) }),
        ]
        for (source, expected) in cases {
            #expect(try evaluate(source) == expected, "\(source)")
        }
    }

    @Test func outOfRangeDefaultIsConfigurable() throws {
        let options = ExpressionOptions(outOfRangeDefault: -1)
        #expect(try evaluate("jet_pt[1]", options: options) == events.jetPt.map { $0.count > 1 ? $0[1] : -1 })
        #expect(try evaluate("min(jet_pt)", options: options) == events.jetPt.map { $0.min() ?? -1 })
        // at() overrides the configured default.
        #expect(try evaluate("at(jet_pt, 1, 7)", options: options) == events.jetPt.map { $0.count > 1 ? $0[1] : 7 })
    }

    @Test func jaggedArraysOfDifferentLengthsAreADataError() throws {
        let expression = try CompiledExpression("sum(jet_pt * lep_pt) > 0", environment: events.environment)
        do {
            _ = try expression.evaluate(on: events.table(), parameters: theta)
            Issue.record("expected an error")
        } catch let error as ExpressionError {
            #expect(error.kind == .data)
            #expect(error.message == "'jet_pt' and 'lep_pt' have different lengths in event 0 (0 and 1)")
        }
    }

    @Test func malformedColumnsAreRejected() {
        #expect(throws: ColumnError.self) { try DataColumn(values: [1, 2, 3], offsets: [0, 2]) }
        #expect(throws: ColumnError.self) { try DataColumn(values: [1, 2], offsets: [0, 2, 1, 2]) }
        #expect(throws: ColumnError.self) { try ColumnTable(["a": DataColumn([1.0]), "b": DataColumn([1.0, 2])]) }
    }
}
