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

    /// The outcomes of toys `range` drawn at `parameters` from random stream `stream`: toy `i`
    /// uses generator stream `stream · 2³² + i` of the seed, whichever job computes it.
    func outcomes(
        poiValue: Double, parameters: [Double], stream: UInt64, toys range: Range<Int>, progress: ProgressReporter?
    ) -> [ToyOutcome] {
        let expected = fitter.model.expectedData(parameters)
        let distributions = fitter.model.dataDistributions
        let (fitter, statistic, seed) = (self.fitter, testStatistic, self.seed)
        let results = parallelMap(range.count) { offset -> ToyOutcome in
            let i = range.lowerBound + offset
            var generator = Xoshiro256(seed: seed, stream: stream &* 0x1_0000_0000 &+ UInt64(i))
            let toy = Self.sample(expected: expected, distributions: distributions, generator: &generator)
            if let progress, (offset + 1) % 500 == 0 { progress.report("toys: \(offset + 1)/\(range.count)") }
            let value = try fitter.testStatistic(statistic, poiValue: poiValue, data: toy)
            return ToyOutcome(statistic: value.value.isFinite ? value.value : nil, converged: value.fixedFit.converged && value.freeFit.converged)
        }
        return results.map { (try? $0.get()) ?? ToyOutcome(statistic: nil, converged: false) }
    }

    /// Toys `range` of the toy-based hypothesis test at `poiValue` (with the fits to the observed
    /// data that every share repeats): one batch job's share of ``hypotest(_:progress:)``.
    public func toyStatistics(_ poiValue: Double, toys range: Range<Int>, progress: ProgressReporter? = nil) throws -> ToyStatistics {
        guard toys > 0 else { throw InferenceError.invalidArgument("the number of toys must be positive") }
        guard range.lowerBound >= 0, range.upperBound <= toys else {
            throw InferenceError.invalidArgument("toys \(range.lowerBound)..<\(range.upperBound) are outside 0..<\(toys)")
        }
        var warnings = try fitter.requireSignal().map(\.description)
        let observedValue = try fitter.testStatistic(testStatistic, poiValue: poiValue, data: data)
        let signalFit = try fitter.fixedPOIFit(poiValue, data: data)
        let backgroundPOI = testStatistic.asimovPOIValue
        let backgroundFit = try fitter.fixedPOIFit(backgroundPOI, data: data)
        warnings += convergenceWarnings([
            ("free fit to the data", observedValue.freeFit), ("fit to the data with the POI at \(poiValue)", signalFit),
            ("fit to the data with the POI at \(backgroundPOI)", backgroundFit),
        ])
        return ToyStatistics(
            poiValue: poiValue, testStatistic: testStatistic, observedStatistic: observedValue.value, toysPerHypothesis: toys,
            firstToy: range.lowerBound,
            signalLike: outcomes(poiValue: poiValue, parameters: signalFit.parameters, stream: 1, toys: range, progress: progress),
            backgroundLike: outcomes(poiValue: poiValue, parameters: backgroundFit.parameters, stream: 2, toys: range, progress: progress),
            warnings: warnings)
    }

    /// The toy-based hypothesis test at `poiValue`.
    public func hypotest(_ poiValue: Double, progress: ProgressReporter? = nil) throws -> HypothesisTestResult {
        try toyStatistics(poiValue, toys: 0..<toys, progress: progress).hypothesisTest()
    }
}
