/// An open ROOT file, read through a memory map, or by byte ranges from a `root://`, `roots://`,
/// `http://` or `https://` URL (only the header, directories, keys, streamers and the baskets of the
/// branches read are fetched).
///
/// ```swift
/// let file = try ROOTFile(path: "events.root")
/// for key in try file.directory().keys { print(key.name, key.className) }
/// let tree = try file.tree("events")
/// let px: JaggedArray<Float> = try tree.branch("Muon_Px").readJagged(as: Float.self)
/// ```
public final class ROOTFile: Sendable {
    /// The path or URL the file was opened with (used in error messages).
    public let path: String
    /// `fVersion % 1000000`, e.g. 61005 for ROOT 6.10/05.
    public let rootVersion: Int
    /// Whether the header uses 64-bit seeks.
    public let isLarge: Bool
    let storage: MappedFile
    let codecs: CodecRegistry
    let topDirectory: DirectoryRecord
    /// Offset of the StreamerInfo record's key.
    let seekInfo: Int64

    /// Opens and maps the file at `path` and reads its header and top directory.
    ///
    /// A `root://` (XRootD), `roots://`, `http://` or `https://` URL opens a remote file. Anything
    /// else is a local path, and anything but a regular file there (a directory, a FIFO, a device)
    /// is rejected without blocking.
    public convenience init(path: String, codecs: CodecRegistry = .standard) throws(ROOTError) {
        try self.init(storage: MappedFile.opening(path), codecs: codecs)
    }

    /// Whether `path` is a URL that ``init(path:codecs:)`` reads remotely rather than a local path.
    public static func isRemote(_ path: String) -> Bool { RemoteFile.isURL(path) }

    /// Reads a ROOT file held in memory (a private copy of `bytes` is kept); `name` stands for the
    /// file in error messages.
    public convenience init(bytes: [UInt8], name: String = "<memory>", codecs: CodecRegistry = .standard) throws(ROOTError) {
        try self.init(storage: MappedFile(contents: bytes, name: name), codecs: codecs)
    }

    private init(storage: MappedFile, codecs: CodecRegistry) throws(ROOTError) {
        let path = storage.path
        self.path = path
        self.codecs = codecs
        self.storage = storage
        (rootVersion, isLarge, seekInfo, topDirectory) = try withContext(file: path, object: "file header") {
            var reader = ByteReader(try storage.tail(from: 0, expected: Self.headerLength))
            guard storage.bytes.count >= 4, Array(try reader.rawBytes(4)) == Array("root".utf8) else {
                throw DecodeError(.notROOTFile)
            }
            let version = Int(try reader.i32())
            let begin = Int64(try reader.i32())
            let large = version >= 1_000_000
            guard begin >= 0, begin < storage.bytes.count else { throw DecodeError.malformed("fBEGIN \(begin) outside the file") }
            if large { _ = try reader.i64(); _ = try reader.i64() } else { _ = try reader.i32(); _ = try reader.i32() }
            _ = try reader.i32() // fNbytesFree
            _ = try reader.i32() // nfree
            let nbytesName = Int64(try reader.i32())
            _ = try reader.u8() // fUnits
            _ = try reader.i32() // fCompress
            let seekInfo = large ? try reader.i64() : Int64(try reader.i32())
            guard (10...10000).contains(nbytesName) else { throw DecodeError.malformed("fNbytesName \(nbytesName) outside 10...10000") }
            let top = try DirectoryRecord(storage: storage, at: begin + nbytesName)
            return (version % 1_000_000, large, seekInfo, top)
        }
    }

    /// The longest file header (64-bit seeks): "root", fVersion ... fSeekInfo.
    static let headerLength = 53

    /// The directory at `path` (`""` or `"/"` for the top directory, `"a/b"` for nested ones).
    public func directory(_ path: String = "") throws(ROOTError) -> ROOTDirectory {
        let parts = path.split(separator: "/").map(String.init)
        var record = topDirectory
        var visited: Set<Int64> = [record.seekDir]
        var walked: [String] = []
        for part in parts {
            walked.append(part)
            let key = try withContext(file: self.path, object: walked.joined(separator: "/")) {
                try record.key(named: part, in: self)
            }
            guard key.isDirectory else {
                throw ROOTError(file: self.path, object: walked.joined(separator: "/"),
                                reason: .typeMismatch("\(key.className) is not a directory"))
            }
            guard visited.insert(key.seekKey).inserted else {
                throw ROOTError(file: self.path, object: walked.joined(separator: "/"),
                                reason: .malformed("directory cycle through offset \(key.seekKey)"))
            }
            record = try withContext(file: self.path, object: walked.joined(separator: "/")) {
                try DirectoryRecord(storage: storage, at: key.seekKey + Int64(key.keyLength))
            }
        }
        return try withContext(file: self.path, object: path.isEmpty ? "/" : path) {
            ROOTDirectory(path: walked.joined(separator: "/"), keys: try record.keys(in: self))
        }
    }

    /// Directories nested deeper than this are a malformed file (real files nest a few levels);
    /// the bound keeps a crafted chain of directories from exhausting the stack.
    public static let maximumDirectoryDepth = 64

    /// Every object in the file, depth first (the highest cycle of each name), with its path.
    /// Subdirectories reached twice (a corrupt file whose directories form a cycle) are listed once.
    public func allObjects() throws(ROOTError) -> [(path: String, key: ROOTKey)] {
        var result: [(path: String, key: ROOTKey)] = []
        var visited: Set<Int64> = [topDirectory.seekDir]
        func walk(_ path: String, depth: Int) throws(ROOTError) {
            guard depth <= Self.maximumDirectoryDepth else {
                throw ROOTError(file: self.path, object: path,
                                reason: .malformed("directories nested deeper than \(Self.maximumDirectoryDepth) levels"))
            }
            for key in try directory(path).latestKeys {
                let full = path.isEmpty ? key.name : "\(path)/\(key.name)"
                result.append((full, key))
                if key.isDirectory, visited.insert(key.seekKey).inserted { try walk(full, depth: depth + 1) }
            }
        }
        try walk("", depth: 0)
        return result
    }

    /// The key for `path` (`dir/name` or `dir/name;cycle`; the highest cycle by default).
    public func key(_ path: String) throws(ROOTError) -> ROOTKey {
        let (dirPath, name) = Self.split(path)
        let dir = try directory(dirPath)
        return try withContext(file: self.path, object: path) { try dir.key(named: name) }
    }

    /// `dir/sub/name` split at its last slash into the directory (`""` at the top) and the name.
    public static func split(_ path: String) -> (directory: String, name: String) {
        let trimmed = path.hasPrefix("/") ? String(path.dropFirst()) : path
        guard let slash = trimmed.lastIndex(of: "/") else { return ("", trimmed) }
        return (String(trimmed[..<slash]), String(trimmed[trimmed.index(after: slash)...]))
    }
}
