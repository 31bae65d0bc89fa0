/// The anchor of an RNTuple: the `ROOT::RNTuple` key object that points at the header and footer
/// envelopes (root-format.md §13.1).
struct RNTupleAnchor: Sendable {
    var version: (epoch: UInt16, major: UInt16, minor: UInt16, patch: UInt16)
    var header: RNTupleLocator
    var headerLength: UInt64
    var footer: RNTupleLocator
    var footerLength: UInt64
    var maxKeySize: UInt64
}

extension RNTupleAnchor {
    /// Parses the streamed anchor (big-endian) and checks its XXH3 checksum.
    init(_ bytes: [UInt8]) throws(DecodeError) {
        var result: Result<RNTupleAnchor, DecodeError>!
        bytes.withUnsafeBytes { raw in
            result = Result { () throws(DecodeError) -> RNTupleAnchor in
                var reader = ByteReader(raw)
                let byteCount = Int(try reader.u32() & ~0x4000_0000)
                let classVersion = try reader.u16()
                guard classVersion == 2 else { throw .unsupported("ROOT::RNTuple anchor class version \(classVersion)") }
                guard byteCount == 66, raw.count >= 78 else {
                    throw .malformed("RNTuple anchor of \(byteCount) bytes (\(raw.count) stored), expected 66 + checksum")
                }
                let fields = UnsafeRawBufferPointer(rebasing: raw[6 ..< 70])
                let version = (try reader.u16(), try reader.u16(), try reader.u16(), try reader.u16())
                func u64() throws(DecodeError) -> UInt64 { UInt64(bitPattern: try reader.i64()) }
                let seekHeader = try u64(), headerBytes = try u64(), headerLength = try u64()
                let seekFooter = try u64(), footerBytes = try u64(), footerLength = try u64()
                let anchor = RNTupleAnchor(version: version, header: RNTupleLocator(size: headerBytes, offset: seekHeader),
                                           headerLength: headerLength,
                                           footer: RNTupleLocator(size: footerBytes, offset: seekFooter),
                                           footerLength: footerLength, maxKeySize: try u64())
                let stored = UInt64(bitPattern: try reader.i64())
                guard stored == xxh3(fields) else { throw .malformed("RNTuple anchor checksum mismatch") }
                guard version.0 == 1 else { throw .unsupported("RNTuple format epoch \(version.0) (only 1.x is read)") }
                return anchor
            }
        }
        self = try result.get()
    }
}

/// What a field is made of (the field record's structural role).
public enum RNTupleFieldRole: UInt16, Sendable {
    case leaf = 0, collection = 1, record = 2, variant = 3, streamer = 4
}

/// One field description from the header or its extension.
struct FieldRecord: Sendable {
    var parentID: Int
    var role: RNTupleFieldRole
    var name: String
    var typeName: String
    var typeAlias: String
    var description: String
    /// Number of items for fixed-size arrays (`std::array`, `std::bitset`, C arrays); 0 otherwise.
    var arraySize: Int
    /// For projected fields, the field whose columns they alias.
    var sourceFieldID: Int?

    init(_ reader: inout EnvelopeReader) throws(DecodeError) {
        _ = try reader.u32() // field version
        _ = try reader.u32() // type version
        parentID = Int(try reader.u32())
        let role = try reader.u16()
        guard let known = RNTupleFieldRole(rawValue: role) else { throw .unsupported("field structural role \(role)") }
        self.role = known
        let flags = try reader.u16()
        name = try reader.string()
        typeName = try reader.string()
        typeAlias = try reader.string()
        description = try reader.string()
        arraySize = 0
        if flags & 1 != 0 {
            let size = try reader.u64()
            guard size >= 1, size <= 1 << 32 else { throw .malformed("field '\(name)' has array size \(size)") }
            arraySize = Int(size)
        }
        if flags & 2 != 0 { sourceFieldID = Int(try reader.u32()) }
        if flags & 4 != 0 { _ = try reader.u32() } // type checksum
    }
}

/// One column description from the header or its extension.
struct ColumnRecord: Sendable {
    var type: RNTupleColumnType
    var bitsOnStorage: Int
    var fieldID: Int
    var representationIndex: Int
    /// Elements before this index are implicit zeros (deferred columns of late-added fields).
    var firstElementIndex: UInt64
    var range: (min: Double, max: Double)?

    init(_ reader: inout EnvelopeReader) throws(DecodeError) {
        let code = try reader.u16()
        guard let type = RNTupleColumnType(rawValue: code) else { throw .unsupported("column type 0x\(String(code, radix: 16))") }
        self.type = type
        bitsOnStorage = Int(try reader.u16())
        guard type.allowedBits.contains(bitsOnStorage) else {
            throw .malformed("column of type \(type) with \(bitsOnStorage) bits on storage")
        }
        fieldID = Int(try reader.u32())
        let flags = try reader.u16()
        representationIndex = Int(try reader.u16())
        firstElementIndex = flags & 1 != 0 ? try reader.u64() : 0
        if flags & 2 != 0 { range = (try reader.f64(), try reader.f64()) }
        if type == .real32Quant {
            guard let range, range.min.isFinite, range.max.isFinite, range.min <= range.max else {
                throw .malformed("Real32Quant column without a finite value range")
            }
        }
    }
}

