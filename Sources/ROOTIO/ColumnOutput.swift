/// A minimal JSON value for command-line output: numbers are printed in their shortest exact form
/// (a `Float` as the shortest text that reads back as the same `Float`), non-finite numbers as the
/// strings `"nan"`, `"inf"`, `"-inf"`.
public enum ROOTJSON: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case float(Float)
    case double(Double)
    case string(String)
    case array([ROOTJSON])
    case object([(String, ROOTJSON)])

    /// The JSON text.
    public var rendered: String {
        var out = ""
        render(into: &out)
        return out
    }

    public func render(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .uint(let u): out += String(u)
        case .float(let f): out += f.isFinite ? f.description : Self.nonFinite(Double(f))
        case .double(let d): out += d.isFinite ? d.description : Self.nonFinite(d)
        case .string(let s): Self.quote(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.render(into: &out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            for (i, (key, value)) in fields.enumerated() {
                if i > 0 { out += "," }
                Self.quote(key, into: &out)
                out += ":"
                value.render(into: &out)
            }
            out += "}"
        }
    }

    private static func nonFinite(_ d: Double) -> String { d.isNaN ? "\"nan\"" : (d > 0 ? "\"inf\"" : "\"-inf\"") }

    static func quote(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    /// A CSV field: quoted if it contains a separator, quote or newline.
    public static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) else { return text }
        return "\"" + text.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}

extension Column.Values {
    /// Value `i` as JSON.
    func json(at i: Int) -> ROOTJSON {
        switch self {
        case .bool(let v): .bool(v[i])
        case .int8(let v): .int(Int64(v[i]))
        case .uint8(let v): .int(Int64(v[i]))
        case .int16(let v): .int(Int64(v[i]))
        case .uint16(let v): .int(Int64(v[i]))
        case .int32(let v): .int(Int64(v[i]))
        case .uint32(let v): .int(Int64(v[i]))
        case .int64(let v): .int(v[i])
        case .uint64(let v): .uint(v[i])
        case .float(let v): .float(v[i])
        case .double(let v): .double(v[i])
        case .string(let v): .string(v[i])
        case .record(let fields): .object(fields.map { ($0.name, $0.column.json(entry: i)) })
        }
    }
}

extension Column {
    /// Entry `entry` as JSON: a value, an (optionally nested, by ``shape``) array, or an object for leaf lists.
    public func json(entry: Int) -> ROOTJSON {
        let perItem = shape.reduce(1, *)
        if let innerOffsets, let offsets {
            return .array((offsets[entry] ..< offsets[entry + 1]).map { inner in
                .array((innerOffsets[inner] ..< innerOffsets[inner + 1]).map(values.json(at:)))
            })
        }
        if let offsets {
            let items = (offsets[entry] ..< offsets[entry + 1])
            guard !shape.isEmpty else { return .array(items.map(values.json(at:))) }
            return .array(stride(from: items.lowerBound, to: items.upperBound, by: max(1, perItem)).map { nested(from: $0, shape[...]) })
        }
        if case .record = values { return values.json(at: entry) }
        if shape.isEmpty { return values.json(at: entry) }
        return nested(from: entry * perItem, shape[...])
    }

    private func nested(from start: Int, _ dims: ArraySlice<Int>) -> ROOTJSON {
        guard let first = dims.first else { return values.json(at: start) }
        let inner = dims.dropFirst().reduce(1, *)
        return .array((0 ..< first).map { nested(from: start + $0 * inner, dims.dropFirst()) })
    }

    /// Per-branch sanity numbers, as printed by `hepkit stats`.
    public struct Summary: Sendable {
        public var entries: Int
        /// Number of values (strings count as one each).
        public var items: Int
        /// Smallest and largest value, ignoring NaN (NaN if there is none).
        public var min: Double
        public var max: Double
        public var mean: Double
        public var sum: Double
    }

