import Foundation
import Testing
import DiffColumns
@testable import Analysis

/// Random events (seeded) with 0–5 jets, for derivative and limit tests.
struct RandomEvents {
    let table: ColumnTable
    let environment = ExpressionEnvironment(
        branches: ["met": .scalar, "mass": .scalar, "jet_pt": .jagged, "jet_eta": .jagged],
        parameters: ["cut_met", "cut_jet", "scale_mass", "n_jets"])

    init(count: Int = 400, seed: UInt64 = 7) throws {
        var state = seed
        func uniform(_ range: ClosedRange<Double>) -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return range.lowerBound + Double(state >> 11) / Double(1 << 53) * (range.upperBound - range.lowerBound)
        }
        var met: [Double] = [], mass: [Double] = [], pt: [Double] = [], eta: [Double] = [], offsets = [0]
        for _ in 0..<count {
            met.append(uniform(0...200))
            mass.append(uniform(50...150))
            let jets = Int(uniform(0...5.999))
            for _ in 0..<jets {
                pt.append(uniform(20...150))
                eta.append(uniform(-2.5...2.5))
            }
            offsets.append(pt.count)
        }
        table = try ColumnTable([
            "met": DataColumn(met), "mass": DataColumn(mass),
            "jet_pt": DataColumn(values: pt, offsets: offsets), "jet_eta": DataColumn(values: eta, offsets: offsets),
        ])
    }

    /// Expects every parameter's soft tangent of `expression` to equal central differences
    /// (relative 1e-5, plus `slack` for the differences' rounding noise) and a parameter the
    /// expression does not use to have no tangent row; returns whether any parameter moves it.
    func expectTangentsMatchCentralDifferences(
        _ expression: CompiledExpression, source: String, theta: [Double], scales: [Double], slack: Double = 0
    ) throws -> Bool {
        let soft = try expression.evaluateSoft(on: table, parameters: theta, scales: scales)
        var moved = false
        for k in theta.indices {
            let h = 1e-5 * max(1, abs(theta[k]))
            var plus = theta, minus = theta
            plus[k] += h
            minus[k] -= h
            let fp = try expression.evaluateSoft(on: table, parameters: plus, scales: scales).values
            let fm = try expression.evaluateSoft(on: table, parameters: minus, scales: scales).values
            let analytic = soft.tangent(k)
            let fd = zip(fp, fm).map { ($0 - $1) / (2 * h) }
            let largest = fd.map(abs).max() ?? 0
            for i in fd.indices {
                let tolerance = 1e-5 * max(abs(fd[i]), 1e-3 * largest, 1e-8) + slack
                #expect(abs(analytic[i] - fd[i]) <= tolerance, "\(source) ∂/∂θ\(k) event \(i): \(analytic[i]) vs \(fd[i])")
            }
            moved = moved || largest > 0
            #expect(expression.parameters.contains(environment.parameters[k]) || !soft.activeParameters.contains(k))
        }
        return moved
    }
}

@Suite struct SoftEvaluationTests {
    let events: RandomEvents
    let theta = [80.0, 45, 1.1, 2.2]
    let scales = [5.0, 4, 0.05, 0.5]

    init() throws { events = try RandomEvents() }

    static let expressions = [
        "met > cut_met",
        "met < cut_met && jet_pt[0] > cut_jet",
        "met > cut_met || !(jet_pt[1] <= cut_jet)",
        "any(jet_pt > cut_jet) && all(abs(jet_eta) < 2)",
        "sum(jet_pt > cut_jet) >= n_jets",
        "mass * scale_mass",
        "sqrt(mass * scale_mass) + pow(met + 1, scale_mass) / log(met + cut_met)",
        "max(jet_pt * scale_mass) - min(jet_pt, cut_jet)[0] + sum(jet_pt) / (1 + cut_jet)",
        "exp(-met / cut_met) * sum(jet_pt > cut_jet * scale_mass)",
    ]

    @Test(arguments: expressions)
    func derivativesMatchFiniteDifferences(source: String) throws {
        let expression = try CompiledExpression(source, environment: events.environment)
        let moved = try events.expectTangentsMatchCentralDifferences(expression, source: source, theta: theta, scales: scales)
        #expect(moved, "\(source) should depend on a parameter")
    }

    @Test(arguments: expressions)
    func softTendsToHardAsScalesShrink(source: String) throws {
        let expression = try CompiledExpression(source, environment: events.environment)
        let hard = try expression.evaluate(on: events.table, parameters: theta)
        let soft = try expression.evaluateSoft(on: events.table, parameters: theta, scales: scales.map { $0 * 1e-9 })
        for i in hard.indices {
            #expect(abs(soft.values[i] - hard[i]) <= 1e-9 * max(1, abs(hard[i])), "\(source) event \(i)")
        }
        // At the working scales the soft selection really is soft somewhere.
        if expression.type == .boolean {
            let relaxed = try expression.evaluateSoft(on: events.table, parameters: theta, scales: scales)
            #expect(relaxed.values.contains { $0 > 0.01 && $0 < 0.99 })
            #expect(relaxed.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
    }

    @Test(arguments: expressions)
    func hoistingKeepsValuesAndDerivatives(source: String) throws {
        let expression = try CompiledExpression(source, environment: events.environment)
        var store: [String: DataColumn] = [:]
        let hoisted = try expression.hoistingParameterFreeParts(of: events.table, into: &store)
        let table = try ColumnTable(events.table.columns.merging(store) { a, _ in a })
        let original = try expression.evaluateSoft(on: events.table, parameters: theta, scales: scales)
        #expect(try hoisted.evaluateSoft(on: table, parameters: theta, scales: scales) == original)
        #expect(try hoisted.evaluate(on: table, parameters: theta) == expression.evaluate(on: events.table, parameters: theta))
        // Only parameter-free parts were precomputed; each is stored under its text.
        #expect(store.keys.allSatisfy { $0.hasPrefix("#") })
        if source == "met < cut_met && jet_pt[0] > cut_jet" {
            #expect(Set(store.keys) == ["#jet_pt[0]"])
        }
    }

    @Test func comparisonsWithoutParametersStayHard() throws {
        let expression = try CompiledExpression("met > 100 && len(jet_pt) >= 2", environment: events.environment)
        let soft = try expression.evaluateSoft(on: events.table, parameters: theta, scales: scales)
        #expect(soft.values == (try expression.evaluate(on: events.table, parameters: theta)))
        #expect(soft.activeParameters.isEmpty)
    }

    @Test func softCutIsTheSigmoid() throws {
        let expression = try CompiledExpression("met > cut_met", environment: events.environment)
        let soft = try expression.evaluateSoft(on: events.table, parameters: theta, scales: scales)
        let met = try events.table.column(named: "met").values
        for i in met.indices {
            let expected = 1 / (1 + exp(-(met[i] - 80) / 5))
            #expect(abs(soft.values[i] - expected) < 1e-14)
            #expect(abs(soft.tangent(0)[i] + expected * (1 - expected) / 5) < 1e-14)
        }
    }
}
