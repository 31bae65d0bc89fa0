/// Whether a branch holds one value per event or a variable-length array per event.
public enum ColumnShape: Sendable, Equatable {
    /// One value per event.
    case scalar
    /// A variable-length array per event (flat values plus offsets).
    case jagged
}

/// A column of event data in memory: one value per event, or a jagged array stored as flat values
/// and `eventCount + 1` offsets (event e owns `values[offsets[e] ..< offsets[e + 1]]`).
public struct DataColumn: Sendable, Equatable {
    /// The flat values.
    public let values: [Double]
    /// The per-event boundaries of a jagged column, nil for a scalar one.
    public let offsets: [Int]?

    /// A scalar column.
    public init(_ values: [Double]) {
        self.values = values
        self.offsets = nil
    }

    /// A scalar column converted from another numeric type (Float, Int32, ...).
    public init<T: BinaryFloatingPoint>(_ values: [T]) { self.init(values.map { Double($0) }) }

    /// A scalar column converted from an integer type.
    public init<T: BinaryInteger>(_ values: [T]) { self.init(values.map { Double($0) }) }

    /// A jagged column.
    ///
    /// - Throws: ``ColumnError`` unless the offsets start at 0, never decrease and end at `values.count`.
    public init(values: [Double], offsets: [Int]) throws(ColumnError) {
        guard let first = offsets.first, first == 0, offsets.last == values.count,
              zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 })
        else {
            throw ColumnError(
                message: "jagged offsets must start at 0, never decrease and end at the value count (\(values.count))")
        }
        self.values = values
        self.offsets = offsets
    }

    /// A jagged column converted from another floating-point type.
    public init<T: BinaryFloatingPoint>(values: [T], offsets: [Int]) throws(ColumnError) {
        try self.init(values: values.map { Double($0) }, offsets: offsets)
    }

    /// A column whose offsets are known to be valid (computed from a valid column).
    init(values: [Double], validOffsets: [Int]?) {
        self.values = values
        self.offsets = validOffsets
    }

    /// Scalar or jagged.
    public var shape: ColumnShape { offsets == nil ? .scalar : .jagged }

    /// The number of events.
    public var eventCount: Int { offsets.map { $0.count - 1 } ?? values.count }
}

/// A malformed column.
public struct ColumnError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    public var description: String { message }
}

/// Where expressions get their branches from: an in-memory table, or a chunk read by ROOTIO.
public protocol ColumnSource {
    /// The number of events every column has.
    var eventCount: Int { get }
    /// The branch's shape, or nil if there is no such branch.
    func shape(of branch: String) -> ColumnShape?
    /// The branch's data.
    func column(named branch: String) throws -> DataColumn
}

/// Columns held in a dictionary, all with the same number of events.
public struct ColumnTable: ColumnSource, Sendable {
    /// The columns by branch name.
    public let columns: [String: DataColumn]
    public let eventCount: Int

    /// A table of columns.
    ///
    /// - Throws: ``ColumnError`` if the columns disagree on the number of events.
    public init(_ columns: [String: DataColumn]) throws(ColumnError) {
        let counts = Set(columns.values.map(\.eventCount))
        guard counts.count <= 1 else {
            let detail = columns.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.eventCount)" }
            throw ColumnError(message: "columns have different event counts (\(detail.joined(separator: ", ")))")
        }
        self.columns = columns
        self.eventCount = counts.first ?? 0
    }

    public func shape(of branch: String) -> ColumnShape? { columns[branch]?.shape }

    public func column(named branch: String) throws -> DataColumn {
        guard let column = columns[branch] else { throw ColumnError(message: "no branch named '\(branch)'") }
        return column
    }
}
