import HEPKitSupport

/// An ordinary weighted histogram (numpy.histogram conventions: bins are [lo, hi) except the last,
/// which includes its upper edge; values outside the edges and NaN are dropped).
///
/// This is the limit of the relaxed histograms as the bandwidth goes to zero, used to export
/// workspaces with hard cuts. `edges` must be strictly increasing.
public func hardHistogram(observable: [Double], weights: [Double], edges: [Double]) -> BinContents {
    precondition(observable.count == weights.count, "observable and weights differ in length")
    precondition(edges.count >= 2, "a histogram needs at least two edges")
    let nb = edges.count - 1
    let partials = mapChunks(count: observable.count) { range -> [Double] in
        // counts then sumw2.
        var sums = [Double](repeating: 0, count: 2 * nb)
        observable.withUnsafeBufferPointer { x in
        weights.withUnsafeBufferPointer { w in
        edges.withUnsafeBufferPointer { edge in
        sums.withUnsafeMutableBufferPointer { sums in
            let first = edge[0], last = edge[nb]
            for i in range {
                let xi = x[i]
                guard xi >= first && xi <= last else { continue }
                let bin = binIndex(of: xi, edges: edge)
                sums[bin] += w[i]
                sums[nb + bin] += w[i] * w[i]
            }
        }}}}
        return sums
    }
    var total = partials[0]
    for partial in partials.dropFirst() {
        for i in total.indices { total[i] += partial[i] }
    }
    return BinContents(counts: Array(total[0..<nb]), sumw2: Array(total[nb...]))
}

/// The bin of `x` (which must lie within the edges): bisection, with the last edge in the last bin.
@inline(__always)
func binIndex(of x: Double, edges: UnsafeBufferPointer<Double>) -> Int {
    var lo = 0, hi = edges.count - 1
    while hi - lo > 1 {
        let mid = (lo + hi) / 2
        if x < edges[mid] { hi = mid } else { lo = mid }
    }
    return lo
}

/// A histogram with fixed, sharp edges of weights that depend on the parameters (soft selections):
/// contents, sumw2 and their Jacobians through the weights, in one pass. Bins follow
/// ``hardHistogram(observable:weights:edges:)``.
public func binnedHistogram(observable: [Double], weights: DualColumn, edges: [Double]) -> LinearizedHistogram {
    precondition(observable.count == weights.count, "observable and weights differ in length")
    precondition(edges.count >= 2, "a histogram needs at least two edges")
    let n = observable.count, nb = edges.count - 1
    let p = weights.parameterCount, active = weights.activeParameters, rows = active.count
    // Per chunk: counts, sumw2, then bins × rows of each Jacobian.
    let partials = mapChunks(count: n) { range -> [Double] in
        var sums = [Double](repeating: 0, count: nb * (2 + 2 * rows))
        observable.withUnsafeBufferPointer { x in
        weights.values.withUnsafeBufferPointer { w in
        weights.tangents.withUnsafeBufferPointer { wt in
        edges.withUnsafeBufferPointer { edge in
        sums.withUnsafeMutableBufferPointer { sums in
            let first = edge[0], last = edge[nb]
            let counts = sums.baseAddress!, sumw2 = counts + nb, dCounts = sumw2 + nb, dSumw2 = dCounts + nb * rows
            for i in range {
                let xi = x[i]
                guard xi >= first && xi <= last else { continue }
                let bin = binIndex(of: xi, edges: edge)
                let wi = w[i]
                counts[bin] += wi
                sumw2[bin] += wi * wi
                for r in 0..<rows {
                    let dw = wt[r * n + i]
                    dCounts[bin * rows + r] += dw
                    dSumw2[bin * rows + r] += 2 * wi * dw
                }
            }
        }}}}}
        return sums
    }
    var total = partials[0]
    for partial in partials.dropFirst() {
        for i in total.indices { total[i] += partial[i] }
    }
    var countsJacobian = [Double](repeating: 0, count: nb * p), sumw2Jacobian = countsJacobian
    for j in 0..<nb {
        for (r, k) in active.enumerated() {
            countsJacobian[j * p + k] = total[2 * nb + j * rows + r]
            sumw2Jacobian[j * p + k] = total[2 * nb + nb * rows + j * rows + r]
        }
    }
    return LinearizedHistogram(
        counts: Array(total[0..<nb]), sumw2: Array(total[nb..<2 * nb]), parameterCount: p,
        countsJacobian: countsJacobian, sumw2Jacobian: sumw2Jacobian)
}
