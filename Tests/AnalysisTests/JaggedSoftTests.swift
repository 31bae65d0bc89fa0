import Foundation
import Testing
import DiffColumns
@testable import Analysis

/// Masked jagged collections, soft counts and ranks: hard values by hand, derivatives against
/// finite differences, the hard limit, and hoisting.
@Suite struct JaggedSoftTests {
    /// Four events, by hand: three jets, none, one, and three with a tie at 40 GeV. `jet_m` is NaN
    /// for the jets a 30 GeV cut removes.
    static func fixture() throws -> (ColumnTable, ExpressionEnvironment) {
        let offsets = [0, 3, 3, 4, 7]
        let table = try ColumnTable([
            "met": DataColumn([10.0, 20, 30, 40]),
            "jet_pt": DataColumn(values: [50.0, 20, 70, 35, 10, 40, 40], offsets: offsets),
            "jet_eta": DataColumn(values: [0.5, -1, 2, 1.5, 0, 1, -2], offsets: offsets),
            "jet_m": DataColumn(values: [5.0, .nan, 7, 3, .infinity, 4, 6], offsets: offsets),
        ])
        let environment = ExpressionEnvironment(
            branches: ["met": .scalar, "jet_pt": .jagged, "jet_eta": .jagged, "jet_m": .jagged], parameters: ["cut_jet"])
        return (table, environment)
    }

    static let d = -1.0  // out_of_range_default in these tests
    static let hardCases: [(String, [Double])] = [
        ("len(jet_pt[jet_pt > cut_jet])", [2, 0, 1, 2]),
        ("sum(jet_pt[jet_pt > cut_jet])", [120, 0, 35, 80]),
        ("sum(jet_m[jet_pt > cut_jet])", [12, 0, 3, 10]),
        ("sum(jet_pt[jet_pt > cut_jet && abs(jet_eta) < 1.8])", [50, 0, 35, 40]),
        ("sum(jet_pt > cut_jet)", [2, 0, 1, 2]),
        ("max(jet_pt[jet_pt > cut_jet])", [70, d, 35, 40]),
        ("min(jet_pt[jet_pt > cut_jet])", [50, d, 35, 40]),
        ("max(jet_m[jet_pt > cut_jet])", [7, d, 3, 6]),
        ("jet_pt[jet_pt > cut_jet][0]", [50, d, 35, 40]),
        ("jet_pt[jet_pt > cut_jet][1]", [70, d, d, 40]),
        ("jet_eta[jet_pt > cut_jet][1]", [2, d, d, -2]),
        ("at(jet_pt[jet_pt > cut_jet], 1, -7)", [70, -7, -7, 40]),
        ("leading(jet_pt[jet_pt > cut_jet], 1)", [50, d, d, 40]),
        ("leading(jet_pt, 2)", [20, d, d, 10]),
        ("jet_eta[argmax(jet_pt[jet_pt > cut_jet])]", [2, d, 1.5, 1]),
        ("jet_eta[argmin(jet_pt[jet_pt > cut_jet])]", [0.5, d, 1.5, 1]),
        ("jet_eta[argleading(jet_pt, 1)]", [0.5, d, d, -2]),
        ("jet_eta[argleading(jet_pt[jet_pt > cut_jet], 1)]", [0.5, d, d, -2]),
        ("jet_m[argmax(jet_pt)] * 2", [14, 2 * d, 6, 8]),
        ("len(jet_pt[jet_pt > cut_jet]) >= 2", [1, 0, 0, 1]),
        ("len(jet_pt[jet_pt > cut_jet]) > 1", [1, 0, 0, 1]),
        ("len(jet_pt[jet_pt > cut_jet]) > 1.5", [1, 0, 0, 1]),
        ("len(jet_pt[jet_pt > cut_jet]) < 2", [0, 1, 1, 0]),
        ("len(jet_pt[jet_pt > cut_jet]) <= 1", [0, 1, 1, 0]),
        ("len(jet_pt[jet_pt > cut_jet]) == 1", [0, 0, 1, 0]),
        ("len(jet_pt[jet_pt > cut_jet]) != 1", [1, 1, 0, 1]),
        ("len(jet_pt[jet_pt > cut_jet]) == 1.5", [0, 0, 0, 0]),
        ("2 <= len(jet_pt[jet_pt > cut_jet])", [1, 0, 0, 1]),
        ("len(jet_pt[jet_pt > cut_jet]) >= met / 10", [1, 0, 0, 0]),
        ("any(jet_eta[jet_pt > cut_jet] > 1)", [1, 0, 1, 0]),
        ("all(abs(jet_eta[jet_pt > cut_jet]) < 1.8)", [0, 1, 1, 0]),
        ("len(jet_pt[jet_pt > cut_jet][jet_eta[jet_pt > cut_jet] > 0])", [2, 0, 1, 1]),
        ("len(jet_pt[jet_pt > cut_jet && jet_eta > 0] * 2)", [2, 0, 1, 1]),
        ("len(jet_pt[jet_pt > 45])", [2, 0, 0, 0]),
    ]

