/// Reads values of an ``ObjectLayout`` one after another and collects them as a ``Column``:
/// numbers as raw bytes converted once at the end, containers as offsets over their items'
/// builder, classes as one builder per member (a record), map items as `("0": key, "1": value)`
/// tuples. One builder serves a whole branch read, so there is no allocation per entry beyond the
/// growth of its buffers.
final class ObjectColumnBuilder {
    let layout: ObjectLayout
    /// Values appended so far.
    private(set) var count = 0
    private var bytes: [UInt8] = []
    private var strings: [String] = []
    /// Container offsets into the child's values (`count + 1`).
    private var offsets: [Int] = [0]
    private var children: [ObjectColumnBuilder] = []
    private var names: [String] = []

    init(_ layout: ObjectLayout) {
        self.layout = layout
        switch layout {
        case .number, .string, .counted, .tArray, .tObjectBits, .unknown:
            break
        case .sequence(let item, _), .array(let item, _):
            children = [ObjectColumnBuilder(item)]
        case .map(let key, let value, _):
            children = [ObjectColumnBuilder(key), ObjectColumnBuilder(value)]
            names = ["0", "1"]
        case .object(_, _, let parts):
            func collect(_ parts: [ObjectPart]) {
                for part in parts {
                    switch part {
                    case let .member(name, layout):
                        names.append(name)
                        children.append(ObjectColumnBuilder(layout))
                    case .tObject, .skipped: break
                    case .referenceTObject:
                        names.append("ref")
                        children.append(ObjectColumnBuilder(.number(.uint32)))
                    case .base(_, _, let parts): collect(parts)
                    }
                }
            }
            collect(parts)
        }
    }

    /// Reads one value. `header`: whether a headered container here carries its header (false for
    /// items nested in a container, whose header, if any, was read once for all).
    ///
    /// `bare`: a class written without its byte count + version (a top-level branch of a class
    /// without `ClassDef`, streamed by `TClass::Streamer`, e.g. ATLAS xAOD objects).
    func append(from stream: inout ObjectReader, header: Bool = true, bare: Bool = false, depth: Int = 0) throws(DecodeError) {
        guard depth < ObjectReader.maximumDepth else { throw .malformed("objects nested deeper than \(ObjectReader.maximumDepth)") }
        switch layout {
        case .number(let type):
            bytes.append(contentsOf: try stream.reader.rawBytes(type.diskSize))
        case .unknown(let className):
            throw .unsupported("class \(className) (no streamer in the file)")
        case .tObjectBits:
            let bits = try stream.reader.rawBytes(4)
            bytes.append(contentsOf: bits)
            if bits.loadUnaligned(as: UInt32.self).bigEndian & ObjectReader.isReferenced != 0 { try stream.reader.skip(2) }
        case .string(let headered):
            let part = headered && header ? try stream.versionHeader() : nil
            strings.append(try stream.reader.string())
            try stream.finishExactly(part?.end, "string")
        case let .sequence(item, headered):
            let part = headered && header ? try stream.versionHeader() : nil
            if let part, part.version & ObjectReader.memberwiseBit != 0 {
                throw .unsupported("member-wise streamed collection of \(item)")
            }
            let n = try stream.reader.count("container items", elementSize: max(1, item.minimumSize))
            try children[0].appendItems(n, from: &stream, depth: depth)
            offsets.append(children[0].count)
            try stream.finishExactly(part?.end, "container")
        case let .map(key, value, headered):
            var memberwise = false
            let part = headered && header ? try stream.versionHeader() : nil
            if let part, part.version & ObjectReader.memberwiseBit != 0 {
                memberwise = true
                try stream.reader.skip(6) // the pair's version 0 + checksum
            }
            let n = try stream.reader.count("map items", elementSize: max(1, key.minimumSize + value.minimumSize))
            if memberwise {
                if key.hasSharedHeaderInMap, header { try stream.reader.skip(6) }
                try children[0].appendItems(n, from: &stream, depth: depth)
                if value.hasSharedHeaderInMap, header { try stream.reader.skip(6) }
                try children[1].appendItems(n, from: &stream, depth: depth)
            } else {
                for _ in 0 ..< n {
                    try children[0].append(from: &stream, depth: depth + 1)
                    try children[1].append(from: &stream, depth: depth + 1)
                }
            }
            offsets.append(children[0].count)
            try stream.finishExactly(part?.end, "map")
        case let .array(_, dimensions):
            try children[0].appendItems(dimensions.reduce(1, *), from: &stream, depth: depth)
        case .counted:
            throw .unsupported("a counted array outside its class")
        case .tArray(let type):
            let n = try stream.reader.count("TArray values", elementSize: type.diskSize)
            bytes.append(contentsOf: try stream.reader.rawBytes(n * type.diskSize))
            offsets.append(offsets.last! + n)
        case let .object(className, streamer, parts):
            var part: (version: Int, checkSum: UInt32?, end: Int?) = (0, nil, nil)
            if !ObjectLayout.versionless.contains(className), !bare {
                part = try stream.classHeader()
                try streamer?.check(className, version: part.version, checkSum: part.checkSum)
            }
            var child = 0
            try read(parts, from: &stream, child: &child, depth: depth)
            try stream.finishExactly(part.end, className)
        }
        count += 1
    }

