/// Something registered in a buffer's reference map (§5.3 of the format notes): a class name, or
/// an object that later pointers may refer back to.
enum StreamedReference {
    case className(String)
    case leaf(LeafModel)
    case branch(BranchModel)
    case basket(EmbeddedBasket)
    case streamerElement(StreamerElement)
    case streamerElements([StreamerElement])
    case streamerInfo(String, ClassStreamer)
    case other
}

/// A cursor plus the per-buffer reference map used to decode ROOT's object pointers.
struct ObjectReader {
    static let byteCountMask: UInt32 = 0x4000_0000
    static let newClassTag: UInt32 = 0xFFFF_FFFF
    static let classMask: UInt32 = 0x8000_0000
    static let mapOffset = 2
    static let maximumDepth = 48

    var reader: ByteReader
    var references: [Int: StreamedReference] = [:]
    var depth = 0

    init(_ reader: ByteReader) { self.reader = reader }

    /// Byte count + version header. `end` is the buffer position the part ends at, if a byte count was stored.
    mutating func versionHeader() throws(DecodeError) -> (version: Int, end: Int?) {
        let start = reader.bufferPosition
        let word = try reader.u32()
        if word & Self.byteCountMask != 0 {
            let count = Int(word & ~Self.byteCountMask)
            guard count >= 2, count <= reader.remaining else {
                throw .malformed("byte count \(count) at buffer position \(start) exceeds the \(reader.remaining) bytes left")
            }
            return (Int(try reader.u16()), start + 4 + count)
        }
        try reader.seek(toBufferPosition: start)
        return (Int(try reader.u16()), nil)
    }

    /// Moves to the end of a part whose header gave `end` (skipping members this reader ignores).
    mutating func finish(_ end: Int?, _ what: String) throws(DecodeError) {
        guard let end else { return }
        guard end >= reader.bufferPosition else {
            throw .malformed("\(what) overran its byte count (at \(reader.bufferPosition), should end at \(end))")
        }
        try reader.seek(toBufferPosition: end)
    }

    /// Skips a whole part that has a byte count.
    mutating func skipPart(_ what: String) throws(DecodeError) {
        let header = try versionHeader()
        guard header.end != nil else { throw .malformed("\(what) has no byte count and cannot be skipped") }
        try finish(header.end, what)
    }

    /// The `TObject` part (no byte count).
    mutating func tObject() throws(DecodeError) {
        let version = try reader.u16()
        if version & 0x4000 != 0 { try reader.skip(4) }
        _ = try reader.u32() // fUniqueID
        let bits = try reader.u32()
        if bits & 0x10 != 0 { try reader.skip(2) } // kIsReferenced: process id
    }

    /// `TNamed`: returns name and title.
    mutating func tNamed() throws(DecodeError) -> (name: String, title: String) {
        let header = try versionHeader()
        try tObject()
        let name = try reader.string()
        let title = try reader.string()
        try finish(header.end, "TNamed")
        return (name, title)
    }

    /// An object pointer: null, a reference to something already read, or a new object whose class
    /// name (or class reference) precedes it. `body` decodes a new object of the given class.
    mutating func objectPointer(_ body: (String, inout ObjectReader) throws(DecodeError) -> StreamedReference) throws(DecodeError) -> StreamedReference? {
        guard depth < Self.maximumDepth else { throw .malformed("objects nested deeper than \(Self.maximumDepth) levels") }
        let begin = reader.bufferPosition
        var word = try reader.u32()
        var end: Int?
        var tag = word
        if word & Self.byteCountMask != 0, word != Self.newClassTag {
            let count = Int(word & ~Self.byteCountMask)
            guard count <= reader.remaining else {
                throw .malformed("object byte count \(count) at buffer position \(begin) exceeds the \(reader.remaining) bytes left")
            }
            end = begin + 4 + count
            word = try reader.u32()
            tag = word
        }
        if tag & Self.classMask == 0 {
            // null or a reference to an object read before
            if let end { try reader.seek(toBufferPosition: end) }
            if tag == 0 { return nil }
            return references[Int(tag)] ?? .other
        }
        let className: String
        if tag == Self.newClassTag {
            let tagPosition = reader.bufferPosition - 4
            className = try reader.cString()
            references[tagPosition + Self.mapOffset] = .className(className)
        } else {
            guard case .className(let name)? = references[Int(tag & ~Self.classMask)] else {
                throw .malformed("class reference \(tag & ~Self.classMask) at buffer position \(begin) names no class read before")
            }
            className = name
        }
        depth += 1
        let object = try body(className, &self)
        depth -= 1
        references[begin + Self.mapOffset] = object
        if let end {
            guard end >= reader.bufferPosition else {
                throw .malformed("\(className) overran its byte count (at \(reader.bufferPosition), should end at \(end))")
            }
            try reader.seek(toBufferPosition: end)
        }
        return object
    }

    /// A `TObjArray` stored by value: returns its items.
    mutating func objArray(_ body: (String, inout ObjectReader) throws(DecodeError) -> StreamedReference) throws(DecodeError) -> [StreamedReference?] {
        let header = try versionHeader()
        try tObject()
        _ = try reader.string()
        let n = try reader.count("TObjArray items", elementSize: 4)
        _ = try reader.i32() // fLowerBound
        var items: [StreamedReference?] = []
        items.reserveCapacity(n)
        for _ in 0 ..< n { items.append(try objectPointer(body)) }
        try finish(header.end, "TObjArray")
        return items
    }

    /// Skips a `TObjArray` member (e.g. the tree's `fLeaves`, whose items were read already).
    mutating func skipObjArray() throws(DecodeError) { try skipPart("TObjArray") }

    /// `u8` flag + `n` values of a basic array member.
    mutating func flaggedArray<T: FixedWidthInteger>(_: T.Type, count n: Int) throws(DecodeError) -> [T] {
        _ = try reader.u8()
        try reader.check(n * MemoryLayout<T>.size)
        var values: [T] = []
        values.reserveCapacity(n)
        for _ in 0 ..< n { values.append(try reader.read(T.self)) }
        return values
    }
}
