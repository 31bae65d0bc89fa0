import Foundation

extension MinimizerOptions {
    /// The options a `BoundedMinimizer()` starts with: `MinimizerOptions()` unless the program set
    /// others at start-up (hepkit's pyhf-compatible `--optconf`), before any fit runs.
    public static var processDefault: MinimizerOptions {
        get { ProcessDefault.shared.withLock { $0 } }
        set { ProcessDefault.shared.withLock { $0 = newValue } }
    }
}

/// The storage behind ``MinimizerOptions/processDefault``.
private enum ProcessDefault {
    static let shared = LockedValue(MinimizerOptions())
}

/// A value behind a lock (set once at start-up, read by every fit).
private final class LockedValue<Value: Sendable>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
