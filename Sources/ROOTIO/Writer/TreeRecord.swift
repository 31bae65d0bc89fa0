import Foundation
import HEPKitSupport

/// One basket ready to be placed in the file.
struct BasketRecord: Sendable {
    let branch: Int
    let firstEntry: Int
    let entryCount: Int
    /// The uncompressed payload size (`fObjlen`).
    let objectLength: Int
    /// What follows the key: the payload's compression blocks or the payload itself.
    let stored: [UInt8]
    /// The basket header fields that depend on the payload.
    let nevBufSize: Int32
    let last: Int32
}

/// Where a branch's baskets ended up: what its `TBranch` record lists.
struct BranchPlacement {
    var basketBytes: [Int32] = []
    var basketEntries: [Int64] = []
    var basketSeeks: [Int64] = []
    var totalBytes: Int64 = 0
    var zippedBytes: Int64 = 0
}

/// Serialises a ``WritableTree``: its baskets (`TBasket` v3 records) and the `TTree` v20 object with
/// `TBranch` v13 and `TLeaf*` v1 children, as ROOT 6 writes a tree of simple leaves.
struct TreeRecord {
    let tree: WritableTree
    let compression: ROOTCompression
    /// The `TDatime` of the basket keys.
    let datime: UInt32

    /// The `TLeaf*` classes the tree uses (for the StreamerInfo record).
    var leafClasses: Set<String> { Set(tree.branches.map(\.leafClass)) }

    /// The fixed part of a basket's key: 34 bytes (64-bit key) + strings + 19 bytes of basket header.
    func basketKeyLength(_ branch: BranchData) -> Int {
        34 + Self.stringLength("TBasket") + Self.stringLength(branch.name) + Self.stringLength(tree.name) + 19
    }

    static func stringLength(_ s: String) -> Int { s.utf8.count + (s.utf8.count < 255 ? 1 : 5) }

    /// The baskets, branch after branch, cut into batches of `size`: each batch is compressed in
    /// parallel and written before the next is built, so memory holds one batch, not the file.
    func basketBatches(of size: Int) -> [Range<Int>] {
        let total = tree.branches.count * basketsPerBranch
        return stride(from: 0, to: total, by: max(1, size)).map { $0 ..< min(total, $0 + max(1, size)) }
    }

    private var basketsPerBranch: Int {
        let entries = tree.entryCount ?? 0
        return (entries + tree.entriesPerBasket - 1) / tree.entriesPerBasket
    }

    /// Builds and compresses the baskets `batch` (numbered branch after branch) on the thread budget.
    func baskets(_ batch: Range<Int>) throws(ROOTWriteError) -> [BasketRecord] {
        let entries = tree.entryCount ?? 0
        let perBasket = tree.entriesPerBasket
        let perBranch = basketsPerBranch
        let branches = tree.branches
        let results = parallelMap(batch.count) { job throws(ROOTWriteError) -> BasketRecord in
            let (b, k) = (batch.lowerBound + job).quotientAndRemainder(dividingBy: perBranch)
            let range = k * perBasket ..< min(entries, (k + 1) * perBasket)
            return try basket(branches[b], index: b, range: range)
        }
        var out: [BasketRecord] = []
        out.reserveCapacity(results.count)
        for result in results {
            switch result {
            case .success(let record): out.append(record)
            case .failure(let error): throw (error as? ROOTWriteError) ?? .invalid("\(error)")
            }
        }
        return out
    }

    private func basket(_ branch: BranchData, index: Int, range: Range<Int>) throws(ROOTWriteError) -> BasketRecord {
        let keyLength = basketKeyLength(branch)
        var payload: [UInt8] = []
        let nevBufSize: Int32
        if let offsets = branch.offsets {
            payload.reserveCapacity((offsets[range.upperBound] - offsets[range.lowerBound]) * branch.elementSize + 4 * range.count + 8)
            branch.encode(range, &payload)
            // entry offsets count from the key start; the last slot is 0 (ROOT keeps fLast there)
            let dataBytes = payload.count
            guard keyLength + dataBytes <= Int(Int32.max) - 8 * range.count else {
                throw .unsupported("branch '\(branch.name)': a basket of \(range.count) entries exceeds 2 GiB; lower entriesPerBasket")
            }
            var tail = OutputBuffer(capacity: 4 * range.count + 8)
            tail.i32(Int32(range.count + 1))
            let base = offsets[range.lowerBound]
            for entry in range { tail.i32(Int32(keyLength + (offsets[entry] - base) * branch.elementSize)) }
            tail.i32(0)
            payload.append(contentsOf: tail.bytes)
            nevBufSize = Int32(range.count + 1)
            let stored = compression.store(payload)
            return BasketRecord(branch: index, firstEntry: range.lowerBound, entryCount: range.count, objectLength: payload.count,
                                stored: stored, nevBufSize: nevBufSize, last: Int32(keyLength + dataBytes))
        }
        payload.reserveCapacity(range.count * branch.entrySize)
        branch.encode(range, &payload)
        guard keyLength + payload.count <= Int(Int32.max) else {
            throw .unsupported("branch '\(branch.name)': a basket of \(range.count) entries exceeds 2 GiB; lower entriesPerBasket")
        }
        return BasketRecord(branch: index, firstEntry: range.lowerBound, entryCount: range.count, objectLength: payload.count,
                            stored: compression.store(payload), nevBufSize: Int32(branch.entrySize), last: Int32(keyLength + payload.count))
    }

