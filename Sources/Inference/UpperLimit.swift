import HEPKitSupport

/// Observed and expected upper limits on the POI.
public struct UpperLimitResult: Sendable {
    /// Observed limit (NaN if it could not be found; see `failures`).
    public var observed: Double
    /// Expected limits, −2σ, −1σ, median, +1σ, +2σ (pyhf's order; NaN where not found).
    public var expected: [Double]
    /// POI upper bound used (widened by doubling when a limit lay above the model's bound).
    public var poiUpperBound: Double
    /// The hypothesis tests computed (scan mode) in scan order.
    public var scan: [HypothesisTestResult]
    /// What went wrong for the limits that are NaN.
    public var failures: [String]
    /// What makes finite limits doubtful: model defects, fits that did not converge, and (scan
    /// mode) CLs curves that do not cross the level inside the scan, whose limit is the end point.
    public var warnings: [String] = []
}

/// Settings of the limit search.
public struct UpperLimitOptions: Sendable, Hashable {
    /// CLs level (0.05 for 95% CL).
    public var level: Double = 0.05
    /// Relative tolerance on the limit.
    public var relativeTolerance: Double = 1e-6
    /// Absolute tolerance on the limit.
    public var absoluteTolerance: Double = 2e-12
    /// How often the POI upper bound may be doubled when it does not bracket a limit.
    public var maxBoundDoublings: Int = 8
    /// Test statistic: one whose `isOneSidedUpperLimit` holds (`qtilde`, `q` or a custom one).
    public var testStatistic: TestStatistic = .qtilde

    public init(level: Double = 0.05) { self.level = level }
}

