/// The values of an RNTuple field, nested as the field is: flat values for fundamentals and
/// strings, offsets over an inner array for collections, records of member arrays, and so on.
/// Item `i` of the outermost level belongs to entry `i`.
public indirect enum RNTupleArray: Sendable {
    /// One value per item.
    case values(Column.Values)
    /// Item `i` is `content[offsets[i] ..< offsets[i + 1]]` (`std::vector`, `RVec`, `std::map`, ...).
    case list(offsets: [Int], content: RNTupleArray)
    /// Item `i` is `content[i * size ..< (i + 1) * size]` (`std::array`, `std::bitset`, C arrays).
    case fixed(size: Int, content: RNTupleArray)
    /// Item `i` is empty or `content[offsets[i]]` (`std::optional`, `std::unique_ptr`).
    case optional(offsets: [Int], content: RNTupleArray)
    /// Member arrays of equal length (classes, `std::pair`, `std::tuple`).
    case record(fields: [(name: String, array: RNTupleArray)], count: Int)
    /// Item `i` is empty when `tags[i] == 0`, else `alternatives[tags[i] - 1][indices[i]]` (`std::variant`).
    case variant(tags: [UInt8], indices: [Int], alternatives: [RNTupleArray])

    /// Number of items.
    public var count: Int {
        switch self {
        case .values(let values): values.count
        case .list(let offsets, _), .optional(let offsets, _): offsets.count - 1
        case let .fixed(size, content): content.count / size
        case .record(_, let count): count
        case .variant(let tags, _, _): tags.count
        }
    }

    /// Items `range` as an array of their own (offsets rebased to start at 0).
    public func slice(_ range: Range<Int>) -> RNTupleArray {
        if range == 0 ..< count { return self }
        switch self {
        case .values(let values): return .values(values.slice(range))
        case let .list(offsets, content):
            return .list(offsets: Self.rebased(offsets, range), content: content.slice(offsets[range.lowerBound] ..< offsets[range.upperBound]))
        case let .optional(offsets, content):
            return .optional(offsets: Self.rebased(offsets, range), content: content.slice(offsets[range.lowerBound] ..< offsets[range.upperBound]))
        case let .fixed(size, content):
            return .fixed(size: size, content: content.slice(range.lowerBound * size ..< range.upperBound * size))
        case .record(let fields, _):
            return .record(fields: fields.map { ($0.name, $0.array.slice(range)) }, count: range.count)
        case let .variant(tags, indices, alternatives):
            return .variant(tags: Array(tags[range]), indices: Array(indices[range]), alternatives: alternatives)
        }
    }

    private static func rebased(_ offsets: [Int], _ range: Range<Int>) -> [Int] {
        let base = offsets[range.lowerBound]
        return offsets[range.lowerBound ... range.upperBound].map { $0 - base }
    }

    /// The same values as a TTree-style ``Column`` when the nesting fits one: scalars, lists of
    /// values, lists of lists, fixed arrays (also inside a list), records of scalars.
    public var column: Column? {
        switch self {
        case .values(let values):
            return Column(values: values, entryCount: values.count, offsets: nil, innerOffsets: nil, shape: [])
        case let .fixed(size, .values(values)):
            return Column(values: values, entryCount: values.count / size, offsets: nil, innerOffsets: nil, shape: [size])
        case let .list(offsets, .values(values)):
            return Column(values: values, entryCount: offsets.count - 1, offsets: offsets, innerOffsets: nil, shape: [])
        case let .list(offsets, .fixed(size, .values(values))):
            return Column(values: values, entryCount: offsets.count - 1, offsets: offsets.map { $0 * size }, innerOffsets: nil, shape: [size])
        case let .list(offsets, .list(inner, .values(values))):
            return Column(values: values, entryCount: offsets.count - 1, offsets: offsets, innerOffsets: inner, shape: [])
        case let .record(fields, count):
            var columns: [(name: String, column: Column)] = []
            for field in fields {
                guard case .values = field.array, let column = field.array.column else { return nil }
                columns.append((field.name, column))
            }
            return Column(values: .record(columns), entryCount: count, offsets: nil, innerOffsets: nil, shape: [])
        default:
            return nil
        }
    }
}

extension RNTupleArray {
    /// Entries, and the numbers inside (every leaf array's values) summarised together.
    public func summary() -> Column.Summary {
        if let column { return column.summary() }
        var leaves: [Column.Values] = []
        func collect(_ array: RNTupleArray) {
            switch array {
            case .values(let values): leaves.append(values)
            case .list(_, let content), .fixed(_, let content), .optional(_, let content): collect(content)
            case .record(let fields, _): fields.forEach { collect($0.array) }
            case .variant(_, _, let alternatives): alternatives.forEach(collect)
            }
        }
        collect(self)
        var items = 0, numeric = 0, sum = 0.0, low = Double.nan, high = Double.nan
        for leaf in leaves {
            let part = (RNTupleArray.values(leaf).column ?? RNTupleArray.values(.double([])).column!).summary()
            items += part.items
            if case .string = leaf { continue }
            numeric += part.items
            sum += part.sum
            if !part.min.isNaN { low = low.isNaN ? part.min : Swift.min(low, part.min) }
            if !part.max.isNaN { high = high.isNaN ? part.max : Swift.max(high, part.max) }
        }
        return Column.Summary(entries: count, items: items, min: low, max: high, mean: numeric > 0 ? sum / Double(numeric) : .nan, sum: sum)
    }
}

extension Column.Values {
    /// Values `range`.
    func slice(_ range: Range<Int>) -> Column.Values {
        switch self {
        case .bool(let v): .bool(Array(v[range]))
        case .int8(let v): .int8(Array(v[range]))
        case .uint8(let v): .uint8(Array(v[range]))
        case .int16(let v): .int16(Array(v[range]))
        case .uint16(let v): .uint16(Array(v[range]))
        case .int32(let v): .int32(Array(v[range]))
        case .uint32(let v): .uint32(Array(v[range]))
        case .int64(let v): .int64(Array(v[range]))
        case .uint64(let v): .uint64(Array(v[range]))
        case .float(let v): .float(Array(v[range]))
        case .double(let v): .double(Array(v[range]))
        case .string(let v): .string(Array(v[range]))
        case .record(let fields): .record(fields.map { ($0.name, Column(values: $0.column.values.slice(range), entryCount: range.count,
                                                                         offsets: nil, innerOffsets: nil, shape: [])) })
        }
    }
}
