import Foundation
import HEPKitSupport
import ROOTIO

/// Reads analysis columns from ROOT trees through ROOTIO.
public enum ROOTColumns {
    /// The branches expressions can use in `tree` of every file, with their shapes: numbers per
    /// entry are scalar; variable-length and fixed-size arrays are jagged. Strings, records and
    /// nested vectors are left out. A branch is listed only if every file has it with one shape.
    ///
    /// Usable as the ``BranchCatalog`` of ``AnalysisConfig/resolve(baseDirectory:branches:)``.
    public static func catalog(files: [URL], tree: String) throws -> [String: ColumnShape] {
        var result: [String: ColumnShape]?
        for url in files {
            let t = try ROOTFile(path: url.path).tree(tree)
            var shapes: [String: ColumnShape] = [:]
            for branch in t.allBranches where shapes[branch.name] == nil {
                if let shape = shape(of: branch.typeName) { shapes[branch.name] = shape }
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
        branches: [String], files: [URL], tree: String, entriesPerChunk: Int64 = 200_000
    ) throws -> ColumnTable {
        let perFile = HEPKitSupport.parallelMap(files.count) { i in
            try loadFile(branches: branches, url: files[i], tree: tree, entriesPerChunk: entriesPerChunk)
        }
        var columns: [String: DataColumn] = [:]
        for name in branches {
            var values: [Double] = []
            var offsets: [Int]? = nil
            for result in perFile {
                let column = try result.get()[name]!
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
        return try ColumnTable(columns)
    }

    private static func loadFile(
        branches: [String], url: URL, tree: String, entriesPerChunk: Int64
    ) throws -> [String: DataColumn] {
        let t = try ROOTFile(path: url.path).tree(tree)
        let selected = try branches.map { name throws -> (String, ROOTBranch, Bool) in
            let branch = try t.branch(name)
            guard let shape = shape(of: branch.typeName) else {
                throw ROOTError(file: url.path, object: "\(tree)/\(name)",
                                reason: .typeMismatch("\(branch.typeName ?? "this type") cannot be used in expressions"))
            }
            return (name, branch, shape == .jagged)
        }
        var values = [String: [Double]](), offsets = [String: [Int]]()
        for range in try t.chunks(of: selected.map(\.1), entriesPerChunk: entriesPerChunk) {
            for (name, branch, jagged) in selected {
                if jagged {
                    let chunk = try branch.readJagged(as: Double.self, entries: range)
                    let base = values[name, default: []].count
                    offsets[name, default: [0]].append(contentsOf: chunk.offsets.dropFirst().map { $0 + base })
                    values[name, default: []].append(contentsOf: chunk.values)
                } else {
                    values[name, default: []].append(contentsOf: try branch.read(as: Double.self, entries: range))
                }
            }
        }
        var columns: [String: DataColumn] = [:]
        for (name, _, jagged) in selected {
            let v = values[name] ?? []
            columns[name] = jagged ? try DataColumn(values: v, offsets: offsets[name] ?? [0]) : DataColumn(v)
        }
        return columns
    }
}

extension AnalysisEvents {
    /// Reads, for every sample and every histosys's alternative ntuples, the branches the
    /// analysis's expressions use (each file once).
    public init(loading analysis: ResolvedAnalysis, entriesPerChunk: Int64 = 200_000) throws {
        let samples = try analysis.samples.indices.map { s in
            try ROOTColumns.load(
                branches: analysis.branchesRead(bySample: s).sorted(), files: analysis.samples[s].files, tree: analysis.samples[s].tree,
                entriesPerChunk: entriesPerChunk)
        }
        var alternatives: [Int: (up: ColumnTable, down: ColumnTable)] = [:]
        for (k, systematic) in analysis.systematics.enumerated() {
            guard case .histoSys(.files(let up, let down)) = systematic.kind, let s = systematic.samples.first else { continue }
            let sample = analysis.samples[s]
            // An alternative ntuple is a template of its own: only the nominal expressions read it.
            let branches = analysis.branchesRead(bySample: s, systematics: false).sorted()
            alternatives[k] = (
                up: try ROOTColumns.load(branches: branches, files: up, tree: sample.tree, entriesPerChunk: entriesPerChunk),
                down: try ROOTColumns.load(branches: branches, files: down, tree: sample.tree, entriesPerChunk: entriesPerChunk))
        }
        self.init(samples: samples, alternatives: alternatives)
    }
}
