import Foundation
import HistFactory
import Testing
@testable import Inference

/// Rule 3 (no wrong number exits 0) in the library: degenerate models are refused with the cause,
/// doubtful results carry warnings (fixtures/inference/degenerate).
@Suite struct DegenerateModelTests {
    static func load(_ name: String) throws -> HistFactoryLikelihood {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fixtures/inference/degenerate/\(name).json")
        return try HistFactoryLikelihood(workspace: try JSONDecoder().decode(Workspace.self, from: Data(contentsOf: url)))
    }

    static let noSignal = ModelDefect.poiWithoutEffect(
        poi: "mu", detail: "the samples it scales (channel 'SR' sample 'signal') have zero expected yield")

    @Test func zeroSignalIsRefusedByEveryPOIResult() throws {
        let likelihood = try Self.load("zero_signal")
        let fitter = Fitter(likelihood)
        let data = likelihood.observedData
        #expect(likelihood.defects() == [Self.noSignal])
        #expect(likelihood.poiHasEffect() == false)
        let error = InferenceError.degenerateModel(Self.noSignal)
        #expect(throws: error) { try AsymptoticCalculator(fitter: fitter, data: data) }
        #expect(throws: error) { try AsymptoticCalculator(fitter: fitter, data: data, testStatistic: .q) }
        #expect(throws: error) { try ToyCalculator(fitter: fitter, data: data, toys: 10).hypotest(1) }
        #expect(throws: error) { try fitter.upperLimit(data: data) }
        #expect(throws: error) { try fitter.upperLimitScan(data: data, values: [0, 1, 2]) }
        #expect(throws: error) { try fitter.discoverySignificance(data: data) }
        #expect(throws: error) { try fitter.ranking(data: data) }
        #expect(throws: error) { try fitter.requireSignal() }
        // A fit stays meaningful for the other parameters: the defect is a warning there.
        #expect(try fitter.requireFittable() == [Self.noSignal])
        #expect(error.description.contains("no signal"))
    }

    @Test func genericLikelihoodsDetectAPOIWithoutEffect() throws {
        var model = ToyModels.validation1binShapesys
        #expect(model.defects().isEmpty)
        model.signal = model.signal.map { _ in 0 }
        #expect(model.defects() == [.poiWithoutEffect(poi: "mu", detail: "")])
        #expect(throws: InferenceError.degenerateModel(.poiWithoutEffect(poi: "mu", detail: ""))) {
            try AsymptoticCalculator(fitter: Fitter(model), data: model.observedData)
        }
    }

    @Test func emptyModelIsRefusedEvenForAFit() throws {
        let likelihood = try Self.load("all_zero")
        #expect(likelihood.defects() == [.noExpectedEvents])
        #expect(throws: InferenceError.degenerateModel(.noExpectedEvents)) { try Fitter(likelihood).requireFittable() }
    }

    @Test func emptyChannelIsAWarningOnTheResult() throws {
        let likelihood = try Self.load("empty_channel")
        #expect(likelihood.defects() == [.emptyRegion("channel 'CR'")])
        let fitter = Fitter(likelihood)
        let test = try AsymptoticCalculator(fitter: fitter, data: likelihood.observedData).hypotest(1)
        #expect(test.warnings == ["channel 'CR' has zero expected yield in every bin at the initial parameters"])
        #expect(test.clsObserved > 0 && test.clsObserved < 1)
        let significance = try fitter.discoverySignificance(data: likelihood.observedData)
        #expect(significance.warnings == test.warnings)
        #expect(try fitter.upperLimit(data: likelihood.observedData).warnings == test.warnings)
    }

    @Test func limitThatIsNotBracketedIsAFailureNotANumber() throws {
        let likelihood = try Self.load("tiny_signal")
        let limits = try Fitter(likelihood).upperLimit(data: likelihood.observedData)
        #expect(limits.observed.isNaN)
        #expect(limits.expected.allSatisfy { $0.isNaN })
        #expect(limits.failures.count == 6)
        #expect(limits.failures.allSatisfy { $0.contains("CLs does not cross 0.05 between 0.0 and 2560.0") })
    }

    @Test func scanThatDoesNotCrossTheLevelIsFlagged() throws {
        let likelihood = try Self.load("empty_channel")
        let limits = try Fitter(likelihood).upperLimitScan(data: likelihood.observedData, values: [0, 0.05, 0.1])
        #expect(limits.observed == 0.1)  // np.interp clamps to the end point, as pyhf …
        // … and the clamped limits are flagged.
        #expect(limits.warnings.contains { $0.hasPrefix("observed CLs does not cross 0.05 in the scan [0.0, 0.1]") })
        #expect(limits.warnings.filter { $0.contains("does not cross") }.count == 6)
    }

    @Test func toyCLsWithoutBackgroundToysBeyondTheObservationIsAnError() throws {
        let likelihood = try Self.load("deficit")
        let calculator = ToyCalculator(fitter: Fitter(likelihood), data: likelihood.observedData, toys: 5, seed: 0)
        do {
            _ = try calculator.hypotest(1)
            Issue.record("a NaN CLs was returned")
        } catch InferenceError.nonFiniteResult(let message) {
            #expect(message.hasPrefix("observed CLs at POI = 1.0 is"))
            #expect(message.contains("CL_b = 0.0"))
            #expect(message.contains("more toys (5 now)"))
        }
    }

    @Test func nonConvergedFitsAreFlagged() throws {
        var options = MinimizerOptions()
        options.maxIterations = 1
        options.newtonPolishLimit = 0
        let model = ToyModels.validation1binNormsys
        let fitter = Fitter(model, minimizer: BoundedMinimizer(options: options))
        #expect(try !fitter.fit(data: model.observedData).converged)
        let test = try AsymptoticCalculator(fitter: fitter, data: model.observedData, testStatistic: .q).hypotest(1)
        #expect(test.warnings.contains { $0.hasPrefix("the free fit to the data did not converge") })
        #expect(test.warnings.contains { $0.hasPrefix("the fit to the data with the POI at 1.0 did not converge") })
        let limits = try fitter.upperLimit(data: model.observedData, options: { var o = UpperLimitOptions(); o.testStatistic = .q; return o }())
        #expect(limits.warnings.contains { $0.hasPrefix("the fit to the Asimov data with the POI at") && $0.contains("did not converge") })
        let impacts = try? Fitter(model, minimizer: BoundedMinimizer(options: options)).ranking(data: model.observedData)
        #expect(impacts == nil)  // the best fit did not converge: no impacts relative to it
    }
}
