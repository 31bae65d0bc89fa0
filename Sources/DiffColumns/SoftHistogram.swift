import HEPKitSupport

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

    /// A histogram with its Jacobians (`binCount * parameterCount` entries each).
    public init(counts: [Double], sumw2: [Double], parameterCount: Int, countsJacobian: [Double], sumw2Jacobian: [Double]) {
        precondition(sumw2.count == counts.count && countsJacobian.count == counts.count * parameterCount
            && sumw2Jacobian.count == countsJacobian.count, "histogram shapes do not match")
        self.counts = counts
        self.sumw2 = sumw2
        self.parameterCount = parameterCount
        self.countsJacobian = countsJacobian
        self.sumw2Jacobian = sumw2Jacobian
    }
}

/// Fills relaxed histograms and their parameter Jacobians in one pass over the events.
///
/// Event i belongs to bin j with weight m_ij = P(u_j) - P(u_{j+1}), u_k = (x_i - edge_k)/bandwidth,
/// where P is the profile's step. With ``SigmoidEdge`` this is a histogram with sigmoid edges;
/// with ``GaussianEdge`` it is the Gaussian KDE of the events integrated over each bin (relaxed's
/// `hist`). Both tend to the ordinary histogram as `bandwidth → 0`. Events beyond the outer edges
/// fall out as they do in an ordinary histogram. Derivatives flow through the per-event weights
/// (soft selections), the observable (when it depends on a parameter) and the edges.
///
/// One histogram is filled per weight column: templates that share an observable and its binning
/// (nominal, weight variations, other selections) share the costly edge evaluations.
///
/// - Parameters:
///   - observable: the value histogrammed, per event.
///   - weights: per-event weights (e.g. MC weight × soft selection), one column per histogram.
///   - edges: increasing bin edges, each a constant or a function of the parameters.
///   - bandwidth: the relaxation width, in the observable's units.
public func softHistograms<Profile: EdgeProfile>(
    _ profile: Profile.Type, observable: DualColumn, weights: [DualColumn], edges: [DualScalar], bandwidth: Double
) -> [LinearizedHistogram] {
    let p = observable.parameterCount
    precondition(weights.allSatisfy { $0.parameterCount == p } && edges.allSatisfy { $0.gradient.count == p },
                 "parameter counts differ")
    let fills = fillRelaxed(profile, observable: observable, weights: weights, edges: edges.map(\.value), bandwidth: bandwidth)
    let nb = edges.count - 1
    return fills.map { fill in
        var countsJacobian = [Double](repeating: 0, count: nb * p)
        var sumw2Jacobian = [Double](repeating: 0, count: nb * p)
        let countsRows = fill.countsRows, sumw2Rows = fill.sumw2Rows
        let countsByLowEdge = fill.countsByLowEdge, countsByHighEdge = fill.countsByHighEdge
        let sumw2ByLowEdge = fill.sumw2ByLowEdge, sumw2ByHighEdge = fill.sumw2ByHighEdge
        let rows = fill.rowParameters.count
        for j in 0..<nb {
            for (r, k) in fill.rowParameters.enumerated() {
                countsJacobian[j * p + k] = countsRows[j * rows + r]
                sumw2Jacobian[j * p + k] = sumw2Rows[j * rows + r]
            }
            for k in 0..<p {
                let lo = edges[j].gradient[k], hi = edges[j + 1].gradient[k]
                countsJacobian[j * p + k] += countsByLowEdge[j] * lo + countsByHighEdge[j] * hi
                sumw2Jacobian[j * p + k] += sumw2ByLowEdge[j] * lo + sumw2ByHighEdge[j] * hi
            }
        }
        return LinearizedHistogram(
            counts: fill.counts, sumw2: fill.sumw2, parameterCount: p,
            countsJacobian: countsJacobian, sumw2Jacobian: sumw2Jacobian)
    }
}

