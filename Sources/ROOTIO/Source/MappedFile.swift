#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a whole ROOT file: a read-only memory map of a local file, a private copy of bytes
/// given in memory, or the pages of a remote file (``RemotePages``), fetched on demand. Released
/// when the last reference goes away.
///
/// Readers reach the bytes through ``slice(_:_:)`` (which fetches what a remote file still lacks)
/// and announce what they are about to read with ``prefetch(_:)``; `bytes.count` is the file size.
/// The bytes are immutable once readable, so sharing them between threads is safe.
final class MappedFile: @unchecked Sendable {
    let path: String
    let bytes: UnsafeRawBufferPointer
    private let backing: Backing

    private enum Backing {
        case mapped, copied
        case remote(RemotePages)
    }

    /// Opens `path`: a `root://`, `roots://`, `http://` or `https://` URL is read remotely, anything
    /// else is a local path.
    static func opening(_ path: String) throws(ROOTError) -> MappedFile {
        RemoteFile.isURL(path) ? try MappedFile(url: path) : try MappedFile(path: path)
    }

    /// Opens the remote file at `url`; nothing but its size is read yet.
    init(url: String) throws(ROOTError) {
        let pages = try RemotePages(source: RemoteFile(url: url))
        path = url
        bytes = pages.bytes
        backing = .remote(pages)
    }

    /// Maps the regular file at `path`.
    ///
    /// The path is checked with `stat` before it is opened, and opened non-blocking: opening a FIFO
    /// for reading would otherwise wait forever for a writer.
    init(path: String) throws(ROOTError) {
        self.path = path
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ROOTError(file: path, reason: .cannotOpen(String(cString: strerror(errno))))
        }
        try Self.requireRegularFile(info, path: path)
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            throw ROOTError(file: path, reason: .cannotOpen(String(cString: strerror(errno))))
        }
        defer { close(fd) }
        // the path may have been replaced between stat and open
        guard fstat(fd, &info) == 0 else {
            throw ROOTError(file: path, reason: .cannotOpen(String(cString: strerror(errno))))
        }
        try Self.requireRegularFile(info, path: path)
        let size = Int(info.st_size)
        guard size > 0 else {
            throw ROOTError(file: path, reason: .truncated(offset: 0, needed: 4, available: 0))
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw ROOTError(file: path, reason: .cannotOpen("mmap failed: " + String(cString: strerror(errno))))
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
        backing = .mapped
    }

    /// A private copy of `contents`, named `name` in error messages.
    init(contents: [UInt8], name: String) throws(ROOTError) {
        path = name
        guard !contents.isEmpty else {
            throw ROOTError(file: name, reason: .truncated(offset: 0, needed: 4, available: 0))
        }
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: contents.count, alignment: 16)
        contents.withUnsafeBytes { copy.copyMemory(from: $0) }
        bytes = UnsafeRawBufferPointer(copy)
        backing = .copied
    }

    deinit {
        switch backing {
        case .mapped: munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
        case .copied: bytes.deallocate()
        case .remote: break // RemotePages unmaps its own range
        }
    }

    private static func requireRegularFile(_ info: stat, path: String) throws(ROOTError) {
        let kind: String
        switch info.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFDIR: kind = "a directory"
        case S_IFIFO: kind = "a FIFO"
        case S_IFCHR, S_IFBLK: kind = "a device"
        case S_IFSOCK: kind = "a socket"
        default: kind = "a special file"
        }
        throw ROOTError(file: path, reason: .cannotOpen("\(kind), not a regular file"))
    }

    /// The bytes `[offset, offset + count)`, or a truncation error. For a remote file, the part of
    /// them not fetched yet is fetched first (or the read fails): this is the one way to the bytes.
    func slice(_ offset: Int64, _ count: Int) throws(DecodeError) -> UnsafeRawBufferPointer {
        guard offset >= 0, count >= 0, offset <= Int64(bytes.count), Int64(count) <= Int64(bytes.count) - offset else {
            throw DecodeError(.truncated(offset: Int(clamping: offset), needed: count,
                                         available: max(0, bytes.count - Int(clamping: max(0, offset)))))
        }
        if case .remote(let pages) = backing { try pages.ensure(offset ..< offset + Int64(count)) }
        return UnsafeRawBufferPointer(rebasing: bytes[Int(offset) ..< Int(offset) + count])
    }

    /// The bytes from `offset` on, for a record whose exact length is only known once it is parsed
    /// (a key header, a directory's key list): the rest of a local file, but only the `expected`
    /// bytes the record claims (fewer at the end of the file) of a remote one, so that reading a key
    /// does not fetch the rest of the file.
    func tail(from offset: Int64, expected: Int) throws(DecodeError) -> UnsafeRawBufferPointer {
        let available = offset >= 0 && offset <= Int64(bytes.count) ? bytes.count - Int(offset) : 0
        guard case .remote = backing else { return try slice(offset, available) }
        return try slice(offset, min(max(expected, 0), available))
    }

    /// For a remote file, the bytes fetched so far and the number of fetches; nil for a local one.
    var remoteStatistics: (bytes: Int64, fetches: Int)? {
        guard case .remote(let pages) = backing else { return nil }
        return pages.currentStatistics
    }

    /// Announces that `ranges` are about to be read: a remote file fetches the ones it lacks in one
    /// vectored read, batches in parallel; for local and in-memory files this does nothing. Ranges
    /// outside the file are left to ``slice(_:_:)`` to report.
    func prefetch(_ ranges: [Range<Int64>]) throws(DecodeError) {
        guard case .remote(let pages) = backing else { return }
        let size = Int64(bytes.count)
        try pages.fetch(ranges.compactMap { $0.lowerBound >= 0 && $0.upperBound <= size ? $0 : nil })
    }
}
