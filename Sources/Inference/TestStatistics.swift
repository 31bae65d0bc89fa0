/// A profile-likelihood test statistic (arXiv:1007.1727): how it follows from the fixed-POI and
/// free fits, which hypotheses it compares, which tail probability it reports and its asymptotic
/// distribution. The calculators (asymptotic and toys), `hepkit cls` and the limit search only use
/// these requirements, so a new statistic is one conforming type, wrapped in ``TestStatistic``.
public protocol ProfileLikelihoodTestStatistic: Sendable {
    /// The name on the command line and in results (pyhf's `test_stat`); names identify statistics.
    var name: String { get }
    /// The POI value the statistic tests when `poiValue` is requested (discovery always tests 0).
    func testedPOIValue(_ poiValue: Double) -> Double
    /// The POI value of the alternative hypothesis: the Asimov dataset of the asymptotic formulae
    /// and the mean of the background-like toys (0 for limits, 1 for discovery).
    var asimovPOIValue: Double { get }
    /// The statistic from the twice-NLL of the fit with the POI at `poiValue` and of the free fit,
    /// whose POI is `muHat`.
    func value(poiValue: Double, fixedTwiceNLL: Double, freeTwiceNLL: Double, muHat: Double) -> Double
    /// The tail probability a hypothesis test reports: `CL_s` for exclusion, `CL_{s+b}` (the p-value
    /// of the tested hypothesis) for discovery.
    func reportedPValue(_ tails: TailProbabilities) -> Double
    /// Whether `q = 0` whenever `μ̂ ≥ μ`, so that `CLs(μ) = level` has a single root above `μ̂`:
    /// only such statistics give upper limits.
    var isOneSidedUpperLimit: Bool { get }
    /// Asymptotic `CL_{s+b}` and `CL_b` of the observed value `q`, given its value `q_A` on the
    /// Asimov dataset (`√q_A = |μ − μ'|/σ` in the Wald approximation).
    func asymptoticTails(q: Double, qA: Double, base: AsymptoticBaseDistribution) -> TailProbabilities
    /// Asymptotic tail probabilities of the expected statistic for alternative-hypothesis data
    /// fluctuating by `band` σ (+2 … −2; +2 gives the smallest CLs).
    func asymptoticExpectedTails(band n: Double, qA: Double, base: AsymptoticBaseDistribution) -> TailProbabilities
    /// The `√q_A` at which the expected reported p-value of `band` equals `level`, when the
    /// asymptotic distribution gives it in closed form (the limit search then solves a nearly
    /// linear equation in μ); `nil` to root-find on the p-value itself.
    func asimovRootOfExpectedPValue(level: Double, band n: Double) -> Double?
}

extension ProfileLikelihoodTestStatistic {
    public func testedPOIValue(_ poiValue: Double) -> Double { poiValue }
    public var asimovPOIValue: Double { 0 }
    public func reportedPValue(_ tails: TailProbabilities) -> Double { tails.cls }
    public var isOneSidedUpperLimit: Bool { false }
    public func asimovRootOfExpectedPValue(level: Double, band n: Double) -> Double? { nil }
}

/// Statistics whose asymptotic distribution is a unit normal in `−μ̂/σ` space, shifted by `−√q_A`
/// under the tested hypothesis (pyhf's `AsymptoticTestStatDistribution`): they only say how `q`
/// maps into that space.
public protocol SigmaSpaceTestStatistic: ProfileLikelihoodTestStatistic {
    /// The observed statistic in `−μ̂/σ` space.
    func sigmaSpaceValue(q: Double, qA: Double) -> Double
}

extension SigmaSpaceTestStatistic {
    public func asymptoticTails(q: Double, qA: Double, base: AsymptoticBaseDistribution) -> TailProbabilities {
        Self.tails(at: sigmaSpaceValue(q: q, qA: qA), sqrtQA: qA.squareRoot(), base: base)
    }

    public func asymptoticExpectedTails(band n: Double, qA: Double, base: AsymptoticBaseDistribution) -> TailProbabilities {
        let sqrtQA = qA.squareRoot()
        let cutoff = base == .normal ? -Double.infinity : -sqrtQA
        return Self.tails(at: n > cutoff ? n : cutoff, sqrtQA: sqrtQA, base: base)
    }

    /// pyhf's p-values: `CL_{s+b} = Φ̄(t + √q_A)`, `CL_b = Φ̄(t)`, NaN below the clipped normal's cutoff.
    static func tails(at t: Double, sqrtQA: Double, base: AsymptoticBaseDistribution) -> TailProbabilities {
        let cutoff = base == .normal ? -Double.infinity : -sqrtQA
        guard t >= cutoff else { return TailProbabilities(clsb: .nan, clb: .nan) }
        return TailProbabilities(clsb: StandardNormal.survival(t + sqrtQA), clb: StandardNormal.survival(t))
    }
}

