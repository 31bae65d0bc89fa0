import CSupport
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An output file or folder could not be written; names the path and the cause.
public struct OutputError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "cannot write '\(path)': \(reason)" }
}

/// Writes files whole or not at all: the bytes go to a temporary file beside the destination,
/// which `rename(2)` then moves into place in one step, so a reader (or a crash) never sees half
/// a file and a failed write leaves no temporary behind.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws(OutputError) {
        let temporary = temporaryPath(for: path)
        do {
            try data.write(to: URL(fileURLWithPath: temporary))
        } catch {
            unlink(temporary)
            throw OutputError(path: path, reason: Self.reason(error))
        }
        try moveIntoPlace(temporary, to: path)
    }

    /// A hidden, unique temporary path beside `path` (same folder, so the final rename is atomic)
    /// for writers that fill the file piece by piece before ``moveIntoPlace(_:to:)``.
    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        return url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))").path
    }

    /// Renames the complete `temporary` file to `path` in one step; removes it if that fails.
    public static func moveIntoPlace(_ temporary: String, to path: String) throws(OutputError) {
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw OutputError(path: path, reason: reason)
        }
    }

    static func reason(_ error: any Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let underlying, underlying.domain == NSPOSIXErrorDomain, let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return String(cString: strerror(code.rawValue))
        }
        return (error as NSError).localizedDescription
    }
}

/// A set of output files (an optimisation folder, a converted XML folder, a merge) written as one:
/// the files are staged in a hidden sibling folder, and ``commit()`` puts the whole folder in place
/// in one step — replacing an earlier output set of HEPKit's whole, never mixing two runs.
///
/// A folder that exists and is neither empty nor an earlier HEPKit output set (it carries the
/// marker file ``markerName``) is refused: `-o ~` must not replace a home folder.
public final class OutputFolder {
    /// The file that marks a folder as a HEPKit output set.
    public static let markerName = ".hepkit-output"

    /// The final location.
    public let destination: String
    /// Where the files are written until ``commit()``.
    public let staging: String
    private var finished = false

    /// Prepares a staging folder for `destination`; fails before anything is written if the
    /// destination could not be replaced.
    public init(_ destination: String) throws(OutputError) {
        let url = URL(fileURLWithPath: destination).standardizedFileURL
        self.destination = url.path
        try Self.checkReplaceable(url.path)
        staging = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).staging-\(getpid())-\(UInt32.random(in: 0 ... .max))").path
        guard mkdir(staging, 0o755) == 0 else {
            throw OutputError(path: destination, reason: String(cString: strerror(errno)))
        }
    }

    deinit {
        if !finished { Self.removeTree(staging) }
    }

    /// The staged path of the file `name`, which must be a plain file name (``SafeName``).
    public func path(for name: String) throws(OutputError) -> String {
        do {
            return staging + "/" + (try SafeName.check(name, what: "output file name"))
        } catch {
            throw OutputError(path: destination + "/" + name, reason: error.description)
        }
    }

    /// Writes `data` as the file `name` of the set.
    public func write(_ data: Data, as name: String) throws(OutputError) {
        let target = try path(for: name)
        do {
            try data.write(to: URL(fileURLWithPath: target))
        } catch {
            throw OutputError(path: destination + "/" + name, reason: AtomicFile.reason(error))
        }
    }

    /// Moves the staged set into place in one step (an existing set is exchanged atomically with
    /// `renameat2(RENAME_EXCHANGE)` and then removed).
    public func commit(marker: String = "") throws(OutputError) {
        precondition(!finished, "an output folder is committed once")
        try write(Data(marker.utf8), as: Self.markerName)
        try Self.checkReplaceable(destination)
        if rename(staging, destination) == 0 {
            finished = true
            return
        }
        let renameError = errno
        guard renameError == EEXIST || renameError == ENOTEMPTY else {
            throw OutputError(path: destination, reason: String(cString: strerror(renameError)))
        }
        guard hepkit_rename_exchange(staging, destination) == 0 else {
            throw OutputError(path: destination, reason: String(cString: strerror(errno)))
        }
        finished = true
        Self.removeTree(staging)  // now holds the previous set
    }

    /// Removes the staged files without touching the destination.
    public func discard() {
        guard !finished else { return }
        finished = true
        Self.removeTree(staging)
    }

    private static func checkReplaceable(_ path: String) throws(OutputError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }  // absent: fine
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw OutputError(path: path, reason: "exists and is not a folder")
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        guard entries.isEmpty || entries.contains(markerName) else {
            throw OutputError(path: path, reason: "the folder exists and is not an earlier HEPKit output (no \(markerName)); choose a new or empty folder")
        }
    }

    private static func removeTree(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Names that come from inputs (channels, samples, modifiers, patches) and become file names.
public enum SafeName {
    /// A name is unsafe if it is empty, `.`/`..`, contains `/`, a NUL or another control
    /// character, or is longer than 200 bytes (file systems allow 255 with room for suffixes).
    public struct Unsafe: Error, Sendable, CustomStringConvertible {
        public var name: String
        public var what: String
        public var problem: String
        public var description: String { "\(what) \(SafeName.quoted(name)) \(problem)" }
    }

    /// Returns `name` unchanged if it is safe as one path component, else throws naming the problem.
    @discardableResult
    public static func check(_ name: String, what: String = "name") throws(Unsafe) -> String {
        if name.isEmpty { throw Unsafe(name: name, what: what, problem: "is empty") }
        if name == "." || name == ".." { throw Unsafe(name: name, what: what, problem: "is not a file name") }
        if name.contains("/") { throw Unsafe(name: name, what: what, problem: "contains '/'") }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw Unsafe(name: name, what: what, problem: "contains a control character")
        }
        if name.utf8.count > 200 { throw Unsafe(name: name, what: what, problem: "is longer than 200 bytes") }
        return name
    }

    /// `name` in quotes with control characters escaped, for messages.
    public static func quoted(_ name: String) -> String {
        var out = "'"
        for scalar in name.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7f {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out + "'"
    }
}
