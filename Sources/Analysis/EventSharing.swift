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

    /// The soft histograms summed over the processes.
    func summed(_ local: SoftHistograms) -> SummedSoftHistograms {
        SummedSoftHistograms(local: local, sharing: self)
    }

    /// The hard histograms at θ, one per key of `histograms`, summed over the processes in work-item order.
    func fillHard(_ histograms: AnalysisHistograms, at theta: [Double]) throws -> [BinContents] {
        guard collective.size > 1 else { return try histograms.fillHard(at: theta) }
        let bins = histograms.keys.map { histograms.analysis.regions[$0.region].edges.count - 1 }
        let all = try gather(
            try histograms.fillHardPerItem(at: theta).map { $0.map { $0.counts + $0.sumw2 } }, of: histograms)
        return all.indices.map { k in
            BinContents(
                summing: all[k].map { BinContents(counts: Array($0[..<bins[k]]), sumw2: Array($0[bins[k]...])) },
                binCount: bins[k])
        }
    }

    /// Per key of `histograms`, the numbers of every work item of the whole job (in item order),
    /// from each process's numbers of its own items (`local[key][item]`, one length per key).
    ///
    /// Each process writes its items into their slots of one vector and leaves the others zero,
    /// so the collective sum is every item's numbers exactly (x + 0 = x).
    func gather(_ local: [[[Double]]], of histograms: AnalysisHistograms) throws -> [[[Double]]] {
        var globalItems: [[Int]] = [], offsets: [Int] = [], lengths: [Int] = [], total = 0
        for (k, source) in histograms.sources.enumerated() {
            let mine = held.filter { items[$0].source == source }
            guard mine.count == local[k].count else {
                throw HistogramError(message: "work items of \(source) do not match the events read (\(mine.count) vs \(local[k].count))")
            }
            globalItems.append(items.indices.filter { items[$0].source == source })
            lengths.append(local[k].first?.count ?? 0)
            offsets.append(total)
            total += globalItems[k].count * lengths[k]
        }
        // Every process must agree on the lengths; a key none of whose items is here has length 0.
        let agreed = try collective.sum(lengths.map(Double.init)).enumerated().map { k, sum in
            lengths[k] == 0 ? Int(sum) : lengths[k]
        }
        if agreed != lengths {
            total = 0
            for k in offsets.indices {
                offsets[k] = total
                total += globalItems[k].count * agreed[k]
            }
        }
        var buffer = [Double](repeating: 0, count: total)
        for (k, source) in histograms.sources.enumerated() {
            for (j, item) in held.filter({ items[$0].source == source }).enumerated() {
                let start = offsets[k] + globalItems[k].firstIndex(of: item)! * agreed[k]
                buffer.replaceSubrange(start..<start + agreed[k], with: local[k][j])
            }
        }
        let sum = try collective.sum(buffer)
        return agreed.indices.map { k in
            globalItems[k].indices.map { slot in Array(sum[offsets[k] + slot * agreed[k] ..< offsets[k] + (slot + 1) * agreed[k]]) }
        }
    }
}

/// Soft histograms whose values and Jacobians are summed over the processes sharing the events:
/// each process fills its own work items, the items are gathered, and every process adds them in
/// item order — bitwise what one process holding every event computes.
struct SummedSoftHistograms: LinearizableFunction {
    let local: SoftHistograms
    let sharing: EventSharing

    func linearize(at parameters: [Double]) -> Linearization {
        guard sharing.collective.size > 1 else { return local.linearize(at: parameters) }
        let histograms = local.histograms
        let p = parameters.count
        do {
            let mine = try histograms.fillSoftPerItem(at: parameters, relaxation: local.relaxation, kernel: local.kernel)
            let all = try sharing.gather(
                mine.map { $0.map { $0.counts + $0.sumw2 + $0.countsJacobian + $0.sumw2Jacobian } }, of: histograms)
            var value: [Double] = [], jacobian: [Double] = []
            for (k, key) in histograms.keys.enumerated() {
                let b = histograms.analysis.regions[key.region].edges.count - 1
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
        } catch {
            // Filling cannot fail after the histograms were validated; an MPI failure aborts the
            // job before returning (MPI's default error handler), so this is not reached in practice.
            fatalError("summing the soft histograms over \(sharing.collective.size) processes failed: \(error)")
        }
    }
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