/// `q₀` (discovery): `t₀` if `μ̂ ≥ 0`, else 0; always tests μ = 0 against μ' = 1 and reports `CL_{s+b}` = p₀.
public struct DiscoveryTestStatistic: SigmaSpaceTestStatistic {
    public init() {}
    public var name: String { "q0" }
    public func testedPOIValue(_ poiValue: Double) -> Double { 0 }
    public var asimovPOIValue: Double { 1 }
    public func value(poiValue: Double, fixedTwiceNLL: Double, freeTwiceNLL: Double, muHat: Double) -> Double {
        muHat < 0 ? 0 : max(fixedTwiceNLL - freeTwiceNLL, 0)
    }
    public func reportedPValue(_ tails: TailProbabilities) -> Double { tails.clsb }
    public func sigmaSpaceValue(q: Double, qA: Double) -> Double { q.squareRoot() - qA.squareRoot() }
}

/// `q_μ` and `q̃_μ` (upper limits): `t_μ` if `μ̂ ≤ μ`, else 0. They differ in the POI bounds (a
/// lower bound of 0 makes `μ̂ ≥ 0`, which implements `λ̃`) and in the asymptotic mapping: `q̃`
/// above `√q_A` uses `(q − q_A)/(2√q_A)` (`√q_A = 0` stays in the first branch, as on pyhf main,
/// scikit-hep/pyhf#2725).
public struct UpperLimitTestStatistic: SigmaSpaceTestStatistic {
    /// `q̃_μ` rather than `q_μ`.
    public var tilde: Bool
    public init(tilde: Bool) { self.tilde = tilde }
    public var name: String { tilde ? "qtilde" : "q" }
    public var isOneSidedUpperLimit: Bool { true }
    public func value(poiValue mu: Double, fixedTwiceNLL: Double, freeTwiceNLL: Double, muHat: Double) -> Double {
        muHat > mu ? 0 : max(fixedTwiceNLL - freeTwiceNLL, 0)
    }
    public func sigmaSpaceValue(q: Double, qA: Double) -> Double {
        let sqrtQ = q.squareRoot(), sqrtQA = qA.squareRoot()
        if tilde && sqrtQ > sqrtQA && sqrtQA > 0 { return (q - qA) / (2 * sqrtQA) }
        return sqrtQ - sqrtQA
    }
    public func asimovRootOfExpectedPValue(level: Double, band n: Double) -> Double? {
        // CLs_exp(n) = Φ̄(n + √q_A)/Φ̄(n) = level.
        -StandardNormal.quantile(level * StandardNormal.cdf(-n)) - n
    }
}

/// `t_μ = max(−2 ln λ(μ), 0)` and `t̃_μ` (two-sided; `t̃` with `μ̂` bounded below by 0, so that
/// `t̃ = μ²/σ² − 2μμ̂/σ²` for `μ̂ < 0`). Asymptotic distributions of arXiv:1007.1727 eqs. 33–36 and
/// 43–45 (non-central χ² with one degree of freedom and non-centrality `q_A` for `t`; the tilde
/// version assumes μ' = 0, so `μ/σ = √q_A`). They test a value, not a limit: `CLs(μ) = level`
/// has roots on both sides of `μ̂`, so the limit search refuses them. The base distribution does
/// not apply (there is no cutoff in `−μ̂/σ` space).
public struct TwoSidedTestStatistic: ProfileLikelihoodTestStatistic {
    /// `t̃_μ` rather than `t_μ`.
    public var tilde: Bool
    public init(tilde: Bool) { self.tilde = tilde }
    public var name: String { tilde ? "tmu_tilde" : "tmu" }
    public func value(poiValue: Double, fixedTwiceNLL: Double, freeTwiceNLL: Double, muHat: Double) -> Double {
        max(fixedTwiceNLL - freeTwiceNLL, 0)
    }

    public func asymptoticTails(q t: Double, qA: Double, base: AsymptoticBaseDistribution) -> TailProbabilities {
        let a = qA.squareRoot(), s = t.squareRoot()
        guard tilde, t > qA, a > 0 else {
            // P(t ≥ T | Λ) = 2 − Φ(√T + √Λ) − Φ(√T − √Λ): Λ = 0 under μ, Λ = q_A under μ'.
            return TailProbabilities(
                clsb: 2 * StandardNormal.survival(s),
                clb: StandardNormal.survival(s + a) + StandardNormal.survival(s - a))
        }
        // Beyond μ²/σ² the branch μ̂ < 0 of t̃ takes over (eq. 45).
        return TailProbabilities(
            clsb: StandardNormal.survival(s) + StandardNormal.survival((t + qA) / (2 * a)),
            clb: StandardNormal.survival(s + a) + StandardNormal.survival((t - qA) / (2 * a)))
    }

