import HEPKitSupport

/// Tail probabilities of one hypothesis test.
public struct TailProbabilities: Sendable, Hashable, Codable {
    /// p-value under signal + background, `CL_{s+b}`.
    public var clsb: Double
    /// `CL_b` (one minus the background-only p-value of the observed value's complement).
    public var clb: Double
    /// `CL_s = CL_{s+b}/CL_b`.
    public var cls: Double

    public init(clsb: Double, clb: Double) {
        self.clsb = clsb
        self.clb = clb
        self.cls = clsb / clb
    }
}

/// Result of a hypothesis test at one POI value (pyhf's `hypotest` with `return_tail_probs`
/// and `return_expected_set`).
public struct HypothesisTestResult: Sendable, Hashable {
    /// The tested POI value.
    public var poiValue: Double
    /// The test statistic used.
    public var testStatistic: TestStatistic
    /// Observed tail probabilities.
    public var observed: TailProbabilities
    /// Expected tail probabilities for background-only data fluctuating by n = +2, +1, 0, −1, −2 σ
    /// (this order: index 0 has the smallest CLs).
    public var expected: [TailProbabilities]
    /// Observed test statistic (`q`); for toys the raw statistic.
    public var observedStatistic: Double
    /// Test statistic on the Asimov dataset (`q_A`); NaN for toys.
    public var asimovStatistic: Double
    /// What makes the result less trustworthy without invalidating it (empty channels, fits that
    /// did not converge, toys left out); the CLI prints them and adds them to its JSON output.
    public var warnings: [String] = []

    /// What pyhf's `hypotest` returns as "CLs_obs": the statistic's reported p-value (`CL_s`, or
    /// `CL_{s+b}`, the p₀, for discovery).
    public var clsObserved: Double { testStatistic.definition.reportedPValue(observed) }
    /// pyhf's "CLs_exp" set: expected reported p-values, n = +2 … −2.
    public var clsExpected: [Double] { expected.map(testStatistic.definition.reportedPValue) }

    /// Throws ``InferenceError/nonFiniteResult(_:)`` if the observed (when `observed`) or an
    /// expected reported p-value ("CLs"; `CL_{s+b}` for discovery) is NaN or infinite, naming
    /// the tested value, the statistic and `cause`.
    public func requireFinite(observed: Bool = true, cause: String = "") throws {
        let suffix = cause.isEmpty ? "" : "; \(cause)"
        if observed && !clsObserved.isFinite {
            throw InferenceError.nonFiniteResult(
                "observed CLs at POI = \(poiValue) is \(clsObserved) (\(testStatistic.rawValue) = \(observedStatistic), CL_b = \(self.observed.clb)\(asimovStatistic.isNaN ? "" : ", Asimov \(testStatistic.rawValue) = \(asimovStatistic)"))\(suffix)")
        }
        if let bad = clsExpected.firstIndex(where: { !$0.isFinite }) {
            throw InferenceError.nonFiniteResult(
                "expected CLs (band \(2 - bad)σ) at POI = \(poiValue) is \(clsExpected[bad])\(suffix)")
        }
    }
}

/// A warning for each fit that did not meet its convergence criterion.
func convergenceWarnings(_ fits: [(String, FitResult)]) -> [String] {
    fits.filter { !$0.1.converged }.map { "the \($0.0) did not converge (\($0.1.evaluations) evaluations); its result may be inaccurate" }
}

/// How the asymptotic calculator turns `√q − √q_A` into p-values.
public enum AsymptoticBaseDistribution: String, Sendable, Codable {
    /// Full normal distribution in `−μ̂/σ` space (pyhf's default).
    case normal
    /// Normal clipped at `−√q_A` (expected values capped; p-values of lower values are NaN).
    case clippedNormal = "clipped_normal"
}

/// The asymptotic (Wald/Asimov) calculator of arXiv:1007.1727, exactly as pyhf's
/// `AsymptoticCalculator`. The Asimov dataset and the two free fits do not depend on the tested
/// value, so they are computed once (the free fit to the Asimov data starts from the point that
/// generated them, its minimum); each tested value then costs two fits (run in parallel).
public struct AsymptoticCalculator<LikelihoodModel: Likelihood>: Sendable {
    /// The fitter (init, bounds, fixed flags as in every pyhf fit).
    public let fitter: Fitter<LikelihoodModel>
    /// The observed data.
    public let data: [Double]
    /// The test statistic.
    public let testStatistic: TestStatistic
    /// Base distribution for p-values.
    public let baseDistribution: AsymptoticBaseDistribution
    /// Parameters of the fit that defines the Asimov data (POI held at the statistic's `asimovPOIValue`).
    public let asimovParameters: [Double]
    /// The Asimov dataset (main and auxiliary data).
    public let asimovData: [Double]
    /// Free fit to the observed data.
    public let freeFitToData: FitResult
    /// Free fit to the Asimov data.
    public let freeFitToAsimov: FitResult
    /// Model defects that do not invalidate the test (empty channels) and fits of the
    /// initialisation that did not converge.
    public let warnings: [String]

