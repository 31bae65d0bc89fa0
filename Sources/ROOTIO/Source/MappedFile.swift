#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a whole ROOT file: a read-only memory map, or a private copy of bytes given in
/// memory. Released when the last reference goes away.
///
/// The bytes are immutable, so sharing them between threads is safe.
final class MappedFile: @unchecked Sendable {
    let path: String
    let bytes: UnsafeRawBufferPointer
    private let isMapped: Bool

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
        isMapped = true
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
        isMapped = false
    }

    deinit {
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
        } else {
            bytes.deallocate()
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

    /// The bytes `[offset, offset + count)`, or a truncation error.
    func slice(_ offset: Int64, _ count: Int) throws(DecodeError) -> UnsafeRawBufferPointer {
        guard offset >= 0, count >= 0, offset <= Int64(bytes.count), Int64(count) <= Int64(bytes.count) - offset else {
            throw DecodeError(.truncated(offset: Int(clamping: offset), needed: count,
                                         available: max(0, bytes.count - Int(clamping: max(0, offset)))))
        }
        return UnsafeRawBufferPointer(rebasing: bytes[Int(offset) ..< Int(offset) + count])
    }
}
