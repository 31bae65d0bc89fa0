/// An error raised while reading a ROOT file.
///
/// Every error names the file, the object (key, branch or basket) being read when it happened and
/// what was wrong, so a message such as
/// `uproot-HZZ.root: events/Muon_Px basket 1: LZ4 checksum mismatch` is enough to locate the fault.
public struct ROOTError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What went wrong.
    public enum Reason: Sendable, Equatable {
        /// The file could not be opened or mapped.
        case cannotOpen(String)
        /// The file does not start with the `root` magic.
        case notROOTFile
        /// A read needed `needed` bytes at `offset` but only `available` remain.
        case truncated(offset: Int, needed: Int, available: Int)
        /// A compressed block is corrupt or inconsistent.
        case corruptCompression(String)
        /// A stored size, offset, count or version is impossible.
        case malformed(String)
        /// A feature of the file that this reader does not implement.
        case unsupported(String)
        /// No object or branch of that name exists.
        case notFound(String)
        /// The object exists but is of another kind than requested.
        case typeMismatch(String)
        /// Bytes of a remote file could not be read (after retries).
        case readFailed(String)
        /// Data of `className` were written with class `version` (or, for version 0, the class
        /// checksum), and the file has no streamer of that version: never read with another
        /// version's layout. `available` lists the versions the file describes.
        case classVersion(className: String, version: Int, available: [Int])
    }

    /// The path of the file (as given when opening it).
    public var file: String
    /// The key, branch or basket being read, if known (e.g. `events/Muon_Px basket 1`).
    public var object: String?
    /// What went wrong.
    public var reason: Reason

    public init(file: String, object: String? = nil, reason: Reason) {
        self.file = file
        self.object = object
        self.reason = reason
    }

    public var description: String {
        let what: String
        switch reason {
        case .cannotOpen(let why): what = "cannot open file: \(why)"
        case .notROOTFile: what = "not a ROOT file (wrong magic number)"
        case let .truncated(offset, needed, available):
            what = "truncated data: need \(needed) bytes at offset \(offset), only \(available) available"
        case .corruptCompression(let why): what = "corrupt compressed data: \(why)"
        case .malformed(let why): what = "malformed data: \(why)"
        case .unsupported(let why): what = "unsupported: \(why)"
        case .notFound(let name): what = "not found: \(name)"
        case .typeMismatch(let why): what = "type mismatch: \(why)"
        case .readFailed(let why): what = "read failed: \(why)"
        case let .classVersion(className, version, available):
            what = "unsupported: class \(className) version \(version) has no streamer in the file (it describes "
                + (available.isEmpty ? "no version" : "version " + available.map(String.init).joined(separator: ", ")) + ")"
        }
        return [file, object].compactMap { $0 }.joined(separator: ": ") + ": " + what
    }
}

extension ROOTError.Reason {
    /// The same reason with `context` in front of its message (e.g. `basket 3`).
    func prefixed(_ context: String) -> Self {
        switch self {
        case .corruptCompression(let why): .corruptCompression("\(context): \(why)")
        case .malformed(let why): .malformed("\(context): \(why)")
        case .unsupported(let why): .unsupported("\(context): \(why)")
        case let .truncated(offset, needed, available):
            .malformed("\(context): truncated data, need \(needed) bytes at offset \(offset), only \(available) available")
        default: self
        }
    }
}

/// A low-level decoding failure, before the file and object it belongs to are known.
///
/// Decoders throw this; the public entry points attach the file and object names
/// (see ``withContext(file:object:_:)``).
struct DecodeError: Error {
    var reason: ROOTError.Reason
    init(_ reason: ROOTError.Reason) { self.reason = reason }
    static func malformed(_ why: String) -> DecodeError { DecodeError(.malformed(why)) }
    static func unsupported(_ why: String) -> DecodeError { DecodeError(.unsupported(why)) }
}

/// Runs `body`, turning a ``DecodeError`` into a ``ROOTError`` naming `file` and `object`;
/// a ``ROOTError`` that already names an object passes through unchanged.
@inline(__always)
func withContext<T>(file: String, object: String?, _ body: () throws -> T) throws(ROOTError) -> T {
    do {
        return try body()
    } catch let error as ROOTError {
        if error.object == nil, let object { throw ROOTError(file: error.file, object: object, reason: error.reason) }
        throw error
    } catch let error as DecodeError {
        throw ROOTError(file: file, object: object, reason: error.reason)
    } catch {
        throw ROOTError(file: file, object: object, reason: .malformed(String(describing: error)))
    }
}
