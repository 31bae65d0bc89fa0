/// The profile-likelihood test statistics of arXiv:1007.1727, as pyhf defines them.
///
/// "Tilde" and plain variants differ only through the POI bounds (a POI lower bound of 0 makes
/// the free fit return `μ̂ ≥ 0`, which implements `λ̃`), exactly as in pyhf.
public enum TestStatistic: String, Sendable, CaseIterable, Codable {
    /// Discovery: `q₀ = t₀` if `μ̂ ≥ 0`, else 0 (tested value forced to 0).
    case q0
    /// One-sided upper-limit statistic: `t_μ` if `μ̂ ≤ μ`, else 0.
    case q
    /// `q̃_μ`: as `q` with `μ̂` bounded below by the POI bound (0 for normfactors).
    case qtilde
    /// Two-sided `t_μ = max(−2 ln λ(μ), 0)`.
    case tmu
    /// `t̃_μ` (two-sided with bounded `μ̂`).
    case tmuTilde = "tmu_tilde"

    /// The POI value of the Asimov dataset the asymptotic calculator uses (1 for discovery, else 0).
    public var asimovPOIValue: Double { self == .q0 ? 1 : 0 }

    /// The statistic from the twice-NLL of the fixed-POI and free fits and the free fit's `μ̂`.
    public func value(poiValue mu: Double, fixedTwiceNLL: Double, freeTwiceNLL: Double, muHat: Double) -> Double {
        let t = max(fixedTwiceNLL - freeTwiceNLL, 0)
        switch self {
        case .q0: return muHat < 0 ? 0 : t
        case .q, .qtilde: return muHat > mu ? 0 : t
        case .tmu, .tmuTilde: return t
        }
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
    /// reuse an already computed free fit to the same data.
    public func testStatistic(
        _ statistic: TestStatistic, poiValue: Double, data: [Double], freeFit: FitResult? = nil
    ) throws -> TestStatisticValue {
        let poi = try requirePOI()
        if fixedParameters[poi] { throw InferenceError.fixedPOI(name: model.parameterNames[poi]) }
        let mu = statistic == .q0 ? 0 : poiValue
        let free = try freeFit ?? fit(data: data)
        let fixed = try fixedPOIFit(mu, data: data)
        let value = statistic.value(poiValue: mu, fixedTwiceNLL: fixed.twiceNLL, freeTwiceNLL: free.twiceNLL, muHat: free.parameters[poi])
        return TestStatisticValue(value: value, fixedFit: fixed, freeFit: free)
    }
}