    /// `build`'s evaluation is the plain hard operation on the selected objects.
    @Test(arguments: hardCases)
    func hardValuesAreTheSelectedObjects(source: String, expected: [Double]) throws {
        let (table, environment) = try Self.fixture()
        let expression = try CompiledExpression(
            source, environment: environment, options: ExpressionOptions(outOfRangeDefault: Self.d))
        #expect(try expression.evaluate(on: table, parameters: [30]) == expected, "\(source)")
        // Soft at a vanishing scale: the same (no element sits on the cut).
        let soft = try expression.evaluateSoft(on: table, parameters: [30], scales: [1e-9])
        #expect(soft.values == expected, "\(source) soft")
        // Hoisted (the optimiser's form) evaluates the same.
        var store: [String: DataColumn] = [:]
        let hoisted = try expression.hoistingParameterFreeParts(of: table, into: &store)
        let merged = try ColumnTable(table.columns.merging(store) { a, _ in a })
        #expect(try hoisted.evaluate(on: merged, parameters: [30]) == expected, "\(source) hoisted")
    }

    /// Masks, counts and ranks on a real ROOT file against awkward (tools/make_jagged_reference.py).
    @Test func hardValuesAgreeWithAwkward() throws {
        struct Reference: Decodable {
            let parameters: [String: Double]
            let events: Int
            let expressions: [String: [Double]]
        }
        let reference = try JSONDecoder().decode(
            Reference.self, from: Data(contentsOf: HZZReference.fixtures.appendingPathComponent("analysis/jagged_reference.json")))
        let file = HZZReference.fixtures.appendingPathComponent("root/uproot-HZZ-zlib.root")
        let names = ["cut_pt", "cut_iso"]
        let environment = ExpressionEnvironment(branches: try ROOTColumns.catalog(files: [file], tree: "events"), parameters: names)
        #expect(reference.expressions.count == 14)
        for (source, expected) in reference.expressions {
            let expression = try CompiledExpression(source, environment: environment)
            let table = try ROOTColumns.load(branches: expression.branches, files: [file], tree: "events")
            let values = try expression.evaluate(on: table, parameters: names.map { reference.parameters[$0]! })
            #expect(values.count == reference.events)
            let mismatches = zip(values, expected).filter { abs($0 - $1) > 1e-12 * max(1, abs($1)) }
            #expect(mismatches.isEmpty, "\(source): \(mismatches.count) events differ, first \(mismatches.first.map { "\($0)" } ?? "")")
        }
    }

