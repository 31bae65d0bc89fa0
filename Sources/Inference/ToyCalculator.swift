import HEPKitSupport

import Foundation

/// xoshiro256** seeded through SplitMix64: small, fast and reproducible across platforms.
public struct Xoshiro256: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    /// A generator for stream `stream` of `seed` (streams of one seed are independent in practice).
    public init(seed: UInt64, stream: UInt64 = 0) {
        var z = seed &+ stream &* 0xD1B5_4A32_D192_ED03
        func splitMix() -> UInt64 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            return x ^ (x >> 31)
        }
        s = (splitMix(), splitMix(), splitMix(), splitMix())
    }

    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }

    /// Uniform in (0, 1).
    @inlinable public mutating func uniform() -> Double {
        (Double(next() >> 11) + 0.5) * 0x1p-53
    }

    /// Standard normal deviate (Marsaglia polar method).
    public mutating func normal() -> Double {
        while true {
            let u = 2 * uniform() - 1, v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 { return u * (-2 * log(s) / s).squareRoot() }
        }
    }

    /// Poisson deviate with mean `lambda` (multiplication method below 10, Hörmann's PTRS above).
    public mutating func poisson(_ lambda: Double) -> Double {
        guard lambda > 0 else { return 0 }
        if lambda < 10 {
            let limit = exp(-lambda)
            var k = 0.0, p = uniform()
            while p > limit { p *= uniform(); k += 1 }
            return k
        }
        let slam = lambda.squareRoot(), logLambda = log(lambda)
        let b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b
        let invAlpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2)
        while true {
            let u = uniform() - 0.5, v = uniform()
            let us = 0.5 - abs(u)
            let k = ((2 * a / us + b) * u + lambda + 0.43).rounded(.down)
            if us >= 0.07 && v <= vr { return k }
            if k < 0 || (us < 0.013 && v > us) { continue }
            if log(v) + log(invAlpha) - log(a / (us * us) + b) <= -lambda + k * logLambda - lgamma(k + 1) { return k }
        }
    }
}

/// Pseudo-experiment (toy) calculator, as pyhf's `ToyCalculator`: toys are drawn from the model at
/// the conditional fits to the data with the POI at the tested value (signal-like) and at the
/// statistic's `asimovPOIValue` (background-like; 1 for discovery), main counts Poisson and auxiliary data Normal/Poisson; p-values are the
/// fractions of toys with a statistic at least the observed one; the expected band is made of the
/// linear-interpolated percentiles of (CLsb, CLb, CLs) over the background-like toys.
///
/// Toys run on all cores; toy `i` of each hypothesis uses its own generator stream of `seed`, so
/// results do not depend on scheduling.
public struct ToyCalculator<LikelihoodModel: Likelihood>: Sendable {
    public let fitter: Fitter<LikelihoodModel>
    public let data: [Double]
    public let testStatistic: TestStatistic
    /// Toys per hypothesis.
    public let toys: Int
    /// Random seed.
    public let seed: UInt64

    public init(fitter: Fitter<LikelihoodModel>, data: [Double], testStatistic: TestStatistic = .qtilde, toys: Int = 2000, seed: UInt64 = 0) {
        self.fitter = fitter
        self.data = data
        self.testStatistic = testStatistic
        self.toys = toys
        self.seed = seed
    }

    /// Draws one dataset from the model's distributions around `expected`.
    public static func sample(expected: [Double], distributions: [DataDistribution], generator: inout Xoshiro256) -> [Double] {
        zip(expected, distributions).map { mean, distribution in
            switch distribution {
            case .poisson: return generator.poisson(mean)
            case .normal(let sigma): return mean + sigma * generator.normal()
            }
        }
    }

    /// Test statistics of the toys drawn at `parameters` (toys whose fits fail are left out).
    public func statistics(poiValue: Double, parameters: [Double], stream: UInt64, progress: ProgressReporter? = nil) -> [Double] {
        statisticsAndFailures(poiValue: poiValue, parameters: parameters, stream: stream, progress: progress).statistics
    }