extension Fitter {
    /// Upper limits by root finding on `CLs(μ) = level` (pyhf's `toms748_scan` algorithm: bracket
    /// between the POI bounds, halving the lower end while a CLs there is below the level and
    /// doubling the upper end — widening the POI bound for all fits — while one is above).
    ///
    /// The observed and each expected limit are found separately: a failure of one leaves the
    /// others intact and is reported in `failures`.
    public func upperLimit(data: [Double], options: UpperLimitOptions = UpperLimitOptions(), progress: ProgressReporter? = nil) throws -> UpperLimitResult {
        let poi = try requirePOI()
        try options.testStatistic.requireUpperLimits()
        guard options.level > 0 && options.level < 1 else {
            throw InferenceError.invalidArgument("CLs level \(options.level) must lie in (0, 1)")
        }
        var fitter = self
        var evaluator = try LimitEvaluator(fitter: fitter, data: data, statistic: options.testStatistic, progress: progress)
        var hi = fitter.parameterBounds[poi].upperBound
        var lo = fitter.parameterBounds[poi].lowerBound
        let level = options.level
        func anyAbove(_ r: HypothesisTestResult) -> Bool { r.clsObserved > level || r.clsExpected.contains { $0 > level } }
        func anyBelow(_ r: HypothesisTestResult) -> Bool { r.clsObserved < level || r.clsExpected.contains { $0 < level } }

        var doublings = 0
        while try anyAbove(evaluator.hypotest(hi)) && doublings < options.maxBoundDoublings {
            hi *= 2
            doublings += 1
            fitter.parameterBounds[poi] = fitter.parameterBounds[poi].lowerBound...hi
            evaluator = try LimitEvaluator(fitter: fitter, data: data, statistic: options.testStatistic, progress: progress)
            progress?.report("upper limit: POI upper bound widened to \(hi)")
        }
        var halvings = 0
        while try anyBelow(evaluator.hypotest(lo)) && lo != 0 && halvings < 60 {
            lo /= 2
            halvings += 1
        }

        var failures: [String] = []
        func solve(_ label: String, bracket: (Double, Double)?, _ f: (Double) throws -> Double) -> Double {
            do {
                guard let (a, b) = bracket else {
                    throw InferenceError.invalidArgument("CLs does not cross \(level) between \(lo) and \(hi)")
                }
                // f is in units of a standard normal quantile (≈ μ/σ_μ): |f| ≤ 1e-9 is converged.
                let root = try RootFinder.brent(
                    lower: a, upper: b, absoluteTolerance: options.absoluteTolerance, relativeTolerance: options.relativeTolerance,
                    functionTolerance: 1e-9, f)
                progress?.report("upper limit: \(label) = \(root)")
                return root
            } catch {
                failures.append("\(label) limit: \(error)")
                return .nan
            }
        }
        // Expected limits first. Where the statistic gives the √q_A of CLs_exp(n) = level in closed
        // form (q, q̃: −Φ⁻¹(level·Φ(−n)) − n), the root is one of a nearly linear function of μ
        // (√q_A ≈ μ/σ): the Asimov σ(μ) of the nearest solved point gives the first guess and secant
        // steps refine it (Brent on the bracket if they fail); otherwise Brent runs on
        // Φ⁻¹(CLs_exp) − Φ⁻¹(level).
        let statistic = options.testStatistic.definition
        // The median first: the other bands then start from the σ(μ) nearest to theirs.
        var expected = [Double](repeating: .nan, count: 5)
        let labels = ["expected −2σ", "expected −1σ", "expected median", "expected +1σ", "expected +2σ"]
        for k in [2, 1, 3, 0, 4] {
            let label = labels[k], n = 2.0 - Double(k)
            let bracket = evaluator.bracket(level: level) { $0.expected[k] }
            if let target = statistic.asimovRootOfExpectedPValue(level: level, band: n) {
                if let root = evaluator.asimovRoot(
                    target: target, lower: lo, upper: hi, absoluteTolerance: options.absoluteTolerance,
                    relativeTolerance: options.relativeTolerance, functionTolerance: 1e-9)
                {
                    progress?.report("upper limit: \(label) = \(root)")
                    expected[k] = root
                } else {
                    expected[k] = solve(label, bracket: bracket) { try evaluator.asimovStatistic($0).squareRoot() - target }
                }
            } else {
                expected[k] = solve(label, bracket: bracket) {
                    let cls = evaluator.calculator.expectedCLs(qA: try evaluator.asimovStatistic($0), band: n)
                    return StandardNormal.quantile(min(max(cls, 1e-300), 1 - 1e-16)) - StandardNormal.quantile(level)
                }
            }
        }
        // Observed: Φ⁻¹(CLs) − Φ⁻¹(level) is also close to linear in μ. The first guess is the
        // Wald approximation's limit (μ̂ of the free fit, σ of the nearest solved Asimov fit; the
        // observed limit can lie many σ from the expected band), the second a Newton step on the
        // Wald curve's slope, then secant steps; if they fail, the tightest bracket of the
        // evaluated points (or one grown geometrically from the first guess), then Brent.
        let target = StandardNormal.quantile(level)
        let observedGap: (Double) throws -> Double = {
            StandardNormal.quantile(min(max(try evaluator.observedCLs($0), 1e-300), 1 - 1e-16)) - target
        }
        let seed = evaluator.waldObservedLimit(level: level, lower: lo, upper: hi) ?? expected[2]
        if seed.isFinite, let gap = try? observedGap(seed) {
            let slope = evaluator.waldObservedGapSlope(at: seed, level: level)
            let newton = seed - gap / slope
            let next = slope < 0 && newton > lo && newton < hi && newton != seed ? newton : seed * (gap > 0 ? 1.1 : 1 / 1.1)
            if let root = RootFinder.secant(
                from: seed, knownValue: gap, next, within: lo, hi,
                absoluteTolerance: options.absoluteTolerance, relativeTolerance: options.relativeTolerance, functionTolerance: 1e-9, observedGap)
            {
                progress?.report("upper limit: observed = \(root)")
                return UpperLimitResult(
                    observed: root, expected: expected, poiUpperBound: hi, scan: [], failures: failures,
                    warnings: evaluator.calculator.warnings + evaluator.warnings)
            }
            if evaluator.bracket(level: level, { $0.observed }) == nil {
                var mu = seed
                let above = gap > 0
                for _ in 0..<12 {
                    mu = above ? min(mu * 1.3, hi) : max(mu / 1.3, lo)
                    guard let value = try? evaluator.observedCLs(mu), (value > level) == above, mu != hi, mu != lo else { break }
                }
            }
        }
        let observed = solve("observed", bracket: evaluator.bracket(level: level) { $0.observed }, observedGap)
        // Failures in pyhf's band order (the bands were solved median first).
        let order = ["expected −2σ", "expected −1σ", "expected median", "expected +1σ", "expected +2σ", "observed"]
        failures.sort { a, b in
            (order.firstIndex { a.hasPrefix($0) } ?? order.count) < (order.firstIndex { b.hasPrefix($0) } ?? order.count)
        }
        return UpperLimitResult(
            observed: observed, expected: expected, poiUpperBound: hi, scan: [], failures: failures,
            warnings: evaluator.calculator.warnings + evaluator.warnings)
    }

