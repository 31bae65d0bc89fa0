import Dispatch
import Foundation

/// Runs `body(i)` for every `i` in `0..<iterations` on up to ``ThreadBudget/threadCount`` threads.
///
/// Indices are handed out one at a time, so iterations of uneven cost still balance. With a budget
/// of one thread, a single iteration, or when called from inside another parallel loop (the outer
/// loop already holds the budget), everything runs on the calling thread, in order.
@inlinable
public func parallelForEach(_ iterations: Int, _ body: (Int) -> Void) {
    let workers = ParallelRegion.isActive ? 1 : min(ThreadBudget.threadCount, iterations)
    guard workers > 1 else {
        for i in 0..<iterations { body(i) }
        return
    }
    ParallelRegion.run(iterations: iterations, workers: workers, body)
}

/// `body(i)` for `0..<count` on the thread budget, every outcome in index order; one failing
/// index does not stop the others.
@inlinable
public func parallelMap<T>(_ count: Int, _ body: (Int) throws -> T) -> [Result<T, any Error>] {
    let slots = ResultSlots<Result<T, any Error>>(count: count)
    parallelForEach(count) { i in slots[i] = Result { try body(i) } }
    return slots.take().map { $0! }
}

/// Splits `0..<count` into contiguous chunks of at least `minimumChunk` (at most `maximumChunks`
/// of them), runs `body` on each on the thread budget and returns the per-chunk results in order.
///
/// The chunking depends on `count` and the two limits only, never on the thread count, so sums
/// combined from the chunk results are the same with 1 thread or 16.
@inlinable
public func mapChunks<R>(count: Int, minimumChunk: Int = 65_536, maximumChunks: Int = 8, _ body: (Range<Int>) -> R) -> [R] {
    let chunks = max(1, min(maximumChunks, count / max(1, minimumChunk)))
    if chunks == 1 { return [body(0..<count)] }
    let slots = ResultSlots<R>(count: chunks)
    parallelForEach(chunks) { chunk in
        slots[chunk] = body(count * chunk / chunks ..< count * (chunk + 1) / chunks)
    }
    return slots.take().map { $0! }
}

/// Write-once slots filled by parallel iterations, each writing only its own index.
///
/// The slots live in memory of their own: an `Array` captured by several threads would be copied
/// on write or moved in and out of `withUnsafeMutableBufferPointer`, so two threads writing
/// different elements would race.
public final class ResultSlots<T>: @unchecked Sendable {
    @usableFromInline let slots: UnsafeMutableBufferPointer<T?>

    /// `count` empty slots.
    @inlinable
    public init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }

    deinit {
        _ = slots.deinitialize()
        slots.deallocate()
    }

    /// The value written to slot `i`, if any.
    @inlinable
    public subscript(i: Int) -> T? {
        get { slots[i] }
        set { slots[i] = newValue }
    }

    /// Every slot, in order.
    @inlinable
    public func take() -> [T?] { Array(slots) }
}

/// The machinery behind ``parallelForEach(_:_:)``: a shared index counter and the marker that
/// keeps nested loops on their calling thread.
public enum ParallelRegion {
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Whether the calling thread is a worker of a running parallel loop.
    public static var isActive: Bool { pthread_getspecific(key) != nil }

    @usableFromInline
    static func run(iterations: Int, workers: Int, _ body: (Int) -> Void) {
        ThreadBudget.record(workers: workers)
        let next = IndexCounter()
        withoutActuallyEscaping(body) { body in
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                let outer = pthread_getspecific(key)
                pthread_setspecific(key, UnsafeRawPointer(bitPattern: 1))
                defer { pthread_setspecific(key, outer) }
                while let i = next.take(below: iterations) { body(i) }
            }
        }
    }
}

/// Hands out loop indices to worker threads.
private final class IndexCounter: @unchecked Sendable {
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
