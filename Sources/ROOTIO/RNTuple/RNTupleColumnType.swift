/// The element types of RNTuple 1.0 columns (root-format.md §13.3).
public enum RNTupleColumnType: UInt16, Sendable, CustomStringConvertible {
    case bit = 0x00, byte, char, int8, uint8, int16, uint16, int32, uint32, int64, uint64
    case real16, real32, real64, index32, index64
    case `switch` = 0x10
    case splitInt16, splitUInt16, splitInt32, splitUInt32, splitInt64, splitUInt64
    case splitReal16, splitReal32, splitReal64, splitIndex32, splitIndex64
    case real32Trunc, real32Quant

    public var description: String {
        switch self {
        case .bit: "Bit"
        case .byte: "Byte"
        case .char: "Char"
        case .int8: "Int8"
        case .uint8: "UInt8"
        case .int16: "Int16"
        case .uint16: "UInt16"
        case .int32: "Int32"
        case .uint32: "UInt32"
        case .int64: "Int64"
        case .uint64: "UInt64"
        case .real16: "Real16"
        case .real32: "Real32"
        case .real64: "Real64"
        case .index32: "Index32"
        case .index64: "Index64"
        case .switch: "Switch"
        case .splitInt16: "SplitInt16"
        case .splitUInt16: "SplitUInt16"
        case .splitInt32: "SplitInt32"
        case .splitUInt32: "SplitUInt32"
        case .splitInt64: "SplitInt64"
        case .splitUInt64: "SplitUInt64"
        case .splitReal16: "SplitReal16"
        case .splitReal32: "SplitReal32"
        case .splitReal64: "SplitReal64"
        case .splitIndex32: "SplitIndex32"
        case .splitIndex64: "SplitIndex64"
        case .real32Trunc: "Real32Trunc"
        case .real32Quant: "Real32Quant"
        }
    }

    /// The bits per element a column of this type may declare on storage.
    var allowedBits: ClosedRange<Int> {
        switch self {
        case .bit: 1 ... 1
        case .byte, .char, .int8, .uint8: 8 ... 8
        case .int16, .uint16, .real16, .splitInt16, .splitUInt16, .splitReal16: 16 ... 16
        case .int32, .uint32, .real32, .index32, .splitInt32, .splitUInt32, .splitReal32, .splitIndex32: 32 ... 32
        case .int64, .uint64, .real64, .index64, .splitInt64, .splitUInt64, .splitReal64, .splitIndex64: 64 ... 64
        case .switch: 96 ... 96
        case .real32Trunc: 10 ... 31
        case .real32Quant: 1 ... 32
        }
    }

    /// The Swift type elements are decoded to (index columns to `Int64` offsets, switch columns to
    /// `(index, tag)` pairs of `UInt64`).
    var output: DecodedKind {
        switch self {
        case .bit: .bool
        case .byte, .char, .uint8: .uint8
        case .int8: .int8
        case .int16, .splitInt16: .int16
        case .uint16, .splitUInt16: .uint16
        case .int32, .splitInt32: .int32
        case .uint32, .splitUInt32: .uint32
        case .int64, .splitInt64: .int64
        case .uint64, .splitUInt64: .uint64
        case .real16, .real32, .splitReal16, .splitReal32, .real32Trunc, .real32Quant: .float
        case .real64, .splitReal64: .double
        case .index32, .index64, .splitIndex32, .splitIndex64: .index
        case .switch: .switch
        }
    }

    var isIndex: Bool { output == .index }
}

/// The in-memory type of decoded column elements.
enum DecodedKind: Sendable, Equatable {
    case bool, uint8, int8, int16, uint16, int32, uint32, int64, uint64, float, double, index, `switch`

    /// Bytes per decoded element.
    var stride: Int {
        switch self {
        case .bool, .uint8, .int8: 1
        case .int16, .uint16: 2
        case .int32, .uint32, .float: 4
        case .int64, .uint64, .double, .index: 8
        case .switch: 16
        }
    }
}

/// Decodes the pages of one column: undoes the split, zigzag and delta encodings, unpacks bits,
/// truncated and quantized floats, and widens 32-bit indices, writing decoded elements in place.
struct PageDecoder: Sendable {
    let type: RNTupleColumnType
    let bits: Int
    let range: (min: Double, max: Double)?

    init(_ column: ColumnRecord) {
        type = column.type
        bits = column.bitsOnStorage
        range = column.range
    }

    /// Uncompressed bytes of a page of `count` elements.
    func pageBytes(elements count: Int) throws(DecodeError) -> Int {
        let totalBits = try checkedProduct(count, bits, "page of \(type) elements")
        return totalBits / 8 + (totalBits % 8 == 0 ? 0 : 1)
    }