    /// `x[expression]` parses as a mask or selector; integer literals stay indices, with their errors.
    @Test func maskSyntax() throws {
        let e = try Expression.parse("jet_pt[jet_pt > 3][0]")
        guard case .index(let masked, 0) = e.node, case .select(let base, let condition) = masked.node else {
            Issue.record("unexpected tree \(e.node)")
            return
        }
        #expect(base.node == .name("jet_pt") && masked.span == 0..<18 && condition.span == 7..<17)
        #expect(try Expression.parse("y[argmax(x)]").depth == 3)
        for (source, message) in [
            ("jet_pt[-1]", "an index must be a non-negative integer literal, found '-'"),
            ("jet_pt[x > 1", "expected ']' to close '[' at column 7, found end of expression"),
        ] {
            #expect(throws: ExpressionError.self) { try Expression.parse(source) }
            do { _ = try Expression.parse(source) } catch { #expect(error.message == message) }
        }
    }

    @Test(arguments: [
        ("jet_pt[met > 3]", "an index must be an integer literal, a jagged array of booleans (a mask like x > 30) or a selector (argmax, argmin, argleading), but this is a boolean"),
        ("jet_pt[jet_pt * 2]", "an index must be an integer literal, a jagged array of booleans (a mask like x > 30) or a selector (argmax, argmin, argleading), but this is a jagged array of numbers"),
        ("met[jet_pt > 3] > 1", "indexing with a mask or a selector needs a jagged array, but this is a number"),
        ("argmax(jet_pt) > 1", "'>' needs numbers, but this is an element selector (argmax, argmin, argleading)"),
        ("len(argmax(jet_pt)) > 1", "len reduces a jagged array, but this is an element selector (argmax, argmin, argleading)"),
        ("leading(jet_pt, met) > 1", "leading's second argument must be a non-negative integer literal"),
        ("argmax(jet_pt)[0] > 1", "only a jagged array can be indexed, but this is an element selector (argmax, argmin, argleading)"),
        ("sum(jet_pt[jet_pt > 3])", nil),
    ] as [(String, String?)])
    func typeErrors(source: String, message: String?) throws {
        let (_, environment) = try Self.fixture()
        do {
            _ = try CompiledExpression(source, environment: environment)
            #expect(message == nil, "\(source) compiled")
        } catch {
            #expect(error.message == message, "\(source)")
        }
    }

    static let softExpressions = [
        "len(jet_pt[jet_pt > cut_jet])",
        "sum(jet_pt[jet_pt > cut_jet && abs(jet_eta) < 2])",
        "max(jet_pt[jet_pt > cut_jet])",
        "min(jet_pt[jet_pt > cut_jet]) + leading(jet_pt[jet_pt > cut_jet], 1)",
        "jet_pt[jet_pt > cut_jet][1]",
        "jet_eta[argmax(jet_pt[jet_pt > cut_jet])]",
        "jet_eta[argleading(jet_pt[jet_eta > 0 && jet_pt > cut_jet], 1)]",
        "jet_eta[argmax(jet_pt * scale_mass)]",
        "max(jet_pt[jet_pt * scale_mass > cut_jet] * scale_mass)",
        "len(jet_pt[jet_pt > cut_jet]) >= 2",
        "len(jet_pt[jet_pt > cut_jet]) == 1 || len(jet_pt[jet_pt > cut_met]) < 3",
        "any(jet_eta[jet_pt > cut_jet] > 1) && all(jet_eta[jet_pt > cut_jet] < 2)",
        "len(jet_pt[jet_pt > cut_jet]) > n_jets",
        "met > cut_met && len(jet_pt[jet_pt > cut_jet][jet_eta[jet_pt > cut_jet] > 0]) >= 1",
    ]

    /// Forward-mode tangents of every soft kernel against central differences (relative 1e-5).
    @Test(arguments: softExpressions)
    func derivativesMatchFiniteDifferences(source: String) throws {
        let events = try RandomEvents()
        let theta = [80.0, 45, 1.1, 2.2], scales = [5.0, 4, 0.05, 0.5]
        let expression = try CompiledExpression(source, environment: events.environment)
        // Plus the differences' rounding noise (values of order 1, ε/h ≈ 1e-13).
        let moved = try events.expectTangentsMatchCentralDifferences(expression, source: source, theta: theta, scales: scales, slack: 1e-11)
        #expect(moved, "\(source) should depend on a parameter")
        // The hard limit: the soft value tends to the hard one as the scales shrink.
        let hard = try expression.evaluate(on: events.table, parameters: theta)
        let sharp = try expression.evaluateSoft(on: events.table, parameters: theta, scales: scales.map { $0 * 1e-9 })
        for i in hard.indices {
            #expect(abs(sharp.values[i] - hard[i]) <= 1e-9 * max(1, abs(hard[i])), "\(source) event \(i)")
        }
        // Hoisting keeps values and derivatives.
        var store: [String: DataColumn] = [:]
        let hoisted = try expression.hoistingParameterFreeParts(of: events.table, into: &store)
        let table = try ColumnTable(events.table.columns.merging(store) { a, _ in a })
        #expect(try hoisted.evaluateSoft(on: table, parameters: theta, scales: scales)
            == (try expression.evaluateSoft(on: events.table, parameters: theta, scales: scales)))
    }