/// The pages of one column in one cluster.
struct ColumnPages: Sendable {
    struct Page: Sendable {
        var elementCount: Int
        var hasChecksum: Bool
        var locator: RNTupleLocator
    }

    var pages: [Page]
    /// `nil` when the column is suppressed in this cluster (another representation is active).
    var elementOffset: Int64?

    var elementCount: Int { pages.reduce(0) { $0 + $1.elementCount } }
}

/// One cluster: its entries and, per physical column, its pages.
struct ClusterRecord: Sendable {
    var firstEntry: Int64
    var entryCount: Int64
    var columns: [ColumnPages]
}

/// Everything the header, footer and page lists say: the schema and where every page is.
struct RNTupleDescriptor: Sendable {
    var name: String
    var description: String
    var writer: String
    var fields: [FieldRecord] = []
    var columns: [ColumnRecord] = []
    /// Alias columns: (physical column, projected field).
    var aliases: [(physical: Int, fieldID: Int)] = []
    var clusters: [ClusterRecord] = []

    var entryCount: Int64 { clusters.last.map { $0.firstEntry + $0.entryCount } ?? 0 }

    init(file: ROOTFile, anchor: RNTupleAnchor) throws(DecodeError) {
        for (what, locator, length) in [("header", anchor.header, anchor.headerLength), ("footer", anchor.footer, anchor.footerLength)] {
            // uproot writes a maximum key size of 0 (no limit)
            guard anchor.maxKeySize == 0 || locator.size <= anchor.maxKeySize else {
                throw .unsupported("\(what) of \(locator.size) bytes split over several keys (maximum key size \(anchor.maxKeySize))")
            }
            guard length <= UInt64(Int32.max) else { throw .malformed("\(what) length \(length)") }
        }
        let headerBytes = try file.rntupleExpanded(anchor.header, length: Int(anchor.headerLength))
        var name = "", description = "", writer = ""
        var fields: [FieldRecord] = [], columns: [ColumnRecord] = [], aliases: [(Int, Int)] = []
        let (_, headerChecksum) = try headerBytes.withEnvelope(.header) { (reader) throws(DecodeError) in
            let flags = try reader.u64()
            guard flags == 0 else { throw .unsupported("RNTuple header feature flags \(hex(flags))") }
            name = try reader.string()
            description = try reader.string()
            writer = try reader.string()
            try Self.readSchema(&reader, fields: &fields, columns: &columns, aliases: &aliases)
        }
        self.name = name
        self.description = description
        self.writer = writer

        let footerBytes = try file.rntupleExpanded(anchor.footer, length: Int(anchor.footerLength))
        var groups: [(minEntry: UInt64, clusterCount: Int, length: UInt64, locator: RNTupleLocator)] = []
        _ = try footerBytes.withEnvelope(.footer) { (reader) throws(DecodeError) in
            let flags = try reader.u64()
            guard flags == 0 else { throw .unsupported("RNTuple footer feature flags \(hex(flags))") }
            let checksum = try reader.u64()
            guard checksum == headerChecksum else { throw .malformed("footer names header checksum \(hex(checksum)), the header's is \(hex(headerChecksum))") }
            var extensionReader = try reader.recordFrame()
            try Self.readSchema(&extensionReader, fields: &fields, columns: &columns, aliases: &aliases)
            var (count, items) = try reader.listFrame(minimumItemSize: 28)
            for _ in 0 ..< count {
                var group = try items.recordFrame()
                let minEntry = try group.u64()
                _ = try group.u64() // entry span
                let clusters = Int(try group.u32())
                let length = try group.u64()
                groups.append((minEntry, clusters, length, try group.locator()))
            }
        }
        self.fields = fields
        self.columns = columns
        self.aliases = aliases
        try validateSchema()

        for group in groups.sorted(by: { $0.minEntry < $1.minEntry }) {
            guard group.length <= UInt64(Int32.max) else { throw .malformed("page list length \(group.length)") }
            let bytes = try file.rntupleExpanded(group.locator, length: Int(group.length))
            let before = clusters.count
            _ = try bytes.withEnvelope(.pageList) { (reader) throws(DecodeError) in
                let checksum = try reader.u64()
                guard checksum == headerChecksum else { throw .malformed("page list names header checksum \(hex(checksum))") }
                var (summaryCount, summaries) = try reader.listFrame(minimumItemSize: 24)
                var entries: [(Int64, Int64)] = []
                for _ in 0 ..< summaryCount {
                    var summary = try summaries.recordFrame()
                    let first = try summary.u64()
                    let word = try summary.u64()
                    guard word >> 56 & 1 == 0 else { throw .unsupported("sharded clusters") }
                    let count = word & 0x00FF_FFFF_FFFF_FFFF
                    guard let firstEntry = Int64(exactly: first), firstEntry <= Int64.max - Int64(count) else {
                        throw .malformed("cluster at entry \(first) with \(count) entries")
                    }
                    entries.append((firstEntry, Int64(count)))
                }
                var (clusterCount, clusterList) = try reader.listFrame(minimumItemSize: 12)
                guard clusterCount == summaryCount else {
                    throw .malformed("page list has \(clusterCount) clusters, \(summaryCount) cluster summaries")
                }
                for (firstEntry, entryCount) in entries {
                    var (columnCount, columnList) = try clusterList.listFrame(minimumItemSize: 20)
                    var pagesOfColumns: [ColumnPages] = []
                    pagesOfColumns.reserveCapacity(columnCount)
                    for _ in 0 ..< columnCount {
                        var (pageCount, pageList) = try columnList.listFrame(minimumItemSize: 16)
                        var pages: [ColumnPages.Page] = []
                        pages.reserveCapacity(pageCount)
                        for _ in 0 ..< pageCount {
                            let n = try pageList.i32()
                            guard n != .min else { throw .malformed("page of \(n) elements") }
                            pages.append(ColumnPages.Page(elementCount: Int(n.magnitude), hasChecksum: n < 0, locator: try pageList.locator()))
                        }
                        let offset = try pageList.i64()
                        if offset >= 0 { _ = try pageList.u32() } // compression settings: the block headers say it
                        pagesOfColumns.append(ColumnPages(pages: pages, elementOffset: offset >= 0 ? offset : nil))
                    }
                    clusters.append(ClusterRecord(firstEntry: firstEntry, entryCount: entryCount, columns: pagesOfColumns))
                }
            }
            guard clusters.count - before == group.clusterCount else {
                throw .malformed("cluster group says \(group.clusterCount) clusters, its page list has \(clusters.count - before)")
            }
        }
        clusters.sort { $0.firstEntry < $1.firstEntry }
        var next: Int64 = 0
        for cluster in clusters {
            guard cluster.firstEntry == next else {
                throw .malformed("cluster starts at entry \(cluster.firstEntry), the previous one ends at \(next)")
            }
            next = cluster.firstEntry + cluster.entryCount
        }
    }

