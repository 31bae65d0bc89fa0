import Foundation

/// A HistFactory interpolation code: how a systematic with templates at α = ±1 varies with α.
///
/// Codes 0, 2 and 4p are *additive*: they give a shift Δ(α) of the nominal value. Codes 1 and 4 are
/// *multiplicative*: they give a factor f(α) applied to the nominal value. pyhf 0.7.6 allows codes 1
/// and 4 for `normsys` and 0, 2 and 4p for `histosys`; here every code works for both (an additive
/// code on a normsys acts on the nominal factor 1, a multiplicative code on a histosys gives
/// Δ = ν⁰·(f − 1), as ROOT's `PiecewiseInterpolation` does). Formulas are pyhf 0.7.6's
/// (`pyhf/interpolators/code*.py`), including code 2's α < −1 branch `(b − 2a)·α`.
public enum InterpolationCode: String, Sendable, CaseIterable, Codable {
    case code0, code1, code2, code4, code4p

    /// Whether the code interpolates a factor (codes 1 and 4) rather than a shift.
    @inlinable public var isMultiplicative: Bool { self == .code1 || self == .code4 }
}

/// Value and partial derivatives of one interpolated quantity.
public struct InterpolationValue: Sendable, Equatable {
    public var value: Double
    public var dAlpha: Double
    public var dLo: Double
    public var dNominal: Double
    public var dHi: Double

    @inlinable
    public init(value: Double, dAlpha: Double, dLo: Double, dNominal: Double, dHi: Double) {
        self.value = value
        self.dAlpha = dAlpha
        self.dLo = dLo
        self.dNominal = dNominal
        self.dHi = dHi
    }
}

extension InterpolationCode {
    /// The additive shift Δ(α) of a nominal value `nominal` with templates `lo` (α = −1) and `hi` (α = +1).
    /// For multiplicative codes Δ = nominal·(f(α; lo/nominal, hi/nominal) − 1).
    @inlinable
    public func delta(_ alpha: Double, lo: Double, nominal: Double, hi: Double) -> Double {
        switch self {
        case .code0: return Interpolators.code0(alpha, lo: lo, nominal: nominal, hi: hi)
        case .code2: return Interpolators.code2(alpha, lo: lo, nominal: nominal, hi: hi)
        case .code4p: return Interpolators.code4p(alpha, lo: lo, nominal: nominal, hi: hi)
        case .code1: return nominal * (Interpolators.code1(alpha, loRatio: lo / nominal, hiRatio: hi / nominal) - 1)
        case .code4: return nominal * (Interpolators.code4(alpha, loRatio: lo / nominal, hiRatio: hi / nominal) - 1)
        }
    }

    /// Δ(α) with its partial derivatives with respect to α, lo, nominal and hi.
    @inlinable
    public func deltaWithDerivatives(_ alpha: Double, lo: Double, nominal: Double, hi: Double) -> InterpolationValue {
        switch self {
        case .code0: return Interpolators.code0Derivatives(alpha, lo: lo, nominal: nominal, hi: hi)
        case .code2: return Interpolators.code2Derivatives(alpha, lo: lo, nominal: nominal, hi: hi)
        case .code4p: return Interpolators.code4pDerivatives(alpha, lo: lo, nominal: nominal, hi: hi)
        case .code1, .code4:
            let rl = lo / nominal, rh = hi / nominal
            let f = self == .code1
                ? Interpolators.code1Derivatives(alpha, loRatio: rl, hiRatio: rh)
                : Interpolators.code4Derivatives(alpha, loRatio: rl, hiRatio: rh)
            // Δ = ν(f − 1) with f = f(α, lo/ν, hi/ν).
            let dfdNominal = -(f.dLo * rl + f.dHi * rh) / nominal
            return InterpolationValue(
                value: nominal * (f.value - 1), dAlpha: nominal * f.dAlpha, dLo: f.dLo, dNominal: (f.value - 1) + nominal * dfdNominal,
                dHi: f.dHi)
        }
    }

    /// The multiplicative factor f(α) of a nominal factor 1 with factors `lo` (α = −1) and `hi` (α = +1).
    /// For additive codes f = 1 + Δ(α; lo, 1, hi).
    @inlinable
    public func factor(_ alpha: Double, lo: Double, hi: Double) -> Double {
        switch self {
        case .code1: return Interpolators.code1(alpha, loRatio: lo, hiRatio: hi)
        case .code4: return Interpolators.code4(alpha, loRatio: lo, hiRatio: hi)
        case .code0, .code2, .code4p: return 1 + delta(alpha, lo: lo, nominal: 1, hi: hi)
        }
    }

