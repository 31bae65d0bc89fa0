import DiffColumns
import Foundation
import HEPKitSupport
import ROOTIO

/// The events a histogram is filled from: a sample's ntuples, or the alternative ntuples of a
/// files-histosys.
public enum EventSource: Hashable, Sendable, CustomStringConvertible {
    /// Sample `index` of ``ResolvedAnalysis/samples``.
    case sample(Int)
    /// The up or down ntuples of histosys `systematic` (index in ``ResolvedAnalysis/systematics``).
    case alternative(systematic: Int, up: Bool)

    /// `sample 0`, `systematic 2 up` (stable: part files record it).
    public var description: String {
        switch self {
        case .sample(let s): "sample \(s)"
        case .alternative(let k, let up): "systematic \(k) \(up ? "up" : "down")"
        }
    }

    /// Parses ``description``.
    public init?(_ text: String) {
        let words = text.split(separator: " ")
        switch (words.count, words.first) {
        case (2, "sample"):
            guard let s = Int(words[1]), s >= 0 else { return nil }
            self = .sample(s)
        case (3, "systematic"):
            guard let k = Int(words[1]), k >= 0, words[2] == "up" || words[2] == "down" else { return nil }
            self = .alternative(systematic: k, up: words[2] == "up")
        default:
            return nil
        }
    }
}

/// A unit of input a build reads and fills on its own: one entry range of one file of an event
/// source, made of whole ROOT clusters, so no basket is read by two items.
public struct WorkItem: Hashable, Sendable {
    public var source: EventSource
    /// Index into the source's files.
    public var file: Int
    public var entries: Range<Int64>

    public init(source: EventSource, file: Int, entries: Range<Int64>) {
        self.source = source
        self.file = file
        self.entries = entries
    }

    /// Entries per item a build aims at (whole clusters, so an item may hold more).
    public static let defaultEntries: Int64 = 200_000
}

/// Where the events of a source are read from.
struct EventInput {
    var files: [URL]
    var tree: String
    /// The branches its histograms' expressions read, sorted.
    var branches: [String]
}

extension ResolvedAnalysis {
    /// Every template of the workspace, in fill order (region-major, then sample, nominal first
    /// and then the histosys templates of the sample, up and down, in systematic order): those
    /// filled from events and the ``fixedTemplates``.
    public var templateKeys: [HistogramKey] {
        var keys: [HistogramKey] = []
        for r in regions.indices {
            for s in samples.indices {
                keys.append(HistogramKey(region: r, sample: s, variation: .nominal))
                for (k, systematic) in systematics.enumerated() where systematic.samples.contains(s) {
                    guard case .histoSys = systematic.kind else { continue }
                    keys += [HistogramKey(region: r, sample: s, variation: .up(systematic: k)), HistogramKey(region: r, sample: s, variation: .down(systematic: k))]
                }
            }
        }
        return keys
    }

    /// Every histogram the analysis fills from events, in fill order (``templateKeys`` without
    /// the ``fixedTemplates``), with the events it is filled from.
    public var histogramLayout: [(key: HistogramKey, source: EventSource)] {
        templateKeys.compactMap { key in
            guard fixedTemplates[key] == nil else { return nil }
            switch key.variation {
            case .up(let k), .down(let k):
                if case .histoSys(.files) = systematics[k].kind {
                    if case .up = key.variation { return (key, .alternative(systematic: k, up: true)) }
                    return (key, .alternative(systematic: k, up: false))
                }
            case .nominal:
                break
            }
            return (key, .sample(key.sample))
        }
    }

    /// The event sources in work-item order: samples, then files-histosys ntuples (up, down) in
    /// systematic order.
    var eventSources: [EventSource] {
        // A sample read from histograms has no events.
        var sources = samples.indices.filter { !samples[$0].isFixed }.map(EventSource.sample)
        for (k, systematic) in systematics.enumerated() {
            guard case .histoSys(.files) = systematic.kind else { continue }
            sources += [.alternative(systematic: k, up: true), .alternative(systematic: k, up: false)]
        }
        return sources
    }

