import HEPKitSupport
import _Differentiation

/// Histogram contents (bin counts) and their MC statistical variances, as a `Differentiable` value so Swift's
/// AD can carry it into a model and an objective.
public struct BinContents: Differentiable, Sendable, Equatable {
    /// Σ weight × membership per bin.
    public var counts: [Double]
    /// Σ (weight × membership)² per bin.
    public var sumw2: [Double]

    /// A histogram with the given contents.
    @differentiable(reverse)
    public init(counts: [Double], sumw2: [Double]) {
        self.counts = counts
        self.sumw2 = sumw2
    }
}

/// A relaxed histogram of constant `observable` values, differentiable with respect to the
/// per-event `weights` and the bin `edges` (Swift AD entry point to the fused kernel).
///
/// The forward pass computes the edge Jacobian alongside the contents; the weight cotangent is
/// computed by one more pass over the events only when it is requested.
@differentiable(reverse, wrt: (weights, edges))
public func relaxedHistogram<Profile: EdgeProfile>(
    _ profile: Profile.Type, observable: [Double], weights: [Double], edges: [Double], bandwidth: Double
) -> BinContents {
    let fill = fillRelaxed(
        profile, observable: DualColumn(constant: observable, parameterCount: 0),
        weights: [DualColumn(constant: weights, parameterCount: 0)], edges: edges, bandwidth: bandwidth)[0]
    return BinContents(counts: fill.counts, sumw2: fill.sumw2)
}

@derivative(of: relaxedHistogram, wrt: (weights, edges))
public func relaxedHistogramVJP<Profile: EdgeProfile>(
    _ profile: Profile.Type, observable: [Double], weights: [Double], edges: [Double], bandwidth: Double
) -> (
    value: BinContents,
    pullback: (BinContents.TangentVector) -> (Array<Double>.TangentVector, Array<Double>.TangentVector)
) {
    let fill = fillRelaxed(
        profile, observable: DualColumn(constant: observable, parameterCount: 0),
        weights: [DualColumn(constant: weights, parameterCount: 0)], edges: edges, bandwidth: bandwidth)[0]
    let countsByLow = fill.countsByLowEdge, countsByHigh = fill.countsByHighEdge
    let sumw2ByLow = fill.sumw2ByLowEdge, sumw2ByHigh = fill.sumw2ByHighEdge
    let value = BinContents(counts: fill.counts, sumw2: fill.sumw2)
    return (value, { cotangent in
        let nb = edges.count - 1
        // Empty arrays are AD's symbolic zeros.
        let vCounts = cotangent.counts.base.isEmpty ? [Double](repeating: 0, count: nb) : cotangent.counts.base
        let vSumw2 = cotangent.sumw2.base.isEmpty ? [Double](repeating: 0, count: nb) : cotangent.sumw2.base
        var dEdges = [Double](repeating: 0, count: edges.count)
        for j in 0..<nb {
            dEdges[j] += vCounts[j] * countsByLow[j] + vSumw2[j] * sumw2ByLow[j]
            dEdges[j + 1] += vCounts[j] * countsByHigh[j] + vSumw2[j] * sumw2ByHigh[j]
        }
        let dWeights = relaxedWeightCotangent(
            profile, observable: observable, weights: weights, edges: edges, bandwidth: bandwidth,
            countsCotangent: vCounts, sumw2Cotangent: vSumw2)
        return (.init(dWeights), .init(dEdges))
    })
}

/// ∂/∂w_i of Σ_j (vc_j · counts_j + vs_j · sumw2_j) = Σ_j m_ij (vc_j + 2 vs_j w_i m_ij).
func relaxedWeightCotangent<Profile: EdgeProfile>(
    _ profile: Profile.Type, observable: [Double], weights: [Double], edges: [Double], bandwidth: Double,
    countsCotangent: [Double], sumw2Cotangent: [Double]
) -> [Double] {
    let n = observable.count, nb = edges.count - 1
    let inverseBandwidth = 1 / bandwidth
    var result = [Double](repeating: 0, count: n)
    result.withUnsafeMutableBufferPointer { out in
        nonisolated(unsafe) let out = out
        _ = mapChunks(count: n) { range in
            observable.withUnsafeBufferPointer { x in
            weights.withUnsafeBufferPointer { w in
            edges.withUnsafeBufferPointer { edge in
            countsCotangent.withUnsafeBufferPointer { vc in
            sumw2Cotangent.withUnsafeBufferPointer { vs in
                for i in range {
                    var total = 0.0
                    func step(_ u: Double) -> Double { abs(u) > Profile.saturation ? (u > 0 ? 1 : 0) : Profile.cdf(u) }
                    var upper = step((x[i] - edge[0]) * inverseBandwidth)
                    for j in 0..<nb {
                        let lower = upper
                        upper = step((x[i] - edge[j + 1]) * inverseBandwidth)
                        let m = lower - upper
                        total += m * (vc[j] + 2 * vs[j] * w[i] * m)
                    }
                    out[i] = total
                }
            }}}}}
        }
    }
    return result
}