    /// f(α) with its partial derivatives with respect to α, lo and hi (`dNominal` is 0).
    @inlinable
    public func factorWithDerivatives(_ alpha: Double, lo: Double, hi: Double) -> InterpolationValue {
        switch self {
        case .code1: return Interpolators.code1Derivatives(alpha, loRatio: lo, hiRatio: hi)
        case .code4: return Interpolators.code4Derivatives(alpha, loRatio: lo, hiRatio: hi)
        case .code0, .code2, .code4p:
            var d = deltaWithDerivatives(alpha, lo: lo, nominal: 1, hi: hi)
            d.value += 1
            d.dNominal = 0
            return d
        }
    }
}

extension InterpolationCode {
    /// ∂²Δ/∂α² of `delta(_:lo:nominal:hi:)` (for the exact Hessian; 0 on linear branches).
    @inlinable
    public func deltaSecondDerivative(_ alpha: Double, lo: Double, nominal: Double, hi: Double) -> Double {
        switch self {
        case .code0: return 0
        case .code2: return alpha > 1 || alpha < -1 ? 0 : 2 * (0.5 * (hi + lo) - nominal)
        case .code4p:
            guard alpha <= 1 && alpha >= -1 else { return 0 }
            let a2 = alpha * alpha
            return (a2 * (a2 * 90.0 - 120.0) + 30.0) * (0.0625 * ((hi - nominal) - (nominal - lo)))
        case .code1, .code4: return nominal * factorSecondDerivative(alpha, lo: lo / nominal, hi: hi / nominal)
        }
    }

    /// ∂²f/∂α² of `factor(_:lo:hi:)`.
    @inlinable
    public func factorSecondDerivative(_ alpha: Double, lo: Double, hi: Double) -> Double {
        switch self {
        case .code0, .code2, .code4p: return deltaSecondDerivative(alpha, lo: lo, nominal: 1, hi: hi)
        case .code1:
            let l = alpha > 0 ? log(hi) : log(lo)
            return Interpolators.code1(alpha, loRatio: lo, hiRatio: hi) * l * l
        case .code4:
            if alpha >= 1 || alpha <= -1 {
                let l = alpha >= 1 ? log(hi) : log(lo)
                return Interpolators.code4(alpha, loRatio: lo, hiRatio: hi) * l * l
            }
            let c = Interpolators.code4Coefficients(loRatio: lo, hiRatio: hi)
            return Interpolators.code4PolynomialSecondDerivative(alpha, c)
        }
    }
}

/// The interpolation formulas, one pair (value, value with derivatives) per code.
public enum Interpolators {
    // MARK: code 0 — piecewise linear shift

    @inlinable
    public static func code0(_ a: Double, lo: Double, nominal: Double, hi: Double) -> Double {
        a > 0 ? a * (hi - nominal) : a * (nominal - lo)
    }

    @inlinable
    public static func code0Derivatives(_ a: Double, lo: Double, nominal: Double, hi: Double) -> InterpolationValue {
        if a > 0 {
            return InterpolationValue(value: a * (hi - nominal), dAlpha: hi - nominal, dLo: 0, dNominal: -a, dHi: a)
        }
        return InterpolationValue(value: a * (nominal - lo), dAlpha: nominal - lo, dLo: -a, dNominal: a, dHi: 0)
    }

    // MARK: code 2 — quadratic inside, linear outside (pyhf 0.7.6, discontinuous at |α| = 1)

    @inlinable
    public static func code2(_ x: Double, lo: Double, nominal: Double, hi: Double) -> Double {
        let a = 0.5 * (hi + lo) - nominal
        let b = 0.5 * (hi - lo)
        if x > 1 { return (x - 1) * (b + 2 * a) }
        if x >= -1 { return x * x * a + x * b }
        return x * (b - 2 * a)
    }