    /// The four list frames shared by the header and the footer's schema extension.
    private static func readSchema(_ reader: inout EnvelopeReader, fields: inout [FieldRecord], columns: inout [ColumnRecord],
                                   aliases: inout [(Int, Int)]) throws(DecodeError) {
        var (fieldCount, fieldItems) = try reader.listFrame(minimumItemSize: 40)
        for _ in 0 ..< fieldCount {
            var frame = try fieldItems.recordFrame()
            fields.append(try FieldRecord(&frame))
        }
        var (columnCount, columnItems) = try reader.listFrame(minimumItemSize: 20)
        for _ in 0 ..< columnCount {
            var frame = try columnItems.recordFrame()
            columns.append(try ColumnRecord(&frame))
        }
        var (aliasCount, aliasItems) = try reader.listFrame(minimumItemSize: 16)
        for _ in 0 ..< aliasCount {
            var frame = try aliasItems.recordFrame()
            aliases.append((Int(try frame.u32()), Int(try frame.u32())))
        }
        _ = try reader.listFrame() // extra type information (ROOT streamer info for streamer fields)
    }

    /// Every id in a record points at something that exists, and parent links reach a top-level
    /// field without cycles (so walking fields cannot loop or recurse without bound).
    private func validateSchema() throws(DecodeError) {
        for (id, field) in fields.enumerated() {
            guard field.parentID < fields.count else { throw .malformed("field '\(field.name)' has parent \(field.parentID) of \(fields.count) fields") }
            if let source = field.sourceFieldID, source >= fields.count {
                throw .malformed("projected field '\(field.name)' names source field \(source) of \(fields.count)")
            }
            var current = id
            var depth = 0
            while fields[current].parentID != current {
                current = fields[current].parentID
                depth += 1
                guard depth <= RNTuple.maximumFieldDepth else {
                    throw .malformed("field '\(field.name)' is nested deeper than \(RNTuple.maximumFieldDepth) levels (or its parents form a cycle)")
                }
            }
        }
        for column in columns where column.fieldID >= fields.count {
            throw .malformed("column of field \(column.fieldID), only \(fields.count) fields")
        }
        for alias in aliases where alias.physical >= columns.count || alias.fieldID >= fields.count {
            throw .malformed("alias column \(alias.physical) of field \(alias.fieldID) points outside the schema")
        }
    }
}
