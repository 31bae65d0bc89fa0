import Collective
import DiffColumns
import HistFactory

/// How the events of an analysis are spread over the processes of a job: each process holds the
/// work items of its shard, and every histogram is the sum over the processes.
///
/// Soft histograms and their Jacobians (bins × (1 + parameters) numbers per step, a few kB) are
/// summed with the collective, so every process then runs the same fit and takes the same step.
/// Hard histograms are gathered per work item and added in item order, so the exported workspace
/// is byte for byte the one a single process builds.
public struct EventSharing: Sendable {
    /// The processes sharing the events.
    public let collective: any Collective
    /// The whole analysis's work items, and the indices of those this process holds (in order).
    let items: [WorkItem]
    let held: [Int]

    /// One process holding every event.
    public static let single = EventSharing(collective: SingleProcess(), items: [], held: [])

    init(collective: any Collective, items: [WorkItem], held: [Int]) {
        self.collective = collective
        self.items = items
        self.held = held
    }

    /// The soft histograms at θ with their Jacobians, summed over the processes: each fills its
    /// own work items, the items are gathered, and every process adds them in item order —
    /// bitwise what one process holding every event computes.
    func linearize(_ local: SoftHistograms, at parameters: [Double]) throws -> Linearization {
        guard collective.size > 1 else { return local.linearize(at: parameters) }
        let histograms = local.histograms
        let p = parameters.count
        let mine = try histograms.fillSoftPerItem(at: parameters, relaxation: local.relaxation, kernel: local.kernel)
        let bins = histograms.keys.map { histograms.analysis.regions[$0.region].edges.count - 1 }
        let all = try gather(
            mine.map { $0.map { $0.counts + $0.sumw2 + $0.countsJacobian + $0.sumw2Jacobian } },
            lengths: bins.map { 2 * $0 * (1 + p) }, of: histograms)
        var value: [Double] = [], jacobian: [Double] = []
        for (k, b) in bins.enumerated() {
            let h = LinearizedHistogram(
                summing: all[k].map {
                    LinearizedHistogram(
                        counts: Array($0[0..<b]), sumw2: Array($0[b..<2 * b]), parameterCount: p,
                        countsJacobian: Array($0[2 * b..<2 * b + b * p]), sumw2Jacobian: Array($0[2 * b + b * p..<2 * b + 2 * b * p]))
                }, binCount: b, parameterCount: p)
            value += h.counts + h.sumw2
            jacobian += h.countsJacobian + h.sumw2Jacobian
        }
        return Linearization(value: value, jacobian: jacobian, parameterCount: p)
    }

    /// The hard histograms at θ, one per key of `histograms`, summed over the processes in work-item order.
    func fillHard(_ histograms: AnalysisHistograms, _ values: inout HardValues) throws -> [BinContents] {
        guard collective.size > 1 else { return try histograms.fillHard(&values) }
        let bins = histograms.keys.map { histograms.analysis.regions[$0.region].edges.count - 1 }
        let all = try gather(
            try histograms.fillHardPerItem(&values).map { $0.map { $0.counts + $0.sumw2 } },
            lengths: bins.map { 2 * $0 }, of: histograms)
        return all.indices.map { k in
            BinContents(
                summing: all[k].map { BinContents(counts: Array($0[..<bins[k]]), sumw2: Array($0[bins[k]...])) },
                binCount: bins[k])
        }
    }

    /// Per key of `histograms`, the numbers of every work item of the whole job (in item order),
    /// from each process's numbers of its own items (`local[key][item]`, `lengths[key]` numbers each).
    ///
    /// Each process writes its items into their slots of one vector and leaves the others zero,
    /// so the collective sum is every item's numbers exactly (x + 0 = x).
    func gather(_ local: [[[Double]]], lengths: [Int], of histograms: AnalysisHistograms) throws -> [[[Double]]] {
        var offsets: [Int] = [], slotCounts: [Int] = [], slots: [[Int]] = [], total = 0
        let isHeld = Set(held)
        for (k, source) in histograms.sources.enumerated() {
            // An item's slot is its place among its source's items of the whole job.
            var slot = 0, mine: [Int] = []
            for (i, item) in items.enumerated() where item.source == source {
                if isHeld.contains(i) { mine.append(slot) }
                slot += 1
            }
            guard mine.count == local[k].count, local[k].allSatisfy({ $0.count == lengths[k] }) else {
                throw HistogramError(message: "work items of \(source) do not match the events read (\(mine.count) vs \(local[k].count))")
            }
            slots.append(mine)
            slotCounts.append(slot)
            offsets.append(total)
            total += slot * lengths[k]
        }
        var buffer = [Double](repeating: 0, count: total)
        for k in local.indices {
            for (j, slot) in slots[k].enumerated() {
                let start = offsets[k] + slot * lengths[k]
                buffer.replaceSubrange(start..<start + lengths[k], with: local[k][j])
            }
        }
        let sum = try collective.sum(buffer)
        return lengths.indices.map { k in
            (0..<slotCounts[k]).map { slot in Array(sum[offsets[k] + slot * lengths[k] ..< offsets[k] + (slot + 1) * lengths[k]]) }
        }
    }
}

/// A linearization already computed (here: summed over the processes), for `evaluateVJP`'s pullback.
struct Precomputed: LinearizableFunction {
    let linearization: Linearization
    func linearize(at parameters: [Double]) -> Linearization { linearization }
}

extension DualColumn {
    /// The events `range` with their tangents.
    func rows(_ range: Range<Int>) -> DualColumn {
        let n = values.count
        var tangentRows: [Double] = []
        tangentRows.reserveCapacity(activeParameters.count * range.count)
        for r in activeParameters.indices { tangentRows += tangents[r * n + range.lowerBound ..< r * n + range.upperBound] }
        return DualColumn(
            values: Array(values[range]), parameterCount: parameterCount, activeParameters: activeParameters, tangents: tangentRows)
    }
}

extension LinearizedHistogram {
    /// The sum of histograms with `binCount` bins, added in order from zero (the one order of
    /// single-process and shared runs).
    init(summing histograms: [LinearizedHistogram], binCount: Int, parameterCount: Int) {
        var counts = [Double](repeating: 0, count: binCount), sumw2 = counts
        var countsJacobian = [Double](repeating: 0, count: binCount * parameterCount), sumw2Jacobian = countsJacobian
        for h in histograms {
            for j in 0..<binCount {
                counts[j] += h.counts[j]
                sumw2[j] += h.sumw2[j]
            }
            for j in countsJacobian.indices {
                countsJacobian[j] += h.countsJacobian[j]
                sumw2Jacobian[j] += h.sumw2Jacobian[j]
            }
        }
        self.init(counts: counts, sumw2: sumw2, parameterCount: parameterCount, countsJacobian: countsJacobian, sumw2Jacobian: sumw2Jacobian)
    }
}