    /// Reads `n` values, numbers in one copy.
    private func appendItems(_ n: Int, from stream: inout ObjectReader, depth: Int) throws(DecodeError) {
        if case .number(let type) = layout {
            bytes.append(contentsOf: try stream.reader.rawBytes(try checkedProduct(n, type.diskSize, "container bytes")))
            count += n
            return
        }
        for _ in 0 ..< n { try append(from: &stream, header: false, depth: depth + 1) }
    }

    private func read(_ parts: [ObjectPart], from stream: inout ObjectReader, child: inout Int, depth: Int) throws(DecodeError) {
        for part in parts {
            switch part {
            case .member(let name, let layout):
                if case let .counted(type, countName, flagged) = layout {
                    // the count is an integer member read before, in this class or a base
                    guard let index = names[..<child].lastIndex(of: countName), let n = children[index].lastInteger,
                          n >= 0 else {
                        throw .malformed("member \(name): its count \(countName) is missing or negative")
                    }
                    try children[child].appendCounted(n, type, flagged: flagged, from: &stream)
                } else {
                    try children[child].append(from: &stream, depth: depth + 1)
                }
                child += 1
            case .tObject:
                try stream.skipTObject()
            case .referenceTObject:
                try stream.skipTObject(uniqueID: children[child])
                child += 1
            case .skipped(let n):
                try stream.reader.skip(n)
            case let .base(className, streamer, parts):
                let header = try stream.classHeader()
                try streamer?.check(className, version: header.version, checkSum: header.checkSum)
                try read(parts, from: &stream, child: &child, depth: depth + 1)
                try stream.finishExactly(header.end, className)
            }
        }
    }

    /// `T* x //[n]`: a flag byte (0: nothing follows), then `n` values.
    private func appendCounted(_ n: Int, _ type: ElementType, flagged: Bool, from stream: inout ObjectReader) throws(DecodeError) {
        let flag = flagged ? try stream.reader.u8() : 1
        let stored = flag == 0 ? 0 : n
        bytes.append(contentsOf: try stream.reader.rawBytes(try checkedProduct(stored, type.diskSize, "array bytes")))
        offsets.append(offsets.last! + stored)
        count += 1
    }

    /// The last value of an integer member (the count of a `T* x //[n]` member).
    private var lastInteger: Int? {
        guard case .number(let type) = layout, count > 0 else { return nil }
        let size = type.diskSize
        var value: UInt64 = 0
        for byte in bytes[(bytes.count - size)...] { value = value << 8 | UInt64(byte) }
        switch type {
        case .int8: return Int(Int8(truncatingIfNeeded: value))
        case .int16: return Int(Int16(truncatingIfNeeded: value))
        case .int32: return Int(Int32(truncatingIfNeeded: value))
        case .int64: return Int(Int64(bitPattern: value))
        case .uint8, .uint16, .uint32: return Int(value)
        case .uint64: return Int(exactly: value)
        default: return nil
        }
    }

