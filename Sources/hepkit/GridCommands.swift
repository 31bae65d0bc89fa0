import Analysis
import ArgumentParser
import Foundation
import HEPKitSupport
import HistFactory
import Inference

// Patchset grids, the most common pyhf batch job: `hepkit cls|upperlimit BkgOnly.json --patchset
// patchset.json --shard I/N --output-file part.I.json` runs the command on its share of the
// patches, and `hepkit merge` gathers every patch's name, values and result into one table.

/// `--patchset FILE [--shard I/N]` of `cls` and `upperlimit`.
struct PatchsetGridOptions: ParsableArguments {
    @Option(help: """
        Run on every patch of this pyhf patchset, each applied to the background-only workspace (as `hepkit patchset \
        apply`), and write a part file for `hepkit merge`.
        """)
    var patchset: String?

    @Option(help: ArgumentHelp(
        "Only job I of N's share (0-based): of the patches with --patchset; of the toys with `cls --calctype toybased`.",
        valueName: "I/N"))
    var shard: ShardOption?

    /// With `--patchset`: computes `result` for this shard's patches and writes the part file
    /// atomically to the output file (or to standard output). Returns false without `--patchset`.
    ///
    /// - Parameters:
    ///   - kind: the command (`cls`, `upperlimit`): parts of different commands do not merge.
    ///   - settings: the command's other options; parts computed with others do not merge.
    func run(
        _ kind: String, options: WorkspaceOptions, settings: [Any], _ result: (HistFactoryLikelihood) throws -> JSONValue
    ) throws -> Bool {
        guard let patchset else { return false }
        let document = try WorkspaceDocument(parsing: try readInput(options.workspace), source: inputName(options.workspace))
        let set = try PatchSet(parsing: try readInput(patchset), source: inputName(patchset))
        try set.verify(document)
        let shard = self.shard?.shard ?? .all
        var rows: [JSONValue] = []
        for index in shard.range(of: set.patches.count) {
            let patch = set.patches[index]
            let value: JSONValue
            do {
                value = try result(try options.likelihood(of: try set.apply(patch, to: document)))
            } catch {
                throw CommandError("patch '\(patch.name)': \(error)")
            }
            rows.append(["index": .number(JSONNumber(index)), "name": .string(patch.name), "values": .array(patch.values), "result": value])
        }
        let part = GridPart(
            header: PartHeader(kind: kind, shard: shard),
            workspaceDigest: "sha256:" + document.digest(.sha256),
            patchsetDigest: "sha256:" + HashAlgorithm.sha256.hexDigest(set.json.canonicalDigestBytes),
            optionsDigest: try options.optionsDigest(settings),
            labels: set.labels, patchCount: set.patches.count, rows: rows)
        try writeOutput(Data((part.json.pythonJSON(indent: 4) + "\n").utf8), to: options.outputFile)
        return true
    }
}

extension WorkspaceOptions {
    /// `sha256:…` of a command's `settings`, the measurement and the contents of the `-p` patches:
    /// parts computed with other options do not merge.
    func optionsDigest(_ settings: [Any]) throws -> String {
        var text = settings.map { "\($0)" } + ["measurement \(measurement ?? "")"]
        text += try patch.map { "patch " + HashAlgorithm.sha256.hexDigest(try readInput($0)) }
        return "sha256:" + HashAlgorithm.sha256.hexDigest(Array(text.joined(separator: "\n").utf8))
    }
}

/// What one job of a patchset grid writes: the result of every patch in its share. Format in docs/batch.md.
struct GridPart {
    var header: PartHeader
    var workspaceDigest: String
    var patchsetDigest: String
    var optionsDigest: String
    var labels: [String]
    var patchCount: Int
    /// Per patch: `index` (in the patchset), `name`, `values`, `result` (the command's JSON output).
    var rows: [JSONValue]

    var digests: [String: String] {
        ["workspace digest": workspaceDigest, "patchset digest": patchsetDigest, "options digest": optionsDigest]
    }

    var json: JSONValue {
        [
            "format": .string(header.format), "version": .number(JSONNumber(header.version)), "kind": .string(header.kind),
            "shard": .number(JSONNumber(header.shard)), "shards": .number(JSONNumber(header.shards)),
            "workspace_digest": .string(workspaceDigest), "patchset_digest": .string(patchsetDigest),
            "options_digest": .string(optionsDigest), "labels": .array(labels.map(JSONValue.string)),
            "patch_count": .number(JSONNumber(patchCount)), "patches": .array(rows),
        ]
    }

