import Foundation
import HistFactory
import Inference
import Testing
@testable import hepkit

/// A test statistic defined outside the Inference module with its public API only: `q̃_μ` written
/// again under another name, without the closed-form shortcut of the limit search. It must give
/// what the built-in `qtilde` gives through the path `hepkit cls` uses (asymptotics and toys) and
/// through the limit search.
struct OutsideQTilde: SigmaSpaceTestStatistic {
    var name: String { "outside_qtilde" }
    var isOneSidedUpperLimit: Bool { true }
    func value(poiValue mu: Double, fixedTwiceNLL: Double, freeTwiceNLL: Double, muHat: Double) -> Double {
        muHat > mu ? 0 : max(fixedTwiceNLL - freeTwiceNLL, 0)
    }
    func sigmaSpaceValue(q: Double, qA: Double) -> Double {
        let sqrtQ = q.squareRoot(), sqrtQA = qA.squareRoot()
        return sqrtQ > sqrtQA && sqrtQA > 0 ? (q - qA) / (2 * sqrtQA) : sqrtQ - sqrtQA
    }
}

@Suite struct CustomTestStatisticTests {
    static func likelihood() throws -> HistFactoryLikelihood {
        let url = HEPKitProcess.repository.appendingPathComponent("fixtures/inference/teststat_bounded.json")
        return try HistFactoryLikelihood(workspace: try JSONDecoder().decode(Workspace.self, from: Data(contentsOf: url)))
    }

    @Test(arguments: [CLsCommand.Calculator.asymptotics, .toybased])
    func customStatisticRunsThroughTheCLsPath(_ calculator: CLsCommand.Calculator) throws {
        let likelihood = try Self.likelihood()
        let custom = TestStatistic(OutsideQTilde())
        let ours = try hypothesisTest(likelihood, statistic: custom, calculator: calculator, poiValue: 1, toys: 300, seed: 5)
        let builtIn = try hypothesisTest(likelihood, statistic: .qtilde, calculator: calculator, poiValue: 1, toys: 300, seed: 5)
        #expect(ours.testStatistic.rawValue == "outside_qtilde")
        #expect(ours.clsObserved == builtIn.clsObserved)
        #expect(ours.clsExpected == builtIn.clsExpected)
        // pyhf 0.7.6 (fixtures/inference/test_statistics.json) for the asymptotic CLs.
        if calculator == .asymptotics { #expect(abs(ours.clsObserved - 0.05251552529001382) < 1e-6) }
    }

    @Test func customStatisticGivesTheSameLimitsWithoutTheShortcut() throws {
        let likelihood = try Self.likelihood()
        var options = UpperLimitOptions()
        let builtIn = try Fitter(likelihood).upperLimit(data: likelihood.observedData, options: options)
        options.testStatistic = TestStatistic(OutsideQTilde())
        let ours = try Fitter(likelihood).upperLimit(data: likelihood.observedData, options: options)
        #expect(ours.failures.isEmpty)
        #expect(abs(ours.observed - builtIn.observed) < 1e-5 * builtIn.observed)
        for (a, b) in zip(ours.expected, builtIn.expected) { #expect(abs(a - b) < 1e-5 * b) }
    }

    @Test(arguments: ["q0", "q", "qtilde", "tmu", "tmu_tilde"])
    func everyBuiltInStatisticParsesOnTheCommandLine(_ name: String) throws {
        let command = try #require(try HEPKitCommand.parseAsRoot(["cls", "x.json", "--test-stat", name]) as? CLsCommand)
        #expect(command.testStat.rawValue == name)
    }

    @Test func twoSidedStatisticsGiveNoLimitOnTheCommandLine() throws {
        let run = try HEPKitProcess.run(["upperlimit", "fixtures/inference/teststat_bounded.json", "--test-stat", "tmu"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("upper limits need a one-sided statistic (q, qtilde): tmu is not zero above μ̂"))
        let cls = try HEPKitProcess.run(["cls", "fixtures/inference/teststat_unbounded.json", "--test-stat", "tmu"])
        #expect(cls.status == 0)
        #expect(abs((try HEPKitProcess.json(cls.stdout)["CLs_obs"] as? Double ?? 0) - 0.10513246564164078) < 1e-6)
    }
}
