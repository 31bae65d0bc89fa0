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
    /// `fClassVersion`: the version of `objectClassName` the branch's data were written with.
    var classVersion: Int?
    /// The file's class descriptions (for object-valued branches).
    var classes = StreamerTable()
}

extension ObjectReader {
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
            if header.version >= 8 {
                branch.parentClassName = try reader.string()
                _ = try reader.string() // fClonesName
                _ = try reader.u32() // fCheckSum
            }
            // fClassVersion; ROOT 4's v1 has no parent, clones name or checksum (its own streamer)
            branch.classVersion = header.version >= 10 ? Int(try reader.i16()) : Int(try reader.i32())
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

    /// The `TBranch` part (v10–v13; v6–v9 of ROOT < 5.23 as described in §8.1 of the format notes:
    /// 32-bit entry numbers and basket entries, entry counts as doubles).
    mutating func tBranch(className: String) throws(DecodeError) -> BranchModel {
        let header = try versionHeader()
        let v = header.version
        guard (6...13).contains(v) else { throw .unsupported("TBranch version \(v) (versions 6–13 are read)") }
        let old = v < 10
        let (name, title) = try tNamed()
        if !old || v > 7 { try skipPart("TAttFill") }
        _ = try reader.i32() // fCompress
        _ = try reader.i32() // fBasketSize
        let entryOffsetLength = Int(try reader.i32())
        let writeBasket = Int(try reader.i32())
        if old { _ = try reader.i32() } else { _ = try reader.i64() } // fEntryNumber
        if v >= 13 { try skipPart("ROOT::TIOFeatures") }
        _ = try reader.i32() // fOffset
        let maxBaskets = try reader.count("fMaxBaskets", elementSize: old ? 9 : 13)
        if !old || v > 6 { _ = try reader.i32() } // fSplitLevel
        let entries = old ? try Self.entryCount(reader.f64(), of: "branch '\(name)'") : try reader.i64()
        if v >= 11 { _ = try reader.i64() } // fFirstEntry
        try reader.skip(16) // fTotBytes, fZipBytes (i64 or f64)
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
        if old {
            branch.basketEntry = try flaggedArray(Int32.self, count: maxBaskets).map(Int64.init)
            // the flag says the width of the seeks: 2 for 64-bit ones
            let wide = try reader.u8() == 2
            try reader.seek(toBufferPosition: reader.bufferPosition - 1)
            branch.basketSeek = wide ? try flaggedArray(Int64.self, count: maxBaskets)
                : try flaggedArray(Int32.self, count: maxBaskets).map(Int64.init)
        } else {
            branch.basketEntry = try flaggedArray(Int64.self, count: maxBaskets)
            branch.basketSeek = try flaggedArray(Int64.self, count: maxBaskets)
        }
        branch.writeBasket = writeBasket
        let fileName = try reader.string()
        guard fileName.isEmpty else { throw .unsupported("baskets stored in another file (\(fileName))") }
        try finish(header.end, "TBranch")
        guard entries >= 0, writeBasket >= 0, writeBasket <= maxBaskets, !branch.basketEntry.contains(where: { $0 < 0 }) else {
            throw .malformed("branch '\(name)': fEntries \(entries), fWriteBasket \(writeBasket), fMaxBaskets \(maxBaskets)")
        }
        return branch
    }
}
