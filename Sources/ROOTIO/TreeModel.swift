/// A `TLeaf` as stored in the file.
struct LeafModel: Sendable {
    var className: String
    var name: String
    var title: String
    /// Elements per entry for fixed arrays (product of the fixed dimensions), 1 otherwise.
    var length: Int
    var lengthType: Int
    var isUnsigned: Bool
    /// The counter leaf's name for variable-size arrays.
    var counterName: String?
    /// `TLeafElement::fType` (a streamer type code, §6.4).
    var elementType: Int?
}

/// A basket serialised inside its branch (a tree that was not closed cleanly).
struct EmbeddedBasket: Sendable {
    var keyLength: Int
    var entryCount: Int
    var last: Int
    /// The entry data (`fLast - fKeylen` bytes).
    var data: [UInt8]
    /// Entry start positions in the key-including buffer, if stored.
    var offsets: [Int32]?
}

/// A `TBranch`, `TBranchElement` or `TBranchObject` as stored in the file.
struct BranchModel: Sendable {
    var className: String
    var name: String
    var title: String
    var entryOffsetLength: Int
    var entries: Int64
    var basketBytes: [Int32] = []
    var basketEntry: [Int64] = []
    var basketSeek: [Int64] = []
    var writeBasket: Int = 0
    var embedded: [EmbeddedBasket] = []
    var leaves: [LeafModel] = []
    var branches: [BranchModel] = []
    // TBranchElement / TBranchObject
    var objectClassName: String?
    var parentClassName: String?
    var streamerID: Int = 0
    var elementKind: Int = 0
    var streamerType: Int = -1
    /// The streamer element of a split member (from the file's StreamerInfo), if found.
    var member: StreamerElement?
}

/// The parts of a `TTree` a reader needs.
struct TreeModel: Sendable {
    var name: String
    var title: String
    var entries: Int64
    var branches: [BranchModel]
}

extension ObjectReader {
    mutating func tree(className: String) throws(DecodeError) -> TreeModel {
        var outer: (version: Int, end: Int?)?
        if className == "TNtuple" || className == "TNtupleD" { outer = try versionHeader() }
        let header = try versionHeader()
        let v = header.version
        guard (16...20).contains(v) else { throw DecodeError(.unsupported("TTree version \(v) (ROOT 5.23 or newer is needed)")) }
        let (name, title) = try tNamed()
        try skipPart("TAttLine"); try skipPart("TAttFill"); try skipPart("TAttMarker")
        let entries = try reader.i64()
        try reader.skip(8 * 3) // fTotBytes, fZipBytes, fSavedBytes
        if v >= 18 { try reader.skip(8) } // fFlushedBytes
        try reader.skip(8 + 4 * 3) // fWeight, fTimerInterval, fScanField, fUpdate
        if v >= 17 { try reader.skip(4) } // fDefaultEntryOffsetLen
        var clusterRanges = 0
        if v >= 19 { clusterRanges = try reader.count("cluster ranges", elementSize: 16) }
        try reader.skip(8 * 4) // fMaxEntries, fMaxEntryLoop, fMaxVirtualSize, fAutoSave
        if v >= 18 { try reader.skip(8) } // fAutoFlush
        try reader.skip(8) // fEstimate
        if v >= 19 {
            _ = try flaggedArray(Int64.self, count: clusterRanges)
            _ = try flaggedArray(Int64.self, count: clusterRanges)
        }
        if v >= 20 { try skipPart("ROOT::TIOFeatures") }
        let branches = try branchArray()
        guard entries >= 0 else { throw .malformed("tree '\(name)' has \(entries) entries") }
        // a branch added after the tree was filled holds fewer entries, never more
        if let long = branches.first(where: { $0.entries > entries }) {
            throw .malformed("branch '\(long.name)' has \(long.entries) entries, its tree '\(name)' \(entries)")
        }
        try finish(header.end, "TTree")
        if let outer { try finish(outer.end, className) }
        return TreeModel(name: name, title: title, entries: entries, branches: branches)
    }

    mutating func branchArray() throws(DecodeError) -> [BranchModel] {
        try objArray { (className, stream) throws(DecodeError) in
            // other branch classes (e.g. TBranchRef) are skipped by their byte count
            guard Self.branchClasses.contains(className) else { return .other }
            return .branch(try stream.branch(className: className))
        }.compactMap { item in
            if case .branch(let branch)? = item { return branch }
            return nil
        }
    }

    static let branchClasses: Set<String> = ["TBranch", "TBranchElement", "TBranchSTL", "TBranchObject"]

    mutating func branch(className: String) throws(DecodeError) -> BranchModel {
        switch className {
        case "TBranch":
            return try tBranch(className: className)
        case "TBranchElement", "TBranchSTL":
            let header = try versionHeader()
            var branch = try tBranch(className: className)
            branch.objectClassName = try reader.string()
            branch.parentClassName = try reader.string()
            _ = try reader.string() // fClonesName
            _ = try reader.u32() // fCheckSum
            if header.version >= 10 { _ = try reader.i16() } else { _ = try reader.i32() }
            branch.streamerID = Int(try reader.i32())
            branch.elementKind = Int(try reader.i32())
            branch.streamerType = Int(try reader.i32())
            try finish(header.end, className)
            return branch
        case "TBranchObject":
            let header = try versionHeader()
            var branch = try tBranch(className: className)
            branch.objectClassName = try reader.string()
            try finish(header.end, className)
            return branch
        default:
            throw .unsupported("branch class \(className)")
        }
    }

