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
}