    /// Runs the three test-value-independent fits.
    public init(
        fitter: Fitter<LikelihoodModel>, data: [Double], testStatistic: TestStatistic = .qtilde,
        baseDistribution: AsymptoticBaseDistribution = .normal
    ) throws {
        let poi = try fitter.requirePOI()
        if fitter.fixedParameters[poi] { throw InferenceError.fixedPOI(name: fitter.model.parameterNames[poi]) }
        let defects = try fitter.requireSignal()
        self.fitter = fitter
        self.data = data
        self.testStatistic = testStatistic
        self.baseDistribution = baseDistribution
        let outcomes = parallelMap(2) { task -> (FitResult, FitResult?) in
            if task == 0 { return (try fitter.fit(data: data), nil) }
            let asimovFit = try fitter.fixedPOIFit(testStatistic.asimovPOIValue, data: data)
            let asimov = fitter.model.expectedData(asimovFit.parameters)
            // The Asimov data are the expectation at asimovFit, which is therefore (up to the
            // POI's freedom) the free fit's minimum: start there.
            return (asimovFit, try fitter.fit(data: asimov, start: asimovFit.parameters))
        }
        freeFitToData = try outcomes[0].get().0
        let (asimovFit, asimovFree) = try outcomes[1].get()
        asimovParameters = asimovFit.parameters
        asimovData = fitter.model.expectedData(asimovFit.parameters)
        freeFitToAsimov = asimovFree!
        warnings = defects.map(\.description) + convergenceWarnings([
            ("free fit to the data", freeFitToData), ("fit that defines the Asimov data", asimovFit),
            ("free fit to the Asimov data", freeFitToAsimov),
        ])
    }

    /// The test statistic on the observed data at `poiValue`. The fixed-POI fit starts from the
    /// initial values, as pyhf's: on likelihoods that are not convex (coupled histosys) a warm
    /// start from the free fit can end in another local minimum than pyhf's.
    public func observedStatistic(_ poiValue: Double) throws -> TestStatisticValue {
        try fitter.testStatistic(testStatistic, poiValue: poiValue, data: data, freeFit: freeFitToData)
    }

    /// The test statistic on the Asimov data at `poiValue`; the fixed-POI fit starts at `start`
    /// (default: the initial values, for the reason given at ``observedStatistic(_:)``).
    public func asimovStatistic(_ poiValue: Double, start: [Double]? = nil) throws -> TestStatisticValue {
        try fitter.testStatistic(testStatistic, poiValue: poiValue, data: asimovData, freeFit: freeFitToAsimov, fixedStart: start)
    }

    /// The hypothesis test at `poiValue` (pyhf's `hypotest(..., calctype="asymptotics")`).
    ///
    /// Throws ``InferenceError/nonFiniteResult(_:)`` when a CLs is NaN or infinite (the observed
    /// one of the clipped-normal base distribution may be NaN by definition); fits that did not
    /// converge are listed in the result's `warnings`.
    public func hypotest(_ poiValue: Double) throws -> HypothesisTestResult {
        let outcomes = parallelMap(2) { task in
            task == 0 ? try observedStatistic(poiValue) : try asimovStatistic(poiValue)
        }
        let observed = try outcomes[0].get(), asimov = try outcomes[1].get()
        var test = result(poiValue: poiValue, q: observed.value, qA: asimov.value)
        test.warnings = warnings + convergenceWarnings([
            ("fit to the data with the POI at \(poiValue)", observed.fixedFit),
            ("fit to the Asimov data with the POI at \(poiValue)", asimov.fixedFit),
        ])
        try test.requireFinite(observed: baseDistribution == .normal)
        return test
    }

    /// Assembles p-values from `q` and `q_A` with the statistic's asymptotic distribution.
    public func result(poiValue: Double, q: Double, qA: Double) -> HypothesisTestResult {
        let statistic = testStatistic.definition
        return HypothesisTestResult(
            poiValue: poiValue, testStatistic: testStatistic,
            observed: statistic.asymptoticTails(q: q, qA: qA, base: baseDistribution),
            expected: [2.0, 1, 0, -1, -2].map { statistic.asymptoticExpectedTails(band: $0, qA: qA, base: baseDistribution) },
            observedStatistic: q, asimovStatistic: qA)
    }

    /// Expected reported p-value (CLs, or `CL_{s+b}` for discovery) of band `n` (+2 … −2) from `q_A` alone.
    public func expectedCLs(qA: Double, band n: Double) -> Double {
        let statistic = testStatistic.definition
        return statistic.reportedPValue(statistic.asymptoticExpectedTails(band: n, qA: qA, base: baseDistribution))
    }

    /// Observed reported p-value (CLs, or `CL_{s+b}` for discovery) from `q` and `q_A`.
    public func observedCLs(q: Double, qA: Double) -> Double {
        let statistic = testStatistic.definition
        return statistic.reportedPValue(statistic.asymptoticTails(q: q, qA: qA, base: baseDistribution))
    }
}