    /// What to read for `source`. An alternative ntuple is a template of its own: only the nominal
    /// expressions read it.
    func input(of source: EventSource) -> EventInput {
        switch source {
        case .sample(let s):
            return EventInput(files: samples[s].files, tree: samples[s].tree, branches: branchesRead(bySample: s).sorted())
        case .alternative(let k, let up):
            guard case .histoSys(.files(let upFiles, let downFiles)) = systematics[k].kind, let s = systematics[k].samples.first else {
                preconditionFailure("\(source) is not a files-histosys")
            }
            return EventInput(
                files: up ? upFiles : downFiles, tree: samples[s].tree, branches: branchesRead(bySample: s, systematics: false).sorted())
        }
    }

    /// The analysis's input split into work items: per source (``eventSources`` order), per file,
    /// cluster-aligned entry ranges of about `entriesPerItem` entries. Reads the files' metadata only.
    public func workItems(entriesPerItem: Int64 = WorkItem.defaultEntries) throws -> [WorkItem] {
        let files = eventSources.flatMap { source in input(of: source).files.indices.map { (source, $0) } }
        let perFile = parallelMap(files.count) { i -> [WorkItem] in
            let (source, f) = files[i]
            let input = input(of: source)
            let table = try ROOTFile(path: input.files[f].rootLocation).table(input.tree)
            return try table.chunks(of: input.branches, entriesPerChunk: entriesPerItem).map {
                WorkItem(source: source, file: f, entries: $0)
            }
        }
        return try perFile.flatMap { try $0.get() }
    }

    /// The file `item` reads.
    public func file(of item: WorkItem) -> URL { input(of: item.source).files[item.file] }
}

/// Shard `index` of `count`: which work items one job of a split build fills.
public struct Shard: Hashable, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// - Precondition: `0 <= index < count`.
    public init(index: Int, count: Int) {
        precondition(count >= 1 && (0..<count).contains(index), "shard \(index) of \(count)")
        self.index = index
        self.count = count
    }

    /// The whole input in one job.
    public static let all = Shard(index: 0, count: 1)

    /// `I/N`.
    public var description: String { "\(index)/\(count)" }

    /// The shard of every item: contiguous runs of items (so a job reads neighbouring parts of a
    /// file) with about the same number of entries per shard. An item goes to the shard in whose
    /// share of all entries its middle entry falls; this depends on the items only.
    public static func assignment(of items: [WorkItem], count: Int) -> [Int] {
        let total = items.reduce(0.0) { $0 + Double($1.entries.count) }
        var before = 0.0
        return items.map { item in
            let size = Double(item.entries.count)
            defer { before += size }
            guard total > 0 else { return 0 }
            return min(count - 1, Int(Double(count) * (before + size / 2) / total))
        }
    }

    /// This shard's contiguous share of `total` tasks of about equal cost (the patches of a patchset).
    public func range(of total: Int) -> Range<Int> {
        total * index / count ..< total * (index + 1) / count
    }

    /// The indices of the items this shard fills, in order.
    public func items(of items: [WorkItem]) -> [Int] {
        Self.assignment(of: items, count: count).enumerated().filter { $0.element == index }.map(\.offset)
    }
}

extension BinContents {
    /// The sum of histograms with `binCount` bins, added in order from zero: the one summation
    /// order of single-process and merged builds.
    public init(summing histograms: [BinContents], binCount: Int) {
        var counts = [Double](repeating: 0, count: binCount), sumw2 = counts
        for h in histograms {
            for j in 0..<binCount {
                counts[j] += h.counts[j]
                sumw2[j] += h.sumw2[j]
            }
        }
        self.init(counts: counts, sumw2: sumw2)
    }
}
