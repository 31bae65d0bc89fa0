import HEPKitSupport
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Converts `count` big-endian values of `type` at `source` into native values at `destination`
/// (a Swift `Bool`, integer, `Float` or `Double` buffer): bulk copy then in-place byte swap.
@inline(__always)
func decodeElements(_ type: ElementType, from source: UnsafeRawPointer, count: Int, into destination: UnsafeMutableRawPointer) {
    guard count > 0 else { return }
    switch type {
    case .double32(let truncation):
        let d = destination.assumingMemoryBound(to: Double.self)
        for i in 0 ..< count { d[i] = truncated(truncation, source, i) }
    case .float16(let truncation):
        let d = destination.assumingMemoryBound(to: Float.self)
        if case let .scaled(minimum, step) = truncation {
            let low = Float(minimum), width = Float(step)
            for i in 0 ..< count {
                let k = Float(UInt32(bigEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                d[i] = k * width + low
            }
        } else {
            for i in 0 ..< count { d[i] = Float(truncated(truncation, source, i)) }
        }
    default:
        destination.copyMemory(from: source, byteCount: count * type.diskSize)
        toNativeInPlace(type, destination, count: count)
    }
}

/// Turns `count` big-endian values of a plain type (same size on disk and in memory) into native
/// values where they are: byte swap, and `Bool`s normalised to 0/1.
@inline(__always)
func toNativeInPlace(_ type: ElementType, _ pointer: UnsafeMutableRawPointer, count: Int) {
    switch type {
    case .bool:
        let d = pointer.assumingMemoryBound(to: UInt8.self)
        for i in 0 ..< count { d[i] = d[i] != 0 ? 1 : 0 }
    case .int16, .uint16:
        let d = pointer.assumingMemoryBound(to: UInt16.self)
        for i in 0 ..< count { d[i] = UInt16(bigEndian: d[i]) }
    case .int32, .uint32, .float32:
        let d = pointer.assumingMemoryBound(to: UInt32.self)
        for i in 0 ..< count { d[i] = UInt32(bigEndian: d[i]) }
    case .int64, .uint64, .float64:
        let d = pointer.assumingMemoryBound(to: UInt64.self)
        for i in 0 ..< count { d[i] = UInt64(bigEndian: d[i]) }
    case .int8, .uint8, .double32, .float16:
        break
    }
}

@inline(__always)
private func truncated(_ truncation: ElementType.Truncation, _ source: UnsafeRawPointer, _ i: Int) -> Double {
    switch truncation {
    case .float:
        return Double(Float(bitPattern: UInt32(bigEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))))
    case let .scaled(minimum, step):
        return Double(UInt32(bigEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) * step + minimum
    case .mantissa(let bits):
        let exponent = UInt32(source.load(fromByteOffset: 3 * i, as: UInt8.self))
        let mantissa = UInt32(UInt16(bigEndian: source.loadUnaligned(fromByteOffset: 3 * i + 1, as: UInt16.self)))
        let pattern = exponent << 23 | (mantissa & ((1 << (bits + 1)) - 1)) << (23 - bits)
        let value = Double(Float(bitPattern: pattern))
        return mantissa & (1 << (bits + 1)) != 0 ? -value : value
    }
}

/// Asks the kernel to back a large, not yet touched output buffer with transparent huge pages:
/// the first write to a 2 MiB page then costs one fault instead of 512, which is a large part of
/// reading a fast codec's output (LZ4 decompresses faster than 4 KiB pages can be faulted in).
private func adviseHugePages(_ base: UnsafeMutableRawPointer, byteCount: Int) {
    let hugePage = 2 << 20
    guard byteCount >= 2 * hugePage else { return }
    let start = (Int(bitPattern: base) + hugePage - 1) & ~(hugePage - 1)
    let end = (Int(bitPattern: base) + byteCount) & ~(hugePage - 1)
    guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
    #if os(Linux)
    _ = madvise(aligned, end - start, MADV_HUGEPAGE)
    #endif
}

/// Allocates the typed array for `count` values of `type` and lets `fill` write them.
///
/// Callers check `count` against the bytes that back it first; the byte size is checked here too,
/// so a count that slipped through is an error, never an overflow trap.
func makeValues(_ type: ElementType, count: Int, _ fill: (UnsafeMutableRawPointer) throws(DecodeError) -> Void) throws(DecodeError) -> Column.Values {
    func build<T>(_: T.Type) throws(DecodeError) -> [T] {
        _ = try checkedProduct(count, MemoryLayout<T>.stride, "bytes for \(type) values")
        var failure: DecodeError?
        let array = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = 0
            guard count > 0, let base = buffer.baseAddress else { return }
            adviseHugePages(UnsafeMutableRawPointer(base), byteCount: count * MemoryLayout<T>.stride)
            do {
                try fill(UnsafeMutableRawPointer(base))
                initialized = count
            } catch let error as DecodeError {
                failure = error
            } catch {
                failure = .malformed("\(error)")
            }
        }
        if let failure { throw failure }
        return array
    }
    switch type {
    case .bool: return .bool(try build(Bool.self))
    case .int8: return .int8(try build(Int8.self))
    case .uint8: return .uint8(try build(UInt8.self))
    case .int16: return .int16(try build(Int16.self))
    case .uint16: return .uint16(try build(UInt16.self))
    case .int32: return .int32(try build(Int32.self))
    case .uint32: return .uint32(try build(UInt32.self))
    case .int64: return .int64(try build(Int64.self))
    case .uint64: return .uint64(try build(UInt64.self))
    case .float32, .float16: return .float(try build(Float.self))
    case .float64, .double32: return .double(try build(Double.self))
    }
}

extension DecodedBasket {
    /// Rebuilds entry starts of a basket stored without offsets (ROOT's `kGenerateOffsetMap`,
    /// other writers) when entries describe their own size: strings carry their length, STL
    /// containers a byte count. Other layouts are left alone.
    mutating func regenerateStarts(_ layout: EntryLayout) throws(DecodeError) {
        let selfSized: Bool
        switch layout {
        case .string(let header, _): selfSized = header == 0 || header == 6
        case .jagged(let header, _): selfSized = header == 10
        case .jagged2: selfSized = true
        case let .objects(object, _, itemsToEnd, entryHeader): selfSized = itemsToEnd ? entryHeader : object.hasHeader
        case .fixed, .record: selfSized = false
        }
        guard selfSized, entryCount > 0 else { return }
        // every self-sized entry takes at least one byte: the count must not reserve more than the data
        guard entryCount <= data.count else {
            throw .malformed("basket claims \(entryCount) entries in \(data.count) bytes")
        }
        var stringHeader: Int?
        var wideLength = false
        if case let .string(header, wide) = layout { (stringHeader, wideLength) = (header, wide) }
        starts = try data.withBytes { raw throws(DecodeError) -> [Int] in
            var reader = ByteReader(raw)
            var starts = [0]
            starts.reserveCapacity(entryCount + 1)
            for _ in 0 ..< entryCount {
                if let header = stringHeader {
                    try reader.skip(header)
                    if wideLength { try reader.skip(reader.count("string bytes")) } else { _ = try reader.string() }
                } else {
                    let word = try reader.u32()
                    guard word & ObjectReader.byteCountMask != 0 else { throw .malformed("entry without byte count, offsets cannot be rebuilt") }
                    try reader.skip(Int(word & ~ObjectReader.byteCountMask))
                }
                starts.append(reader.position)
            }
            return starts
        }
    }
}

/// One basket's share of a requested entry range.
struct BasketSlice {
    var basket: DecodedBasket
    /// Entries of the basket to take, relative to the basket.
    var entries: Range<Int>
    /// Index of the first taken entry in the output.
    var outputEntry: Int
}

extension Interpretation {
    /// Builds the column for the selected entries of the decoded baskets.
    func assemble(_ slices: [BasketSlice], entryCount: Int) throws(DecodeError) -> Column {
        var slices = slices
        for i in slices.indices where slices[i].basket.starts == nil {
            try slices[i].basket.regenerateStarts(layout)
        }
        // entry counts come from the file: make sure the bytes back them before allocating
        for slice in slices where !slice.entries.isEmpty {
            switch layout {
            case .fixed, .record:
                guard slice.basket.starts != nil || slice.basket.entryCount <= slice.basket.data.count else {
                    throw .malformed("basket claims \(slice.basket.entryCount) entries in \(slice.basket.data.count) bytes")
                }
            case .jagged, .jagged2, .string, .objects:
                guard slice.basket.starts != nil else { throw .unsupported("variable-size entries without entry offsets") }
            }
        }
        switch layout {
        case .fixed(let count):
            guard let type else { throw .malformed("fixed layout without a type") }
            return Column(values: try fixedValues(slices, type: type, perEntry: count, entryCount: entryCount),
                          entryCount: entryCount, offsets: nil, innerOffsets: nil, shape: shape)
        case let .jagged(header, itemCount):
            guard let type else { throw .malformed("jagged layout without a type") }
            return try jagged(slices, type: type, header: header, itemCount: itemCount, entryCount: entryCount)
        case .jagged2(let countedOuter):
            guard let type else { throw .malformed("jagged layout without a type") }
            return try jagged2(slices, type: type, countedOuter: countedOuter, entryCount: entryCount)
        case let .string(header, wideLength):
            return try strings(slices, header: header, wideLength: wideLength, entryCount: entryCount)
        case .record(let fields):
            return try record(slices, fields: fields, entryCount: entryCount)
        case let .objects(object, _, itemsToEnd, entryHeader):
            return try objects(slices, object, itemsToEnd: itemsToEnd, entryHeader: entryHeader, entryCount: entryCount)
        }
    }

    private func objects(_ slices: [BasketSlice], _ layout: ObjectLayout, itemsToEnd: Bool, entryHeader: Bool,
                         entryCount: Int) throws(DecodeError) -> Column {
        let builder = ObjectColumnBuilder(layout)
        var offsets = [0]
        if itemsToEnd { offsets.reserveCapacity(entryCount + 1) }
        for slice in slices {
            guard let starts = slice.basket.starts else { throw .unsupported("object entries without entry offsets") }
            try slice.basket.data.withBytes { raw throws(DecodeError) in
                for j in slice.entries {
                    var stream = ObjectReader(ByteReader(UnsafeRawBufferPointer(rebasing: raw[starts[j] ..< starts[j + 1]])))
                    do throws(DecodeError) {
                        if itemsToEnd {
                            let header = entryHeader && !stream.reader.isAtEnd ? try stream.versionHeader() : nil
                            while !stream.reader.isAtEnd { try builder.append(from: &stream) }
                            try stream.finishExactly(header?.end, "entry")
                            offsets.append(builder.count)
                        } else {
                            try builder.append(from: &stream, bare: layout.isBare(entry: stream.reader))
                        }
                    } catch {
                        throw DecodeError(error.reason.prefixed("entry \(slice.outputEntry + j - slice.entries.lowerBound)"))
                    }
                    guard stream.reader.isAtEnd else {
                        throw .unsupported("entry \(slice.outputEntry + j - slice.entries.lowerBound): \(stream.reader.remaining) bytes left after its value (the streamer does not match)")
                    }
                }
            }
        }
        return itemsToEnd ? try ObjectColumnBuilder.nest(builder.column(), offsets: offsets, entryCount: entryCount) : try builder.column()
    }

    private func fixedValues(_ slices: [BasketSlice], type: ElementType, perEntry: Int, entryCount: Int) throws(DecodeError) -> Column.Values {
        let entrySize = try checkedProduct(perEntry, type.diskSize, "bytes per entry")
        // every taken entry must have exactly entrySize bytes, back to back
        for slice in slices where !slice.entries.isEmpty {
            try slice.basket.requireFixedEntries(of: entrySize)
            let first = slice.basket.range(of: slice.entries.lowerBound, fixedSize: entrySize).lowerBound
            let last = slice.basket.range(of: slice.entries.upperBound - 1, fixedSize: entrySize).upperBound
            guard last - first == slice.entries.count * entrySize, first >= 0, last <= slice.basket.data.count else {
                throw .malformed("entries of \(entrySize) bytes expected; basket has \(slice.basket.data.count) data bytes for \(slice.basket.entryCount) entries")
            }
        }
        let memorySize = perEntry * type.memorySize
        return try makeValues(type, count: checkedProduct(entryCount, perEntry, "values")) { destination in
            nonisolated(unsafe) let destination = destination
            parallelForEach(slices.count) { i in
                let slice = slices[i]
                guard !slice.entries.isEmpty else { return }
                let first = slice.basket.range(of: slice.entries.lowerBound, fixedSize: entrySize).lowerBound
                slice.basket.data.withUnsafeBytes { raw in
                    decodeElements(type, from: raw.baseAddress! + first, count: slice.entries.count * perEntry,
                                   into: destination + slice.outputEntry * memorySize)
                }
            }
        }
    }

    private func jagged(_ slices: [BasketSlice], type: ElementType, header: Int, itemCount: Int, entryCount: Int) throws(DecodeError) -> Column {
        let itemSize = itemCount * type.diskSize
        var offsets = [Int](repeating: 0, count: entryCount + 1)
        // Baskets in parallel: each writes its entries' offsets counted from its own start, then
        // (below) adds the items of the baskets before it while its values are decoded.
        let counted = ResultSlots<Result<Int, DecodeError>>(count: slices.count)
        offsets.withUnsafeMutableBufferPointer { offsets in
            nonisolated(unsafe) let offsets = offsets
            parallelForEach(slices.count) { i in
                let slice = slices[i]
                guard let starts = slice.basket.starts else {
                    counted[i] = .failure(.unsupported("variable-size entries without entry offsets"))
                    return
                }
                var total = 0
                for j in slice.entries {
                    let size = starts[j + 1] - starts[j]
                    let payload = size == 0 ? 0 : size - header
                    guard payload >= 0, payload % itemSize == 0 else {
                        counted[i] = .failure(.malformed("entry of \(size) bytes is not a \(header)-byte header plus \(itemSize)-byte items"))
                        return
                    }
                    total += payload / itemSize * itemCount
                    offsets[slice.outputEntry + j - slice.entries.lowerBound + 1] = total
                }
                counted[i] = .success(total)
            }
        }
        var sliceStarts: [Int] = []
        sliceStarts.reserveCapacity(slices.count)
        var total = 0
        for result in counted.take() {
            sliceStarts.append(total)
            switch result {
            case .success(let items): total += items
            case .failure(let error): throw error
            case nil: throw .malformed("basket entries were not counted")
            }
        }
        let values = try offsets.withUnsafeMutableBufferPointer { offsets throws(DecodeError) in
            nonisolated(unsafe) let offsets = offsets
            return try makeValues(type, count: total) { [sliceStarts] destination in
                nonisolated(unsafe) let destination = destination
                let memorySize = type.memorySize
                let diskSize = type.diskSize
                parallelForEach(slices.count) { i in
                    let slice = slices[i]
                    guard let starts = slice.basket.starts, !slice.entries.isEmpty else { return }
                    var out = sliceStarts[i]
                    if out > 0 {
                        for k in slice.outputEntry + 1 ... slice.outputEntry + slice.entries.count { offsets[k] += out }
                    }
                    slice.basket.data.withUnsafeBytes { raw in
                        if header == 0 {
                            let first = starts[slice.entries.lowerBound], last = starts[slice.entries.upperBound]
                            guard last > first, let base = raw.baseAddress else { return }
                            decodeElements(type, from: base + first, count: (last - first) / diskSize,
                                           into: destination + out * memorySize)
                            return
                        }
                        for j in slice.entries where starts[j + 1] > starts[j] {
                            let n = (starts[j + 1] - starts[j] - header) / diskSize
                            decodeElements(type, from: raw.baseAddress! + starts[j] + header, count: n, into: destination + out * memorySize)
                            out += n
                        }
                    }
                }
            }
        }
        return Column(values: values, entryCount: entryCount, offsets: offsets, innerOffsets: nil, shape: shape)
    }

    private func jagged2(_ slices: [BasketSlice], type: ElementType, countedOuter: Bool, entryCount: Int) throws(DecodeError) -> Column {
        var outer: [Int] = [0]
        var inner: [Int] = [0]
        var content: [UInt8] = []
        outer.reserveCapacity(entryCount + 1)
        for slice in slices {
            guard let starts = slice.basket.starts else { throw .unsupported("vector<vector> entries without entry offsets") }
            try slice.basket.data.withBytes { raw throws(DecodeError) in
                for j in slice.entries {
                    var reader = ByteReader(UnsafeRawBufferPointer(rebasing: raw[starts[j] ..< starts[j + 1]]))
                    if reader.remaining == 0 { outer.append(inner.count - 1); continue }
                    try reader.skip(6)
                    let n = countedOuter ? try reader.count("inner vectors", elementSize: 4) : Int.max
                    var k = 0
                    while k < n, countedOuter || !reader.isAtEnd {
                        let m = try reader.count("vector items", elementSize: type.diskSize)
                        content.append(contentsOf: try reader.rawBytes(m * type.diskSize))
                        inner.append(inner.last! + m)
                        k += 1
                    }
                    outer.append(inner.count - 1)
                }
            }
        }
        let count = inner.last!
        let values = try makeValues(type, count: count) { destination in
            content.withUnsafeBytes { decodeElements(type, from: $0.baseAddress!, count: count, into: destination) }
        }
        return Column(values: values, entryCount: entryCount, offsets: outer, innerOffsets: inner, shape: [])
    }

    private func strings(_ slices: [BasketSlice], header: Int, wideLength: Bool, entryCount: Int) throws(DecodeError) -> Column {
        var values: [String] = []
        values.reserveCapacity(entryCount)
        for slice in slices {
            guard let starts = slice.basket.starts else { throw .unsupported("string entries without entry offsets") }
            try slice.basket.data.withBytes { raw throws(DecodeError) in
                for j in slice.entries {
                    var reader = ByteReader(UnsafeRawBufferPointer(rebasing: raw[starts[j] ..< starts[j + 1]]))
                    if reader.remaining == 0 { values.append(""); continue }
                    try reader.skip(header)
                    values.append(wideLength ? String(decoding: try reader.rawBytes(reader.count("string bytes")), as: UTF8.self)
                                             : try reader.string())
                }
            }
        }
        return Column(values: .string(values), entryCount: entryCount, offsets: nil, innerOffsets: nil, shape: [])
    }

    private func record(_ slices: [BasketSlice], fields: [RecordField], entryCount: Int) throws(DecodeError) -> Column {
        var entrySize = 0
        for field in fields {
            let (sum, overflow) = entrySize.addingReportingOverflow(try checkedProduct(field.count, field.type.diskSize, "leaf bytes"))
            guard !overflow else { throw .malformed("leaf-list entry size out of range") }
            entrySize = sum
        }
        for slice in slices {
            try slice.basket.requireFixedEntries(of: entrySize)
            for j in slice.entries {
                let range = slice.basket.range(of: j, fixedSize: entrySize)
                guard range.count == entrySize, range.lowerBound >= 0, range.upperBound <= slice.basket.data.count else {
                    throw .malformed("leaf-list entry of \(range.count) bytes, expected \(entrySize)")
                }
            }
        }
        var columns: [(name: String, column: Column)] = []
        var fieldOffset = 0
        for field in fields {
            let size = field.count * field.type.diskSize
            let memorySize = field.count * field.type.memorySize
            let offset = fieldOffset
            let values = try makeValues(field.type, count: checkedProduct(entryCount, field.count, "values")) { destination in
                for slice in slices {
                    for j in slice.entries {
                        let range = slice.basket.range(of: j, fixedSize: entrySize)
                        slice.basket.data.withUnsafeBytes { raw in
                            decodeElements(field.type, from: raw.baseAddress! + range.lowerBound + offset, count: field.count,
                                           into: destination + (slice.outputEntry + j - slice.entries.lowerBound) * memorySize)
                        }
                    }
                }
            }
            fieldOffset += size
            columns.append((field.name, Column(values: values, entryCount: entryCount, offsets: nil, innerOffsets: nil, shape: field.shape)))
        }
        return Column(values: .record(columns), entryCount: entryCount, offsets: nil, innerOffsets: nil, shape: [])
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for bodies with typed `DecodeError` throws.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws(DecodeError) -> R) throws(DecodeError) -> R {
        try withUnsafeBytes { raw in Result { () throws(DecodeError) in try body(raw) } }.get()
    }
}
