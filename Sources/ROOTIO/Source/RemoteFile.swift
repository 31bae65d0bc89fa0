import CRemote
import HEPKitSupport

/// A file behind a `root://`, `roots://`, `http://` or `https://` URL, read by byte ranges
/// (Sources/CRemote: libcurl and the XRootD client, both loaded only when such a URL is opened).
///
/// Reads are vectored and split into batches read in parallel; a batch that fails (a dropped
/// connection, a short answer) is read again up to ``retries`` times before the read fails with
/// an error naming the URL. Bytes are only ever delivered whole: a failed batch delivers nothing.
final class RemoteFile: @unchecked Sendable {
    let url: String
    let size: Int64
    private let handle: OpaquePointer

    /// Attempts after the first one for a batch of ranges that failed.
    static let retries = 3
    /// Ranges per vectored request (one XRootD readv holds at most 1024 chunks).
    static let rangesPerBatch = 512
    /// Bytes per batch, so that a large prefetch is spread over the threads.
    static let bytesPerBatch = 16 << 20

    /// Whether `path` names a remote file rather than a local path.
    static func isURL(_ path: String) -> Bool {
        let lower = path.prefix(9).lowercased()
        return ["root://", "roots://", "http://", "https://"].contains { lower.hasPrefix($0) }
    }

    /// Opens `url`, trying again like a read (a connection can drop during the open too); a missing
    /// file or an unsupported server fails the same way each time, quickly.
    init(url: String) throws(ROOTError) {
        self.url = url
        var message = [CChar](repeating: 0, count: 1024)
        var failures: [String] = []
        for _ in 0 ... Self.retries {
            if let handle = hepkit_remote_open(url, &message, message.count) {
                self.handle = handle
                size = hepkit_remote_size(handle)
                return
            }
            failures.append(Self.text(message))
        }
        let why = Set(failures).count == 1 ? failures[0] : failures.joined(separator: "; then: ")
        throw ROOTError(file: url, reason: .cannotOpen(why))
    }

    deinit { hepkit_remote_close(handle) }

    /// Reads every `(offset, count)` range into the memory at `destination + offset`, batches in
    /// parallel (within ``ThreadBudget``).
    func read(_ ranges: [Range<Int64>], into destination: UnsafeMutableRawPointer) throws(DecodeError) {
        let batches = Self.batches(ranges)
        nonisolated(unsafe) let destination = destination
        let results = parallelMap(batches.count) { (b: Int) throws -> Void in
            try self.readBatch(batches[b], into: destination)
        }
        for result in results {
            if case .failure(let error) = result { throw error as? DecodeError ?? DecodeError(.readFailed("\(error)")) }
        }
    }

    private func readBatch(_ ranges: ArraySlice<Range<Int64>>, into destination: UnsafeMutableRawPointer) throws(DecodeError) {
        let offsets = ranges.map(\.lowerBound)
        let lengths = ranges.map { Int64($0.count) }
        let buffers: [UnsafeMutableRawPointer?] = ranges.map { destination + Int($0.lowerBound) }
        var message = [CChar](repeating: 0, count: 1024)
        var failures: [String] = []
        for _ in 0 ... Self.retries {
            if hepkit_remote_readv(handle, Int32(ranges.count), offsets, lengths, buffers, &message, message.count) == 0 {
                return
            }
            failures.append(Self.text(message))
        }
        let first = ranges.first!.lowerBound, last = ranges.last!.upperBound
        throw DecodeError(.readFailed("reading bytes \(first)..<\(last) of \(url) failed \(failures.count) times "
                                      + "(last: \(failures.last!))"))
    }

    /// The ranges in order, cut into batches of at most ``rangesPerBatch`` ranges and about
    /// ``bytesPerBatch`` bytes.
    static func batches(_ ranges: [Range<Int64>]) -> [ArraySlice<Range<Int64>>] {
        var batches: [ArraySlice<Range<Int64>>] = []
        var start = 0, bytes: Int64 = 0
        for (i, range) in ranges.enumerated() {
            if i > start, i - start == rangesPerBatch || bytes + Int64(range.count) > Int64(bytesPerBatch) {
                batches.append(ranges[start ..< i])
                start = i
                bytes = 0
            }
            bytes += Int64(range.count)
        }
        if start < ranges.count { batches.append(ranges[start...]) }
        return batches
    }

    private static func text(_ message: [CChar]) -> String {
        String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension ROOTFile {
    /// Fetches the stored baskets of `locations` in one vectored read before they are decoded
    /// (a remote file; nothing happens for a local one). Readers of a set of byte ranges call
    /// `storage.prefetch` like this, then reach the bytes through `storage.slice`.
    func prefetch(_ locations: [BasketLocation]) throws(DecodeError) {
        try storage.prefetch(locations.compactMap { location in
            // impossible ranges are left for slice to report when the basket is read
            guard case let .stored(seek, bytes) = location.source, seek >= 0, bytes > 0,
                  seek <= Int64.max - Int64(bytes) else { return nil }
            return seek ..< seek + Int64(bytes)
        })
    }
}
