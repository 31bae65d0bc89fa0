import Foundation
import HEPKitSupport
import ROOTIO

/// Reads analysis columns from ROOT trees and RNTuples through ROOTIO.
public enum ROOTColumns {
    /// The branches expressions can use in `tree` of every file, with their shapes: numbers per
    /// entry are scalar; variable-length and fixed-size arrays are jagged. Strings, records and
    /// nested vectors are left out. A branch is listed only if every file has it with one shape.
    ///
    /// Usable as the ``BranchCatalog`` of ``AnalysisConfig/resolve(baseDirectory:branches:)``.
    public static func catalog(files: [URL], tree: String) throws -> [String: ColumnShape] {
        var result: [String: ColumnShape]?
        for url in files {
            let t = try ROOTFile(path: url.rootLocation).table(tree)
            var shapes: [String: ColumnShape] = [:]
            for column in t.columns where shapes[column.name] == nil {
                if let shape = shape(of: column.typeName) { shapes[column.name] = shape }
            }
            result = result.map { previous in previous.filter { shapes[$0.key] == $0.value } } ?? shapes
        }
        return result ?? [:]
    }

    /// The expression shape of a ROOTIO type name (`float32`, `int32[]`, `float32[3]`), or nil.
    static func shape(of typeName: String?) -> ColumnShape? {
        guard let typeName, typeName != "string", !typeName.hasPrefix("{"), !typeName.contains("[][]") else { return nil }
        return typeName.contains("[") ? .jagged : .scalar
    }

    /// Reads `branches` of `tree` from `files` (events in file order), `entriesPerChunk` entries
    /// at a time per branch so the decompressed baskets in flight stay bounded; files are read
    /// in parallel.
    public static func load(
        branches: [String], files: [URL], tree: String, entriesPerChunk: Int64 = WorkItem.defaultEntries
    ) throws -> ColumnTable {
        try load(branches: branches, tree: tree, reads: files.map { ($0, nil) }, entriesPerChunk: entriesPerChunk).table
    }

    /// Reads `branches` of `tree` for each of `reads` — a file and its entry ranges (nil: all, in
    /// chunks of `entriesPerChunk`) — into one table in that order; files are read in parallel.
    ///
    /// - Returns: the table and, per range read, its rows in the table.
    static func load(
        branches: [String], tree: String, reads: [(url: URL, ranges: [Range<Int64>]?)], entriesPerChunk: Int64
    ) throws -> (table: ColumnTable, rows: [Range<Int>]) {
        let perFile = parallelMap(reads.count) { i in
            try loadFile(branches: branches, url: reads[i].url, tree: tree, ranges: reads[i].ranges, entriesPerChunk: entriesPerChunk)
        }
        var columns: [String: DataColumn] = [:], rows: [Range<Int>] = []
        for result in perFile {
            for count in try result.get().entries {
                let start = rows.last?.upperBound ?? 0
                rows.append(start..<start + count)
            }
        }
        for name in branches {
            var values: [Double] = []
            var offsets: [Int]? = nil
            for result in perFile {
                let column = try result.get().columns[name]!
                if let inner = column.offsets {
                    let base = values.count
                    var merged = offsets ?? [0]
                    merged.append(contentsOf: inner.dropFirst().map { $0 + base })
                    offsets = merged
                }
                values.append(contentsOf: column.values)
            }
            columns[name] = try offsets.map { try DataColumn(values: values, offsets: $0) } ?? DataColumn(values)
        }
        return (try ColumnTable(columns), rows)
    }

