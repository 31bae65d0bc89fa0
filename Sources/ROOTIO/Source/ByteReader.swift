/// A bounds-checked big-endian cursor over raw bytes.
///
/// `origin` is the buffer position (in ROOT's sense, counted from the start of the key) of the first
/// byte, so that ``bufferPosition`` gives the numbers ROOT uses for object references.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var position: Int
    let origin: Int

    init(_ bytes: UnsafeRawBufferPointer, origin: Int = 0) {
        self.bytes = bytes
        self.position = 0
        self.origin = origin
    }

    var remaining: Int { bytes.count - position }
    var isAtEnd: Bool { position >= bytes.count }
    var bufferPosition: Int { origin + position }

    @inline(__always)
    func check(_ count: Int) throws(DecodeError) {
        guard count >= 0, count <= bytes.count - position else {
            throw DecodeError(.truncated(offset: bufferPosition, needed: count, available: max(0, remaining)))
        }
    }

    @inline(__always)
    mutating func read<T: FixedWidthInteger>(_: T.Type = T.self) throws(DecodeError) -> T {
        try check(MemoryLayout<T>.size)
        let value = bytes.loadUnaligned(fromByteOffset: position, as: T.self)
        position += MemoryLayout<T>.size
        return T(bigEndian: value)
    }

    mutating func u8() throws(DecodeError) -> UInt8 { try read() }
    mutating func i16() throws(DecodeError) -> Int16 { try read() }
    mutating func u16() throws(DecodeError) -> UInt16 { try read() }
    mutating func i32() throws(DecodeError) -> Int32 { try read() }
    mutating func u32() throws(DecodeError) -> UInt32 { try read() }
    mutating func i64() throws(DecodeError) -> Int64 { try read() }
    mutating func f32() throws(DecodeError) -> Float { Float(bitPattern: try read(UInt32.self)) }
    mutating func f64() throws(DecodeError) -> Double { Double(bitPattern: try read(UInt64.self)) }
    mutating func bool() throws(DecodeError) -> Bool { try u8() != 0 }

    /// A non-negative `i32` count, at most `limit` (defaults to what could fit in the bytes left).
    mutating func count(_ what: String, elementSize: Int = 1, limit: Int? = nil) throws(DecodeError) -> Int {
        let n = Int(try i32())
        let maximum = limit ?? remaining / max(1, elementSize)
        guard n >= 0, n <= maximum else { throw .malformed("\(what) count \(n) out of range 0...\(maximum)") }
        return n
    }

    mutating func skip(_ count: Int) throws(DecodeError) {
        try check(count)
        position += count
    }

    /// Moves to an absolute buffer position inside the data (used to honour byte counts).
    mutating func seek(toBufferPosition target: Int) throws(DecodeError) {
        let local = target - origin
        guard local >= 0, local <= bytes.count else {
            throw .malformed("byte count points to buffer position \(target), outside 0...\(origin + bytes.count)")
        }
        position = local
    }

    mutating func rawBytes(_ count: Int) throws(DecodeError) -> UnsafeRawBufferPointer {
        try check(count)
        defer { position += count }
        return UnsafeRawBufferPointer(rebasing: bytes[position ..< position + count])
    }

    /// A ROOT short string: one length byte, or 255 followed by an `i32` length.
    mutating func string() throws(DecodeError) -> String {
        var n = Int(try u8())
        if n == 255 {
            n = Int(try i32())
            guard n >= 0 else { throw .malformed("negative string length \(n)") }
        }
        return String(decoding: try rawBytes(n), as: UTF8.self)
    }

    /// A NUL-terminated C string (class names after a new-class tag).
    mutating func cString() throws(DecodeError) -> String {
        guard let end = bytes[position...].firstIndex(of: 0) else {
            throw .malformed("unterminated class name at buffer position \(bufferPosition)")
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position ..< end]), as: UTF8.self)
        position = end + 1
        return text
    }
}

/// `a × b` for sizes and counts that come from a file: an overflow or a negative factor is a
/// malformed file, not a trap.
@inline(__always)
func checkedProduct(_ a: Int, _ b: Int, _ what: @autoclosure () -> String) throws(DecodeError) -> Int {
    let (product, overflow) = a.multipliedReportingOverflow(by: b)
    guard a >= 0, b >= 0, !overflow else { throw .malformed("\(what()) \(a) × \(b) is out of range") }
    return product
}
