import Foundation
import HistFactory
import Testing
@testable import Inference

/// pyhf 0.7.6 numbers for the five statistics (tools/make_test_statistic_reference.py).
struct TestStatisticReference: Decodable {
    struct Toys: Decodable { var ntoys: Int; var CLs_obs: Double; var CLs_exp: [Double] }
    struct Row: Decodable {
        var mu: Double
        var value: Double
        var asimov_value: Double
        var CLs_obs: Double
        var CLs_exp: [Double]
        var toys: Toys?
    }
    var cases: [String: [String: Row]]

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/inference")
    static let file = try! JSONDecoder().decode(
        TestStatisticReference.self, from: Data(contentsOf: directory.appendingPathComponent("test_statistics.json")))

    static func likelihood(_ name: String) throws -> HistFactoryLikelihood {
        try HistFactoryLikelihood(workspace: try JSONDecoder().decode(
            Workspace.self, from: Data(contentsOf: directory.appendingPathComponent(name + ".json"))))
    }

    /// (workspace, statistic) pairs of the reference.
    static var pairs: [(String, String)] {
        file.cases.keys.sorted().flatMap { c in file.cases[c]!.keys.sorted().map { (c, $0) } }
    }
}

@Suite struct TestStatisticTests {
    @Test(arguments: TestStatisticReference.pairs)
    func valuesAndAsymptoticCLsMatchTheReference(_ workspace: String, _ name: String) throws {
        let row = TestStatisticReference.file.cases[workspace]![name]!
        let likelihood = try TestStatisticReference.likelihood(workspace)
        let statistic = try #require(TestStatistic(rawValue: name))
        let calculator = try AsymptoticCalculator(fitter: Fitter(likelihood), data: likelihood.observedData, testStatistic: statistic)
        let result = try calculator.hypotest(row.mu)
        #expect(abs(result.observedStatistic - row.value) < 1e-6 * max(1, row.value), "\(name): q \(result.observedStatistic) vs \(row.value)")
        #expect(abs(result.asimovStatistic - row.asimov_value) < 1e-6 * max(1, row.asimov_value), "\(name): q_A \(result.asimovStatistic) vs \(row.asimov_value)")
        #expect(relativeDifference(result.clsObserved, row.CLs_obs) < 1e-5, "\(name): CLs \(result.clsObserved) vs \(row.CLs_obs)")
        for (a, b) in zip(result.clsExpected, row.CLs_exp) {
            #expect(relativeDifference(a, b) < 1e-5, "\(name): CLs_exp \(result.clsExpected) vs \(row.CLs_exp)")
        }
    }

    /// Toys: pyhf's for q0, q, q̃ (another random generator: agreement within the statistical error of
    /// 1000 toys); for t and t̃, which pyhf's calculators lack, the asymptotic reference (the model
    /// has ~50 events per bin, where the Wald approximation holds to a few per cent).
    @Test(arguments: TestStatisticReference.pairs)
    func toysAgreeWithinTheirStatisticalError(_ workspace: String, _ name: String) throws {
        let row = TestStatisticReference.file.cases[workspace]![name]!
        let likelihood = try TestStatisticReference.likelihood(workspace)
        let statistic = try #require(TestStatistic(rawValue: name))
        let result = try ToyCalculator(fitter: Fitter(likelihood), data: likelihood.observedData, testStatistic: statistic, toys: 1000, seed: 3)
            .hypotest(row.mu)
        let reference = row.toys?.CLs_obs ?? row.CLs_obs
        // The standard error of a p-value p from 1000 toys is √(p(1−p)/1000) ≤ 0.016; CLs divides by CL_b.
        #expect(abs(result.clsObserved - reference) < 0.05, "\(name): toys \(result.clsObserved) vs \(reference)")
        let expectedReference = row.toys?.CLs_exp ?? row.CLs_exp
        #expect(abs(result.clsExpected[2] - expectedReference[2]) < 0.05, "\(name): toys median \(result.clsExpected) vs \(expectedReference)")
        #expect(result.observedStatistic == row.value || abs(result.observedStatistic - row.value) < 1e-6 * max(1, row.value))
    }

    @Test(arguments: ["q0", "tmu", "tmu_tilde"])
    func statisticsThatAreNotOneSidedGiveNoLimit(_ name: String) throws {
        let likelihood = try TestStatisticReference.likelihood("teststat_bounded")
        var options = UpperLimitOptions()
        options.testStatistic = try #require(TestStatistic(rawValue: name))
        for run in [{ try Fitter(likelihood).upperLimit(data: likelihood.observedData, options: options) },
                    { try Fitter(likelihood).upperLimitScan(data: likelihood.observedData, values: [0, 1, 2], options: options) }] {
            do {
                _ = try run()
                Issue.record("\(name) gave a limit")
            } catch InferenceError.invalidArgument(let message) {
                #expect(message.hasPrefix("upper limits need a one-sided statistic (q, qtilde): \(name) is not zero above μ̂"))
            }
        }
    }

    @Test func namesRoundTrip() throws {
        #expect(TestStatistic.allCases.map(\.rawValue) == ["q0", "q", "qtilde", "tmu", "tmu_tilde"])
        for statistic in TestStatistic.allCases {
            let data = try JSONEncoder().encode([statistic])
            #expect(try JSONDecoder().decode([TestStatistic].self, from: data) == [statistic])
        }
        #expect(TestStatistic(rawValue: "qmu") == nil)
    }
}
