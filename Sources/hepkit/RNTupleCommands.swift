import ROOTIO

// `ls`, `dump` and `stats` for RNTuples: the same output shapes as for TTrees, with fields in
// place of branches (dotted paths as uproot spells them, e.g. `jets.pt`).

extension ROOTKey {
    /// Whether the key holds an RNTuple anchor.
    var isRNTuple: Bool { className == "ROOT::RNTuple" || className == "ROOT::Experimental::RNTuple" }
}

/// The fields `list` names (comma-separated), or every top-level field.
func selectedFields(_ ntuple: RNTuple, _ list: String?) throws -> [RNTupleField] {
    guard let list else { return ntuple.fields }
    return try list.split(separator: ",").map { try ntuple.field(String($0)) }
}

enum RNTupleListing {
    /// `ls` lines and JSON members for the RNTuple at `path`.
    static func describe(_ root: ROOTFile, path: String, indent: String) throws(ROOTError) -> (text: String, json: [(String, ROOTJSON)]) {
        let ntuple = try root.rntuple(path)
        var text = "\(indent)  \(ntuple.entryCount) entries, \(ntuple.clusters.count) clusters\n"
        var fields: [ROOTJSON] = []
        for field in ntuple.allFields {
            let columns = field.columnTypes.map(\.description).joined(separator: ",")
            fields.append(.object([("name", .string(field.path)), ("type", .string(field.typeName)),
                                   ("role", .string("\(field.role)")), ("columns", .string(columns))]))
            text += "\(indent)  \(field.path.padding(30)) \(field.typeName.padding(24)) \(columns)\n"
        }
        return (text, [("entries", .int(ntuple.entryCount)), ("fields", .array(fields))])
    }
}

extension DumpCommand {
    /// `dump` of RNTuple fields, read cluster-aligned chunk by chunk.
    func dumpRNTuple(_ root: ROOTFile, to sink: inout some TextSink) throws {
        let ntuple = try root.rntuple(self.tree)
        let range = try (entries ?? EntryRange()).resolve(ntuple.entryCount)
        let selected = try selectedFields(ntuple, branches)
        let names = branches == nil ? selected.map(\.path) : branches!.split(separator: ",").map(String.init)
        let chunks = ntuple.chunks(entriesPerChunk: Self.entriesPerChunk).map { $0.clamped(to: range) }.filter { !$0.isEmpty }
        try write(names, chunks: { _ in chunks }, read: { k, chunk in try ntuple.read(selected[k], entries: chunk) }, to: &sink)
    }
}

extension StatsCommand {
    /// `stats` of RNTuple fields: entries, and items/min/max/mean/sum over every number inside.
    func statsRNTuple(_ root: ROOTFile) throws {
        let ntuple = try root.rntuple(self.tree)
        var rows: [(String, ROOTJSON)] = []
        var text = "field".padding(30) + " entries      items          min            max            mean           sum\n"
        for field in try selectedFields(ntuple, branches) {
            let array = try ntuple.read(field)
            let summary = array.summary()
            rows.append((field.path, .object([
                ("entries", .int(Int64(summary.entries))), ("items", .int(Int64(summary.items))),
                ("min", .double(summary.min)), ("max", .double(summary.max)),
                ("mean", .double(summary.mean)), ("sum", .double(summary.sum)),
            ])))
            text += field.path.padding(30) + " " + [String(summary.entries), String(summary.items), "\(summary.min)",
                                                     "\(summary.max)", "\(summary.mean)", "\(summary.sum)"].map { $0.padding(14) }.joined(separator: " ") + "\n"
        }
        FileHandleOutput.standardOutput.write(json ? ROOTJSON.object(rows).rendered + "\n" : text)
    }
}

extension RNTupleArray: DumpedEntries {
    var entryCount: Int { count }

    /// Appends item `item` as JSON: lists and fixed arrays as arrays, records as objects, an empty
    /// optional or variant as `null`.
    func renderJSON(entry item: Int, into out: inout String) {
        switch self {
        case .values(let values):
            values.renderJSON(at: item, into: &out)
        case let .list(offsets, content):
            out += "["
            for i in offsets[item] ..< offsets[item + 1] {
                if i > offsets[item] { out += "," }
                content.renderJSON(entry: i, into: &out)
            }
            out += "]"
        case let .fixed(size, content):
            out += "["
            for i in item * size ..< (item + 1) * size {
                if i > item * size { out += "," }
                content.renderJSON(entry: i, into: &out)
            }
            out += "]"
        case let .optional(offsets, content):
            if offsets[item] == offsets[item + 1] { out += "null" } else { content.renderJSON(entry: offsets[item], into: &out) }
        case .record(let fields, _):
            out += "{"
            for (k, field) in fields.enumerated() {
                if k > 0 { out += "," }
                JSONText.quote(field.name, into: &out)
                out += ":"
                field.array.renderJSON(entry: item, into: &out)
            }
            out += "}"
        case let .variant(tags, indices, alternatives):
            if tags[item] == 0 { out += "null" } else { alternatives[Int(tags[item]) - 1].renderJSON(entry: indices[item], into: &out) }
        }
    }

    /// Item `item` as one CSV field (strings as text, everything else as its JSON).
    func csvField(entry item: Int) -> String {
        if case .values(.string(let strings)) = self { return JSONText.csvField(strings[item]) }
        var text = ""
        renderJSON(entry: item, into: &text)
        return JSONText.csvField(text)
    }
}
