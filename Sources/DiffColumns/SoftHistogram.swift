/// Histogram contents and their Jacobian with respect to the analysis parameters.
public struct LinearizedHistogram: Sendable, Equatable {
    /// Σ weight × membership per bin.
    public var counts: [Double]
    /// Σ (weight × membership)² per bin (the MC statistical variance).
    public var sumw2: [Double]
    /// The number of parameters the Jacobians refer to.
    public var parameterCount: Int
    /// ∂counts[j]/∂θ_k at `j * parameterCount + k`.
    public var countsJacobian: [Double]
    /// ∂sumw2[j]/∂θ_k at `j * parameterCount + k`.
    public var sumw2Jacobian: [Double]

    /// The number of bins.
    public var binCount: Int { counts.count }
}

/// Fills a relaxed histogram and its parameter Jacobian in one pass over the events.
///
/// Event i belongs to bin j with weight m_ij = P(u_j) - P(u_{j+1}), u_k = (x_i - edge_k)/bandwidth,
/// where P is the profile's step. With ``SigmoidEdge`` this is a histogram with sigmoid edges;
/// with ``GaussianEdge`` it is the Gaussian KDE of the events integrated over each bin (relaxed's
/// `hist`). Both tend to the ordinary histogram as `bandwidth → 0`. Events beyond the outer edges
/// fall out as they do in an ordinary histogram. Derivatives flow through the per-event weights
/// (soft selections), the observable (when it depends on a parameter) and the edges.
///
/// - Parameters:
///   - observable: the value histogrammed, per event.
///   - weights: per-event weights (e.g. MC weight × soft selection).
///   - edges: increasing bin edges, each a constant or a function of the parameters.
///   - bandwidth: the relaxation width, in the observable's units.
public func softHistogram<Profile: EdgeProfile>(
    _ profile: Profile.Type, observable: DualColumn, weights: DualColumn, edges: [DualScalar], bandwidth: Double
) -> LinearizedHistogram {
    let p = observable.parameterCount
    precondition(weights.parameterCount == p && edges.allSatisfy { $0.gradient.count == p }, "parameter counts differ")
    let fill = fillRelaxed(
        profile, observable: observable, weights: weights, edges: edges.map(\.value), bandwidth: bandwidth)
    let nb = edges.count - 1
    var countsJacobian = [Double](repeating: 0, count: nb * p)
    var sumw2Jacobian = [Double](repeating: 0, count: nb * p)
    for j in 0..<nb {
        for (r, k) in fill.rowParameters.enumerated() {
            countsJacobian[j * p + k] = fill.countsRows[j * fill.rowParameters.count + r]
            sumw2Jacobian[j * p + k] = fill.sumw2Rows[j * fill.rowParameters.count + r]
        }
        for k in 0..<p {
            let lo = edges[j].gradient[k], hi = edges[j + 1].gradient[k]
            countsJacobian[j * p + k] += fill.countsByLowEdge[j] * lo + fill.countsByHighEdge[j] * hi
            sumw2Jacobian[j * p + k] += fill.sumw2ByLowEdge[j] * lo + fill.sumw2ByHighEdge[j] * hi
        }
    }
    return LinearizedHistogram(
        counts: fill.counts, sumw2: fill.sumw2, parameterCount: p,
        countsJacobian: countsJacobian, sumw2Jacobian: sumw2Jacobian)
}

/// A histogram with sigmoid-relaxed edges; see ``softHistogram(_:observable:weights:edges:bandwidth:)``.
public func sigmoidHistogram(
    observable: DualColumn, weights: DualColumn, edges: [DualScalar], bandwidth: Double
) -> LinearizedHistogram {
    softHistogram(SigmoidEdge.self, observable: observable, weights: weights, edges: edges, bandwidth: bandwidth)
}

/// A Gaussian-KDE histogram (each event's kernel integrated over the bins), as in neos/relaxed;
/// see ``softHistogram(_:observable:weights:edges:bandwidth:)``.
public func kdeHistogram(
    observable: DualColumn, weights: DualColumn, edges: [DualScalar], bandwidth: Double
) -> LinearizedHistogram {
    softHistogram(GaussianEdge.self, observable: observable, weights: weights, edges: edges, bandwidth: bandwidth)
}

/// Partial sums of one relaxed fill: contents, derivatives along the parameter rows carried by the
/// observable and weights, and derivatives with respect to each bin's low and high edge.
///
/// Stored as one flat array so the event loop touches a single buffer.
struct RelaxedFill {
    let bins: Int
    /// Parameters with a tangent row in the observable or the weights (ascending).
    let rowParameters: [Int]
    var storage: [Double]

