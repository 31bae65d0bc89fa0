/// A group of cooperating processes that add up arrays of numbers across its members: how
/// sharded work (each process holding part of the events) combines its histograms and their
/// derivatives so that every member continues with the same totals.
public protocol Collective: AnyObject, Sendable {
    /// This process's index, `0..<size`; rank 0 writes the outputs.
    var rank: Int { get }
    /// The number of processes.
    var size: Int { get }
    /// The element-wise sum of `values` over all members, returned on every member. Every member
    /// must call it with the same count, in the same order of calls.
    func sum(_ values: [Double]) throws(CollectiveError) -> [Double]
    /// Returns once every member has reached it.
    func barrier() throws(CollectiveError)
}

extension Collective {
    /// Whether this process writes the shared outputs.
    public var isLeader: Bool { rank == 0 }
}

/// The group of one: the ordinary single-process run.
public final class SingleProcess: Collective {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func sum(_ values: [Double]) -> [Double] { values }
    public func barrier() {}
}

/// A collective operation failed or is not available.
public struct CollectiveError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
