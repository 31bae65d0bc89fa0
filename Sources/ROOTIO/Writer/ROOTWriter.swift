import Foundation
import HEPKitSupport

/// Writes a ROOT file in memory: histograms (`TH1D/F/I`, `TH2D/F`), TTrees of numeric branches
/// and the `TDirectory` folders that hold them, in ROOT's own layout (file header, TFile record,
/// objects, keys lists, StreamerInfo record, free segments), readable by ROOT, uproot and ``ROOTFile``.
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
/// StreamerInfo record and the header are completed by ``bytes()`` / ``write(to:)``. For large
/// trees, ``ROOTFileWriter`` writes the same file straight to disk instead of building it in
/// memory. Files stay below 2 GB (ROOT's small layout); a larger file is refused with
/// ``ROOTWriteError/unsupported(_:)``.
///
/// Like ROOT, a file is stamped with the time it was written (every `TDatime`, local time) and a
/// random UUID, so two writes of the same objects differ in those bytes. Reproducible files: when
/// the environment sets `SOURCE_DATE_EPOCH` (seconds since 1970, the reproducible-builds.org
/// convention), every `TDatime` is that instant in UTC and the UUID is derived from the file's
/// own bytes (an RFC 9562 version-8 UUID of their XXH3-128 digest), so writing the same objects
/// with the same settings gives byte-identical files — from ``ROOTWriter`` and ``ROOTFileWriter``
/// alike. A `SOURCE_DATE_EPOCH` that is not a non-negative whole number is refused
/// (``ROOTWriteError/invalid(_:)``) rather than ignored.
public struct ROOTWriter: Sendable {
    private var assembler: FileAssembler<OutputBuffer>

    /// The compression of objects and baskets (`fCompress`).
    public var compression: ROOTCompression { assembler.compression }

    /// - Parameters:
    ///   - fileName: the name ROOT reports for the file (`TFile::GetName`); usually its file name.
    ///   - title: the file's title.
    public init(fileName: String = "hepkit.root", title: String = "", compression: ROOTCompression = .zlib()) {
        self.init(fileName: fileName, title: title, compression: compression, stamp: FileStamp())
    }

    init(fileName: String, title: String, compression: ROOTCompression, stamp: FileStamp) {
        // appending to memory cannot fail
        assembler = try! FileAssembler(sink: OutputBuffer(capacity: 1 << 16), fileName: fileName, title: title,
                                       compression: compression, stamp: stamp)
    }

    /// Adds a histogram in `directory` (`"a/b"`, created as needed; `""` = top level).
    public mutating func write(_ histogram: Histogram, in directory: String = "") throws(ROOTWriteError) {
        try assembler.write(histogram, in: directory)
    }

    /// Adds a tree in `directory`: its baskets, then the `TTree` record.
    public mutating func write(_ tree: WritableTree, in directory: String = "") throws(ROOTWriteError) {
        try assembler.write(tree, in: directory)
    }

    /// Creates `path` (and its parents) if needed; returns its normalised path.
    @discardableResult
    public mutating func makeDirectory(_ path: String) throws(ROOTWriteError) -> String {
        try assembler.makeDirectory(path)
    }

    /// The complete file. Consuming: the file's bytes are completed in place, not copied.
    public consuming func bytes() throws(ROOTWriteError) -> [UInt8] {
        try assembler.finish()
        return assembler.sink.bytes
    }

    /// Writes the complete file to `path` atomically (a temporary file renamed into place).
    public consuming func write(to path: String) throws(ROOTWriteError) {
        var bytes = try bytes()
        let failure = bytes.withUnsafeMutableBytes { raw -> OutputError? in
            let data = Data(bytesNoCopy: raw.baseAddress!, count: raw.count, deallocator: .none)
            do throws(OutputError) { try AtomicFile.write(data, to: path) } catch { return error }
            return nil
        }
        if let failure { throw .output(path: path, reason: failure.reason) }
    }

    /// Names become key names and paths: no `/` (a path separator), no `;` (a cycle), no NUL.
    static func checkName(_ name: String, what: String) throws(ROOTWriteError) {
        guard !name.isEmpty, name.utf8.count < 32_000, !name.contains(where: { $0 == "/" || $0 == ";" || $0 == "\0" }) else {
            throw .invalid("\(what) name '\(name)' must be non-empty, without '/', ';' or NUL")
        }
    }
}

/// Writes a ROOT file straight to disk as objects are added: the same file as ``ROOTWriter``'s,
/// but only the directory, keys and StreamerInfo bookkeeping stays in memory — tree baskets are
/// compressed in parallel (on ``ThreadBudget``) and written as they are ready.
///
/// ```swift
/// let writer = try ROOTFileWriter(path: "out.root", compression: .zstd())
/// try writer.write(tree)
/// try writer.commit()   // completes the file and renames it into place
/// ```
///
/// The file grows as a hidden temporary beside `path` and appears at `path` only when ``commit()``
/// completes it: a writer released without committing, or one that fails, leaves nothing behind.
/// Time stamps and UUID as ``ROOTWriter``'s (`SOURCE_DATE_EPOCH` makes the file reproducible).
public final class ROOTFileWriter {
    private var assembler: FileAssembler<StreamingFile>
    private var committed = false

    /// The compression of objects and baskets (`fCompress`).
    public var compression: ROOTCompression { assembler.compression }

    /// Starts the file that ``commit()`` will put at `path`.
    /// - Parameters:
    ///   - fileName: the name ROOT reports for the file; the last component of `path` by default.
    ///   - title: the file's title.
    public convenience init(path: String, fileName: String? = nil, title: String = "",
                            compression: ROOTCompression = .zlib()) throws(ROOTWriteError) {
        try self.init(path: path, fileName: fileName, title: title, compression: compression, stamp: FileStamp())
    }

    init(path: String, fileName: String?, title: String, compression: ROOTCompression, stamp: FileStamp) throws(ROOTWriteError) {
        if let problem = stamp.problem { throw problem }
        let name = fileName ?? URL(fileURLWithPath: path).lastPathComponent
        assembler = try FileAssembler(sink: try StreamingFile(path: path), fileName: name, title: title,
                                      compression: compression, stamp: stamp)
    }

    /// Adds a histogram in `directory` (`"a/b"`, created as needed; `""` = top level).
    public func write(_ histogram: Histogram, in directory: String = "") throws(ROOTWriteError) {
        try checkOpen()
        try assembler.write(histogram, in: directory)
    }

    /// Adds a tree in `directory`: its baskets, written as they are compressed, then the `TTree` record.
    public func write(_ tree: WritableTree, in directory: String = "") throws(ROOTWriteError) {
        try checkOpen()
        try assembler.write(tree, in: directory)
    }

    /// Creates `path` (and its parents) if needed; returns its normalised path.
    @discardableResult
    public func makeDirectory(_ path: String) throws(ROOTWriteError) -> String {
        try checkOpen()
        return try assembler.makeDirectory(path)
    }

    /// Completes the file (keys lists, StreamerInfo, free segments, header) and renames it into place.
    public func commit() throws(ROOTWriteError) {
        try checkOpen()
        committed = true
        try assembler.finish()
        try assembler.sink.commit()
    }

    private func checkOpen() throws(ROOTWriteError) {
        if committed { throw .invalid("'\(assembler.sink.destination)' is already committed") }
    }
}