    /// Upper limits by linear interpolation of CLs on a grid of POI values (pyhf's
    /// `linear_grid_scan`, `np.interp` semantics: values outside the scanned CLs range clamp to
    /// the end points). Grid points whose fits fail are left out of the interpolation.
    public func upperLimitScan(
        data: [Double], values: [Double], options: UpperLimitOptions = UpperLimitOptions(), progress: ProgressReporter? = nil
    ) throws -> UpperLimitResult {
        guard !values.isEmpty else { throw InferenceError.invalidArgument("empty scan") }
        try options.testStatistic.requireUpperLimits()
        let calculator = try AsymptoticCalculator(fitter: self, data: data, testStatistic: options.testStatistic)
        let outcomes = parallelMap(values.count) { i in
            let r = try calculator.hypotest(values[i])
            progress?.report("scan point \(i + 1)/\(values.count): μ = \(values[i]), CLs = \(r.clsObserved)")
            return r
        }
        var failures: [String] = []
        var tests: [HypothesisTestResult] = []
        for (value, outcome) in zip(values, outcomes) {
            switch outcome {
            case .success(let r): tests.append(r)
            case .failure(let error): failures.append("scan point \(value): \(error)")
            }
        }
        guard !tests.isEmpty else {
            return UpperLimitResult(observed: .nan, expected: Array(repeating: .nan, count: 5), poiUpperBound: parameterBounds[try requirePOI()].upperBound, scan: [], failures: failures)
        }
        var warnings = calculator.warnings
        for test in tests { warnings += test.warnings.filter { !warnings.contains($0) } }
        func invert(_ label: String, _ cls: [Double]) -> Double {
            let lowest = cls.min() ?? .nan, highest = cls.max() ?? .nan
            if !(lowest <= options.level && options.level <= highest) {
                warnings.append(
                    "\(label) CLs does not cross \(options.level) in the scan [\(values.min()!), \(values.max()!)] (CLs from \(lowest) to \(highest)); the limit is clamped to the scan's end")
            }
            return Self.interpolate(options.level, xs: cls.reversed(), ys: tests.map(\.poiValue).reversed())
        }
        let labels = ["expected −2σ", "expected −1σ", "expected median", "expected +1σ", "expected +2σ"]
        let observed = invert("observed", tests.map(\.clsObserved))
        let expected = (0..<5).map { k in invert(labels[k], tests.map { $0.clsExpected[k] }) }
        return UpperLimitResult(
            observed: observed, expected: expected,
            poiUpperBound: parameterBounds[try requirePOI()].upperBound, scan: tests, failures: failures, warnings: warnings)
    }

    /// `np.interp(x, xs, ys)` for increasing `xs`: clamps outside, linear inside.
    static func interpolate(_ x: Double, xs: [Double], ys: [Double]) -> Double {
        guard let first = xs.first, let last = xs.last else { return .nan }
        if x <= first { return ys[0] }
        if x >= last { return ys[ys.count - 1] }
        var j = 0
        while j + 1 < xs.count && xs[j + 1] <= x { j += 1 }
        if j + 1 >= xs.count { return ys[ys.count - 1] }
        let slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j])
        return ys[j] + slope * (x - xs[j])
    }
}

/// Memoised CLs evaluations for the limit search: fixed-POI fits to the data and to the Asimov
/// data are cached separately (expected limits need only the latter). Each Asimov fixed-POI fit
/// starts from the solved Asimov fit at the nearest POI value; fits to the data start from the
/// initial values, as pyhf's (see ``AsymptoticCalculator/observedStatistic(_:)``).
final class LimitEvaluator<LikelihoodModel: Likelihood> {
    let calculator: AsymptoticCalculator<LikelihoodModel>
    let progress: ProgressReporter?
    private var dataStatistics: [Double: Double] = [:]
    private var asimovStatistics: [Double: Double] = [:]
    private var asimovFits: [Double: [Double]] = [:]
    /// Fits of the search that did not converge.
    private(set) var warnings: [String] = []
    private let poiLowerBound: Double
    private let poi: Int

    init(fitter: Fitter<LikelihoodModel>, data: [Double], statistic: TestStatistic, progress: ProgressReporter?) throws {
        calculator = try AsymptoticCalculator(fitter: fitter, data: data, testStatistic: statistic)
        self.progress = progress
        poi = try fitter.requirePOI()
        poiLowerBound = fitter.parameterBounds[poi].lowerBound
    }