    /// Entries, items, min, max, mean and sum of the values (NaN ignored in min/max).
    public func summary() -> Summary {
        var minimum = Double.infinity, maximum = -Double.infinity, sum = 0.0
        var items = values.count
        // Blocks of a fixed size are scanned in parallel and their partial sums added in block
        // order, so the result does not depend on the thread count.
        func scan<T: SummaryValue>(_ array: [T]) {
            let blockSize = 1 << 16
            let blocks = (array.count + blockSize - 1) / blockSize
            var partials = [(sum: Double, min: Double, max: Double)](repeating: (0, .infinity, -.infinity), count: blocks)
            array.withUnsafeBufferPointer { buffer in
                partials.withUnsafeMutableBufferPointer { slots in
                    nonisolated(unsafe) let (buffer, slots) = (buffer, slots)
                    Parallelism.forEach(blocks) { block in
                        // Eight lanes of partial sums, minima and maxima: one running sum would
                        // chain every addition on the previous one and leave the core idle.
                        // NaN fails both comparisons, so it never becomes a minimum or maximum.
                        typealias Lanes = SIMD8<Double>
                        var sums = Lanes(), lows = Lanes(repeating: .infinity), highs = Lanes(repeating: -.infinity)
                        let end = Swift.min(buffer.count, (block + 1) * blockSize)
                        var i = block * blockSize
                        while i + 8 <= end {
                            let x = Lanes(buffer[i].summaryValue, buffer[i + 1].summaryValue, buffer[i + 2].summaryValue, buffer[i + 3].summaryValue,
                                          buffer[i + 4].summaryValue, buffer[i + 5].summaryValue, buffer[i + 6].summaryValue, buffer[i + 7].summaryValue)
                            sums += x
                            lows.replace(with: x, where: x .< lows)
                            highs.replace(with: x, where: x .> highs)
                            i += 8
                        }
                        var blockSum = sums.sum(), blockMin = lows.min(), blockMax = highs.max()
                        while i < end {
                            let x = buffer[i].summaryValue
                            blockSum += x
                            if x < blockMin { blockMin = x }
                            if x > blockMax { blockMax = x }
                            i += 1
                        }
                        slots[block] = (blockSum, blockMin, blockMax)
                    }
                }
            }
            for partial in partials {
                sum += partial.sum
                minimum = Swift.min(minimum, partial.min)
                maximum = Swift.max(maximum, partial.max)
            }
        }
        switch values {
        case .bool(let v): scan(v)
        case .int8(let v): scan(v)
        case .uint8(let v): scan(v)
        case .int16(let v): scan(v)
        case .uint16(let v): scan(v)
        case .int32(let v): scan(v)
        case .uint32(let v): scan(v)
        case .int64(let v): scan(v)
        case .uint64(let v): scan(v)
        case .float(let v): scan(v)
        case .double(let v): scan(v)
        case .string: sum = .nan
        case .record(let fields):
            items = fields.reduce(0) { $0 + $1.column.values.count }
            for field in fields {
                let s = field.column.summary()
                sum += s.sum
                minimum = Swift.min(minimum, s.min)
                maximum = Swift.max(maximum, s.max)
            }
        }
        if minimum > maximum { minimum = .nan; maximum = .nan }
        return Summary(entries: entryCount, items: items, min: minimum, max: maximum,
                       mean: items > 0 ? sum / Double(items) : .nan, sum: sum)
    }
}

/// A stored number type, as the Double that summaries add up. A protocol rather than a closure so
/// the conversion is inlined into the scan loop on every thread (a closure stayed an indirect call
/// per value on the worker threads).
protocol SummaryValue { var summaryValue: Double { get } }
extension Bool: SummaryValue { @inline(__always) var summaryValue: Double { self ? 1 : 0 } }
extension Int8: SummaryValue { @inline(__always) var summaryValue: Double { Double(self) } }
extension UInt8: SummaryValue { @inline(__always) var summaryValue: Double { Double(self) } }
extension Int16: SummaryValue { @inline(__always) var summaryValue: Double { Double(self) } }
extension UInt16: SummaryValue { @inline(__always) var summaryValue: Double { Double(self) } }
extension Int32: SummaryValue { @inline(__always) var summaryValue: Double { Double(self) } }
extension UInt32: SummaryValue { @inline(__always) var summaryValue: Double { Double(self) } }
extension Int64: SummaryValue { @inline(__always) var summaryValue: Double { Double(self) } }
extension UInt64: SummaryValue { @inline(__always) var summaryValue: Double { Double(self) } }
extension Float: SummaryValue { @inline(__always) var summaryValue: Double { Double(self) } }
extension Double: SummaryValue { @inline(__always) var summaryValue: Double { self } }
