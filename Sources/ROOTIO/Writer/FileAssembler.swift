import Foundation
import HEPKitSupport

/// Lays out a ROOT file in `Sink` (file header, TFile record, objects, keys lists, StreamerInfo
/// record, free segments): the work behind ``ROOTWriter`` and ``ROOTFileWriter``.
///
/// Everything is appended in file order; only the directory/keys/StreamerInfo bookkeeping stays in
/// memory until ``finish()``, which appends the keys lists, StreamerInfo and free segments and then
/// fills in the forward pointers (the header, each directory record's keys-list fields).
struct FileAssembler<Sink: RecordSink> {
    let compression: ROOTCompression
    private let fileName: String
    private let fileTitle: String
    private(set) var sink: Sink
    /// Directories by path ("" = the file's top directory), in creation order.
    private var directories: [String: Directory] = [:]
    private var directoryOrder: [String] = []
    private var classes: Set<String> = []
    private let stamp: FileStamp
    private var created: UInt32 { stamp.datime }

    /// ROOT 6.24's version number: the class versions written are those of that release.
    static var rootVersion: Int32 { 62400 }
    static var begin: Int { 100 }
    /// Offsets at or past this need ROOT's 64-bit layout, which this writer does not produce.
    static var smallFileLimit: Int { 2_000_000_000 }

    private struct Directory {
        /// Offset of the directory's key (`fSeekDir`); 100 for the top directory.
        var seek: Int
        /// Where its 60-byte directory record starts (patched when the keys list is written).
        var recordOffset: Int
        var parentSeek: Int
        var name: String
        var title: String
        var nameBytes: Int
        /// Copies of the key headers of everything inside, in order.
        var keys: [[UInt8]] = []
        var cycles: [String: Int16] = [:]
        var className: String
    }

    init(sink: Sink, fileName: String, title: String, compression: ROOTCompression, stamp: FileStamp) throws(ROOTWriteError) {
        self.sink = sink
        self.stamp = stamp
        self.fileName = fileName
        self.fileTitle = title
        self.compression = compression
        try self.sink.append([UInt8](repeating: 0, count: Self.begin))
        // the TFile record: key, name, title, then the top directory's 60-byte record
        var object = OutputBuffer()
        object.string(fileName)
        object.string(title)
        let keyLength = Self.keyLength(className: "TFile", name: fileName, title: title)
        let recordOffset = Self.begin + keyLength + object.count
        object.append(directoryRecord(seek: Self.begin, parentSeek: 0, nameBytes: keyLength + object.count))
        try self.sink.append(key(className: "TFile", name: fileName, title: title, objectLength: object.count,
                                 storedLength: object.count, cycle: 1, seek: Self.begin, directorySeek: 0))
        try self.sink.append(object.bytes)
        directories[""] = Directory(seek: Self.begin, recordOffset: recordOffset, parentSeek: 0, name: fileName, title: title,
                                    nameBytes: keyLength + object.count - 60, className: "TFile")
        directoryOrder.append("")
    }

    // MARK: adding objects

    mutating func write(_ histogram: Histogram, in directory: String) throws(ROOTWriteError) {
        try ROOTWriter.checkName(histogram.name, what: "histogram")
        let record = try HistogramRecord(histogram)
        let folder = try makeDirectory(directory)
        try appendRecord(className: record.className, name: histogram.name, title: histogram.title,
                         object: record.serialized(), in: folder)
        classes.insert(record.className)
    }

    /// The baskets go to the sink as they are compressed, a batch at a time; the `TTree` record,
    /// which lists where they went, follows them (as ROOT writes it).
    mutating func write(_ tree: WritableTree, in directory: String) throws(ROOTWriteError) {
        try ROOTWriter.checkName(tree.name, what: "tree")
        let folder = try makeDirectory(directory)
        let record = TreeRecord(tree: tree, compression: compression, datime: created)
        let directorySeek = Int64(directories[folder]!.seek)
        var placements = [BranchPlacement](repeating: BranchPlacement(), count: tree.branches.count)
        for batch in record.basketBatches(of: 8 * ThreadBudget.threadCount) {
            for basket in try record.baskets(batch) {
                let seek = sink.count
                let key = record.basketKey(basket, seek: Int64(seek), directorySeek: directorySeek)
                try sink.append(key)
                try sink.append(basket.stored)
                placements[basket.branch].basketBytes.append(Int32(key.count + basket.stored.count))
                placements[basket.branch].basketEntries.append(Int64(basket.firstEntry))
                placements[basket.branch].basketSeeks.append(Int64(seek))
                placements[basket.branch].totalBytes += Int64(key.count + basket.objectLength)
                placements[basket.branch].zippedBytes += Int64(key.count + basket.stored.count)
                try checkSize()
            }
        }
        let keyLength = Self.keyLength(className: "TTree", name: tree.name, title: tree.title)
        try appendRecord(className: "TTree", name: tree.name, title: tree.title,
                         object: record.serialized(placements: placements, keyLength: keyLength), in: folder)
        classes.formUnion(["TTree", "TBranch"])
        classes.formUnion(record.leafClasses)
    }

