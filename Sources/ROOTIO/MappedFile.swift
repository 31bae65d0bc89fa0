#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole file; unmapped when the last reference goes away.
///
/// The mapping is immutable, so sharing it between threads is safe.
final class MappedFile: @unchecked Sendable {
    let path: String
    let bytes: UnsafeRawBufferPointer

    init(path: String) throws(ROOTError) {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw ROOTError(file: path, reason: .cannotOpen(String(cString: strerror(errno))))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw ROOTError(file: path, reason: .cannotOpen(String(cString: strerror(errno))))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ROOTError(file: path, reason: .cannotOpen("not a regular file"))
        }
        let size = Int(info.st_size)
        guard size > 0 else {
            throw ROOTError(file: path, reason: .truncated(offset: 0, needed: 4, available: 0))
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw ROOTError(file: path, reason: .cannotOpen("mmap failed: " + String(cString: strerror(errno))))
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count)
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
