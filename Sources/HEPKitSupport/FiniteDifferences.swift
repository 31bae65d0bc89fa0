/// How ``finiteDifferenceHessian(at:indices:relativeStep:differencing:_:)`` differences the gradient.
public enum HessianDifferencing: Sendable {
    /// `(∇f(x + hεᵢ) − ∇f(x − hεᵢ)) / 2h`; on a side where `f` is not finite, the one-sided
    /// difference with `∇f(x)` instead.
    case central
    /// `(∇f(x + hεᵢ) − ∇f(x)) / h` against the known gradient at `x` (one gradient per row);
    /// backward where `f` is not finite ahead, a unit row where it is not finite on either side.
    case forward(gradientAtX: [Double])
}

/// The Hessian of `f` over the coordinates `indices` by finite differences of its exact gradient,
/// as a row-major `indices.count × indices.count` array (row `a` is coordinate `indices[a]`; not
/// symmetrised). The step of coordinate `i` is `relativeStep · max(1, |xᵢ|)`. Rows run in parallel
/// on the thread budget (``parallelForEach(_:_:)``), so `f` is called from several threads.
public func finiteDifferenceHessian(
    at x: [Double], indices: [Int], relativeStep: Double, differencing: HessianDifferencing = .central,
    _ f: ([Double]) -> (value: Double, gradient: [Double])
) -> [Double] {
    let m = indices.count
    let elements = UnsafeMutableBufferPointer<Double>.allocate(capacity: m * m)
    defer { elements.deallocate() }
    parallelForEach(m) { a in
        let i = indices[a]
        let row = UnsafeMutableBufferPointer(rebasing: elements[a * m ..< (a + 1) * m])
        let h = relativeStep * max(1, abs(x[i]))
        switch differencing {
        case .central:
            var up = x, down = x
            up[i] = x[i] + h
            down[i] = x[i] - h
            var gu = f(up), gd = f(down)
            var width = 2 * h
            if !gu.value.isFinite { gu = f(x); width = h }
            if !gd.value.isFinite { gd = f(x); width = h }
            for (b, j) in indices.enumerated() { row[b] = (gu.gradient[j] - gd.gradient[j]) / width }
        case .forward(let g):
            var step = h
            var shifted = x
            shifted[i] += step
            var gs = f(shifted)
            if !gs.value.isFinite {
                step = -step
                shifted[i] = x[i] + step
                gs = f(shifted)
            }
            for (b, j) in indices.enumerated() { row[b] = gs.value.isFinite ? (gs.gradient[j] - g[j]) / step : (a == b ? 1 : 0) }
        }
    }
    return Array(elements)
}

/// `d/dt f(x + t·direction)` at `t = 0` by a central difference with `t = ±h`,
/// `h = relativeStep · max(1, maxᵢ|xᵢ|) / maxᵢ|directionᵢ|`: a mixed second derivative when `f` is
/// a gradient with respect to other variables (two evaluations, whatever the number of outputs).
/// `nil` for a zero direction, whose derivative is zero.
public func centralDirectionalDifference(
    at x: [Double], along direction: [Double], relativeStep: Double, _ f: ([Double]) -> [Double]
) -> [Double]? {
    precondition(direction.count == x.count, "the direction must have one entry per coordinate")
    let size = direction.map(abs).max() ?? 0
    guard size > 0 else { return nil }
    let h = relativeStep * max(1, x.map(abs).max() ?? 1) / size
    let plus = f(zip(x, direction).map { $0 + h * $1 }), minus = f(zip(x, direction).map { $0 - h * $1 })
    return zip(plus, minus).map { ($0 - $1) / (2 * h) }
}