    mutating func makeDirectory(_ path: String) throws(ROOTWriteError) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var current = ""
        for part in parts {
            try ROOTWriter.checkName(part, what: "directory")
            let child = current.isEmpty ? part : current + "/" + part
            if directories[child] == nil {
                let parent = directories[current]!
                if parent.cycles[part] != nil {
                    throw .invalid("'\(child)' is already an object, not a directory")
                }
                let seek = sink.count
                let keyLength = Self.keyLength(className: "TDirectory", name: part, title: part)
                let record = directoryRecord(seek: seek, parentSeek: parent.seek, nameBytes: keyLength)
                let header = key(className: "TDirectory", name: part, title: part, objectLength: record.count,
                                 storedLength: record.count, cycle: 1, seek: seek, directorySeek: parent.seek)
                try sink.append(header)
                try sink.append(record)
                directories[current]!.keys.append(header)
                directories[current]!.cycles[part] = 1
                directories[child] = Directory(seek: seek, recordOffset: seek + keyLength, parentSeek: parent.seek, name: part,
                                               title: part, nameBytes: keyLength, className: "TDirectory")
                directoryOrder.append(child)
                try checkSize()
            }
            current = child
        }
        return current
    }

    // MARK: finishing

    /// Appends the keys lists, the StreamerInfo record and the free segments, then fills in the
    /// header and the directory records (keys-list fields, UUID); the sink then holds the complete
    /// file. The UUID is filled in last so that a reproducible one can digest everything else.
    mutating func finish() throws(ROOTWriteError) {
        if let problem = stamp.problem { throw problem }
        // keys lists, deepest directories last is fine: each is located through its record
        var keysLists: [(bytes: Int, seek: Int)] = []
        for path in directoryOrder {
            let directory = directories[path]!
            var object = OutputBuffer()
            object.i32(Int32(directory.keys.count))
            for header in directory.keys { object.append(header) }
            let seek = sink.count
            let header = key(className: directory.className, name: directory.name, title: directory.title,
                             objectLength: object.count, storedLength: object.count, cycle: 1, seek: seek, directorySeek: directory.seek)
            // the list's own key copies the directory's header in front of the count
            var record = header
            record.append(contentsOf: object.bytes)
            try sink.append(record)
            keysLists.append((record.count, seek))
        }

        // StreamerInfo: a TList of the TStreamerInfo records of every class written
        let infoSeek = sink.count
        let info = streamerInfoList()
        let storedInfo = compression.store(info)
        try sink.append(key(className: "TList", name: "StreamerInfo", title: "Doubly linked list", objectLength: info.count,
                            storedLength: storedInfo.count, cycle: 1, seek: infoSeek, directorySeek: Self.begin))
        try sink.append(storedInfo)
        let infoBytes = sink.count - infoSeek

        // free segments last, so fEND is the file size
        let freeSeek = sink.count
        let freeKeyLength = Self.keyLength(className: "TFile", name: fileName, title: fileTitle)
        let end = freeSeek + freeKeyLength + 10
        var free = OutputBuffer(capacity: freeKeyLength + 10)
        free.append(key(className: "TFile", name: fileName, title: fileTitle, objectLength: 10, storedLength: 10, cycle: 1,
                        seek: freeSeek, directorySeek: Self.begin))
        free.u16(1)
        free.i32(Int32(end))
        free.i32(Int32(Self.smallFileLimit))
        try sink.append(free.bytes)
        try checkSize()

        let uuid = stamp.uuid(content: stamp.isReproducible ? sink.appendedDigest() : nil)
        for (path, list) in zip(directoryOrder, keysLists) {
            let directory = directories[path]!
            // the directory record from fNbytesKeys (offset 10) to the end of its UUID
            var fields = OutputBuffer(capacity: 38)
            fields.i32(Int32(list.bytes))
            fields.i32(Int32(directory.nameBytes))
            fields.i32(Int32(directory.seek))
            fields.i32(Int32(directory.parentSeek))
            fields.i32(Int32(list.seek))
            fields.u16(1)
            fields.append(uuid)
            try sink.overwrite(fields.bytes, at: directory.recordOffset + 10)
        }

        var header = OutputBuffer(capacity: Self.begin)
        header.append(Array("root".utf8))
        header.i32(Self.rootVersion)
        header.i32(Int32(Self.begin))
        header.i32(Int32(end))
        header.i32(Int32(freeSeek))
        header.i32(Int32(end - freeSeek))
        header.i32(1) // nfree
        header.i32(Int32(directories[""]!.nameBytes))
        header.u8(4) // fUnits
        header.i32(compression.code)
        header.i32(Int32(infoSeek))
        header.i32(Int32(infoBytes))
        header.u16(1)
        header.append(uuid)
        try sink.overwrite(header.bytes, at: 0)
    }

    private func streamerInfoList() -> [UInt8] {
        var seen: Set<String> = []
        var items: [String] = []
        for className in classes.sorted() {
            for record in StreamerRecords.dependencies[className] ?? [] where seen.insert(record).inserted {
                items.append(record)
            }
        }
        var out = OutputBuffer()
        let start = out.beginCounted(version: 5)
        out.u16(1)
        out.u32(0)
        out.u32(0x0200_0000)
        out.string("")
        out.i32(Int32(items.count))
        for item in items {
            // each record ends with its option byte (an empty string) already
            out.append(Array(Data(base64Encoded: StreamerRecords.records[item]!)!))
        }
        out.endCounted(start)
        return out.bytes
    }

    // MARK: records

    private mutating func appendRecord(className: String, name: String, title: String, object: [UInt8], in folder: String) throws(ROOTWriteError) {
        guard object.count <= Int(Int32.max) - 1024 else { throw .unsupported("'\(name)' is larger than 2 GiB") }
        var directory = directories[folder]!
        if directory.cycles[name] != nil, directories[folder.isEmpty ? name : folder + "/" + name] != nil {
            throw .invalid("'\(name)' in '\(folder)' is already a directory")
        }
        let cycle = (directory.cycles[name] ?? 0) + 1
        directory.cycles[name] = cycle
        let stored = compression.store(object)
        let seek = sink.count
        let header = key(className: className, name: name, title: title, objectLength: object.count,
                         storedLength: stored.count, cycle: cycle, seek: seek, directorySeek: directory.seek)
        try sink.append(header)
        try sink.append(stored)
        directory.keys.append(header)
        directories[folder] = directory
        try checkSize()
    }

    /// A small-layout `TKey` header.
    private func key(className: String, name: String, title: String, objectLength: Int, storedLength: Int,
                     cycle: Int16, seek: Int, directorySeek: Int) -> [UInt8] {
        let keyLength = Self.keyLength(className: className, name: name, title: title)
        var out = OutputBuffer(capacity: keyLength)
        out.i32(Int32(keyLength + storedLength))
        out.i16(4)
        out.i32(Int32(objectLength))
        out.u32(created)
        out.i16(Int16(keyLength))
        out.i16(cycle)
        out.i32(Int32(seek))
        out.i32(Int32(directorySeek))
        out.string(className)
        out.string(name)
        out.string(title)
        return out.bytes
    }

    static func keyLength(className: String, name: String, title: String) -> Int {
        26 + TreeRecord.stringLength(className) + TreeRecord.stringLength(name) + TreeRecord.stringLength(title)
    }

    /// A 60-byte `TDirectory` v5 record; `fNbytesKeys`, `fSeekKeys` and the UUID are filled in by ``finish()``.
    private func directoryRecord(seek: Int, parentSeek: Int, nameBytes: Int) -> [UInt8] {
        var out = OutputBuffer(capacity: 60)
        out.i16(5)
        out.u32(created)
        out.u32(created)
        out.i32(0) // fNbytesKeys
        out.i32(Int32(nameBytes))
        out.i32(Int32(seek))
        out.i32(Int32(parentSeek))
        out.i32(0) // fSeekKeys
        out.u16(1)
        out.zeros(16) // UUID
        out.zeros(12)
        return out.bytes
    }

    private func checkSize() throws(ROOTWriteError) {
        guard sink.count < Self.smallFileLimit - (1 << 20) else {
            throw .unsupported("the file would exceed 2 GB; ROOTWriter writes ROOT's small-file layout only")
        }
    }
}

extension FileAssembler: Sendable where Sink: Sendable {}