    /// The toys' statistics and the number of toys whose fits failed (left out).
    func statisticsAndFailures(
        poiValue: Double, parameters: [Double], stream: UInt64, progress: ProgressReporter?
    ) -> (statistics: [Double], failures: Int, unconverged: Int) {
        let expected = fitter.model.expectedData(parameters)
        let distributions = fitter.model.dataDistributions
        let (fitter, statistic, seed, toys) = (self.fitter, testStatistic, self.seed, self.toys)
        let outcomes = parallelMap(toys) { i -> (Double, Bool) in
            var generator = Xoshiro256(seed: seed, stream: stream &* 0x1_0000_0000 &+ UInt64(i))
            let toy = Self.sample(expected: expected, distributions: distributions, generator: &generator)
            if let progress, (i + 1) % 500 == 0 { progress.report("toys: \(i + 1)/\(toys)") }
            let value = try fitter.testStatistic(statistic, poiValue: poiValue, data: toy)
            return (value.value, value.fixedFit.converged && value.freeFit.converged)
        }
        let values = outcomes.compactMap { try? $0.get() }
        return (values.map(\.0), toys - values.count, values.lazy.filter { !$0.1 }.count)
    }

    /// The toy-based hypothesis test at `poiValue`.
    public func hypotest(_ poiValue: Double, progress: ProgressReporter? = nil) throws -> HypothesisTestResult {
        guard toys > 0 else { throw InferenceError.invalidArgument("the number of toys must be positive") }
        var warnings = try fitter.requireSignal().map(\.description)
        let observedValue = try fitter.testStatistic(testStatistic, poiValue: poiValue, data: data)
        let observed = observedValue.value
        let signalFit = try fitter.fixedPOIFit(poiValue, data: data)
        let backgroundPOI = testStatistic.asimovPOIValue
        let backgroundFit = try fitter.fixedPOIFit(backgroundPOI, data: data)
        warnings += convergenceWarnings([
            ("free fit to the data", observedValue.freeFit), ("fit to the data with the POI at \(poiValue)", signalFit),
            ("fit to the data with the POI at \(backgroundPOI)", backgroundFit),
        ])
        let signalToys = statisticsAndFailures(poiValue: poiValue, parameters: signalFit.parameters, stream: 1, progress: progress)
        let backgroundToys = statisticsAndFailures(poiValue: poiValue, parameters: backgroundFit.parameters, stream: 2, progress: progress)
        let (signal, background) = (signalToys.statistics, backgroundToys.statistics)
        guard !signal.isEmpty, !background.isEmpty else {
            throw InferenceError.failedMinimization(reason: "every toy fit failed")
        }
        for (label, toys) in [("signal-like", signalToys), ("background-like", backgroundToys)] {
            if toys.failures > 0 { warnings.append("\(toys.failures) of \(self.toys) \(label) toys failed to fit and were left out") }
            if toys.unconverged > 0 { warnings.append("\(toys.unconverged) of \(self.toys) \(label) toy fits did not converge") }
        }
        func pValue(_ sample: [Double], _ value: Double) -> Double {
            Double(sample.lazy.filter { $0 >= value }.count) / Double(sample.count)
        }
        func tails(_ value: Double) -> TailProbabilities {
            TailProbabilities(clsb: pValue(signal, value), clb: pValue(background, value))
        }
        let perToy = background.map(tails)
        let percentiles = [2.27501319, 15.86552539, 50.0, 84.13447461, 97.72498681]
        let columns = [perToy.map(\.clsb).sorted(), perToy.map(\.clb).sorted(), perToy.map(\.cls).sorted()]
        let expected = percentiles.map { p in
            let values = columns.map { Self.percentile($0, p) }
            var t = TailProbabilities(clsb: values[0], clb: values[1])
            t.cls = values[2]
            return t
        }
        let test = HypothesisTestResult(
            poiValue: poiValue, testStatistic: testStatistic, observed: tails(observed), expected: expected,
            observedStatistic: observed, asimovStatistic: .nan, warnings: warnings)
        try test.requireFinite(cause: "CL_b is 0 when no background-like toy reaches the statistic: more toys (\(toys) now) resolve smaller p-values")
        return test
    }

    /// NumPy's default (linear) percentile of sorted values; NaNs sort last as in NumPy.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        let values = sorted.filter { !$0.isNaN }
        guard values.count == sorted.count else { return .nan }
        guard !values.isEmpty else { return .nan }
        let position = p / 100 * Double(values.count - 1)
        let lower = Int(position.rounded(.down)), upper = min(lower + 1, values.count - 1)
        let fraction = position - Double(lower)
        return values[lower] + fraction * (values[upper] - values[lower])
    }
}
