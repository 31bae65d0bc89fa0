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
        guard (16...20).contains(v) || v == 5 else {
            throw DecodeError(.unsupported("TTree version \(v) (versions 5 and 16–20, ROOT 4 and 5.23 or newer, are read)"))
        }
        let (name, title) = try tNamed()
        try skipPart("TAttLine"); try skipPart("TAttFill"); try skipPart("TAttMarker")
        if v == 5 { return try treeVersion5(name: name, title: title, header: header, outer: outer, className: className) }
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
        return try finishTree(name: name, title: title, entries: entries, branches: branches, header: header, outer: outer, className: className)
    }

    /// `TTree` v5 (ROOT 4; layout from such a file's own `TStreamerInfo`): entry counts are
    /// doubles and the sizes 32-bit, then the branches.
    private mutating func treeVersion5(name: String, title: String, header: (version: Int, end: Int?),
                                       outer: (version: Int, end: Int?)?, className: String) throws(DecodeError) -> TreeModel {
        let entries = try Self.entryCount(reader.f64(), of: "tree '\(name)'")
        // fTotBytes, fZipBytes, fSavedBytes (f64); fTimerInterval, fScanField, fUpdate, fMaxEntryLoop,
        // fMaxVirtualSize, fAutoSave, fEstimate (i32)
        try reader.skip(3 * 8 + 7 * 4)
        let branches = try branchArray()
        return try finishTree(name: name, title: title, entries: entries, branches: branches, header: header, outer: outer, className: className)
    }

    /// An entry count stored as a double by old versions: a whole, non-negative number.
    static func entryCount(_ value: Double, of what: String) throws(DecodeError) -> Int64 {
        guard value >= 0, let count = Int64(exactly: value) else { throw .malformed("\(what) has \(value) entries") }
        return count
    }

    private mutating func finishTree(name: String, title: String, entries: Int64, branches: [BranchModel],
                                     header: (version: Int, end: Int?), outer: (version: Int, end: Int?)?,
                                     className: String) throws(DecodeError) -> TreeModel {
        guard entries >= 0 else { throw .malformed("tree '\(name)' has \(entries) entries") }
        // a branch added after the tree was filled holds fewer entries, never more
        if let long = branches.first(where: { $0.entries > entries }) {
            throw .malformed("branch '\(long.name)' has \(long.entries) entries, its tree '\(name)' \(entries)")
        }
        try finish(header.end, "TTree")
        if let outer { try finish(outer.end, className) }
        return TreeModel(name: name, title: title, entries: entries, branches: branches)
    }
}
