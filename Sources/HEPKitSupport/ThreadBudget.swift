import Foundation

/// The one thread budget of a HEPKit process: every parallel loop in every module runs on at most
/// ``threadCount`` threads.
///
/// It defaults to the active cores; `HEPKIT_THREADS=N` in the environment, or ``limit(to:)``
/// (the CLI's `--threads`), sets it, so a one-core batch slot gets exactly one thread.
public enum ThreadBudget {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var configured: Int?

    /// The value of `HEPKIT_THREADS` if it is a positive integer.
    public static var environmentValue: Int? {
        guard let text = ProcessInfo.processInfo.environment["HEPKIT_THREADS"], let n = Int(text), n > 0 else { return nil }
        return n
    }

    /// The number of threads parallel loops may use, at least 1.
    public static var threadCount: Int {
        lock.lock()
        defer { lock.unlock() }
        if let configured { return configured }
        let n = environmentValue ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
        configured = n
        return n
    }

    nonisolated(unsafe) private static var peak = 1

    /// The most threads any parallel loop has used since the start (or ``resetPeakThreads()``):
    /// what tests check to prove that a command honours a budget of one.
    public static var peakThreads: Int {
        lock.lock()
        defer { lock.unlock() }
        return peak
    }

    /// Starts a new ``peakThreads`` measurement.
    public static func resetPeakThreads() {
        lock.lock()
        peak = 1
        lock.unlock()
    }

    static func record(workers: Int) {
        lock.lock()
        peak = max(peak, workers)
        lock.unlock()
    }

    /// Sets the budget for the rest of the process (call before parallel work starts).
    public static func limit(to threads: Int) {
        precondition(threads > 0, "a thread budget is at least 1")
        lock.lock()
        configured = threads
        lock.unlock()
    }
}
