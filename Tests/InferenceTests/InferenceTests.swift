import Foundation
import Testing
@testable import Inference

/// Reference (histfactory.md §5.9 Example 1), "converged" column: closed-form profile.
@Suite struct WorkedExample1 {
    let fitter = Fitter(ToyModels.example1)
    var data: [Double] { ToyModels.example1.observedData }

    @Test func logpdfAtInit() {
        let value = ToyModels.example1.negativeLogLikelihoodAndGradient([1, 1, 1], data: data).value
        #expect(abs(-value - -15.387627173157341) < 1e-12)
    }

    @Test func bestFit() throws {
        let fit = try fitter.fit(data: data)
        #expect(abs(fit.twiceNLL - 24.98393520034125) < 1e-9)
        #expect(abs(fit.parameters[0]) < 1e-9)
        #expect(abs(fit.parameters[1] - 1.0030508474576274) < 1e-7)
        #expect(abs(fit.parameters[2] - 0.9626808834729629) < 1e-7)
        let fixed = try fitter.fixedPOIFit(1, data: data)
        #expect(abs(fixed.twiceNLL - 28.92218013371638) < 1e-9)
        #expect(abs(fixed.parameters[1] - 0.9722465757624321) < 1e-7)
        #expect(abs(fixed.parameters[2] - 0.8755358353123296) < 1e-7)
    }

