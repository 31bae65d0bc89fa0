import Dispatch
import Foundation

/// How many threads the reader decompresses and decodes baskets with.
///
/// Defaults to every active core; the environment variable `HEPKIT_THREADS` lowers (or raises) it,
/// so a batch slot with one core, or a benchmark of the single-thread speed, gets exactly that.
public enum Parallelism {
    /// The number of worker threads, at least 1.
    public static let threadCount: Int = {
        if let text = ProcessInfo.processInfo.environment["HEPKIT_THREADS"], let n = Int(text), n > 0 {
            return n
        }
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    /// Runs `body(i)` for every `i` in `0..<iterations` on up to ``threadCount`` threads.
    ///
    /// Work is handed out one index at a time, so baskets of uneven size still balance across the
    /// threads; with one thread (or one iteration) everything runs on the caller's thread.
    static func forEach(_ iterations: Int, _ body: (Int) -> Void) {
        let workers = min(threadCount, iterations)
        guard workers > 1 else {
            for i in 0 ..< iterations { body(i) }
            return
        }
        let next = NextIndex()
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while let i = next.take(below: iterations) { body(i) }
            }
        }
    }
}

/// A shared counter handing out loop indices to worker threads.
private final class NextIndex: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func take(below limit: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard value < limit else { return nil }
        value += 1
        return value - 1
    }
}
