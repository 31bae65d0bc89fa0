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
                // The last edge belongs to the last bin; otherwise find the bin by bisection.
                var lo = 0, hi = nb
                while hi - lo > 1 {
                    let mid = (lo + hi) / 2
                    if xi < edge[mid] { hi = mid } else { lo = mid }
                }
                sums[lo] += w[i]
                sums[nb + lo] += w[i] * w[i]
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