    @Test func qmuTildeAndAsimov() throws {
        let q = try fitter.testStatistic(.qtilde, poiValue: 1, data: data)
        #expect(abs(q.value - 3.938244933375131) < 1e-8)
        let calculator = try AsymptoticCalculator(fitter: fitter, data: data)
        let expectedAsimov = [50.15254237288137, 50.05940594059407, 278.6252354048965, 53.12426752879371]
        for (a, b) in zip(calculator.asimovData, expectedAsimov) { #expect(relativeDifference(a, b) < 1e-9) }
        let result = try calculator.hypotest(1)
        #expect(abs(result.asimovStatistic - 3.418869071610743) < 1e-8)
        #expect(relativeDifference(result.observed.clsb, 0.023324962693524482) < 1e-7)
        #expect(relativeDifference(result.observed.clb, 0.44415365986764727) < 1e-7)
        #expect(relativeDifference(result.clsObserved, 0.05251552514612861) < 1e-7)
        let expected = [0.002606404584290687, 0.013820640037844247, 0.06445515477045316, 0.23526090312392733, 0.5730416549820334]
        for (a, b) in zip(result.clsExpected, expected) { #expect(relativeDifference(a, b) < 1e-7) }
    }

    @Test func qmuWithNegativePOIRange() throws {
        var model = ToyModels.example1
        model.poiBounds = -10...10
        let q = try Fitter(model).testStatistic(.q, poiValue: 1, data: data)
        // pyhf default (SLSQP) value; the converged value differs at the 1e-6 level.
        #expect(abs(q.value - 3.9549891049455823) < 1e-5)
    }

    @Test func clippedNormalChangesOnlyTheLastBand() throws {
        let normal = try AsymptoticCalculator(fitter: fitter, data: data).hypotest(1)
        let clipped = try AsymptoticCalculator(fitter: fitter, data: data, baseDistribution: .clippedNormal).hypotest(1)
        #expect(abs(clipped.clsExpected[4] - 0.516649866560566) < 2e-5)
        for k in 0..<4 { #expect(abs(clipped.clsExpected[k] - normal.clsExpected[k]) < 1e-15) }
    }

    @Test func upperLimit() throws {
        let limit = try fitter.upperLimit(data: data)
        #expect(limit.failures.isEmpty)
        #expect(relativeDifference(limit.observed, 1.011571881389844) < 1e-6)
        let expected = [0.5598842550824178, 0.757029023474751, 1.0623550006840472, 1.5011808271478992, 2.0508020217921166]
        for (a, b) in zip(limit.expected, expected) { #expect(relativeDifference(a, b) < 1e-6) }
    }

    @Test func upperLimitScanIsLinearInterpolation() throws {
        let grid = (0...20).map { 5.0 * Double($0) / 20 }
        let limit = try fitter.upperLimitScan(data: data, values: grid)
        // pyhf default on np.linspace(0, 5, 21); the grid interpolation dominates, fits differ ~1e-5.
        #expect(relativeDifference(limit.observed, 1.017640861216468) < 1e-4)
        let expected = [0.5957691681693382, 0.7616915984620216, 1.0850476638474205, 1.5017047103909684, 2.066549403109205]
        for (a, b) in zip(limit.expected, expected) { #expect(relativeDifference(a, b) < 1e-4) }
    }

}

/// Tightly converged pyhf 0.7.6 numbers (iminuit, tol 1e-10) from tools/make_inference_reference.py.
struct Reference: Decodable {
    struct Limit: Decodable { var obs: Double; var exp: [Double] }
    var mu: Double
    var test_stat: String
    var CLs_obs: Double
    var CLs_exp: [Double]
    var bestfit: [Double]
    var twice_nll: Double
    var hessian_errors: [Double]
    var upper_limit: Limit?
    var ranking: [String: [String: Double]]
    var profile_interval_poi: [Double]
    var significance: [String: Double]?

    struct Fixture: Decodable { var CLs_obs: Double; var CLs_exp: [Double]; var upper_limit: Limit? }
    struct File: Decodable { var cases: [String: Reference]; var fixtures: [String: Fixture] }

    static let file: File = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fixtures/inference/reference.json")
        return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url))
    }()
    static var all: [String: Reference] { file.cases }
}

/// pyhf tests/test_validation.py cases: pyhf's asserted numbers (cross-checked against ROOT,
/// reference §8.4; SLSQP-converged, so ~1e-5 off the optimum) and the tightly converged ones.
@Suite struct ROOTValidation {
    func check(_ model: ToyModel, _ name: String, rootCLs: Double, rootExpected: [Double], rootTolerance: Double) throws {
        let reference = Reference.all[name]!
        let fitter = Fitter(model)
        let statistic = TestStatistic(rawValue: reference.test_stat)!
        let result = try AsymptoticCalculator(fitter: fitter, data: model.observedData, testStatistic: statistic).hypotest(reference.mu)
        #expect(relativeDifference(result.clsObserved, reference.CLs_obs) < 2e-7)
        for (a, b) in zip(result.clsExpected, reference.CLs_exp) { #expect(relativeDifference(a, b) < 2e-6) }
        #expect(relativeDifference(result.clsObserved, rootCLs) < rootTolerance)
        for (a, b) in zip(result.clsExpected, rootExpected) { #expect(relativeDifference(a, b) < rootTolerance) }
        let fit = try fitter.fit(data: model.observedData)
        #expect(fit.twiceNLL <= reference.twice_nll + 1e-9)
        let errors = fitter.uncertainties(at: fit.parameters, data: model.observedData).errors
        for (a, b) in zip(errors, reference.hessian_errors) { #expect(relativeDifference(a, b) < 1e-4) }
        let interval = try fitter.profileInterval(parameter: 0, data: model.observedData, bestFit: fit)
        #expect(abs(interval.lowerBound - reference.profile_interval_poi[0]) < 1e-6)
        #expect(abs(interval.upperBound - reference.profile_interval_poi[1]) < 1e-6)
        let impacts = try fitter.ranking(data: model.observedData)
        #expect(impacts.count == reference.ranking.count)
        for impact in impacts {
            let row = reference.ranking[impact.name]!
            #expect(abs(impact.postfitUp - row["postfit_up"]!) < 2e-5)
            #expect(abs(impact.postfitDown - row["postfit_down"]!) < 2e-5)
            #expect(abs(impact.prefitUp - row["prefit_up"]!) < 2e-5)
            #expect(abs(impact.prefitDown - row["prefit_down"]!) < 2e-5)
        }
        if let z = reference.significance?["Z_obs"] {
            let significance = try fitter.discoverySignificance(data: model.observedData)
            #expect(relativeDifference(significance.observedSignificance, z) < 1e-6)
            #expect(relativeDifference(significance.observedPValue, reference.CLs_obs) < 2e-7)
            #expect(relativeDifference(StandardNormal.survival(significance.expectedSignificances[2]), reference.CLs_exp[2]) < 1e-6)
        }
        if let limit = reference.upper_limit {
            let ours = try fitter.upperLimit(data: model.observedData, options: { var o = UpperLimitOptions(); o.testStatistic = statistic; return o }())
            #expect(relativeDifference(ours.observed, limit.obs) < 1e-5)
            for (a, b) in zip(ours.expected, limit.exp) { #expect(relativeDifference(a, b) < 1e-5) }
        }
    }

    @Test func oneBinNormsysQ() throws {
        try check(ToyModels.validation1binNormsys, "1bin_normsys", rootCLs: 0.0006735336290569807,
                  rootExpected: [7.472581399417304e-10, 5.741738272450336e-08, 3.690120950161796e-06, 0.00016966882793076826, 0.004392935288879465],
                  rootTolerance: 5e-5)
    }

    @Test func oneBinShapesysQ() throws {
        try check(ToyModels.validation1binShapesys, "1bin_shapesys", rootCLs: 0.45418892944576333,
                  rootExpected: [0.06372011644331387, 0.1509686618126131, 0.3279657430196915, 0.604613569829645, 0.8662652332047568],
                  rootTolerance: 5e-5)
    }

    @Test func oneBinShapesysQ0() throws {
        try check(ToyModels.validation1binShapesysQ0, "1bin_shapesys_q0", rootCLs: 0.003936883191585841,
                  rootExpected: [1.2204714710520103e-05, 0.0006405237426269669, 0.013202867164405075, 0.11119604157594337, 0.41286079728391695],
                  rootTolerance: 5e-4)
    }

    @Test func example1AgainstTightPyhf() throws {
        try check(ToyModels.example1, "example1", rootCLs: 0.05251552514612861,
                  rootExpected: [0.002606404584290687, 0.013820640037844247, 0.06445515477045316, 0.23526090312392733, 0.5730416549820334],
                  rootTolerance: 1e-7)
    }
}

/// Toy-based CLs against pyhf's toy numbers for `1bin_shapesys_q0_toys` (2000 toys, NumPy seed 0,
/// reference §8.4): different generators, so agreement is statistical.
@Suite struct Toys {
    @Test func discoveryToysMatchPyhfStatistically() throws {
        let model = ToyModels.validation1binShapesysQ0
        let calculator = ToyCalculator(fitter: Fitter(model), data: model.observedData, testStatistic: .q0, toys: 2000, seed: 7)
        let result = try calculator.hypotest(0)
        #expect(abs(result.clsObserved - 0.004) < 0.003)
        let pyhf = [0.0, 0.0, 0.0135, 0.1365, 0.39854497]
        let tolerance = [0.002, 0.003, 0.008, 0.03, 0.04]
        for k in 0..<5 { #expect(abs(result.clsExpected[k] - pyhf[k]) < tolerance[k]) }
        let again = try calculator.hypotest(0)
        #expect(again.observed == result.observed && again.expected == result.expected)
    }

    /// A batch job's share of the toys holds exactly those toys of one job: shares merge into the
    /// same statistics and CLs, in any order; missing, overlapping and foreign shares are refused.
    @Test func sharesOfTheToysMergeIntoOneJob() throws {
        let model = ToyModels.validation1binShapesys
        let calculator = ToyCalculator(fitter: Fitter(model), data: model.observedData, testStatistic: .qtilde, toys: 50, seed: 11)
        let whole = try calculator.toyStatistics(1, toys: 0..<50)
        #expect(whole.isComplete && whole.signalLike.count == 50)
        #expect(whole.signalLike.allSatisfy { $0.statistic != nil } && Set(whole.backgroundLike.compactMap(\.statistic)).count > 10)
        let shares = try [0..<17, 17..<18, 18..<50].map { try calculator.toyStatistics(1, toys: $0) }
        #expect(shares.allSatisfy { !$0.isComplete })
        let merged = try ToyStatistics.merged(shares.reversed())
        #expect(merged == whole)
        let single = try calculator.hypotest(1)
        let joined = try merged.hypothesisTest()
        #expect(joined.observed == single.observed && joined.expected == single.expected && joined.warnings == single.warnings)
        #expect(single.clsObserved > 0.01 && single.clsObserved < 1)

        #expect(throws: InferenceError.invalidArgument("toys 17..<18 of 50 are missing")) { try ToyStatistics.merged([shares[0], shares[2]]) }
        #expect(throws: InferenceError.invalidArgument("toys 17..<18 are in two shares")) {
            try ToyStatistics.merged(shares + [shares[1]])
        }
        #expect(throws: InferenceError.self) { try shares[0].hypothesisTest() }
        let other = try ToyCalculator(fitter: Fitter(model), data: model.observedData, testStatistic: .qtilde, toys: 50, seed: 11)
            .toyStatistics(2, toys: 17..<18)
        #expect(throws: InferenceError.self) { try ToyStatistics.merged([shares[0], other, shares[2]]) }
        #expect(throws: InferenceError.self) { try calculator.toyStatistics(1, toys: 40..<51) }
    }

    @Test func samplerMoments() {
        var generator = Xoshiro256(seed: 1)
        for mean in [0.5, 3.0, 25.0, 400.0] {
            let draws = (0..<100_000).map { _ in generator.poisson(mean) }
            let average = draws.reduce(0, +) / Double(draws.count)
            let variance = draws.reduce(0) { $0 + ($1 - average) * ($1 - average) } / Double(draws.count - 1)
            #expect(abs(average - mean) < 5 * (mean / 1e5).squareRoot())
            #expect(abs(variance / mean - 1) < 0.03)
        }
    }
}

@Suite struct Numerics {
    @Test func normalQuantileInvertsCDF() {
        for p in [1e-12, 0.001, 0.02, 0.3, 0.5, 0.9, 0.99999] {
            #expect(relativeDifference(StandardNormal.cdf(StandardNormal.quantile(p)), p) < 1e-12)
        }
        #expect(abs(StandardNormal.cdf(-1) - 0.15865525393145707) < 1e-15)
    }

    @Test func brentFindsRoot() throws {
        let root = try RootFinder.brent(lower: 0, upper: 2, relativeTolerance: 1e-14) { $0 * $0 - 2 }
        #expect(abs(root - 2.0.squareRoot()) < 1e-13)
    }

    @Test func minimizerHandlesBoundsAndFixed() {
        // Rosenbrock in a box that cuts off the unconstrained minimum (1, 1); third coordinate fixed.
        let objective: Objective = { x in
            let a = 1 - x[0], b = x[1] - x[0] * x[0]
            return (a * a + 100 * b * b + x[2] * x[2], [-2 * a - 400 * x[0] * b, 200 * b, 2 * x[2]])
        }
        let result = BoundedMinimizer().minimize(objective, start: [-1.2, 1, 3], bounds: [-2...0.5, -2...2, -5...5], fixed: [false, false, true])
        #expect(abs(result.parameters[0] - 0.5) < 1e-12)
        #expect(abs(result.parameters[1] - 0.25) < 1e-9)
        #expect(result.parameters[2] == 3)
        #expect(result.converged)
    }
}