    /// One file's columns and the number of entries of each range read.
    private static func loadFile(
        branches: [String], url: URL, tree: String, ranges: [Range<Int64>]?, entriesPerChunk: Int64
    ) throws -> (columns: [String: DataColumn], entries: [Int]) {
        let t = try ROOTFile(path: url.rootLocation).table(tree)
        let selected = try branches.map { name throws -> (String, Bool) in
            let typeName = try t.typeName(of: name)
            guard let shape = shape(of: typeName) else {
                throw ROOTError(file: url.rootLocation, object: "\(tree)/\(name)",
                                reason: .typeMismatch("\(typeName ?? "this type") cannot be used in expressions"))
            }
            return (name, shape == .jagged)
        }
        let ranges = try ranges ?? t.chunks(of: selected.map(\.0), entriesPerChunk: entriesPerChunk)
        var values = [String: [Double]](), offsets = [String: [Int]]()
        for range in ranges {
            guard range.lowerBound >= 0 && range.upperBound <= t.entryCount else {
                throw ROOTError(file: url.rootLocation, object: tree, reason: .notFound("entries \(range) (the tree has \(t.entryCount))"))
            }
            for (name, jagged) in selected {
                if jagged {
                    let chunk = try t.readJagged(name, entries: range)
                    let base = values[name, default: []].count
                    offsets[name, default: [0]].append(contentsOf: chunk.offsets.dropFirst().map { $0 + base })
                    values[name, default: []].append(contentsOf: chunk.values)
                } else {
                    values[name, default: []].append(contentsOf: try t.read(name, entries: range))
                }
            }
        }
        var columns: [String: DataColumn] = [:]
        for (name, jagged) in selected {
            let v = values[name] ?? []
            columns[name] = jagged ? try DataColumn(values: v, offsets: offsets[name] ?? [0]) : DataColumn(v)
        }
        return (columns, ranges.map { Int($0.count) })
    }
}

extension AnalysisEvents {
    /// Reads, for every sample and every histosys's alternative ntuples, the branches the
    /// analysis's expressions use (each file once), as work items of about `entriesPerChunk`
    /// entries (see ``ResolvedAnalysis/workItems(entriesPerItem:)``).
    public init(loading analysis: ResolvedAnalysis, entriesPerChunk: Int64 = WorkItem.defaultEntries) throws {
        try self.init(loading: analysis, items: analysis.workItems(entriesPerItem: entriesPerChunk))
    }

    /// Reads the events of `items` (in work-item order: by source, then file), recording each
    /// item's rows. Sources without items get empty tables.
    public init(loading analysis: ResolvedAnalysis, items: [WorkItem]) throws {
        var tables: [EventSource: ColumnTable] = [:], itemRows: [EventSource: [Range<Int>]] = [:]
        var itemEntries: [EventSource: [EntryRange]] = [:]
        for source in analysis.eventSources {
            let input = analysis.input(of: source)
            itemEntries[source] = items.filter { $0.source == source }.map { EntryRange(file: $0.file, entries: $0.entries) }
            var reads: [(url: URL, ranges: [Range<Int64>]?)] = []
            for item in items where item.source == source {
                if reads.count > 0, reads[reads.count - 1].url == input.files[item.file] {
                    reads[reads.count - 1].ranges!.append(item.entries)
                } else {
                    reads.append((input.files[item.file], [item.entries]))
                }
            }
            // A source without items still gets its columns' shapes (from its first file's metadata).
            if reads.isEmpty, let first = input.files.first { reads = [(first, [])] }
            (tables[source], itemRows[source]) = try ROOTColumns.load(
                branches: input.branches, tree: input.tree, reads: reads, entriesPerChunk: WorkItem.defaultEntries)
        }
        var alternatives: [Int: (up: ColumnTable, down: ColumnTable)] = [:]
        for case .alternative(let k, true) in analysis.eventSources {
            alternatives[k] = (tables[.alternative(systematic: k, up: true)]!, tables[.alternative(systematic: k, up: false)]!)
        }
        // A sample read from histograms has no events: an empty table that no fill reads.
        let empty = try ColumnTable([:])
        self.init(samples: analysis.samples.indices.map { tables[.sample($0)] ?? empty }, alternatives: alternatives, itemRows: itemRows, itemEntries: itemEntries)
    }
}

extension URL {
    /// What ``ROOTFile/init(path:codecs:)`` opens: the path of a file URL, the whole URL of a remote
    /// file (`root://host//path`, `https://...`).
    var rootLocation: String { isFileURL ? path : absoluteString }
}