    /// The statistic's value; a fixed-POI fit that did not converge is recorded in `warnings`.
    private func checked(_ statistic: TestStatisticValue, _ data: String, _ mu: Double) -> Double {
        warnings += convergenceWarnings([("fit to the \(data) with the POI at \(mu)", statistic.fixedFit)])
        return statistic.value
    }

    /// At the POI's lower bound `μ̂ ≥ μ`, so `q` and `q_A` of a one-sided statistic (the only ones
    /// limits accept) vanish without fitting.
    private func trivial(_ mu: Double) -> Bool { mu <= poiLowerBound }

    /// The solved fit whose POI value is nearest to `mu`, `nil` if none.
    private static func nearest(_ mu: Double, in fits: [Double: [Double]]) -> [Double]? {
        fits.min { abs($0.key - mu) < abs($1.key - mu) }?.value
    }

    func asimovStatistic(_ mu: Double) throws -> Double {
        if trivial(mu) { return 0 }
        if let cached = asimovStatistics[mu] { return cached }
        progress?.report("upper limit: Asimov fit at μ = \(mu)")
        let statistic = try calculator.asimovStatistic(mu, start: Self.nearest(mu, in: asimovFits))
        asimovFits[mu] = statistic.fixedFit.parameters
        let value = checked(statistic, "Asimov data", mu)
        asimovStatistics[mu] = value
        return value
    }

    private func dataStatistic(_ mu: Double) throws -> Double {
        if trivial(mu) { return 0 }
        if let cached = dataStatistics[mu] { return cached }
        progress?.report("upper limit: fit to data at μ = \(mu)")
        let value = checked(try calculator.observedStatistic(mu), "data", mu)
        dataStatistics[mu] = value
        return value
    }

    func observedCLs(_ mu: Double) throws -> Double {
        if !trivial(mu) && dataStatistics[mu] == nil && asimovStatistics[mu] == nil {
            // Both fits are needed: run them on both cores.
            let calculator = self.calculator
            let start = Self.nearest(mu, in: asimovFits)
            progress?.report("upper limit: fits at μ = \(mu)")
            let outcomes = parallelMap(2) { task in
                task == 0 ? try calculator.observedStatistic(mu) : try calculator.asimovStatistic(mu, start: start)
            }
            let (data, asimov) = (try outcomes[0].get(), try outcomes[1].get())
            asimovFits[mu] = asimov.fixedFit.parameters
            dataStatistics[mu] = checked(data, "data", mu)
            asimovStatistics[mu] = checked(asimov, "Asimov data", mu)
        }
        return calculator.observedCLs(q: try dataStatistic(mu), qA: try asimovStatistic(mu))
    }

    /// The POI value in `(lower, upper)` where `√q_A = target`, from the Wald approximation
    /// `√q_A = (μ − μ_A)/σ(μ)`: the σ of the evaluated point nearest the target gives the first
    /// guess, secant steps on `√q_A − target` refine it. `nil` when a step leaves the interval, a
    /// fit fails or 12 fits do not settle (the caller then brackets and runs Brent).
    func asimovRoot(
        target: Double, lower: Double, upper: Double, absoluteTolerance: Double, relativeTolerance: Double, functionTolerance: Double
    ) -> Double? {
        let muA = calculator.testStatistic.asimovPOIValue
        let solved = asimovStatistics.filter { $0.key > muA && $0.value > 0 && $0.value.isFinite }
        guard let seed = solved.min(by: { abs($0.value.squareRoot() - target) < abs($1.value.squareRoot() - target) }) else { return nil }
        return RootFinder.secant(
            from: seed.key, knownValue: seed.value.squareRoot() - target, muA + (seed.key - muA) * target / seed.value.squareRoot(),
            within: lower, upper, absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance,
            functionTolerance: functionTolerance
        ) { try self.asimovStatistic($0).squareRoot() - target }
    }

    /// The free fit's POI value and the σ of the solved Asimov fit nearest to `mu`
    /// (`σ = (μ − μ_A)/√q_A`); `nil` before any Asimov fit away from `μ_A`.
    private func waldParameters(near mu: Double) -> (muHat: Double, sigma: Double)? {
        let muA = calculator.testStatistic.asimovPOIValue
        let solved = asimovStatistics.filter { $0.key > muA && $0.value > 0 && $0.value.isFinite }
        guard let point = solved.min(by: { abs($0.key - mu) < abs($1.key - mu) }) else { return nil }
        return (calculator.freeFitToData.parameters[poi], (point.key - muA) / point.value.squareRoot())
    }