/// One relaxed histogram; see ``softHistograms(_:observable:weights:edges:bandwidth:)``.
public func softHistogram<Profile: EdgeProfile>(
    _ profile: Profile.Type, observable: DualColumn, weights: DualColumn, edges: [DualScalar], bandwidth: Double
) -> LinearizedHistogram {
    softHistograms(profile, observable: observable, weights: [weights], edges: edges, bandwidth: bandwidth)[0]
}

/// A histogram with sigmoid-relaxed edges; see ``softHistograms(_:observable:weights:edges:bandwidth:)``.
public func sigmoidHistogram(
    observable: DualColumn, weights: DualColumn, edges: [DualScalar], bandwidth: Double
) -> LinearizedHistogram {
    softHistogram(SigmoidEdge.self, observable: observable, weights: weights, edges: edges, bandwidth: bandwidth)
}

/// A Gaussian-KDE histogram (each event's kernel integrated over the bins), as in neos/relaxed;
/// see ``softHistograms(_:observable:weights:edges:bandwidth:)``.
public func kdeHistogram(
    observable: DualColumn, weights: DualColumn, edges: [DualScalar], bandwidth: Double
) -> LinearizedHistogram {
    softHistogram(GaussianEdge.self, observable: observable, weights: weights, edges: edges, bandwidth: bandwidth)
}

/// Partial sums of one relaxed fill: contents, derivatives along the parameter rows carried by the
/// observable and weights, and derivatives with respect to each bin's low and high edge.
struct RelaxedFill {
    let bins: Int
    /// Parameters with a tangent row in the observable or the weights (ascending).
    let rowParameters: [Int]
    /// counts, sumw2, ∂/∂(low edge) and ∂/∂(high edge) of both, then bins × rows of each.
    var storage: ArraySlice<Double>

    static func size(bins: Int, rows: Int) -> Int { bins * (6 + 2 * rows) }

    private func section(_ index: Int, length: Int) -> [Double] {
        let start = storage.startIndex + index * bins
        return Array(storage[start ..< start + length])
    }

    var counts: [Double] { section(0, length: bins) }
    var sumw2: [Double] { section(1, length: bins) }
    var countsByLowEdge: [Double] { section(2, length: bins) }
    var countsByHighEdge: [Double] { section(3, length: bins) }
    var sumw2ByLowEdge: [Double] { section(4, length: bins) }
    var sumw2ByHighEdge: [Double] { section(5, length: bins) }
    /// bins × rowParameters, row-major.
    var countsRows: [Double] { section(6, length: bins * rowParameters.count) }
    var sumw2Rows: [Double] { section(6 + rowParameters.count, length: bins * rowParameters.count) }
}

/// Per weight column of a relaxed fill: its parameter rows, where each row's tangent is in the
/// observable and in the weights (-1: identically zero), and where its values, tangents and sums live.
struct WeightLayout {
    var rowParameters: [Int]
    /// Offset in the row map of (observable row, weight row) pairs.
    var rowMap: Int
    /// Offsets in the flat weight buffer.
    var values: Int
    var tangents: Int
    /// Offset in a chunk's sums.
    var storage: Int
}