    @inlinable
    public static func code2Derivatives(_ x: Double, lo: Double, nominal: Double, hi: Double) -> InterpolationValue {
        let a = 0.5 * (hi + lo) - nominal
        let b = 0.5 * (hi - lo)
        // a = (hi + lo)/2 − ν, b = (hi − lo)/2
        if x > 1 {
            let t = x - 1
            return InterpolationValue(value: t * (b + 2 * a), dAlpha: b + 2 * a, dLo: 0.5 * t, dNominal: -2 * t, dHi: 1.5 * t)
        }
        if x >= -1 {
            let x2 = x * x
            return InterpolationValue(
                value: x2 * a + x * b, dAlpha: 2 * a * x + b, dLo: 0.5 * x2 - 0.5 * x, dNominal: -x2, dHi: 0.5 * x2 + 0.5 * x)
        }
        return InterpolationValue(value: x * (b - 2 * a), dAlpha: b - 2 * a, dLo: -1.5 * x, dNominal: 2 * x, dHi: -0.5 * x)
    }

    // MARK: code 4p — linear outside, 6th-order polynomial inside

    @inlinable
    public static func code4p(_ a: Double, lo: Double, nominal: Double, hi: Double) -> Double {
        let up = hi - nominal, dn = nominal - lo
        if a > 1 { return a * up }
        if a < -1 { return a * dn }
        let s = 0.5 * (up + dn)
        let asym = 0.0625 * (up - dn)
        let a2 = a * a
        let tmp3 = a2 * (a2 * (a2 * 3.0 - 10.0) + 15.0)
        return tmp3 * asym + a * s
    }

    @inlinable
    public static func code4pDerivatives(_ a: Double, lo: Double, nominal: Double, hi: Double) -> InterpolationValue {
        let up = hi - nominal, dn = nominal - lo
        if a > 1 { return InterpolationValue(value: a * up, dAlpha: up, dLo: 0, dNominal: -a, dHi: a) }
        if a < -1 { return InterpolationValue(value: a * dn, dAlpha: dn, dLo: -a, dNominal: a, dHi: 0) }
        let s = 0.5 * (up + dn)
        let asym = 0.0625 * (up - dn)
        let a2 = a * a
        let tmp3 = a2 * (a2 * (a2 * 3.0 - 10.0) + 15.0)
        let dtmp3 = a * (a2 * (a2 * 18.0 - 40.0) + 30.0)
        // S = (hi − lo)/2 and A = (hi + lo − 2ν)/16.
        return InterpolationValue(
            value: tmp3 * asym + a * s, dAlpha: dtmp3 * asym + s, dLo: 0.0625 * tmp3 - 0.5 * a, dNominal: -0.125 * tmp3,
            dHi: 0.0625 * tmp3 + 0.5 * a)
    }

    // MARK: code 1 — piecewise exponential factor

    @inlinable
    public static func code1(_ a: Double, loRatio: Double, hiRatio: Double) -> Double {
        a > 0 ? pow(hiRatio, a) : pow(loRatio, -a)
    }

    @inlinable
    public static func code1Derivatives(_ a: Double, loRatio: Double, hiRatio: Double) -> InterpolationValue {
        if a > 0 {
            let f = pow(hiRatio, a)
            return InterpolationValue(value: f, dAlpha: f * log(hiRatio), dLo: 0, dNominal: 0, dHi: a * pow(hiRatio, a - 1))
        }
        let f = pow(loRatio, -a)
        return InterpolationValue(
            value: f, dAlpha: -f * log(loRatio), dLo: -a * pow(loRatio, -a - 1), dNominal: 0, dHi: 0)
    }

    // MARK: code 4 — exponential outside, 6th-order polynomial inside (α₀ = 1)

    /// The six polynomial coefficients of code 4 for factors `lo`, `hi` (pyhf's `A⁻¹·v`).
    @inlinable
    public static func code4Coefficients(loRatio dn: Double, hiRatio up: Double)
        -> (Double, Double, Double, Double, Double, Double)
    {
        let lu = log(up), ld = log(dn)
        let v1 = up - 1, v2 = dn - 1, v3 = lu * up, v4 = -ld * dn, v5 = lu * lu * up, v6 = ld * ld * dn
        return code4Solve(v1, v2, v3, v4, v5, v6)
    }

    /// The coefficients of ∂f/∂hi and ∂f/∂lo inside |α| < 1 (polynomials without constant term), from
    /// ln lo and ln hi.
    @inlinable
    static func code4DataCoefficients(logLo ld: Double, logHi lu: Double)
        -> (hi: (Double, Double, Double, Double, Double, Double), lo: (Double, Double, Double, Double, Double, Double))
    {
        // ∂v/∂hi = (1, 0, ln hi + 1, 0, ln²hi + 2 ln hi, 0); ∂v/∂lo = (0, 1, 0, −(ln lo + 1), 0, ln²lo + 2 ln lo)
        (code4Solve(1, 0, lu + 1, 0, lu * lu + 2 * lu, 0), code4Solve(0, 1, 0, -(ld + 1), 0, ld * ld + 2 * ld))
    }

