#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The bytes of a remote file as one address range the size of the file, filled page by page on
/// demand.
///
/// The range is an anonymous mapping that starts inaccessible (`PROT_NONE`): a page becomes
/// readable only once every byte of it has been fetched, so code that touched a byte nobody fetched
/// would crash rather than read zeros as data. Fetches are rounded out to whole pages, merged when
/// close, and recorded in a bitmap; ``ensure(_:)`` is the one gate every reader passes.
final class RemotePages: @unchecked Sendable {
    let source: RemoteFile
    let bytes: UnsafeRawBufferPointer
    private let pageSize: Int
    /// One bit per page: set once the page holds the file's bytes.
    private var fetched: [UInt64]
    /// Held while checking and fetching: a fetch is never read while half done, and a page is
    /// fetched once.
    private let lock = NSLock()
    /// Bytes fetched so far and the fetches that did it (for tests and measurements).
    private var statistics = (bytes: Int64(0), fetches: 0)

    var currentStatistics: (bytes: Int64, fetches: Int) {
        lock.lock()
        defer { lock.unlock() }
        return statistics
    }

    /// Unfetched stretches closer than this are read together with the gap (one request instead of two).
    static let mergeGap: Int64 = 64 << 10

    init(source: RemoteFile) throws(ROOTError) {
        self.source = source
        pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let size = Int(source.size)
        guard size > 0 else { throw ROOTError(file: source.url, reason: .truncated(offset: 0, needed: 4, available: 0)) }
        // only address space: MAP_NORESERVE commits no memory until pages are fetched
        guard let base = mmap(nil, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0),
              base != MAP_FAILED else {
            throw ROOTError(file: source.url, reason: .cannotOpen("cannot reserve \(size) bytes of address space: "
                                                                  + String(cString: strerror(errno))))
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
        fetched = [UInt64](repeating: 0, count: (size + pageSize - 1) / pageSize / 64 + 1)
    }

    deinit { munmap(UnsafeMutableRawPointer(mutating: bytes.baseAddress), bytes.count) }

    /// Makes `range` readable, fetching whatever part of it has not been fetched yet.
    func ensure(_ range: Range<Int64>) throws(DecodeError) {
        try fetch([range])
    }

    /// Fetches all of `ranges` that is not fetched yet, in one vectored read (batches in parallel).
    func fetch(_ ranges: [Range<Int64>]) throws(DecodeError) {
        lock.lock()
        defer { lock.unlock() }
        let missing = missingStretches(ranges)
        guard !missing.isEmpty else { return }
        let base = UnsafeMutableRawPointer(mutating: bytes.baseAddress!)
        for stretch in missing { protect(stretch, PROT_READ | PROT_WRITE) }
        do {
            try source.read(missing, into: base)
        } catch {
            // a failed fetch leaves no readable page behind
            for stretch in missing { protect(stretch, PROT_NONE) }
            throw error
        }
        statistics.bytes += missing.reduce(0) { $0 + Int64($1.count) }
        statistics.fetches += 1
        for stretch in missing {
            protect(stretch, PROT_READ)
            for page in pages(of: stretch) { fetched[page >> 6] |= 1 << UInt64(page & 63) }
        }
    }

    /// The unfetched parts of `ranges`, rounded out to pages (clipped to the file), sorted and merged
    /// across gaps under ``mergeGap``.
    private func missingStretches(_ ranges: [Range<Int64>]) -> [Range<Int64>] {
        var stretches: [Range<Int64>] = []
        let page = Int64(pageSize), size = Int64(bytes.count)
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) where !range.isEmpty {
            let first = Int(range.lowerBound / page), last = Int((range.upperBound - 1) / page)
            var p = first
            while p <= last {
                guard !isFetched(p) else { p += 1; continue }
                var q = p
                while q + 1 <= last, !isFetched(q + 1) { q += 1 }
                let stretch = Int64(p) * page ..< min(Int64(q + 1) * page, size)
                if let previous = stretches.last, stretch.lowerBound - previous.upperBound <= Self.mergeGap,
                   stretch.lowerBound >= previous.upperBound,
                   !pages(of: previous.upperBound ..< stretch.lowerBound).contains(where: isFetched) {
                    stretches[stretches.count - 1] = previous.lowerBound ..< stretch.upperBound
                } else if let previous = stretches.last, stretch.lowerBound < previous.upperBound {
                    stretches[stretches.count - 1] = previous.lowerBound ..< max(previous.upperBound, stretch.upperBound)
                } else {
                    stretches.append(stretch)
                }
                p = q + 1
            }
        }
        return stretches
    }

    private func isFetched(_ page: Int) -> Bool { fetched[page >> 6] & (1 << UInt64(page & 63)) != 0 }

    private func pages(of stretch: Range<Int64>) -> Range<Int> {
        guard !stretch.isEmpty else { return 0 ..< 0 }
        return Int(stretch.lowerBound / Int64(pageSize)) ..< Int((stretch.upperBound - 1) / Int64(pageSize)) + 1
    }

    private func protect(_ stretch: Range<Int64>, _ protection: Int32) {
        let start = UnsafeMutableRawPointer(mutating: bytes.baseAddress!) + Int(stretch.lowerBound)
        let length = (Int(stretch.count) + pageSize - 1) / pageSize * pageSize
        // cannot fail for page-aligned stretches inside our own mapping
        _ = mprotect(start, length, protection)
    }
}