    /// The basket key and header for `record` placed at `seek` in a directory at `directorySeek`.
    func basketKey(_ record: BasketRecord, seek: Int64, directorySeek: Int64) -> [UInt8] {
        let branch = tree.branches[record.branch]
        let keyLength = basketKeyLength(branch)
        var out = OutputBuffer(capacity: keyLength)
        out.i32(Int32(keyLength + record.stored.count))
        out.i16(1004)
        out.i32(Int32(record.objectLength))
        out.u32(datime)
        out.i16(Int16(keyLength))
        out.i16(0) // fCycle
        out.i64(seek)
        out.i64(directorySeek)
        out.string("TBasket")
        out.string(branch.name)
        out.string(tree.name)
        out.u16(3) // TBasket version
        out.i32(32000) // fBufferSize
        out.i32(record.nevBufSize)
        out.i32(Int32(record.entryCount))
        out.i32(record.last)
        out.u8(0) // flag: offsets (if any) stored
        return out.bytes
    }

    /// The `TTree` object; `keyLength` is the size of the key it will follow (object references
    /// count from the key's first byte).
    func serialized(placements: [BranchPlacement], keyLength: Int) -> [UInt8] {
        let entries = Int64(tree.entryCount ?? 0)
        var out = OutputBuffer(capacity: 1024 + 512 * tree.branches.count)
        let top = out.beginCounted(version: 20)
        out.tNamed(name: tree.name, title: tree.title, bits: 0x8)
        out.defaultAttributes()
        let totalBytes = placements.reduce(0) { $0 + $1.totalBytes }
        let zippedBytes = placements.reduce(0) { $0 + $1.zippedBytes }
        out.i64(entries)
        out.i64(totalBytes)
        out.i64(zippedBytes)
        out.i64(zippedBytes) // fSavedBytes
        out.i64(zippedBytes) // fFlushedBytes
        out.f64(1) // fWeight
        out.i32(0) // fTimerInterval
        out.i32(25) // fScanField
        out.i32(0) // fUpdate
        out.i32(1000) // fDefaultEntryOffsetLen
        out.i32(0) // fNClusterRange
        out.i64(1_000_000_000_000) // fMaxEntries
        out.i64(1_000_000_000_000) // fMaxEntryLoop
        out.i64(0) // fMaxVirtualSize
        out.i64(-300_000_000) // fAutoSave
        out.i64(Int64(tree.entriesPerBasket)) // fAutoFlush: clusters of this many entries
        out.i64(1_000_000) // fEstimate
        out.u8(0) // fClusterRangeEnd (none)
        out.u8(0) // fClusterSize (none)
        Self.ioFeatures(&out)

        // fBranches; remember each leaf's reference tag (buffer position of its pointer + 2)
        var leafTags: [String: UInt32] = [:]
        var leafTagList: [UInt32] = []
        let branchArray = out.beginCounted(version: 3)
        out.tObject()
        out.string("")
        out.i32(Int32(tree.branches.count))
        out.i32(0)
        for (b, branch) in tree.branches.enumerated() {
            let pointer = out.beginObjectPointer(className: "TBranch")
            writeBranch(branch, placement: placements[b], entries: entries, keyLength: keyLength,
                        leafTags: &leafTags, leafTagList: &leafTagList, &out)
            out.endCounted(pointer)
        }
        out.endCounted(branchArray)

        // fLeaves: references to the leaves written inside the branches
        let leafArray = out.beginCounted(version: 3)
        out.tObject()
        out.string("")
        out.i32(Int32(leafTagList.count))
        out.i32(0)
        for tag in leafTagList { out.u32(tag) }
        out.endCounted(leafArray)

        out.u32(0) // fAliases
        out.i32(0) // fIndexValues
        out.i32(0) // fIndex
        out.u32(0) // fTreeIndex
        out.u32(0) // fFriends
        out.u32(0) // fUserInfo
        out.u32(0) // fBranchRef
        out.endCounted(top)
        return out.bytes
    }

