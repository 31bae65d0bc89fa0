import CXXHash

extension ROOTFile {
    /// The one entry point through which RNTuple reading takes bytes from the file: `count` bytes
    /// at absolute `offset` (a remote source only has to serve this range).
    func rntupleBytes(at offset: UInt64, count: UInt64) throws(DecodeError) -> UnsafeRawBufferPointer {
        guard let start = Int64(exactly: offset), let length = Int(exactly: count) else {
            throw .malformed("byte range at \(offset) of \(count) bytes is outside any file")
        }
        return try storage.slice(start, length)
    }

    /// The stored bytes at `locator`, expanded to `length` bytes (raw when the sizes agree,
    /// otherwise ROOT compression blocks whose headers are checked before anything is allocated).
    func rntupleExpanded(_ locator: RNTupleLocator, length: Int) throws(DecodeError) -> [UInt8] {
        try decompressRecord(try rntupleBytes(at: locator.offset, count: locator.size), objectLength: length)
    }
}

/// XXH3-64 of `bytes`: the checksum of RNTuple envelopes, pages and the anchor.
func xxh3(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
    XXH3_64bits(bytes.baseAddress, bytes.count)
}

/// Where stored bytes are: a size and an absolute file offset (RNTuple locator).
struct RNTupleLocator: Sendable, Equatable {
    var size: UInt64
    var offset: UInt64
}

/// A bounds-checked little-endian cursor over RNTuple envelope bytes, with the frame, string and
/// locator encodings of the RNTuple binary format (root-format.md §13.2).
struct EnvelopeReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var position = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - position }

    mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws(DecodeError) -> T {
        guard MemoryLayout<T>.size <= remaining else {
            throw DecodeError(.truncated(offset: position, needed: MemoryLayout<T>.size, available: remaining))
        }
        defer { position += MemoryLayout<T>.size }
        return T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
    }

    mutating func u16() throws(DecodeError) -> UInt16 { try read() }
    mutating func u32() throws(DecodeError) -> UInt32 { try read() }
    mutating func i32() throws(DecodeError) -> Int32 { try read() }
    mutating func u64() throws(DecodeError) -> UInt64 { try read() }
    mutating func i64() throws(DecodeError) -> Int64 { try read() }
    mutating func f64() throws(DecodeError) -> Double { Double(bitPattern: try read(UInt64.self)) }

    /// `u32` length + UTF-8 bytes.
    mutating func string() throws(DecodeError) -> String {
        let length = Int(try u32())
        guard length <= remaining else { throw .malformed("string of \(length) bytes, only \(remaining) left in its frame") }
        defer { position += length }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position ..< position + length]), as: UTF8.self)
    }

    mutating func skip(_ count: Int) throws(DecodeError) {
        guard count >= 0, count <= remaining else { throw .malformed("skipping \(count) bytes, only \(remaining) left") }
        position += count
    }

    /// A locator: `i32` size and `u64` offset, or (negative size) a large locator of two `u64`s.
    mutating func locator() throws(DecodeError) -> RNTupleLocator {
        let size = try i32()
        if size >= 0 { return RNTupleLocator(size: UInt64(size), offset: try u64()) }
        let type = Int(-Int64(size)) >> 24
        guard type == 1 else { throw .unsupported("locator type \(type) (only standard and large locators are read)") }
        return RNTupleLocator(size: try u64(), offset: try u64())
    }

    /// A record frame: its payload as a reader of its own; the cursor moves past the whole frame
    /// (fields appended by newer writers are skipped).
    mutating func recordFrame() throws(DecodeError) -> EnvelopeReader {
        let start = position
        let size = try i64()
        guard size >= 8, size - 8 <= Int64(remaining) else {
            throw .malformed("record frame at byte \(start) of size \(size), \(remaining + 8) bytes left")
        }
        return try body(from: start, size: Int(size))
    }

    /// A list frame: its item count and a reader over the items; the cursor moves past the frame.
    /// Every item takes at least `minimumItemSize` bytes, which bounds the count.
    mutating func listFrame(minimumItemSize: Int = 1) throws(DecodeError) -> (count: Int, items: EnvelopeReader) {
        let start = position
        let size = try i64()
        guard size < 0, size != .min, -size >= 12, -size - 8 <= Int64(remaining) else {
            throw .malformed("list frame at byte \(start) of size \(size), \(remaining + 8) bytes left")
        }
        var items = try body(from: start, size: Int(-size))
        let count = Int(try items.u32())
        guard count <= items.remaining / max(1, minimumItemSize) else {
            throw .malformed("list frame at byte \(start) claims \(count) items in \(items.remaining) bytes")
        }
        return (count, items)
    }

    private mutating func body(from start: Int, size: Int) throws(DecodeError) -> EnvelopeReader {
        position = start + size
        return EnvelopeReader(UnsafeRawBufferPointer(rebasing: bytes[(start + 8) ..< (start + size)]))
    }
}

/// The envelope types of RNTuple 1.0.
enum EnvelopeType: UInt16 {
    case header = 1, footer = 2, pageList = 3
}

extension Array where Element == UInt8 {
    /// Checks the envelope framing (type, length, XXH3 checksum) and runs `body` on its payload.
    /// Returns the body's result and the envelope checksum.
    func withEnvelope<T>(_ type: EnvelopeType, _ body: (inout EnvelopeReader) throws(DecodeError) -> T) throws(DecodeError) -> (T, UInt64) {
        var result: Result<(T, UInt64), DecodeError>!
        withUnsafeBytes { raw in
            result = Result { () throws(DecodeError) -> (T, UInt64) in
                var reader = EnvelopeReader(raw)
                let word = try reader.u64()
                let found = UInt16(truncatingIfNeeded: word)
                let length = word >> 16
                guard found == type.rawValue else { throw .malformed("envelope of type \(found) where type \(type.rawValue) was expected") }
                guard length == UInt64(raw.count), raw.count >= 16 else {
                    throw .malformed("envelope says \(length) bytes, \(raw.count) were read")
                }
                let stored = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: raw.count - 8, as: UInt64.self))
                let computed = xxh3(UnsafeRawBufferPointer(rebasing: raw[..<(raw.count - 8)]))
                guard stored == computed else {
                    throw .malformed("\(type) envelope checksum mismatch (stored \(hex(stored)), computed \(hex(computed)))")
                }
                var payload = EnvelopeReader(UnsafeRawBufferPointer(rebasing: raw[8 ..< (raw.count - 8)]))
                return (try body(&payload), computed)
            }
        }
        return try result.get()
    }
}

func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
