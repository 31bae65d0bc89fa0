import HEPKitSupport

extension Column {
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
                    parallelForEach(blocks) { block in
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
