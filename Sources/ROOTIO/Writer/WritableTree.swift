import Foundation

/// A number type a ``WritableTree`` branch can hold, with its `TLeaf` class and leaf-list letter.
public protocol ROOTWritableNumber: Sendable {
    /// `TLeafB`, `TLeafS`, `TLeafI`, `TLeafL`, `TLeafF`, `TLeafD` or `TLeafO`.
    static var leafClass: String { get }
    /// The type letter in a branch title (`F` in `x/F`; lower case for unsigned integers).
    static var leafLetter: Character { get }
    /// Appends `values` to `bytes`, big-endian.
    static func appendBigEndian(_ values: ArraySlice<Self>, to bytes: inout [UInt8])
    /// The value as a counter (`Int32` branches only can count).
    var asDouble: Double { get }
}

extension ROOTWritableNumber where Self: FixedWidthInteger {
    public static func appendBigEndian(_ values: ArraySlice<Self>, to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: values.count * MemoryLayout<Self>.size))
        bytes.withUnsafeMutableBytes { raw in
            var at = start
            for v in values {
                raw.storeBytes(of: v.bigEndian, toByteOffset: at, as: Self.self)
                at += MemoryLayout<Self>.size
            }
        }
    }
    public var asDouble: Double { Double(self) }
}

extension Int8: ROOTWritableNumber { public static let leafClass = "TLeafB"; public static let leafLetter: Character = "B" }
extension UInt8: ROOTWritableNumber { public static let leafClass = "TLeafB"; public static let leafLetter: Character = "b" }
extension Int16: ROOTWritableNumber { public static let leafClass = "TLeafS"; public static let leafLetter: Character = "S" }
extension UInt16: ROOTWritableNumber { public static let leafClass = "TLeafS"; public static let leafLetter: Character = "s" }
extension Int32: ROOTWritableNumber { public static let leafClass = "TLeafI"; public static let leafLetter: Character = "I" }
extension UInt32: ROOTWritableNumber { public static let leafClass = "TLeafI"; public static let leafLetter: Character = "i" }
extension Int64: ROOTWritableNumber { public static let leafClass = "TLeafL"; public static let leafLetter: Character = "L" }
extension UInt64: ROOTWritableNumber { public static let leafClass = "TLeafL"; public static let leafLetter: Character = "l" }

extension Float: ROOTWritableNumber {
    public static let leafClass = "TLeafF"
    public static let leafLetter: Character = "F"
    public static func appendBigEndian(_ values: ArraySlice<Float>, to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: values.count * 4))
        bytes.withUnsafeMutableBytes { raw in
            var at = start
            for v in values {
                raw.storeBytes(of: v.bitPattern.bigEndian, toByteOffset: at, as: UInt32.self)
                at += 4
            }
        }
    }
    public var asDouble: Double { Double(self) }
}

extension Double: ROOTWritableNumber {
    public static let leafClass = "TLeafD"
    public static let leafLetter: Character = "D"
    public static func appendBigEndian(_ values: ArraySlice<Double>, to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: repeatElement(0, count: values.count * 8))
        bytes.withUnsafeMutableBytes { raw in
            var at = start
            for v in values {
                raw.storeBytes(of: v.bitPattern.bigEndian, toByteOffset: at, as: UInt64.self)
                at += 8
            }
        }
    }
    public var asDouble: Double { self }
}

extension Bool: ROOTWritableNumber {
    public static let leafClass = "TLeafO"
    public static let leafLetter: Character = "O"
    public static func appendBigEndian(_ values: ArraySlice<Bool>, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: values.lazy.map { $0 ? 1 : 0 })
    }
    public var asDouble: Double { self ? 1 : 0 }
}

/// A TTree to write: flat, fixed-size-array and jagged numeric branches of equal entry counts.
///
/// ```swift
/// var tree = WritableTree(name: "events")
/// try tree.add("met", values: [12.5, 40.0] as [Float])
/// try tree.add("p4", fixedArrays: [1, 2, 3, 4, 5, 6, 7, 8] as [Double], length: 4)
/// try tree.add("jet_pt", jagged: JaggedArray(values: [30, 20, 50] as [Float], offsets: [0, 2, 3]), counter: "njet")
/// ```
/// A jagged branch gets its `Int32` counter branch (`njet`, with leaf title `jet_pt[njet]`)
/// placed before it, as ROOT's readers need; jagged branches may share a counter.
public struct WritableTree: Sendable {
    public var name: String
    public var title: String
    /// Entries per basket (and per cluster: all branches break at the same entries).
    public var entriesPerBasket: Int
    /// The number of entries (set by the first branch).
    public private(set) var entryCount: Int?
    private(set) var branches: [BranchData] = []

    public init(name: String, title: String = "", entriesPerBasket: Int = 100_000) {
        self.name = name
        self.title = title
        self.entriesPerBasket = max(1, entriesPerBasket)
    }

    /// One value per entry.
    public mutating func add<T: ROOTWritableNumber>(_ name: String, values: [T]) throws(ROOTWriteError) {
        try append(BranchData(name: name, type: T.self, entries: values.count, shape: .scalar,
                              encode: { range, bytes in T.appendBigEndian(values[range], to: &bytes) },
                              counts: nil))
        if T.self == Int32.self { branches[branches.count - 1].int32Values = values as? [Int32] }
    }

    /// `length` values per entry (`x[length]`), entry after entry in `values`.
    public mutating func add<T: ROOTWritableNumber>(_ name: String, fixedArrays values: [T], length: Int) throws(ROOTWriteError) {
        guard length > 0, values.count % length == 0 else {
            throw .invalid("branch '\(name)': \(values.count) values do not make arrays of \(length)")
        }
        try append(BranchData(name: name, type: T.self, entries: values.count / length, shape: .fixed(length),
                              encode: { range, bytes in
                                  T.appendBigEndian(values[range.lowerBound * length ..< range.upperBound * length], to: &bytes)
                              },
                              counts: nil))
    }