    /// The collected values: `count` entries.
    func column() throws(DecodeError) -> Column {
        switch layout {
        case .number(let type):
            return Column(values: try numbers(type, count), entryCount: count, offsets: nil, innerOffsets: nil, shape: [])
        case .tObjectBits:
            return Column(values: try numbers(.uint32, count), entryCount: count, offsets: nil, innerOffsets: nil, shape: [])
        case .string:
            return Column(values: .string(strings), entryCount: count, offsets: nil, innerOffsets: nil, shape: [])
        case .tArray(let type), .counted(let type, _, _):
            return Column(values: try numbers(type, offsets.last!), entryCount: count, offsets: offsets, innerOffsets: nil, shape: [])
        case .sequence, .map:
            let items = children.count == 1 ? try children[0].column() : try record(children[0].count)
            return try Self.nest(items, offsets: offsets, entryCount: count)
        case .array(_, let dimensions):
            var items = try children[0].column()
            guard items.offsets == nil, items.shape.isEmpty else { throw .unsupported("arrays of variable-size values") }
            items.entryCount = count
            items.shape = dimensions
            return items
        case .object, .unknown:
            return try record(count)
        }
    }

    private func record(_ count: Int) throws(DecodeError) -> Column {
        var fields: [(name: String, column: Column)] = []
        for (name, child) in zip(names, children) { fields.append((name, try child.column())) }
        return Column(values: .record(fields), entryCount: count, offsets: nil, innerOffsets: nil, shape: [])
    }

    private func numbers(_ type: ElementType, _ n: Int) throws(DecodeError) -> Column.Values {
        guard bytes.count == n * type.diskSize else { throw .malformed("\(bytes.count) bytes for \(n) \(type) values") }
        return try makeValues(type, count: n) { destination in
            bytes.withUnsafeBytes { decodeElements(type, from: $0.baseAddress!, count: n, into: destination) }
        }
    }

    /// A column of `entryCount` lists over `items` (one more level of ``Column/offsets``).
    static func nest(_ items: Column, offsets: [Int], entryCount: Int) throws(DecodeError) -> Column {
        switch (items.offsets, items.innerOffsets) {
        case (nil, nil):
            // offsets of a column count values: items of fixed dimensions hold several each
            let width = items.shape.reduce(1, *)
            return Column(values: items.values, entryCount: entryCount, offsets: width == 1 ? offsets : offsets.map { $0 * width },
                          innerOffsets: nil, shape: items.shape)
        case (let inner?, nil) where items.shape.isEmpty:
            return Column(values: items.values, entryCount: entryCount, offsets: offsets, innerOffsets: inner, shape: [])
        default:
            throw .unsupported("containers nested three deep")
        }
    }
}

extension ObjectReader {
    /// Set in a version word when the collection after it is streamed member-wise.
    static let memberwiseBit = 0x4000

    /// `TObject` (§5.4): version, `fUniqueID`, `fBits`, and the process id if `kIsReferenced`.
    /// `uniqueID`, if given, collects `fUniqueID` (a `TRef`'s reference number).
    mutating func skipTObject(uniqueID: ObjectColumnBuilder? = nil) throws(DecodeError) {
        let version = try reader.u16()
        if Int(version) & Self.memberwiseBit != 0 { try reader.skip(4) }
        if let uniqueID { try uniqueID.append(from: &self) } else { try reader.skip(4) }
        let bits = try reader.u32()
        if bits & Self.isReferenced != 0 { try reader.skip(2) }
    }

    /// Byte count + version of a class part; version 0 (a class without `ClassDef`) is followed by
    /// the class checksum (§5.1).
    mutating func classHeader() throws(DecodeError) -> (version: Int, checkSum: UInt32?, end: Int?) {
        let header = try versionHeader()
        let checkSum = header.version == 0 ? try reader.u32() : nil
        return (header.version, checkSum, header.end)
    }

    /// `TObject::kIsReferenced`: a 2-byte process id follows `fBits`.
    static let isReferenced: UInt32 = 0x10

    /// Checks that a part ended exactly at its byte count: a layout that does not match the
    /// bytes (another class version, a custom streamer) is an error, never misread values.
    mutating func finishExactly(_ end: Int?, _ what: String) throws(DecodeError) {
        guard let end, end != reader.bufferPosition else { return }
        throw .unsupported("\(what) does not match its streamer (read to \(reader.bufferPosition), its byte count ends at \(end))")
    }
}
