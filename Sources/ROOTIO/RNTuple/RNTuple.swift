/// An RNTuple (ROOT ≥ 6.34 columnar storage, binary format 1.0): named fields of values with a
/// common number of entries, read like the branches of a ``ROOTTree``.
///
/// ```swift
/// let ntuple = try file.rntuple("Events")
/// for range in ntuple.chunks(entriesPerChunk: 100_000) {
///     let pt = try ntuple.read("Muon.pt", entries: range)   // one list of values per entry
/// }
/// ```
public struct RNTuple: Sendable {
    /// Path of the RNTuple in the file (without cycle).
    public let path: String
    /// The name stored in the header.
    public let name: String
    public let description: String
    /// The library that wrote it, e.g. `ROOT v6.34.00`.
    public let writer: String
    /// Number of entries.
    public let entryCount: Int64
    /// Top-level fields (sub-fields are in ``RNTupleField/children``).
    public let fields: [RNTupleField]
    /// Entry ranges of the clusters, in order.
    public let clusters: [Range<Int64>]

    let file: ROOTFile
    let descriptor: RNTupleDescriptor
    /// Per field id: its physical columns (own or aliased), grouped by representation.
    let columnsOfField: [[[Int]]]

    /// Fields nested deeper than this are a malformed file (the bound keeps crafted schemas from
    /// exhausting the stack of the recursive readers).
    public static let maximumFieldDepth = 64

    init(file: ROOTFile, path: String, descriptor: RNTupleDescriptor) {
        self.file = file
        self.path = path
        self.descriptor = descriptor
        name = descriptor.name
        description = descriptor.description
        writer = descriptor.writer
        entryCount = descriptor.entryCount
        clusters = descriptor.clusters.map { $0.firstEntry ..< $0.firstEntry + $0.entryCount }
        var columns = Array(repeating: [[Int]](), count: descriptor.fields.count)
        func add(_ physical: Int, to fieldID: Int) {
            let representation = descriptor.columns[physical].representationIndex
            while columns[fieldID].count <= representation { columns[fieldID].append([]) }
            columns[fieldID][representation].append(physical)
        }
        for (id, column) in descriptor.columns.enumerated() { add(id, to: column.fieldID) }
        for alias in descriptor.aliases { add(alias.physical, to: alias.fieldID) }
        columnsOfField = columns.map { $0.filter { !$0.isEmpty } }

        let records = descriptor.fields
        var children = Array(repeating: [Int](), count: records.count)
        for (id, record) in records.enumerated() where record.parentID != id { children[record.parentID].append(id) }
        func isAnonymous(_ id: Int) -> Bool {
            let parent = records[records[id].parentID]
            if parent.role == .collection || parent.role == .variant || parent.arraySize > 0 { return true }
            if parent.role == .leaf && records[id].name == "_0" { return true }
            return parent.role == .record && records[id].name.hasPrefix(":_")
        }
        var paths = Array(repeating: "", count: records.count)
        var renamed: [Int: String] = [:]
        func assignPaths(_ id: Int, parentPath: String) {
            let record = records[id]
            var display = renamed[id] ?? record.name
            if record.parentID != id, records[record.parentID].role == .record, display.hasPrefix("_"), Int(display.dropFirst()) != nil {
                display.removeFirst()
            }
            paths[id] = record.parentID == id ? display : isAnonymous(id) ? parentPath : parentPath + "." + display
            for child in children[id] { assignPaths(child, parentPath: paths[id]) }
        }
        let topLevel = records.indices.filter { records[$0].parentID == $0 }
        for id in topLevel { assignPaths(id, parentPath: "") }
        // a member inherited twice (diamond) is named after the base it came through, as in uproot
        let members = records.indices.filter { !isAnonymous($0) && records[$0].parentID != $0 && records[records[$0].parentID].name.hasPrefix(":_") }
        for (_, ids) in Dictionary(grouping: members, by: { paths[$0] }) where ids.count > 1 {
            for id in ids {
                var base = records[id].parentID
                while records[records[base].parentID].name.hasPrefix(":_") { base = records[base].parentID }
                renamed[id] = records[base].typeName + "::" + records[id].name
            }
        }
        if !renamed.isEmpty { for id in topLevel { assignPaths(id, parentPath: "") } }
        func build(_ id: Int) -> RNTupleField {
            let record = records[id]
            return RNTupleField(id: id, name: record.name, path: paths[id], typeName: record.typeName, typeAlias: record.typeAlias,
                                role: record.role, arraySize: record.arraySize, isProjected: record.sourceFieldID != nil,
                                columnTypes: columns[id].first?.map { descriptor.columns[$0].type } ?? [],
                                children: children[id].map(build))
        }
        // depth is bounded by the descriptor's validation
        fields = topLevel.map(build)
    }

    /// Every field, depth first, sub-fields after their parent.
    public var allFields: [RNTupleField] { fields.flatMap { [$0] + $0.allDescendants } }

    /// The field at `path`: dotted names as uproot spells them (`three_LV.pt`; the anonymous
    /// item fields of collections are left out), or a field's own name if only one has it.
    public func field(_ path: String) throws(ROOTError) -> RNTupleField {
        let all = allFields
        // a collection and its anonymous item share a path; the outermost one is meant
        if let exact = all.first(where: { $0.path == path }) { return exact }
        let byName = all.filter { $0.name == path }
        if byName.count == 1 { return byName[0] }
        throw ROOTError(file: file.path, object: self.path, reason: .notFound("field '\(path)'"))
    }