/// The fused event loop shared by every relaxed histogram: per event, the edge steps are computed
/// once and accumulated into every weight column's histogram.
func fillRelaxed<Profile: EdgeProfile>(
    _ profile: Profile.Type, observable: DualColumn, weights: [DualColumn], edges: [Double], bandwidth: Double
) -> [RelaxedFill] {
    precondition(weights.allSatisfy { $0.count == observable.count }, "observable and weights differ in length")
    precondition(edges.count >= 2, "a histogram needs at least two edges")
    precondition(bandwidth > 0, "bandwidth must be positive")
    let n = observable.count
    let nb = edges.count - 1
    let inverseBandwidth = 1 / bandwidth
    let saturation = Profile.saturation

    var layouts: [WeightLayout] = []
    var rowMaps: [Int] = []
    var flatWeights: [Double] = []
    var storageSize = 0
    for w in weights {
        let rowParameters = Array(Set(observable.activeParameters).union(w.activeParameters)).sorted()
        layouts.append(WeightLayout(
            rowParameters: rowParameters, rowMap: rowMaps.count, values: flatWeights.count,
            tangents: flatWeights.count + n, storage: storageSize))
        for k in rowParameters {
            rowMaps.append(observable.activeParameters.firstIndex(of: k) ?? -1)
            rowMaps.append(w.activeParameters.firstIndex(of: k) ?? -1)
        }
        flatWeights += w.values
        flatWeights += w.tangents
        storageSize += RelaxedFill.size(bins: nb, rows: rowParameters.count)
    }
    let maxRows = layouts.map(\.rowParameters.count).max() ?? 0

    let partials = mapChunks(count: n) { range -> [Double] in
        var sums = [Double](repeating: 0, count: storageSize)
        // Per-chunk scratch reused for every event: step and slope at each edge, then the
        // event's observable and weight tangents along each row.
        var scratch = [Double](repeating: 0, count: 2 * (nb + 1) + 2 * maxRows)
        observable.values.withUnsafeBufferPointer { x in
        observable.tangents.withUnsafeBufferPointer { xt in
        flatWeights.withUnsafeBufferPointer { flat in
        rowMaps.withUnsafeBufferPointer { rowMap in
        edges.withUnsafeBufferPointer { edge in
        scratch.withUnsafeMutableBufferPointer { scratch in
        sums.withUnsafeMutableBufferPointer { out in
            let step = scratch.baseAddress!, slope = step + (nb + 1)
            let dx = slope + (nb + 1), dw = dx + maxRows
            for i in range {
                let xi = x[i]
                // As in an ordinary histogram, an event without a value falls out.
                guard !xi.isNaN else { continue }
                // Only edges within the saturation window of x carry a fractional step; the
                // edges below it step to 1 and those above to 0, so only bins first...<last touch
                // the event. u decreases along the edges: both ends are binary searches.
                @inline(__always) func u(_ e: Int) -> Double { (xi - edge[e]) * inverseBandwidth }
                var low = 0, high = nb + 1
                while low < high { let mid = (low + high) / 2; if u(mid) > saturation { low = mid + 1 } else { high = mid } }
                let windowStart = low
                high = nb + 1
                while low < high { let mid = (low + high) / 2; if u(mid) >= -saturation { low = mid + 1 } else { high = mid } }
                let windowEnd = low
                let first = max(windowStart - 1, 0), last = min(windowEnd, nb)
                guard first < last else { continue }
                for e in first...last {
                    if e < windowStart {
                        step[e] = 1
                        slope[e] = 0
                    } else if e >= windowEnd {
                        step[e] = 0
                        slope[e] = 0
                    } else {
                        let (c, d) = Profile.cdfAndDensity(u(e))
                        step[e] = c
                        slope[e] = d * inverseBandwidth
                    }
                }
                for layout in layouts {
                    let wi = flat[layout.values + i]
                    let rows = layout.rowParameters.count
                    for r in 0..<rows {
                        let observableRow = rowMap[layout.rowMap + 2 * r], weightRow = rowMap[layout.rowMap + 2 * r + 1]
                        dx[r] = observableRow >= 0 ? xt[observableRow * n + i] : 0
                        dw[r] = weightRow >= 0 ? flat[layout.tangents + weightRow * n + i] : 0
                    }
                    let counts = out.baseAddress! + layout.storage, sumw2 = counts + nb
                    let cLo = sumw2 + nb, cHi = cLo + nb, sLo = cHi + nb, sHi = sLo + nb
                    let countsRows = sHi + nb, sumw2Rows = countsRows + nb * rows
                    for j in first..<last {
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
            }
        }}}}}}}
        return sums
    }
    var total = partials[0]
    for partial in partials.dropFirst() {
        for i in total.indices { total[i] += partial[i] }
    }
    return layouts.map { layout in
        let size = RelaxedFill.size(bins: nb, rows: layout.rowParameters.count)
        return RelaxedFill(
            bins: nb, rowParameters: layout.rowParameters, storage: total[layout.storage ..< layout.storage + size])
    }
}
