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
    /// The file's class descriptions (for object-valued branches), keyed by class name.
    var classes: [String: [StreamerElement]] = [:]
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
}