    init(bins: Int, rowParameters: [Int]) {
        self.bins = bins
        self.rowParameters = rowParameters
        storage = [Double](repeating: 0, count: bins * (6 + 2 * rowParameters.count))
    }

    private func section(_ index: Int, length: Int) -> [Double] {
        Array(storage[index * bins ..< index * bins + length])
    }

    var counts: [Double] { section(0, length: bins) }
    var sumw2: [Double] { section(1, length: bins) }
    var countsByLowEdge: [Double] { section(2, length: bins) }
    var countsByHighEdge: [Double] { section(3, length: bins) }
    var sumw2ByLowEdge: [Double] { section(4, length: bins) }
    var sumw2ByHighEdge: [Double] { section(5, length: bins) }
    /// bins × rowParameters, row-major.
    var countsRows: [Double] { section(6, length: bins * rowParameters.count) }
    var sumw2Rows: [Double] { Array(storage[((6 + rowParameters.count) * bins)...]) }

    mutating func add(_ other: RelaxedFill) {
        for i in storage.indices { storage[i] += other.storage[i] }
    }
}

/// The fused event loop shared by every relaxed histogram.
func fillRelaxed<Profile: EdgeProfile>(
    _ profile: Profile.Type, observable: DualColumn, weights: DualColumn, edges: [Double], bandwidth: Double
) -> RelaxedFill {
    precondition(observable.count == weights.count, "observable and weights differ in length")
    precondition(edges.count >= 2, "a histogram needs at least two edges")
    precondition(bandwidth > 0, "bandwidth must be positive")
    let n = observable.count
    let nb = edges.count - 1
    let rowParameters = Array(Set(observable.activeParameters).union(weights.activeParameters)).sorted()
    let rows = rowParameters.count
    // For each row, the tangent row in the observable and in the weights (-1: identically zero).
    let observableRow = rowParameters.map { observable.activeParameters.firstIndex(of: $0) ?? -1 }
    let weightRow = rowParameters.map { weights.activeParameters.firstIndex(of: $0) ?? -1 }
    let inverseBandwidth = 1 / bandwidth
    let saturation = Profile.saturation

    let partials = mapChunks(count: n) { range -> RelaxedFill in
        var fill = RelaxedFill(bins: nb, rowParameters: rowParameters)
        // Per-chunk scratch reused for every event: step and slope at each edge, then the
        // event's observable and weight tangents along each row.
        var scratch = [Double](repeating: 0, count: 2 * (nb + 1) + 2 * rows)
        observable.values.withUnsafeBufferPointer { x in
        weights.values.withUnsafeBufferPointer { w in
        observable.tangents.withUnsafeBufferPointer { xt in
        weights.tangents.withUnsafeBufferPointer { wt in
        edges.withUnsafeBufferPointer { edge in
        scratch.withUnsafeMutableBufferPointer { scratch in
        fill.storage.withUnsafeMutableBufferPointer { out in
            let step = scratch.baseAddress!, slope = step + (nb + 1)
            let dx = slope + (nb + 1), dw = dx + rows
            let counts = out.baseAddress!, sumw2 = counts + nb
            let cLo = sumw2 + nb, cHi = cLo + nb, sLo = cHi + nb, sHi = sLo + nb
            let countsRows = sHi + nb, sumw2Rows = countsRows + nb * rows
            for i in range {
                let xi = x[i], wi = w[i]
                for e in 0...nb {
                    let u = (xi - edge[e]) * inverseBandwidth
                    if abs(u) > saturation {
                        step[e] = u > 0 ? 1 : 0
                        slope[e] = 0
                    } else {
                        let (c, d) = Profile.cdfAndDensity(u)
                        step[e] = c
                        slope[e] = d * inverseBandwidth
                    }
                }
                for r in 0..<rows {
                    dx[r] = observableRow[r] >= 0 ? xt[observableRow[r] * n + i] : 0
                    dw[r] = weightRow[r] >= 0 ? wt[weightRow[r] * n + i] : 0
                }
                for j in 0..<nb {
                    let m = step[j] - step[j + 1]
                    let g = wi * m
                    counts[j] += g
                    sumw2[j] += g * g
                    let gLo = -wi * slope[j], gHi = wi * slope[j + 1]
                    cLo[j] += gLo
                    cHi[j] += gHi
                    sLo[j] += 2 * g * gLo
                    sHi[j] += 2 * g * gHi
                    let gx = wi * (slope[j] - slope[j + 1])
                    for r in 0..<rows {
                        let dg = dw[r] * m + gx * dx[r]
                        countsRows[j * rows + r] += dg
                        sumw2Rows[j * rows + r] += 2 * g * dg
                    }
                }
            }
        }}}}}}}
        return fill
    }
    var total = partials[0]
    for partial in partials.dropFirst() { total.add(partial) }
    return total
}
