import ROOTIO

/// Whether a branch holds one value per event or a variable-length array per event.
public enum ColumnShape: Sendable, Equatable {
    /// One value per event.
    case scalar
    /// A variable-length array per event (flat values plus offsets).
    case jagged
}

/// A column of event data in memory: one value per event, or a jagged array — ROOTIO's
/// ``JaggedArray``, flat values and `eventCount + 1` offsets (event e owns
/// `values[offsets[e] ..< offsets[e + 1]]`).
public struct DataColumn: Sendable, Equatable {
    /// How the values are laid out.
    public enum Layout: Sendable {
        case scalar([Double])
        case jagged(JaggedArray<Double>)
    }

    /// The values, per event or jagged.
    public let layout: Layout

    /// A scalar column.
    public init(_ values: [Double]) {
        layout = .scalar(values)
    }

    /// A scalar column converted from another numeric type (Float, Int32, ...).
    public init<T: BinaryFloatingPoint>(_ values: [T]) { self.init(values.map { Double($0) }) }

    /// A scalar column converted from an integer type.
    public init<T: BinaryInteger>(_ values: [T]) { self.init(values.map { Double($0) }) }

    /// A jagged column.
    ///
    /// - Throws: ``ColumnError`` unless the offsets start at 0, never decrease and end at `values.count`.
    public init(values: [Double], offsets: [Int]) throws(ColumnError) {
        try self.init(JaggedArray(values: values, offsets: Self.checked(offsets, valueCount: values.count)))
    }

    /// A jagged column from ROOTIO's jagged array.
    ///
    /// - Throws: ``ColumnError`` if the offsets ever decrease.
    public init(_ jagged: JaggedArray<Double>) throws(ColumnError) {
        _ = try Self.checked(jagged.offsets, valueCount: jagged.values.count)
        layout = .jagged(jagged)
    }

    /// A jagged column converted from another floating-point type.
    public init<T: BinaryFloatingPoint>(values: [T], offsets: [Int]) throws(ColumnError) {
        try self.init(values: values.map { Double($0) }, offsets: offsets)
    }

    /// A column whose offsets are known to be valid (computed from a valid column).
    init(values: [Double], validOffsets: [Int]?) {
        layout = validOffsets.map { .jagged(JaggedArray(values: values, offsets: $0)) } ?? .scalar(values)
    }

    private static func checked(_ offsets: [Int], valueCount: Int) throws(ColumnError) -> [Int] {
        guard let first = offsets.first, first == 0, offsets.last == valueCount,
              zip(offsets, offsets.dropFirst()).allSatisfy({ $0 <= $1 })
        else {
            throw ColumnError(
                message: "jagged offsets must start at 0, never decrease and end at the value count (\(valueCount))")
        }
        return offsets
    }

    /// The flat values.
    public var values: [Double] {
        switch layout {
        case .scalar(let values): values
        case .jagged(let jagged): jagged.values
        }
    }

    /// The per-event boundaries of a jagged column, nil for a scalar one.
    public var offsets: [Int]? {
        if case .jagged(let jagged) = layout { jagged.offsets } else { nil }
    }

    /// Scalar or jagged.
    public var shape: ColumnShape { offsets == nil ? .scalar : .jagged }

    /// The number of events.
    public var eventCount: Int { offsets.map { $0.count - 1 } ?? values.count }

    public static func == (a: DataColumn, b: DataColumn) -> Bool { a.values == b.values && a.offsets == b.offsets }
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
