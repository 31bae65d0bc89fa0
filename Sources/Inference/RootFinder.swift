/// One-dimensional root finding on a bracket.
public enum RootFinder {
    /// Secant steps on `f` from `x0` and `x1`, for functions known to be nearly linear (no bracket
    /// needed): the root once `|f| ≤ functionTolerance` or a step is below `absoluteTolerance +
    /// relativeTolerance·|x|` (then the step's end, unevaluated); `nil` if a step leaves `(lower, upper)`, `f` throws or is not
    /// finite, or `maxEvaluations` do not settle (the caller then brackets the root).
    public static func secant(
        from x0: Double, knownValue: Double? = nil, _ x1: Double, within lower: Double, _ upper: Double,
        absoluteTolerance: Double = 2e-12, relativeTolerance: Double = 1e-8, functionTolerance: Double = 0, maxEvaluations: Int = 12,
        _ f: (Double) throws -> Double
    ) -> Double? {
        guard var f0 = knownValue ?? (try? f(x0)), f0.isFinite else { return nil }
        var x0 = x0, x1 = x1
        for _ in 0..<maxEvaluations {
            guard x1 > lower, x1 < upper, let f1 = try? f(x1), f1.isFinite else { return nil }
            if abs(f1) <= functionTolerance || abs(x1 - x0) <= absoluteTolerance + relativeTolerance * abs(x1) { return x1 }
            guard f1 != f0 else { return nil }
            let x2 = x1 - f1 * (x1 - x0) / (f1 - f0)
            // Converging superlinearly, the new estimate is well inside the tolerance of the root
            // once the step to it is: no further evaluation needed.
            if abs(x2 - x1) <= absoluteTolerance + relativeTolerance * abs(x2), x2 > lower, x2 < upper { return x2 }
            (x0, f0, x1) = (x1, f1, x2)
        }
        return nil
    }

    /// Brent's method: a root of `f` in `[lower, upper]`, where `f(lower)` and `f(upper)` differ in sign.
    ///
    /// Stops when the bracket is narrower than `absoluteTolerance + relativeTolerance·|x|`, or
    /// when `|f| ≤ functionTolerance` (saves the final bracket-shrinking evaluations when the
    /// function's scale is known).
    /// `knownLower`/`knownUpper` are already computed function values at the ends (saves evaluations).
    public static func brent(
        lower: Double, upper: Double,
        knownLower: Double? = nil, knownUpper: Double? = nil,
        absoluteTolerance: Double = 2e-12, relativeTolerance: Double = 1e-8, functionTolerance: Double = 0,
        maxIterations: Int = 200,
        _ f: (Double) throws -> Double
    ) throws -> Double {
        var a = lower, b = upper
        var fa = try knownLower ?? f(a)
        var fb = try knownUpper ?? f(b)
        if fa == 0 { return a }
        if fb == 0 { return b }
        guard fa.isFinite, fb.isFinite, (fa < 0) != (fb < 0) else {
            throw InferenceError.invalidArgument("root not bracketed in [\(lower), \(upper)] (f = \(fa), \(fb))")
        }
        var c = a, fc = fa
        var d = b - a, e = d
        for _ in 0..<maxIterations {
            if (fb < 0) == (fc < 0) {
                c = a; fc = fa; d = b - a; e = d
            }
            if abs(fc) < abs(fb) {
                a = b; b = c; c = a
                fa = fb; fb = fc; fc = fa
            }
            let tolerance = 0.5 * (absoluteTolerance + relativeTolerance * abs(b))
            let middle = 0.5 * (c - b)
            if abs(middle) <= tolerance || abs(fb) <= functionTolerance { return b }
            if abs(e) >= tolerance && abs(fa) > abs(fb) {
                var p: Double, q: Double
                let s = fb / fa
                if a == c {
                    p = 2 * middle * s
                    q = 1 - s
                } else {
                    let qq = fa / fc, r = fb / fc
                    p = s * (2 * middle * qq * (qq - r) - (b - a) * (r - 1))
                    q = (qq - 1) * (r - 1) * (s - 1)
                }
                if p > 0 { q = -q } else { p = -p }
                if 2 * p < min(3 * middle * q - abs(tolerance * q), abs(e * q)) {
                    e = d; d = p / q
                } else {
                    d = middle; e = d
                }
            } else {
                d = middle; e = d
            }
            a = b; fa = fb
            b += abs(d) > tolerance ? d : (middle > 0 ? tolerance : -tolerance)
            fb = try f(b)
            guard fb.isFinite else { throw InferenceError.invalidArgument("function not finite at \(b) during root finding") }
        }
        return b
    }
}