    public func asymptoticExpectedTails(band n: Double, qA: Double, base: AsymptoticBaseDistribution) -> TailProbabilities {
        // Alternative-hypothesis data with μ̂ = −nσ: t = (μ − μ̂)²/σ² = (√q_A + n)², or for t̃ with
        // μ̂ < 0, μ²/σ² − 2μμ̂/σ² = q_A + 2n√q_A.
        let a = qA.squareRoot()
        let t = tilde && n > 0 ? qA + 2 * n * a : (a + n) * (a + n)
        return asymptoticTails(q: t, qA: qA, base: base)
    }
}

/// A test statistic: one of the built-in ones (`q0`, `q`, `qtilde`, `tmu`, `tmu_tilde`) or any
/// ``ProfileLikelihoodTestStatistic``. Values compare and hash by name.
public struct TestStatistic: Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// The statistic's rules.
    public let definition: any ProfileLikelihoodTestStatistic

    /// Wraps any statistic (e.g. one defined outside this module).
    public init(_ definition: some ProfileLikelihoodTestStatistic) {
        self.definition = definition
    }

    /// Discovery: `q₀ = t₀` if `μ̂ ≥ 0`, else 0 (tested value forced to 0).
    public static let q0 = TestStatistic(DiscoveryTestStatistic())
    /// One-sided upper-limit statistic: `t_μ` if `μ̂ ≤ μ`, else 0.
    public static let q = TestStatistic(UpperLimitTestStatistic(tilde: false))
    /// `q̃_μ`: as `q` with `μ̂` bounded below by the POI bound (0 for normfactors).
    public static let qtilde = TestStatistic(UpperLimitTestStatistic(tilde: true))
    /// Two-sided `t_μ = max(−2 ln λ(μ), 0)`.
    public static let tmu = TestStatistic(TwoSidedTestStatistic(tilde: false))
    /// `t̃_μ` (two-sided with bounded `μ̂`).
    public static let tmuTilde = TestStatistic(TwoSidedTestStatistic(tilde: true))

    /// The built-in statistics.
    public static let allCases: [TestStatistic] = [.q0, .q, .qtilde, .tmu, .tmuTilde]

    /// The built-in statistic called `rawValue`, `nil` for another name.
    public init?(rawValue: String) {
        guard let known = Self.allCases.first(where: { $0.rawValue == rawValue }) else { return nil }
        self = known
    }

    /// The name (pyhf's `test_stat`).
    public var rawValue: String { definition.name }
    public var description: String { rawValue }

    /// The POI value of the Asimov dataset and of the background-like toys.
    public var asimovPOIValue: Double { definition.asimovPOIValue }

    /// The statistic from the twice-NLL of the fixed-POI and free fits and the free fit's `μ̂`.
    public func value(poiValue mu: Double, fixedTwiceNLL: Double, freeTwiceNLL: Double, muHat: Double) -> Double {
        definition.value(poiValue: mu, fixedTwiceNLL: fixedTwiceNLL, freeTwiceNLL: freeTwiceNLL, muHat: muHat)
    }

    public static func == (lhs: TestStatistic, rhs: TestStatistic) -> Bool { lhs.rawValue == rhs.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let known = TestStatistic(rawValue: name) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown test statistic '\(name)'"))
        }
        self = known
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A test statistic with the two fits it was computed from.
public struct TestStatisticValue: Sendable {
    /// The statistic.
    public var value: Double
    /// Fit with the POI held at the tested value.
    public var fixedFit: FitResult
    /// Free fit.
    public var freeFit: FitResult
}

extension Fitter {
    /// Computes `statistic` at `poiValue` on `data` (pyhf's `test_statistics.*`). Pass `freeFit` to
    /// reuse an already computed free fit to the same data, and `fixedStart` to start the fixed-POI
    /// fit there (a nearby solved point; the POI is set to the tested value) rather than at the
    /// initial values.
    public func testStatistic(
        _ statistic: TestStatistic, poiValue: Double, data: [Double], freeFit: FitResult? = nil, fixedStart: [Double]? = nil
    ) throws -> TestStatisticValue {
        let poi = try requirePOI()
        if fixedParameters[poi] { throw InferenceError.fixedPOI(name: model.parameterNames[poi]) }
        let mu = statistic.definition.testedPOIValue(poiValue)
        let free = try freeFit ?? fit(data: data)
        let fixed = try fixedPOIFit(mu, data: data, start: fixedStart)
        let value = statistic.value(poiValue: mu, fixedTwiceNLL: fixed.twiceNLL, freeTwiceNLL: free.twiceNLL, muHat: free.parameters[poi])
        return TestStatisticValue(value: value, fixedFit: fixed, freeFit: free)
    }
}
