import Dispatch

/// Splits `0..<count` into contiguous chunks, runs `body` on each (concurrently when the input is
/// large enough to pay for it) and returns the per-chunk results in order.
///
/// Kernels accumulate partial sums per chunk and add them afterwards, so the result is the same
/// whatever the thread timing (the chunking depends on `count` only).
@usableFromInline
func mapChunks<Result>(count: Int, minimumChunk: Int = 65_536, _ body: (Range<Int>) -> Result) -> [Result] {
    let chunks = max(1, min(2, count / minimumChunk))
    if chunks == 1 {
        return [body(0..<count)]
    }
    let results = UnsafeMutableBufferPointer<Result?>.allocate(capacity: chunks)
    results.initialize(repeating: nil)
    defer {
        results.deinitialize()
        results.deallocate()
    }
    // Each iteration writes only its own slot.
    nonisolated(unsafe) let slots = results
    withoutActuallyEscaping(body) { body in
        nonisolated(unsafe) let body = body
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let lower = count * chunk / chunks
            let upper = count * (chunk + 1) / chunks
            slots[chunk] = body(lower..<upper)
        }
    }
    return results.map { $0! }
}

/// Runs `body` on contiguous chunks of `0..<count` (concurrently when large enough); for loops
/// whose chunks write disjoint parts of a buffer.
@usableFromInline
func forEachChunk(count: Int, minimumChunk: Int = 65_536, _ body: (Range<Int>) -> Void) {
    _ = mapChunks(count: count, minimumChunk: minimumChunk, body)
}
