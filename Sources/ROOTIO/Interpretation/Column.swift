/// Values of one branch as Swift arrays: a flat buffer of values plus, for variable-length
/// entries, offsets into it.
public struct Column: Sendable {
    /// The flat values, in entry order.
    public enum Values: Sendable {
        case bool([Bool]), int8([Int8]), uint8([UInt8]), int16([Int16]), uint16([UInt16])
        case int32([Int32]), uint32([UInt32]), int64([Int64]), uint64([UInt64])
        case float([Float]), double([Double])
        case string([String])
        /// A leaf list or an object: one column per leaf or member, each with one row per value.
        /// Fields named `"0"`, `"1"`, … in order are a tuple (a map item: key, value).
        case record([(name: String, column: Column)])

        /// Number of values.
        public var count: Int {
            switch self {
            case .bool(let v): v.count
            case .int8(let v): v.count
            case .uint8(let v): v.count
            case .int16(let v): v.count
            case .uint16(let v): v.count
            case .int32(let v): v.count
            case .uint32(let v): v.count
            case .int64(let v): v.count
            case .uint64(let v): v.count
            case .float(let v): v.count
            case .double(let v): v.count
            case .string(let v): v.count
            case .record(let fields): fields.first?.column.values.count ?? 0
            }
        }

        /// Value `i` as a Double (strings and records give NaN).
        @inlinable
        public func double(at i: Int) -> Double {
            switch self {
            case .bool(let v): v[i] ? 1 : 0
            case .int8(let v): Double(v[i])
            case .uint8(let v): Double(v[i])
            case .int16(let v): Double(v[i])
            case .uint16(let v): Double(v[i])
            case .int32(let v): Double(v[i])
            case .uint32(let v): Double(v[i])
            case .int64(let v): Double(v[i])
            case .uint64(let v): Double(v[i])
            case .float(let v): Double(v[i])
            case .double(let v): v[i]
            case .string, .record: .nan
            }
        }
    }

    /// The flat values.
    public var values: Values
    /// Number of entries.
    public var entryCount: Int
    /// For variable-length entries: `entryCount + 1` offsets into `values` (for `vector<vector<T>>`
    /// into ``innerOffsets``). `nil` when every entry has ``shape``'s fixed number of values.
    public var offsets: [Int]?
    /// For `vector<vector<T>>`: offsets of each inner vector into `values`.
    public var innerOffsets: [Int]?
    /// Fixed dimensions of one entry (`[]` for scalars, `[3]` for `x[3]`, `[2, 3]` for `m[2][3]`);
    /// for variable-length entries, the dimensions of one item.
    public var shape: [Int]
}

extension Array where Element == (name: String, column: Column) {
    /// Whether these record fields are a tuple (named `"0"`, `"1"`, … in order), e.g. a map item.
    public var isTuple: Bool {
        !isEmpty && enumerated().allSatisfy { $0.element.name == String($0.offset) }
    }
}

/// A variable-length column: one flat buffer of values and `count + 1` offsets into it.
///
/// Entry `i` is `values[offsets[i] ..< offsets[i + 1]]`.
public struct JaggedArray<Element: Sendable>: Sendable, RandomAccessCollection {
    /// All values, entry after entry.
    public var values: [Element]
    /// `count + 1` offsets into `values`, starting at 0.
    public var offsets: [Int]
    /// Fixed dimensions of each item (`[3]` for `fTracks.fP[3]`: entry `i` is `counts[i] / 3`
    /// items of 3 values); `[]` when each item is one value.
    public var itemShape: [Int]