    /// `A⁻¹·v` for α₀ = 1, term by term in pyhf's row order.
    @inlinable
    static func code4Solve(_ v1: Double, _ v2: Double, _ v3: Double, _ v4: Double, _ v5: Double, _ v6: Double)
        -> (Double, Double, Double, Double, Double, Double)
    {
        let a1 = 15.0 / 16 * v1 - 15.0 / 16 * v2 - 7.0 / 16 * v3 - 7.0 / 16 * v4 + 1.0 / 16 * v5 - 1.0 / 16 * v6
        let a2 = 3.0 / 2 * v1 + 3.0 / 2 * v2 - 9.0 / 16 * v3 + 9.0 / 16 * v4 + 1.0 / 16 * v5 + 1.0 / 16 * v6
        let a3 = -5.0 / 8 * v1 + 5.0 / 8 * v2 + 5.0 / 8 * v3 + 5.0 / 8 * v4 - 1.0 / 8 * v5 + 1.0 / 8 * v6
        let a4 = -3.0 / 2 * v1 - 3.0 / 2 * v2 + 7.0 / 8 * v3 - 7.0 / 8 * v4 - 1.0 / 8 * v5 - 1.0 / 8 * v6
        let a5 = 3.0 / 16 * v1 - 3.0 / 16 * v2 - 3.0 / 16 * v3 - 3.0 / 16 * v4 + 1.0 / 16 * v5 - 1.0 / 16 * v6
        let a6 = 1.0 / 2 * v1 + 1.0 / 2 * v2 - 5.0 / 16 * v3 + 5.0 / 16 * v4 + 1.0 / 16 * v5 + 1.0 / 16 * v6
        return (a1, a2, a3, a4, a5, a6)
    }

    /// ∂²/∂α² of code 4's polynomial `1 + Σ cₖ αᵏ` (|α| < 1).
    @inlinable
    public static func code4PolynomialSecondDerivative(_ a: Double, _ c: (Double, Double, Double, Double, Double, Double)) -> Double {
        2 * c.1 + a * (6 * c.2 + a * (12 * c.3 + a * (20 * c.4 + a * 30 * c.5)))
    }

    @inlinable
    public static func code4(_ a: Double, loRatio: Double, hiRatio: Double) -> Double {
        if a >= 1 { return pow(hiRatio, a) }
        if a <= -1 { return pow(loRatio, -a) }
        let c = code4Coefficients(loRatio: loRatio, hiRatio: hiRatio)
        return 1 + a * (c.0 + a * (c.1 + a * (c.2 + a * (c.3 + a * (c.4 + a * c.5)))))
    }

    @inlinable
    public static func code4Derivatives(_ a: Double, loRatio dn: Double, hiRatio up: Double) -> InterpolationValue {
        if a >= 1 {
            let f = pow(up, a)
            return InterpolationValue(value: f, dAlpha: f * log(up), dLo: 0, dNominal: 0, dHi: a * pow(up, a - 1))
        }
        if a <= -1 {
            let f = pow(dn, -a)
            return InterpolationValue(value: f, dAlpha: -f * log(dn), dLo: -a * pow(dn, -a - 1), dNominal: 0, dHi: 0)
        }
        let lu = log(up), ld = log(dn)
        let c = code4Solve(up - 1, dn - 1, lu * up, -ld * dn, lu * lu * up, ld * ld * dn)
        let (ch, cl) = code4DataCoefficients(logLo: ld, logHi: lu)
        func poly(_ k: (Double, Double, Double, Double, Double, Double)) -> Double {
            a * (k.0 + a * (k.1 + a * (k.2 + a * (k.3 + a * (k.4 + a * k.5)))))
        }
        let value = 1 + poly(c)
        let dAlpha = c.0 + a * (2 * c.1 + a * (3 * c.2 + a * (4 * c.3 + a * (5 * c.4 + a * 6 * c.5))))
        return InterpolationValue(value: value, dAlpha: dAlpha, dLo: poly(cl), dNominal: 0, dHi: poly(ch))
    }
}
