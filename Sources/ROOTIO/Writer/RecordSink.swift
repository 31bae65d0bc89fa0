import CSupport
import Foundation
import HEPKitSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a writer's bytes go, in file order: memory (``ROOTWriter``) or a file on disk
/// (``ROOTFileWriter``). Records are appended; only the few fields that point forward (the file
/// header, directory records' keys-list fields, the UUIDs) are overwritten once known.
protocol RecordSink {
    /// The bytes written so far: the offset of the next record.
    var count: Int { get }
    mutating func append(_ bytes: [UInt8]) throws(ROOTWriteError)
    /// Replaces `bytes.count` bytes already written at `offset`.
    mutating func overwrite(_ bytes: [UInt8], at offset: Int) throws(ROOTWriteError)
    /// The XXH3-128 digest of every byte appended, as appended (overwrites not included).
    mutating func appendedDigest() -> [UInt8]
}

extension OutputBuffer: RecordSink {
    mutating func overwrite(_ bytes: [UInt8], at offset: Int) { replace(at: offset, with: bytes) }

    /// Valid before the first overwrite (``FileAssembler/finish()`` asks for it then).
    mutating func appendedDigest() -> [UInt8] { bytes.withUnsafeBytes(ContentDigest.digest) }
}

/// A file written as it grows: a hidden temporary beside the destination, renamed into place by
/// ``commit()`` only when complete, removed if the writer is dropped or fails first (outputs are
/// whole or absent). Small records are gathered in a buffer; baskets go straight to the file.
final class StreamingFile: RecordSink {
    /// The final path.
    let destination: String
    private let temporary: String
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    /// Bytes already handed to the file.
    private var flushed = 0
    private let digest = ContentDigest()
    private static let bufferSize = 1 << 20

    init(path: String) throws(ROOTWriteError) {
        destination = path
        temporary = AtomicFile.temporaryPath(for: path)
        descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw .output(path: path, reason: String(cString: strerror(errno))) }
        buffer.reserveCapacity(Self.bufferSize)
    }

    deinit {
        if descriptor >= 0 {
            close(descriptor)
            unlink(temporary)
        }
    }

    var count: Int { flushed + buffer.count }

    func append(_ bytes: [UInt8]) throws(ROOTWriteError) {
        bytes.withUnsafeBytes(digest.update)
        if buffer.count + bytes.count > Self.bufferSize { try flush() }
        if bytes.count >= Self.bufferSize {
            try writeAll(bytes)
            flushed += bytes.count
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    func overwrite(_ bytes: [UInt8], at offset: Int) throws(ROOTWriteError) {
        precondition(offset >= 0 && offset + bytes.count <= count, "overwrites only bytes already written")
        if offset >= flushed {
            buffer.replaceSubrange(offset - flushed ..< offset - flushed + bytes.count, with: bytes)
            return
        }
        try flush()
        let failed = bytes.withUnsafeBytes { raw -> Bool in
            var done = 0
            while done < raw.count {
                let n = pwrite(descriptor, raw.baseAddress! + done, raw.count - done, off_t(offset + done))
                if n < 0, errno == EINTR { continue }
                guard n > 0 else { return true }
                done += n
            }
            return false
        }
        if failed { throw failure() }
    }

    func appendedDigest() -> [UInt8] { digest.digest() }

    /// Writes what is buffered, closes the file and renames it into place.
    func commit() throws(ROOTWriteError) {
        try flush()
        let closed = close(descriptor)
        descriptor = -1
        guard closed == 0 else {
            let error = failure()
            unlink(temporary)
            throw error
        }
        do throws(OutputError) { try AtomicFile.moveIntoPlace(temporary, to: destination) } catch {
            throw .output(path: destination, reason: error.reason)
        }
    }

    private func flush() throws(ROOTWriteError) {
        guard !buffer.isEmpty else { return }
        try writeAll(buffer)
        flushed += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: [UInt8]) throws(ROOTWriteError) {
        let status = bytes.withUnsafeBytes { hepkit_write_all(descriptor, $0.baseAddress, $0.count) }
        if status != 0 { throw failure() }
    }

    private func failure() -> ROOTWriteError {
        .output(path: destination, reason: String(cString: strerror(errno)))
    }
}
