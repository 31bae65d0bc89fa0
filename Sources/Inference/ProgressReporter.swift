/// Receives progress messages of long computations (limits, toys, ranking); the CLI prints them
/// on standard error when it is a terminal.
public struct ProgressReporter: Sendable {
    private let sink: @Sendable (String) -> Void

    /// A reporter that passes every message to `sink` (which may be called from several threads).
    public init(_ sink: @escaping @Sendable (String) -> Void) {
        self.sink = sink
    }

    /// Reports one message.
    public func report(_ message: String) {
        sink(message)
    }
}
