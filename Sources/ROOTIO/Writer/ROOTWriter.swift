import Foundation
import HEPKitSupport

/// Writes a ROOT file: histograms (`TH1D/F/I`, `TH2D/F`), TTrees of numeric branches and the
/// `TDirectory` folders that hold them, in ROOT's own layout (file header, TFile record, objects,
/// keys lists, StreamerInfo record, free segments), readable by ROOT, uproot and ``ROOTFile``.
///
/// ```swift
/// var writer = ROOTWriter(compression: .zstd())
/// try writer.write(Histogram(name: "mass", title: "m_{jj}", axes: [.init(binCount: 40, low: 0, high: 200, title: "m [GeV]")],
///                            contentsWithFlow: contents, sumw2WithFlow: sumw2), in: "signal/nominal")
/// var tree = WritableTree(name: "events")
/// try tree.add("met", values: met)
/// try writer.write(tree)
/// try writer.write(to: "out.root")   // whole or not at all (temporary file + rename)
/// ```
///
/// Objects are serialised (and compressed) as they are added; the directory listings, the
/// StreamerInfo record and the header are completed by ``bytes()`` / ``write(to:)``. Files stay
/// below 2 GB (ROOT's small layout); a larger file is refused with ``ROOTWriteError/unsupported(_:)``.
public struct ROOTWriter: Sendable {
    /// The compression of objects and baskets (`fCompress`).
    public let compression: ROOTCompression
    private let fileName: String
    private let fileTitle: String
    private var output = OutputBuffer(capacity: 1 << 16)
    /// Directories by path ("" = the file's top directory), in creation order.
    private var directories: [String: Directory] = [:]
    private var directoryOrder: [String] = []
    private var classes: Set<String> = []
    private let created = ROOTDatime.now()
    private let uuid = (0 ..< 16).map { _ in UInt8.random(in: 0 ... 255) }

    /// ROOT 6.24's version number: the class versions written are those of that release.
    static let rootVersion: Int32 = 62400
    static let begin = 100
    /// Offsets at or past this need ROOT's 64-bit layout, which this writer does not produce.
    static let smallFileLimit = 2_000_000_000

    private struct Directory: Sendable {
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

    /// - Parameters:
    ///   - fileName: the name ROOT reports for the file (`TFile::GetName`); usually its file name.
    ///   - title: the file's title.
    public init(fileName: String = "hepkit.root", title: String = "", compression: ROOTCompression = .zlib()) {
        self.fileName = fileName
        self.fileTitle = title
        self.compression = compression
        output.zeros(Self.begin)
        // the TFile record: key, name, title, then the top directory's 60-byte record
        var object = OutputBuffer()
        object.string(fileName)
        object.string(title)
        let keyLength = Self.keyLength(className: "TFile", name: fileName, title: title)
        let recordOffset = Self.begin + keyLength + object.count
        object.append(directoryRecord(seek: Self.begin, parentSeek: 0, nameBytes: keyLength + object.count))
        output.append(key(className: "TFile", name: fileName, title: title, objectLength: object.count, storedLength: object.count,
                          cycle: 1, seek: Self.begin, directorySeek: 0))
        output.append(object.bytes)
        directories[""] = Directory(seek: Self.begin, recordOffset: recordOffset, parentSeek: 0, name: fileName, title: title,
                                    nameBytes: keyLength + object.count - 60, className: "TFile")
        directoryOrder.append("")
    }

    // MARK: adding objects

    /// Adds a histogram in `directory` (`"a/b"`, created as needed; `""` = top level).
    public mutating func write(_ histogram: Histogram, in directory: String = "") throws(ROOTWriteError) {
        try Self.checkName(histogram.name, what: "histogram")
        let record = try HistogramRecord(histogram)
        let folder = try makeDirectory(directory)
        try appendRecord(className: record.className, name: histogram.name, title: histogram.title,
                         object: record.serialized(), in: folder)
        classes.insert(record.className)
    }

    /// Adds a tree in `directory`: its baskets, then the `TTree` record.
    public mutating func write(_ tree: WritableTree, in directory: String = "") throws(ROOTWriteError) {
        try Self.checkName(tree.name, what: "tree")
        let folder = try makeDirectory(directory)
        let record = TreeRecord(tree: tree, compression: compression)
        let directorySeek = Int64(directories[folder]!.seek)
        var placements = [BranchPlacement](repeating: BranchPlacement(), count: tree.branches.count)
        let baskets = try record.baskets()
        output.reserve(baskets.reduce(0) { $0 + 128 + $1.stored.count })
        for basket in baskets {
            let seek = output.count
            let key = record.basketKey(basket, seek: Int64(seek), directorySeek: directorySeek)
            output.append(key)
            output.append(basket.stored)
            placements[basket.branch].basketBytes.append(Int32(key.count + basket.stored.count))
            placements[basket.branch].basketEntries.append(Int64(basket.firstEntry))
            placements[basket.branch].basketSeeks.append(Int64(seek))
            placements[basket.branch].totalBytes += Int64(key.count + basket.objectLength)
            placements[basket.branch].zippedBytes += Int64(key.count + basket.stored.count)
            try checkSize()
        }
        let keyLength = Self.keyLength(className: "TTree", name: tree.name, title: tree.title)
        try appendRecord(className: "TTree", name: tree.name, title: tree.title,
                         object: record.serialized(placements: placements, keyLength: keyLength), in: folder)
        classes.formUnion(["TTree", "TBranch"])
        classes.formUnion(record.leafClasses)
    }