    /// Decodes `count` elements from the uncompressed page `source` to `destination` (room for
    /// `count` elements of ``RNTupleColumnType/output``).
    func decode(_ source: UnsafeRawBufferPointer, count: Int, into destination: UnsafeMutableRawPointer) {
        guard count > 0, let src = source.baseAddress else { return }
        switch type {
        case .bit:
            let out = destination.assumingMemoryBound(to: UInt8.self)
            for i in 0 ..< count { out[i] = (source[i >> 3] >> UInt8(i & 7)) & 1 }
        case .byte, .char, .int8, .uint8, .int16, .uint16, .int32, .uint32, .int64, .uint64, .real32, .real64, .index64:
            destination.copyMemory(from: src, byteCount: count * bits / 8)
        case .real16:
            let out = destination.assumingMemoryBound(to: Float.self)
            for i in 0 ..< count { out[i] = Self.half(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
        case .index32:
            let out = destination.assumingMemoryBound(to: Int64.self)
            for i in 0 ..< count { out[i] = Int64(UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
        case .splitUInt16, .splitUInt32, .splitUInt64, .splitReal32, .splitReal64:
            Self.unsplit(source, count: count, width: bits / 8, into: destination)
        case .splitInt16:
            Self.unsplit(source, count: count, width: 2, into: destination)
            Self.unzigzag(destination.assumingMemoryBound(to: UInt16.self), count)
        case .splitInt32:
            Self.unsplit(source, count: count, width: 4, into: destination)
            Self.unzigzag(destination.assumingMemoryBound(to: UInt32.self), count)
        case .splitInt64:
            Self.unsplit(source, count: count, width: 8, into: destination)
            Self.unzigzag(destination.assumingMemoryBound(to: UInt64.self), count)
        case .splitReal16:
            withUnsafeTemporaryAllocation(of: UInt16.self, capacity: count) { halves in
                Self.unsplit(source, count: count, width: 2, into: UnsafeMutableRawPointer(halves.baseAddress!))
                let out = destination.assumingMemoryBound(to: Float.self)
                for i in 0 ..< count { out[i] = Self.half(halves[i]) }
            }
        case .splitIndex32:
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: count) { deltas in
                Self.unsplit(source, count: count, width: 4, into: UnsafeMutableRawPointer(deltas.baseAddress!))
                let out = destination.assumingMemoryBound(to: Int64.self)
                var sum: Int64 = 0
                for i in 0 ..< count {
                    sum &+= Int64(Int32(bitPattern: deltas[i]))
                    out[i] = sum
                }
            }
        case .splitIndex64:
            Self.unsplit(source, count: count, width: 8, into: destination)
            let out = destination.assumingMemoryBound(to: Int64.self)
            for i in 1 ..< max(1, count) { out[i] &+= out[i - 1] }
        case .switch:
            let out = destination.assumingMemoryBound(to: UInt64.self)
            for i in 0 ..< count {
                out[2 * i] = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: 12 * i, as: UInt64.self))
                out[2 * i + 1] = UInt64(UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 12 * i + 8, as: UInt32.self)))
            }
        case .real32Trunc:
            let out = destination.assumingMemoryBound(to: UInt32.self)
            for i in 0 ..< count { out[i] = Self.bits(source, at: i * bits, width: bits) << UInt32(32 - bits) }
        case .real32Quant:
            let out = destination.assumingMemoryBound(to: Float.self)
            let (low, high) = range ?? (0, 0)
            let scale = (high - low) / Double((UInt64(1) << UInt64(bits)) - 1)
            for i in 0 ..< count { out[i] = Float(low + Double(Self.bits(source, at: i * bits, width: bits)) * scale) }
        }
    }

    /// Undoes the byte split: byte `b` of element `i` is stored at `b * count + i`.
    @inline(__always)
    static func unsplit(_ source: UnsafeRawBufferPointer, count: Int, width: Int, into destination: UnsafeMutableRawPointer) {
        let out = destination.assumingMemoryBound(to: UInt8.self)
        for b in 0 ..< width {
            let plane = source.baseAddress!.assumingMemoryBound(to: UInt8.self) + b * count
            for i in 0 ..< count { out[i * width + b] = plane[i] }
        }
    }

    @inline(__always)
    static func unzigzag<T: FixedWidthInteger & UnsignedInteger>(_ values: UnsafeMutablePointer<T>, _ count: Int) {
        for i in 0 ..< count {
            let u = values[i]
            values[i] = (u >> 1) ^ (0 &- (u & 1))
        }
    }

    /// `width` bits starting at bit `position` of a little-endian bit stream.
    @inline(__always)
    static func bits(_ source: UnsafeRawBufferPointer, at position: Int, width: Int) -> UInt32 {
        let first = position >> 3
        var word: UInt64 = 0
        if first + 8 <= source.count {
            word = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: first, as: UInt64.self))
        } else {
            for k in 0 ..< (source.count - first) { word |= UInt64(source[first + k]) << UInt64(8 * k) }
        }
        return UInt32(truncatingIfNeeded: (word >> UInt64(position & 7)) & ((1 << UInt64(width)) - 1))
    }

    /// An IEEE half-precision float (Real16 columns).
    static func half(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = Int(h >> 10 & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) }
        if exponent == 0 {
            let magnitude = Float(mantissa) * 0x1p-24
            return sign != 0 ? -magnitude : magnitude
        }
        return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | mantissa << 13)
    }
}