    private func writeBranch(_ branch: BranchData, placement: BranchPlacement, entries: Int64, keyLength: Int,
                             leafTags: inout [String: UInt32], leafTagList: inout [UInt32], _ out: inout OutputBuffer) {
        let start = out.beginCounted(version: 13)
        out.tNamed(name: branch.name, title: "\(branch.leafTitle)/\(branch.letter)", bits: 0x0040_0000)
        let fill = out.beginCounted(version: 2)
        out.i16(0); out.i16(1001)
        out.endCounted(fill)
        // fCompress 0 like uproot: ROOT complains about raw baskets under a branch that claims
        // compression, and readers decide per basket from its sizes anyway
        out.i32(0)
        out.i32(32000) // fBasketSize
        out.i32(branch.offsets == nil ? 0 : 1000) // fEntryOffsetLen
        let basketCount = placement.basketSeeks.count
        out.i32(Int32(basketCount)) // fWriteBasket
        out.i64(entries) // fEntryNumber
        Self.ioFeatures(&out)
        out.i32(0) // fOffset
        out.i32(Int32(basketCount + 1)) // fMaxBaskets
        out.i32(0) // fSplitLevel
        out.i64(entries)
        out.i64(0) // fFirstEntry
        out.i64(placement.totalBytes)
        out.i64(placement.zippedBytes)
        out.emptyObjArray() // fBranches

        let leaves = out.beginCounted(version: 3)
        out.tObject()
        out.string("")
        out.i32(1)
        out.i32(0)
        let tag = UInt32(keyLength + out.count + 2)
        leafTags[branch.name] = tag
        leafTagList.append(tag)
        let pointer = out.beginObjectPointer(className: branch.leafClass)
        writeLeaf(branch, leafTags: leafTags, &out)
        out.endCounted(pointer)
        out.endCounted(leaves)

        out.emptyObjArray() // fBaskets: none embedded
        out.u8(1)
        for bytes in placement.basketBytes { out.i32(bytes) }
        out.i32(0)
        out.u8(1)
        for entry in placement.basketEntries { out.i64(entry) }
        out.i64(entries)
        out.u8(1)
        for seek in placement.basketSeeks { out.i64(seek) }
        out.i64(0)
        out.string("") // fFileName
        out.endCounted(start)
    }

    private func writeLeaf(_ branch: BranchData, leafTags: [String: UInt32], _ out: inout OutputBuffer) {
        let start = out.beginCounted(version: 1)
        let leaf = out.beginCounted(version: 2)
        out.tNamed(name: branch.name, title: branch.leafTitle)
        out.i32(Int32(branch.fixedLength))
        out.i32(Int32(branch.elementSize))
        out.i32(0) // fOffset
        out.bool(branch.isCounter) // fIsRange
        out.bool(branch.isUnsigned)
        if case .jagged(let counter) = branch.shape, let tag = leafTags[counter] {
            out.u32(tag)
        } else {
            out.u32(0)
        }
        out.endCounted(leaf)
        // fMinimum, fMaximum: ROOT sizes a jagged branch's buffer from its counter's maximum
        let maximum = branch.isCounter ? Double(branch.int32Values?.max() ?? 0) : 0
        switch branch.leafClass {
        case "TLeafO": out.bool(false); out.bool(maximum != 0)
        case "TLeafB": out.u8(0); out.u8(UInt8(clamping: Int(maximum)))
        case "TLeafS": out.i16(0); out.i16(Int16(clamping: Int(maximum)))
        case "TLeafI": out.i32(0); out.i32(Int32(clamping: Int(maximum)))
        case "TLeafL": out.i64(0); out.i64(Int64(maximum))
        case "TLeafF": out.f32(0); out.f32(Float(maximum))
        default: out.f64(0); out.f64(maximum)
        }
        out.endCounted(start)
    }

    /// `ROOT::TIOFeatures` with no feature bits: byte count, version 0, class checksum, `fIOBits`.
    private static func ioFeatures(_ out: inout OutputBuffer) {
        out.append([0x40, 0x00, 0x00, 0x07, 0x00, 0x00, 0x1A, 0xA1, 0x2F, 0x10, 0x00])
    }
}
