import Dispatch

/// Runs `body` for `0..<count` on all cores and returns every outcome in order; one failing
/// index does not stop the others.
public func parallelMap<T: Sendable>(_ count: Int, _ body: @Sendable (Int) throws -> T) -> [Result<T, any Error>] {
    guard count > 1 else { return (0..<count).map { i in Result { try body(i) } } }
    let storage = UnsafeMutableBufferPointer<Result<T, any Error>?>.allocate(capacity: count)
    storage.initialize(repeating: nil)
    defer { storage.deallocate() }
    nonisolated(unsafe) let out = storage
    DispatchQueue.concurrentPerform(iterations: count) { i in
        out[i] = Result { try body(i) }
    }
    return storage.map { $0! }
}
