import Foundation

/// A growing big-endian byte buffer: the serialisation side of ROOT's `TBufferFile`.
///
/// Byte counts are written by ``beginCounted(version:)`` / ``endCounted(_:)``: the count word is
/// reserved first and patched when the part ends, so nested parts need no size precomputation.
struct OutputBuffer {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    var count: Int { bytes.count }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    mutating func i16(_ v: Int16) { u16(UInt16(bitPattern: v)) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }
    mutating func i32(_ v: Int32) { u32(UInt32(bitPattern: v)) }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }
    mutating func i64(_ v: Int64) { withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) } }
    mutating func f32(_ v: Float) { u32(v.bitPattern) }
    mutating func f64(_ v: Double) { withUnsafeBytes(of: v.bitPattern.bigEndian) { bytes.append(contentsOf: $0) } }
    mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }
    mutating func zeros(_ n: Int) { bytes.append(contentsOf: repeatElement(0, count: n)) }

    /// A ROOT short string: one length byte, or 255 and a 32-bit length for 255 bytes or more.
    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        if utf8.count < 255 {
            u8(UInt8(utf8.count))
        } else {
            u8(255)
            i32(Int32(clamping: utf8.count))
        }
        append(utf8)
    }

    /// A NUL-terminated C string (class names after a new-class tag).
    mutating func cString(_ s: String) {
        append(Array(s.utf8))
        u8(0)
    }

    /// Starts a part with a byte count and `version`; returns where its count word is.
    mutating func beginCounted(version: Int16) -> Int {
        let start = bytes.count
        u32(0)
        i16(version)
        return start
    }

    /// Patches the byte count of the part started at `start` (`kByteCountMask | bytes after the word`).
    mutating func endCounted(_ start: Int) {
        patch(UInt32(0x4000_0000) | UInt32(bytes.count - start - 4), at: start)
    }

    /// Starts an object pointer with a new class tag (`byte count, 0xFFFFFFFF, class name`): the
    /// writer never refers back to earlier classes, so every record stays position independent.
    mutating func beginObjectPointer(className: String) -> Int {
        let start = bytes.count
        u32(0)
        u32(0xFFFF_FFFF)
        cString(className)
        return start
    }

    /// Makes room for `more` bytes (one growth instead of repeated doubling).
    mutating func reserve(_ more: Int) { bytes.reserveCapacity(bytes.count + more) }

    /// Overwrites `count` bytes at `offset` with `other`.
    mutating func replace(at offset: Int, with other: [UInt8]) {
        bytes.replaceSubrange(offset ..< offset + other.count, with: other)
    }

    mutating func patch(_ v: UInt32, at offset: Int) {
        withUnsafeBytes(of: v.bigEndian) { raw in
            for k in 0 ..< 4 { bytes[offset + k] = raw[k] }
        }
    }

    mutating func patch(_ v: Int64, at offset: Int) {
        withUnsafeBytes(of: v.bigEndian) { raw in
            for k in 0 ..< 8 { bytes[offset + k] = raw[k] }
        }
    }

    /// `TObject`: version 1, `fUniqueID`, `fBits` (ROOT's on-heap and not-deleted bits plus `bits`).
    mutating func tObject(bits: UInt32 = 0, uniqueID: UInt32 = 0) {
        u16(1)
        u32(uniqueID)
        u32(0x0300_0000 | bits)
    }

    /// `TNamed` v1 part.
    mutating func tNamed(name: String, title: String, bits: UInt32 = 0) {
        let start = beginCounted(version: 1)
        tObject(bits: bits)
        string(name)
        string(title)
        endCounted(start)
    }

    /// `TAttLine`, `TAttFill` and `TAttMarker` with ROOT's defaults (the bases of TH1 and TTree).
    mutating func defaultAttributes() {
        let line = beginCounted(version: 2)
        i16(602); i16(1); i16(1)
        endCounted(line)
        let fill = beginCounted(version: 2)
        i16(0); i16(1001)
        endCounted(fill)
        let marker = beginCounted(version: 2)
        i16(1); i16(1); f32(1)
        endCounted(marker)
    }

    /// An empty `TObjArray` written by value (`fName` empty, no items).
    mutating func emptyObjArray() {
        let start = beginCounted(version: 3)
        tObject()
        string("")
        i32(0)
        i32(0)
        endCounted(start)
    }

    /// An empty `TList` written by value.
    mutating func emptyList() {
        let start = beginCounted(version: 5)
        tObject()
        string("")
        i32(0)
        endCounted(start)
    }
}

/// ROOT's `TDatime` packing: years since 1995, month, day, hour, minute, second in one word.
enum ROOTDatime {
    static func packed(_ date: Date, in timeZone: TimeZone) -> UInt32 {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let year = UInt32(min(63, max(0, (c.year ?? 1995) - 1995)))
        return year << 26 | UInt32(c.month ?? 1) << 22 | UInt32(c.day ?? 1) << 17
            | UInt32(c.hour ?? 0) << 12 | UInt32(c.minute ?? 0) << 6 | UInt32(c.second ?? 0)
    }
}