    /// `Φ⁻¹(CLs(μ)) − Φ⁻¹(level)` in the Wald approximation: `q = ((μ − μ̂)/σ)²` (0 above μ̂),
    /// `q_A = ((μ − μ_A)/σ)²`.
    private func waldObservedGap(_ mu: Double, level: Double, muHat: Double, sigma: Double) -> Double {
        let muA = calculator.testStatistic.asimovPOIValue
        let q = calculator.testStatistic.definition.value(
            poiValue: mu, fixedTwiceNLL: ((mu - muHat) / sigma) * ((mu - muHat) / sigma), freeTwiceNLL: 0, muHat: muHat)
        let cls = calculator.observedCLs(q: q, qA: ((mu - muA) / sigma) * ((mu - muA) / sigma))
        return StandardNormal.quantile(min(max(cls, 1e-300), 1 - 1e-16)) - StandardNormal.quantile(level)
    }

    /// The observed limit of the Wald approximation (no fits), σ taken from the solved Asimov fit
    /// nearest to the previous guess (two passes); `nil` if it has no root in `(lower, upper)`.
    func waldObservedLimit(level: Double, lower: Double, upper: Double) -> Double? {
        var guess: Double?
        for _ in 0..<2 {
            guard let (muHat, sigma) = waldParameters(near: guess ?? upper), sigma > 0, sigma.isFinite, muHat.isFinite else { return guess }
            let low = max(lower, muHat, calculator.testStatistic.asimovPOIValue) + 1e-9 * sigma
            guess = try? RootFinder.brent(lower: low, upper: upper, relativeTolerance: 1e-6) {
                self.waldObservedGap($0, level: level, muHat: muHat, sigma: sigma)
            }
            if guess == nil { return nil }
        }
        return guess
    }

    /// The slope in μ of the Wald approximation's `Φ⁻¹(CLs) − Φ⁻¹(level)` at `mu` (σ from the
    /// solved Asimov fit nearest to `mu`); NaN without one.
    func waldObservedGapSlope(at mu: Double, level: Double) -> Double {
        guard let (muHat, sigma) = waldParameters(near: mu) else { return .nan }
        let h = 1e-4 * max(abs(mu), sigma)
        return (waldObservedGap(mu + h, level: level, muHat: muHat, sigma: sigma)
            - waldObservedGap(mu - h, level: level, muHat: muHat, sigma: sigma)) / (2 * h)
    }

    func hypotest(_ mu: Double) throws -> HypothesisTestResult {
        _ = try observedCLs(mu)
        return calculator.result(poiValue: mu, q: try dataStatistic(mu), qA: try asimovStatistic(mu))
    }

    /// The tightest evaluated bracket `(a, b)`, `a < b`, with `CLs(a) ≥ level > CLs(b)` for the curve `select`.
    func bracket(level: Double, _ select: (HypothesisTestResult) -> TailProbabilities) -> (Double, Double)? {
        let points = Set(asimovStatistics.keys).union(trivial(poiLowerBound) ? [poiLowerBound] : [])
        let cls: [(Double, Double)] = points.compactMap { mu in
            guard let qA = try? asimovStatistic(mu) else { return nil }
            let q = trivial(mu) ? 0 : dataStatistics[mu] ?? .nan
            let p = select(calculator.result(poiValue: mu, q: q, qA: qA))
            let value = calculator.testStatistic.definition.reportedPValue(p)
            return value.isNaN ? nil : (mu, value)
        }
        let above = cls.filter { $0.1 >= level }.map(\.0).max()
        let below = cls.filter { $0.1 < level }.map(\.0).filter { $0 > (above ?? -.infinity) }.min()
        guard let a = above, let b = below else { return nil }
        return (a, b)
    }
}

extension TestStatistic {
    /// Throws unless `CLs(μ) = level` defines an upper limit for this statistic.
    func requireUpperLimits() throws {
        guard definition.isOneSidedUpperLimit else {
            throw InferenceError.invalidArgument(
                "upper limits need a one-sided statistic (q, qtilde): \(rawValue) is not zero above μ̂, so CLs(μ) = level has no single root above the best fit")
        }
    }
}