    /// The soft count comparison is the Poisson-binomial probability, by hand for one event.
    @Test func softAtLeastTwoIsThePoissonBinomialTail() throws {
        let table = try ColumnTable(["jet_pt": DataColumn(values: [50.0, 40, 30], offsets: [0, 3])])
        let environment = ExpressionEnvironment(branches: ["jet_pt": .jagged], parameters: ["cut_jet"])
        let expression = try CompiledExpression("len(jet_pt[jet_pt > cut_jet]) >= 2", environment: environment)
        let soft = try expression.evaluateSoft(on: table, parameters: [40], scales: [5])
        let w = [50.0, 40, 30].map { 1 / (1 + exp(-($0 - 40) / 5)) }
        let none = (1 - w[0]) * (1 - w[1]) * (1 - w[2])
        let one = w[0] * (1 - w[1]) * (1 - w[2]) + (1 - w[0]) * w[1] * (1 - w[2]) + (1 - w[0]) * (1 - w[1]) * w[2]
        #expect(abs(soft.values[0] - (1 - none - one)) < 1e-15)
        // The soft count itself is Σw.
        let count = try CompiledExpression("len(jet_pt[jet_pt > cut_jet])", environment: environment)
        #expect(abs(try count.evaluateSoft(on: table, parameters: [40], scales: [5]).values[0] - w.reduce(0, +)) < 1e-14)
    }

    /// fixtures/example/jagged_analysis.yml: the example's leading-jet cut as "at least one jet
    /// above cut_jet". Hard (what `build` writes) it is the example's workspace exactly (the jets
    /// are pT-ordered); soft, the optimiser moves cut_jet up from 30 GeV towards the example's
    /// optimum (95 GeV) and lowers the objective.
    @Test func optimisingACutInsideAMaskMovesIt() throws {
        let jagged = try LoadedAnalysis(config: HZZReference.fixtures.appendingPathComponent("example/jagged_analysis.yml"))
        let example = Example.loaded
        for theta in [jagged.analysis.initialParameters, [70, 95, 116, 136], [0, 140, 100, 150]] {
            #expect(try jagged.histograms.hardWorkspace(at: theta) == example.histograms.hardWorkspace(at: theta))
        }
        var settings = jagged.analysis.optimizer
        settings.steps = 15
        let function = try AnalysisObjectiveFunction(histograms: jagged.histograms, objective: ExpectedCLsObjective(), kernel: .kde)
        let start = jagged.analysis.initialParameters
        let (trajectory, optimum) = try AnalysisOptimizer(function: function, settings: settings).run(from: start)
        let cutJet = try #require(jagged.analysis.parameters.firstIndex { $0.name == "cut_jet" })
        #expect(trajectory[0].gradient[cutJet] < 0, "d CLs / d cut_jet at 30 GeV: \(trajectory[0].gradient[cutJet])")
        #expect(optimum[cutJet] > start[cutJet] + 10, "cut_jet \(start[cutJet]) → \(optimum[cutJet])")
        #expect(trajectory.last!.objective < 0.8 * trajectory.first!.objective)
    }
}