    /// A variable number of values per entry, counted by the `Int32` branch `counter`.
    ///
    /// If `counter` is already a branch it must be an `Int32` branch holding exactly these counts;
    /// otherwise it is added just before this branch.
    public mutating func add<T: ROOTWritableNumber>(_ name: String, jagged: JaggedArray<T>, counter: String) throws(ROOTWriteError) {
        let counts = jagged.counts.map { Int32(clamping: $0) }
        if let index = branches.firstIndex(where: { $0.name == counter }) {
            guard branches[index].int32Values == counts else {
                throw .invalid("branch '\(name)': counter branch '\(counter)' exists with other values than this branch's counts")
            }
            branches[index].isCounter = true
        } else {
            try add(counter, values: counts)
            branches[branches.count - 1].isCounter = true
        }
        let values = jagged.values, offsets = jagged.offsets
        try append(BranchData(name: name, type: T.self, entries: jagged.count, shape: .jagged(counter: counter),
                              encode: { range, bytes in
                                  T.appendBigEndian(values[offsets[range.lowerBound] ..< offsets[range.upperBound]], to: &bytes)
                              },
                              counts: offsets))
    }

    private mutating func append(_ branch: BranchData) throws(ROOTWriteError) {
        try ROOTWriter.checkName(branch.name, what: "branch")
        guard !branches.contains(where: { $0.name == branch.name }) else {
            throw .invalid("tree '\(name)': two branches named '\(branch.name)'")
        }
        if let entryCount, entryCount != branch.entries {
            throw .invalid("tree '\(name)': branch '\(branch.name)' has \(branch.entries) entries, the others \(entryCount)")
        }
        entryCount = branch.entries
        branches.append(branch)
    }
}

/// One branch's type, shape and a way to encode a range of its entries.
struct BranchData: Sendable {
    enum Shape: Sendable, Equatable {
        case scalar
        case fixed(Int)
        case jagged(counter: String)
    }

    let name: String
    let leafClass: String
    let letter: Character
    let elementSize: Int
    let entries: Int
    let shape: Shape
    /// Appends the big-endian data of entries `range` (no per-entry headers).
    let encode: @Sendable (Range<Int>, inout [UInt8]) -> Void
    /// Jagged branches: the `entries + 1` value offsets.
    let offsets: [Int]?
    /// Set on `Int32` scalar branches, so a jagged branch can check a counter it reuses.
    var int32Values: [Int32]?
    /// Whether jagged branches count with this branch (`fIsRange`, `fMaximum` = largest count).
    var isCounter = false

    init<T: ROOTWritableNumber>(name: String, type: T.Type, entries: Int, shape: Shape,
                                encode: @escaping @Sendable (Range<Int>, inout [UInt8]) -> Void, counts offsets: [Int]?) {
        self.name = name
        leafClass = T.leafClass
        letter = T.leafLetter
        elementSize = T.self == Bool.self ? 1 : MemoryLayout<T>.size
        self.entries = entries
        self.shape = shape
        self.encode = encode
        self.offsets = offsets
    }

    var isUnsigned: Bool { letter.isLowercase }

    /// The leaf title: `x`, `x[3]` or `x[n]`.
    var leafTitle: String {
        switch shape {
        case .scalar: name
        case .fixed(let n): "\(name)[\(n)]"
        case .jagged(let counter): "\(name)[\(counter)]"
        }
    }

    /// `fLen`: values per entry for fixed arrays, else 1.
    var fixedLength: Int { if case .fixed(let n) = shape { n } else { 1 } }

    /// The bytes of one entry of a fixed-size branch.
    var entrySize: Int { fixedLength * elementSize }
}

extension WritableTree {
    /// Adds a column as read by ``ROOTBranch/column(entries:)``: numbers per entry, fixed arrays
    /// (flattened, `x[a][b]` as `a·b` values) or variable-length entries counted by `counter`.
    /// Strings, leaf lists and nested vectors are refused.
    public mutating func add(_ name: String, column: Column, counter: String) throws(ROOTWriteError) {
        switch column.values {
        case .bool(let v): try add(name, v, column, counter)
        case .int8(let v): try add(name, v, column, counter)
        case .uint8(let v): try add(name, v, column, counter)
        case .int16(let v): try add(name, v, column, counter)
        case .uint16(let v): try add(name, v, column, counter)
        case .int32(let v): try add(name, v, column, counter)
        case .uint32(let v): try add(name, v, column, counter)
        case .int64(let v): try add(name, v, column, counter)
        case .uint64(let v): try add(name, v, column, counter)
        case .float(let v): try add(name, v, column, counter)
        case .double(let v): try add(name, v, column, counter)
        case .string, .record: throw .unsupported("branch '\(name)': only numeric branches can be written")
        }
    }

    private mutating func add<T: ROOTWritableNumber>(_ name: String, _ values: [T], _ column: Column, _ counter: String) throws(ROOTWriteError) {
        guard column.innerOffsets == nil else { throw .unsupported("branch '\(name)': nested variable-length entries cannot be written") }
        let width = column.shape.reduce(1, *)
        if let offsets = column.offsets {
            guard width == 1 else { throw .unsupported("branch '\(name)': variable-length entries of fixed arrays cannot be written") }
            try add(name, jagged: JaggedArray(values: values, offsets: offsets), counter: counter)
        } else if column.shape.isEmpty {
            try add(name, values: values)
        } else {
            try add(name, fixedArrays: values, length: width)
        }
    }
}