    /// Cluster-aligned entry ranges of about `entriesPerChunk` entries (at least one cluster each),
    /// for reading with bounded memory.
    public func chunks(entriesPerChunk: Int64) -> [Range<Int64>] {
        var chunks: [Range<Int64>] = []
        var start: Int64 = 0
        for cluster in clusters where cluster.upperBound - start >= entriesPerChunk || cluster.upperBound == entryCount {
            chunks.append(start ..< cluster.upperBound)
            start = cluster.upperBound
        }
        return chunks
    }

    /// The values of the field at `path` for `entries` (all by default): one item of the result
    /// per entry, nested as the field is (lists for collections above or at the field).
    public func read(_ path: String, entries: Range<Int64>? = nil) throws(ROOTError) -> RNTupleArray {
        try read(field(path), entries: entries)
    }

    /// The values of `field` for `entries` (all by default).
    public func read(_ field: RNTupleField, entries: Range<Int64>? = nil) throws(ROOTError) -> RNTupleArray {
        let range = (entries ?? 0 ..< entryCount).clamped(to: 0 ..< entryCount)
        let first = clusters.firstIndex { $0.upperBound > range.lowerBound } ?? clusters.count
        let last = clusters.lastIndex { $0.lowerBound < range.upperBound }.map { $0 + 1 } ?? first
        let selected = first ..< max(first, last)
        return try withContext(file: file.path, object: "\(path)/\(field.path)") { () throws(DecodeError) -> RNTupleArray in
            try file.storage.prefetch(pageRanges(of: field, clusters: selected))
            var reader = FieldAssembler(ntuple: self, clusters: selected)
            let array = try reader.read(field.id)
            let offset = Int(range.lowerBound - (selected.isEmpty ? range.lowerBound : clusters[selected.lowerBound].lowerBound))
            guard array.count == Int(selected.isEmpty ? 0 : clusters[selected.upperBound - 1].upperBound - clusters[selected.lowerBound].lowerBound) else {
                throw .malformed("read \(array.count) entries, the clusters hold a different number")
            }
            return array.slice(offset ..< offset + range.count)
        }
    }
}

extension RNTuple {
    /// The byte ranges of every page (with its checksum) that reading `field` over `clusters`
    /// decodes: the columns of the field, its sub-fields and its ancestors (the offsets of the
    /// collections it is inside), every representation. A remote file fetches them in one
    /// vectored read before the pages are decoded in parallel, instead of page by page.
    /// Impossible ranges are left out, for the page read to report.
    func pageRanges(of field: RNTupleField, clusters: Range<Int>) -> [Range<Int64>] {
        var fieldIDs = [field.id] + field.allDescendants.map(\.id)
        var id = field.id
        // parent chains are checked for cycles when the descriptor is read; the bound is a second guard
        for _ in 0 ..< Self.maximumFieldDepth {
            let parent = descriptor.fields[id].parentID
            guard parent != id else { break }
            fieldIDs.append(parent)
            id = parent
        }
        let columns = Set(fieldIDs.flatMap { columnsOfField[$0].joined() })
        var ranges: [Range<Int64>] = []
        for c in clusters {
            let cluster = descriptor.clusters[c]
            for column in columns where column < cluster.columns.count {
                for page in cluster.columns[column].pages {
                    let (size, overflow) = page.locator.size.addingReportingOverflow(page.hasChecksum ? 8 : 0)
                    guard !overflow, let start = Int64(exactly: page.locator.offset), let length = Int64(exactly: size),
                          length > 0, start <= Int64.max - length else { continue }
                    ranges.append(start ..< start + length)
                }
            }
        }
        return ranges
    }
}

/// One field of an ``RNTuple``.
public struct RNTupleField: Sendable {
    /// Position in the schema (header fields, then extension fields).
    public let id: Int
    /// The field's own name (`_0` for the items of a collection).
    public let name: String
    /// Dotted path from the top-level field, as uproot spells it.
    public let path: String
    /// The C++ type, e.g. `std::vector<float>`.
    public let typeName: String
    public let typeAlias: String
    public let role: RNTupleFieldRole
    /// Items per entry of a fixed-size array field (0 otherwise).
    public let arraySize: Int
    /// Whether the field is a projection (its columns alias another field's).
    public let isProjected: Bool
    /// The column types of its first representation.
    public let columnTypes: [RNTupleColumnType]
    public let children: [RNTupleField]

    /// Every sub-field, depth first.
    public var allDescendants: [RNTupleField] { children.flatMap { [$0] + $0.allDescendants } }
}

extension ROOTFile {
    /// The RNTuple at `path` (`dir/name`, optionally `;cycle`).
    public func rntuple(_ path: String) throws(ROOTError) -> RNTuple {
        let key = try key(path)
        guard key.className == "ROOT::RNTuple" || key.className == "ROOT::Experimental::RNTuple" else {
            throw ROOTError(file: self.path, object: path, reason: .typeMismatch("\(key.className) is not an RNTuple"))
        }
        let ntuplePath = path.split(separator: ";").first.map(String.init) ?? path
        let descriptor = try withContext(file: self.path, object: ntuplePath) { () throws(DecodeError) -> RNTupleDescriptor in
            let anchor = try RNTupleAnchor(try objectBytes(of: key))
            return try RNTupleDescriptor(file: self, anchor: anchor)
        }
        return RNTuple(file: self, path: ntuplePath, descriptor: descriptor)
    }

    /// Whether the object at `path` is an RNTuple (`false` if there is no such object).
    public func isRNTuple(_ path: String) -> Bool {
        guard let key = try? key(path) else { return false }
        return key.className == "ROOT::RNTuple" || key.className == "ROOT::Experimental::RNTuple"
    }
}