    /// Reads a part file written by ``json``.
    init(parsing bytes: [UInt8], file: String) throws {
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch { throw CommandError("\(file) is not a HEPKit part file: \(error)") }
        func field<T>(_ key: String, _ value: (JSONValue) -> T?) throws -> T {
            guard let found = json[key].flatMap(value) else { throw CommandError("\(file): the part file has no valid '\(key)'") }
            return found
        }
        func int(_ key: String) throws -> Int { try field(key) { $0.numberValue?.int } }
        header = PartHeader(
            format: try field("format") { $0.stringValue }, version: try int("version"), kind: try field("kind") { $0.stringValue },
            shard: try int("shard"), shards: try int("shards"))
        workspaceDigest = try field("workspace_digest") { $0.stringValue }
        patchsetDigest = try field("patchset_digest") { $0.stringValue }
        optionsDigest = try field("options_digest") { $0.stringValue }
        labels = try field("labels") { $0.arrayValue?.compactMap(\.stringValue) }
        patchCount = try int("patch_count")
        rows = try field("patches") { $0.arrayValue }
        for row in rows {
            guard row["index"]?.numberValue?.int != nil, row["name"]?.stringValue != nil, row["values"]?.arrayValue?.count == labels.count,
                  row["result"]?.objectValue != nil
            else { throw CommandError("\(file): a patch has no valid index, name, values or result: \(row.brief())") }
        }
    }

    init(header: PartHeader, workspaceDigest: String, patchsetDigest: String, optionsDigest: String, labels: [String], patchCount: Int, rows: [JSONValue]) {
        self.header = header
        self.workspaceDigest = workspaceDigest
        self.patchsetDigest = patchsetDigest
        self.optionsDigest = optionsDigest
        self.labels = labels
        self.patchCount = patchCount
        self.rows = rows
    }

    /// Every patch's row in patchset order, from one complete set of parts.
    ///
    /// - Throws: ``MergeError`` for missing, duplicate or incompatible parts and patches.
    static func merge(_ parts: [(file: String, part: GridPart)]) throws -> (labels: [String], rows: [JSONValue]) {
        let order = try ShardSet.check(parts.map { ($0.file, $0.part.header, $0.part.digests) })
        let first = parts[order[0]]
        for p in parts where p.part.patchCount != first.part.patchCount {
            throw MergeError("\(p.file) lists \(p.part.patchCount) patches, \(first.file) \(first.part.patchCount)")
        }
        let rows = try ShardSet.collect(
            order.flatMap { i in parts[i].part.rows.map { (index: $0["index"]!.numberValue!.int!, file: parts[i].file, value: $0) } },
            count: first.part.patchCount, noun: "patch") { " ('\($0["name"]!.stringValue!)')" }
        let table = rows.map { row, _ -> JSONValue in ["name": row["name"]!, "values": row["values"]!, "result": row["result"]!] }
        return (first.part.labels, table)
    }

    /// The merged table as JSON: the labels and, per patch, its name, values and result.
    static func tableJSON(labels: [String], rows: [JSONValue]) -> String {
        let table: JSONValue = ["labels": .array(labels.map(JSONValue.string)), "patches": .array(rows)]
        return table.pythonJSON(indent: 4)
    }

    /// The merged table as CSV (RFC 4180): `name`, one column per label, then the result's entries
    /// (arrays as `key[0]`, `key[1]`, …), numbers as Python prints them.
    static func tableCSV(labels: [String], rows: [JSONValue]) throws -> String {
        func cells(_ result: JSONObject) -> [(String, String)] {
            result.flatMap { key, value -> [(String, String)] in
                if case .array(let items) = value { return items.enumerated().map { ("\(key)[\($0)]", text($1)) } }
                return [(key, text(value))]
            }
        }
        func text(_ value: JSONValue) -> String {
            if case .string(let s) = value { return s }
            return value.pythonJSON()
        }
        func quoted(_ cell: String) -> String {
            cell.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : cell
        }
        let columns = rows.first.map { cells($0["result"]!.objectValue!).map(\.0) } ?? []
        var lines = [(["name"] + labels + columns).map(quoted).joined(separator: ",")]
        for row in rows {
            let result = cells(row["result"]!.objectValue!)
            guard result.map(\.0) == columns else {
                throw MergeError("patch '\(row["name"]!.stringValue!)' has results \(result.map(\.0)), the first patch \(columns)")
            }
            let values = row["values"]!.arrayValue!.map(text)
            lines.append(([row["name"]!.stringValue!] + values + result.map(\.1)).map(quoted).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