    public init(values: [Element], offsets: [Int], itemShape: [Int] = []) {
        precondition(offsets.first == 0 && offsets.last == values.count, "offsets must span the values")
        self.values = values
        self.offsets = offsets
        self.itemShape = itemShape
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { offsets.count - 1 }
    public subscript(entry: Int) -> ArraySlice<Element> { values[offsets[entry] ..< offsets[entry + 1]] }
    /// Number of values in each entry.
    public var counts: [Int] { (0 ..< count).map { offsets[$0 + 1] - offsets[$0] } }
}

/// A Swift number type a branch can be read as (``ROOTBranch/read(as:)``).
///
/// Integers convert to integers exactly (a value the target type cannot hold is an error, never
/// a rounded or clamped number), without passing through `Double`: 64-bit event numbers keep
/// every bit. Floating-point values convert to integers toward zero.
public protocol ROOTNumber: Sendable {
    /// Extracts the values of a column if it holds exactly this type.
    static func values(of column: Column.Values) -> [Self]?
    /// Converts a floating-point column value (used when the stored type differs).
    init(converting value: Double)
    /// Converts an integer column value exactly, or `nil` if this type cannot hold it.
    init?<Source: BinaryInteger>(convertingExactly value: Source)
}

extension ROOTNumber where Self: BinaryFloatingPoint {
    public init(converting value: Double) { self.init(value) }
    public init?<Source: BinaryInteger>(convertingExactly value: Source) { self.init(value) }
}

extension ROOTNumber where Self: FixedWidthInteger {
    public init(converting value: Double) {
        self = value.isFinite ? Self(exactly: value.rounded(.towardZero)) ?? (value < 0 ? .min : .max) : 0
    }
    public init?<Source: BinaryInteger>(convertingExactly value: Source) { self.init(exactly: value) }
}

extension Float: ROOTNumber {
    public static func values(of column: Column.Values) -> [Float]? { if case .float(let v) = column { v } else { nil } }
}
extension Double: ROOTNumber {
    public static func values(of column: Column.Values) -> [Double]? { if case .double(let v) = column { v } else { nil } }
}
extension Int8: ROOTNumber {
    public static func values(of column: Column.Values) -> [Int8]? { if case .int8(let v) = column { v } else { nil } }
}
extension UInt8: ROOTNumber {
    public static func values(of column: Column.Values) -> [UInt8]? { if case .uint8(let v) = column { v } else { nil } }
}
extension Int16: ROOTNumber {
    public static func values(of column: Column.Values) -> [Int16]? { if case .int16(let v) = column { v } else { nil } }
}
extension UInt16: ROOTNumber {
    public static func values(of column: Column.Values) -> [UInt16]? { if case .uint16(let v) = column { v } else { nil } }
}
extension Int32: ROOTNumber {
    public static func values(of column: Column.Values) -> [Int32]? { if case .int32(let v) = column { v } else { nil } }
}
extension UInt32: ROOTNumber {
    public static func values(of column: Column.Values) -> [UInt32]? { if case .uint32(let v) = column { v } else { nil } }
}
extension Int64: ROOTNumber {
    public static func values(of column: Column.Values) -> [Int64]? { if case .int64(let v) = column { v } else { nil } }
}
extension UInt64: ROOTNumber {
    public static func values(of column: Column.Values) -> [UInt64]? { if case .uint64(let v) = column { v } else { nil } }
}
extension Int: ROOTNumber {
    public static func values(of column: Column.Values) -> [Int]? {
        guard MemoryLayout<Int>.size == MemoryLayout<Int64>.size, case .int64(let v) = column else { return nil }
        return v.map { Int($0) }
    }
}
extension Bool: ROOTNumber {
    public static func values(of column: Column.Values) -> [Bool]? { if case .bool(let v) = column { v } else { nil } }
    public init(converting value: Double) { self = value != 0 }
    public init?<Source: BinaryInteger>(convertingExactly value: Source) { self = value != 0 }
}

extension Column {
    /// The values as `T`, converting if the stored type differs: integers exactly (the first value
    /// `T` cannot hold is reported by its index), floating-point values through `Double`.
    func converted<T: ROOTNumber>(to _: T.Type) throws(ConversionError) -> [T] {
        if let direct = T.values(of: values) { return direct }
        func exact<S: BinaryInteger>(_ source: [S]) throws(ConversionError) -> [T] {
            var result: [T] = []
            result.reserveCapacity(source.count)
            for (i, value) in source.enumerated() {
                guard let converted = T(convertingExactly: value) else {
                    throw ConversionError(index: i, value: String(value), target: String(describing: T.self))
                }
                result.append(converted)
            }
            return result
        }
        switch values {
        case .bool(let v): return v.map { T(converting: $0 ? 1 : 0) }
        case .int8(let v): return try exact(v)
        case .uint8(let v): return try exact(v)
        case .int16(let v): return try exact(v)
        case .uint16(let v): return try exact(v)
        case .int32(let v): return try exact(v)
        case .uint32(let v): return try exact(v)
        case .int64(let v): return try exact(v)
        case .uint64(let v): return try exact(v)
        case .float(let v): return v.map { T(converting: Double($0)) }
        case .double(let v): return v.map { T(converting: $0) }
        case .string, .record: throw ConversionError(index: 0, value: "a non-numeric value", target: String(describing: T.self))
        }
    }
}

/// A stored value the requested Swift type cannot hold exactly.
struct ConversionError: Error {
    /// Index of the value in the column's flat values.
    var index: Int
    var value: String
    var target: String
}