    /// Creates `path` (and its parents) if needed; returns its normalised path.
    @discardableResult
    public mutating func makeDirectory(_ path: String) throws(ROOTWriteError) -> String {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var current = ""
        for part in parts {
            try Self.checkName(part, what: "directory")
            let child = current.isEmpty ? part : current + "/" + part
            if directories[child] == nil {
                let parent = directories[current]!
                if parent.cycles[part] != nil {
                    throw .invalid("'\(child)' is already an object, not a directory")
                }
                let seek = output.count
                let keyLength = Self.keyLength(className: "TDirectory", name: part, title: part)
                let record = directoryRecord(seek: seek, parentSeek: parent.seek, nameBytes: keyLength)
                let header = key(className: "TDirectory", name: part, title: part, objectLength: record.count,
                                 storedLength: record.count, cycle: 1, seek: seek, directorySeek: parent.seek)
                output.append(header)
                output.append(record)
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

    /// The complete file. Consuming: the file's bytes are completed in place, not copied.
    public consuming func bytes() throws(ROOTWriteError) -> [UInt8] {
        try finish()
    }

    /// Writes the complete file to `path` atomically (a temporary file renamed into place).
    public consuming func write(to path: String) throws(ROOTWriteError) {
        var bytes = try finish()
        let failure = bytes.withUnsafeMutableBytes { raw -> OutputError? in
            let data = Data(bytesNoCopy: raw.baseAddress!, count: raw.count, deallocator: .none)
            do throws(OutputError) { try AtomicFile.write(data, to: path) } catch { return error }
            return nil
        }
        if let failure { throw .output(path: path, reason: failure.reason) }
    }

    private mutating func finish() throws(ROOTWriteError) -> [UInt8] {
        // keys lists, deepest directories last is fine: each is located through its record
        for path in directoryOrder {
            let directory = directories[path]!
            var object = OutputBuffer()
            object.i32(Int32(directory.keys.count))
            for header in directory.keys { object.append(header) }
            let seek = output.count
            let header = key(className: directory.className, name: directory.name, title: directory.title,
                             objectLength: object.count, storedLength: object.count, cycle: 1, seek: seek, directorySeek: directory.seek)
            // the list's own key copies the directory's header in front of the count
            var record = header
            record.append(contentsOf: object.bytes)
            let nbytes = header.count + object.count
            output.append(record)
            // patch fNbytesKeys (offset 10) and fSeekKeys (offset 26) of the directory record
            output.patch(UInt32(nbytes), at: directory.recordOffset + 10)
            output.patch(UInt32(seek), at: directory.recordOffset + 26)
        }

        // StreamerInfo: a TList of the TStreamerInfo records of every class written
        let infoSeek = output.count
        let info = streamerInfoList()
        let storedInfo = compression.store(info)
        output.append(key(className: "TList", name: "StreamerInfo", title: "Doubly linked list", objectLength: info.count,
                          storedLength: storedInfo.count, cycle: 1, seek: infoSeek, directorySeek: Self.begin))
        output.append(storedInfo)
        let infoBytes = output.count - infoSeek

        // free segments last, so fEND is the file size
        let freeSeek = output.count
        let freeKeyLength = Self.keyLength(className: "TFile", name: fileName, title: fileTitle)
        let end = freeSeek + freeKeyLength + 10
        output.append(key(className: "TFile", name: fileName, title: fileTitle, objectLength: 10, storedLength: 10, cycle: 1,
                          seek: freeSeek, directorySeek: Self.begin))
        output.u16(1)
        output.i32(Int32(end))
        output.i32(Int32(Self.smallFileLimit))
        try checkSize()

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
        output.replace(at: 0, with: header.bytes)
        return output.bytes
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
        let seek = output.count
        let header = key(className: className, name: name, title: title, objectLength: object.count,
                         storedLength: stored.count, cycle: cycle, seek: seek, directorySeek: directory.seek)
        output.append(header)
        output.append(stored)
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

    /// A 60-byte `TDirectory` v5 record; `fNbytesKeys` and `fSeekKeys` are patched by ``finish()``.
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
        out.append(uuid)
        out.zeros(12)
        return out.bytes
    }

    private func checkSize() throws(ROOTWriteError) {
        guard output.count < Self.smallFileLimit - (1 << 20) else {
            throw .unsupported("the file would exceed 2 GB; ROOTWriter writes ROOT's small-file layout only")
        }
    }

    /// Names become key names and paths: no `/` (a path separator), no `;` (a cycle), no NUL.
    static func checkName(_ name: String, what: String) throws(ROOTWriteError) {
        guard !name.isEmpty, name.utf8.count < 32_000, !name.contains(where: { $0 == "/" || $0 == ";" || $0 == "\0" }) else {
            throw .invalid("\(what) name '\(name)' must be non-empty, without '/', ';' or NUL")
        }
    }
}
