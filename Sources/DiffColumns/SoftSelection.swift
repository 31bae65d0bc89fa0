import HEPKitSupport
import _Differentiation

/// Which side of a cut passes.
public enum CutDirection: Sendable {
    /// Events with value > cut pass.
    case above
    /// Events with value < cut pass.
    case below

    @inlinable var sign: Double { self == .above ? 1 : -1 }
}

/// The relaxed indicator σ(d / scale) of `d > 0` for a column of differences, with its tangents.
///
/// This is the soft form of every comparison: `a > b` is `softStep(a - b)`. As `scale → 0` it tends
/// to the 0/1 step (½ exactly at d = 0). Tangents: ∂σ(d/s)/∂θ = σ(1-σ)/s · ∂d/∂θ.
public func softStep(_ difference: DualColumn, scale: Double) -> DualColumn {
    precondition(scale > 0, "relaxation scale must be positive")
    let n = difference.count
    let rows = difference.activeParameters.count
    let inverseScale = 1 / scale
    var values = [Double](repeating: 0, count: n)
    var tangents = difference.tangents
    difference.values.withUnsafeBufferPointer { d in
    values.withUnsafeMutableBufferPointer { out in
    tangents.withUnsafeMutableBufferPointer { t in
        // Chunks write disjoint ranges.
        nonisolated(unsafe) let out = out, t = t
        _ = mapChunks(count: n) { range in
            for i in range {
                let (s, ds) = SigmoidEdge.cdfAndDensity(d[i] * inverseScale)
                out[i] = s
                for r in 0..<rows { t[r * n + i] *= ds * inverseScale }
            }
        }
    }}}
    return DualColumn(
        values: values, parameterCount: difference.parameterCount,
        activeParameters: difference.activeParameters, tangents: tangents)
}

/// Soft selection weights: `weights[i] · σ(±(values[i] - cut) / scale)`.
///
/// Differentiable with respect to the incoming weights and the cut, so several cuts chain
/// (`softSelect(softSelect(w, x, c1), y, c2)`) and feed a histogram under Swift's AD.
@differentiable(reverse, wrt: (weights, cut))
public func softSelect(
    weights: [Double], values: [Double], cut: Double, scale: Double, direction: CutDirection = .above
) -> [Double] {
    softSelectWithCutDerivative(weights: weights, values: values, cut: cut, scale: scale, direction: direction).value
}

/// One pass: the selected weights, their derivative with respect to the cut, and the pass factors.
func softSelectWithCutDerivative(
    weights: [Double], values: [Double], cut: Double, scale: Double, direction: CutDirection
) -> (value: [Double], dCut: [Double], factor: [Double]) {
    precondition(weights.count == values.count, "weights and values differ in length")
    precondition(scale > 0, "relaxation scale must be positive")
    let n = values.count
    let k = direction.sign / scale
    var dCut = [Double](repeating: 0, count: n)
    var factor = [Double](repeating: 0, count: n)
    let out = [Double](unsafeUninitializedCapacity: n) { out, initialized in
        weights.withUnsafeBufferPointer { w in
            values.withUnsafeBufferPointer { x in
                dCut.withUnsafeMutableBufferPointer { dc in
                    factor.withUnsafeMutableBufferPointer { f in
                        for i in 0..<n {
                            let (s, ds) = SigmoidEdge.cdfAndDensity((x[i] - cut) * k)
                            out[i] = w[i] * s
                            f[i] = s
                            dc[i] = -w[i] * ds * k
                        }
                    }
                }
            }
        }
        initialized = n
    }
    return (out, dCut, factor)
}

@derivative(of: softSelect, wrt: (weights, cut))
public func softSelectVJP(
    weights: [Double], values: [Double], cut: Double, scale: Double, direction: CutDirection
) -> (value: [Double], pullback: (Array<Double>.TangentVector) -> (Array<Double>.TangentVector, Double)) {
    let (value, dCut, factor) = softSelectWithCutDerivative(
        weights: weights, values: values, cut: cut, scale: scale, direction: direction)
    return (value, { cotangent in
        // An empty cotangent is AD's symbolic zero.
        guard !cotangent.base.isEmpty else {
            return (.init([Double](repeating: 0, count: factor.count)), 0)
        }
        var dCutTotal = 0.0
        let dWeights = [Double](unsafeUninitializedCapacity: factor.count) { out, initialized in
            cotangent.base.withUnsafeBufferPointer { v in
                factor.withUnsafeBufferPointer { f in
                    dCut.withUnsafeBufferPointer { dc in
                        for i in 0..<f.count {
                            out[i] = v[i] * f[i]
                            dCutTotal += v[i] * dc[i]
                        }
                    }
                }
            }
            initialized = factor.count
        }
        return (.init(dWeights), dCutTotal)
    })
}