    /// The `TBranch` part (v10–v13).
    mutating func tBranch(className: String) throws(DecodeError) -> BranchModel {
        let header = try versionHeader()
        let v = header.version
        guard (10...13).contains(v) else { throw .unsupported("TBranch version \(v)") }
        let (name, title) = try tNamed()
        try skipPart("TAttFill")
        _ = try reader.i32() // fCompress
        _ = try reader.i32() // fBasketSize
        let entryOffsetLength = Int(try reader.i32())
        let writeBasket = Int(try reader.i32())
        _ = try reader.i64() // fEntryNumber
        if v >= 13 { try skipPart("ROOT::TIOFeatures") }
        _ = try reader.i32() // fOffset
        let maxBaskets = try reader.count("fMaxBaskets", elementSize: 13)
        _ = try reader.i32() // fSplitLevel
        let entries = try reader.i64()
        if v >= 11 { _ = try reader.i64() } // fFirstEntry
        try reader.skip(16) // fTotBytes, fZipBytes
        var branch = BranchModel(className: className, name: name, title: title,
                                 entryOffsetLength: entryOffsetLength, entries: entries)
        branch.branches = try branchArray()
        branch.leaves = try objArray { (className, stream) throws(DecodeError) in
            .leaf(try stream.leaf(className: className))
        }.compactMap { item in
            if case .leaf(let leaf)? = item { return leaf }
            return nil
        }
        branch.embedded = try objArray { (className, stream) throws(DecodeError) in
            className == "TBasket" ? .basket(try stream.embeddedBasket()) : .other
        }.compactMap { item in
            if case .basket(let basket)? = item { return basket }
            return nil
        }
        branch.basketBytes = try flaggedArray(Int32.self, count: maxBaskets)
        branch.basketEntry = try flaggedArray(Int64.self, count: maxBaskets)
        branch.basketSeek = try flaggedArray(Int64.self, count: maxBaskets)
        branch.writeBasket = writeBasket
        let fileName = try reader.string()
        guard fileName.isEmpty else { throw .unsupported("baskets stored in another file (\(fileName))") }
        try finish(header.end, "TBranch")
        guard entries >= 0, writeBasket >= 0, writeBasket <= maxBaskets, !branch.basketEntry.contains(where: { $0 < 0 }) else {
            throw .malformed("branch '\(name)': fEntries \(entries), fWriteBasket \(writeBasket), fMaxBaskets \(maxBaskets)")
        }
        return branch
    }

    mutating func leaf(className: String) throws(DecodeError) -> LeafModel {
        let outer = try versionHeader()
        let header = try versionHeader()
        let (name, title) = try tNamed()
        let length = Int(try reader.i32())
        let lengthType = Int(try reader.i32())
        _ = try reader.i32() // fOffset
        _ = try reader.bool() // fIsRange
        let isUnsigned = try reader.bool()
        let counter = try objectPointer { (className, stream) throws(DecodeError) in
            .leaf(try stream.leaf(className: className))
        }
        try finish(header.end, "TLeaf")
        var leaf = LeafModel(className: className, name: name, title: title, length: length,
                             lengthType: lengthType, isUnsigned: isUnsigned)
        if case .leaf(let count)? = counter { leaf.counterName = count.name }
        if className == "TLeafElement" {
            _ = try reader.i32() // fID
            leaf.elementType = Int(try reader.i32())
        }
        try finish(outer.end, className)
        // some writers store fLen -1 (or 0) for leaves of collection members: both read as 1
        guard length >= -1, length < 1 << 28 else { throw .malformed("leaf '\(name)' has fLen \(length)") }
        return leaf
    }

    /// A `TBasket` serialised inside a branch's `fBaskets` (§8.3).
    mutating func embeddedBasket() throws(DecodeError) -> EmbeddedBasket {
        let keyStart = reader.position
        let key = try ROOTKey(&reader)
        let keyLength = Int(key.keyLength)
        let header = try reader.basketFields(keyStart: keyStart, keyLength: keyLength)
        let (nevBuf, last) = (header.entryCount, header.last)
        guard nevBuf >= 0, last >= keyLength else {
            throw .malformed("embedded basket of '\(key.name)': fNevBuf \(nevBuf), fLast \(last), fKeylen \(keyLength)")
        }
        // TBasket::Streamer: offsets for flags other than 0, x2 and >= 80, displacements above 40
        var offsets: [Int32]?
        let flag = Int(header.flag)
        if nevBuf > 0, flag != 0, flag % 10 != 2, flag < 80 {
            let n = try reader.count("embedded basket offsets", elementSize: 4)
            guard n >= nevBuf else { throw .malformed("embedded basket has \(n) offsets for \(nevBuf) entries") }
            offsets = try (0 ..< n).map { _ throws(DecodeError) in try reader.i32() }
            if flag > 40 { try reader.skip(4 * reader.count("embedded basket displacements", elementSize: 4)) }
        }
        // ROOT writes the buffer only for flag 1 or > 10; otherwise the basket is an empty placeholder
        guard header.flag == 1 || header.flag > 10 else {
            return EmbeddedBasket(keyLength: keyLength, entryCount: 0, last: keyLength, data: [], offsets: nil)
        }
        let buffer = try reader.rawBytes(last)
        return EmbeddedBasket(keyLength: keyLength, entryCount: nevBuf, last: last,
                              data: Array(buffer[keyLength...]), offsets: offsets)
    }
}
