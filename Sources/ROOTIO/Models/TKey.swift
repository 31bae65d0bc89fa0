/// A `TKey`: the header of one record (an object, a directory, a basket) in a ROOT file.
public struct ROOTKey: Sendable, Hashable {
    /// Total record size: key header plus stored (possibly compressed) object.
    public var totalBytes: Int32
    /// Key class version (+1000 for 64-bit seeks).
    public var version: Int16
    /// Uncompressed object size.
    public var objectLength: Int32
    /// Size of the key header (object data start at `seekKey + keyLength`).
    public var keyLength: Int16
    /// Cycle number (basket index for baskets).
    public var cycle: Int16
    /// Offset of this record in the file.
    public var seekKey: Int64
    /// Offset of the directory record that owns this key.
    public var seekParentDirectory: Int64
    public var className: String
    public var name: String
    public var title: String

    /// Parses a key header at the cursor.
    init(_ reader: inout ByteReader) throws(DecodeError) {
        totalBytes = try reader.i32()
        version = try reader.i16()
        objectLength = try reader.i32()
        _ = try reader.u32() // fDatime
        keyLength = try reader.i16()
        cycle = try reader.i16()
        if version > 1000 {
            seekKey = try reader.i64()
            seekParentDirectory = try reader.i64() & 0xFFFF_FFFF_FFFF
        } else {
            seekKey = Int64(try reader.i32())
            seekParentDirectory = Int64(try reader.i32())
        }
        className = try reader.string()
        name = try reader.string()
        title = try reader.string()
        if objectLength == 0 { objectLength = Int32(clamping: Int(totalBytes) - Int(keyLength)) }
        guard keyLength >= 0, objectLength >= 0 else {
            throw .malformed("key '\(name)' has negative sizes (fKeylen \(keyLength), fObjlen \(objectLength))")
        }
    }

    /// `name;cycle`.
    public var nameWithCycle: String { "\(name);\(cycle)" }

    /// Whether the key holds a subdirectory.
    public var isDirectory: Bool { className == "TDirectory" || className == "TDirectoryFile" }
}

extension ROOTFile {
    /// Reads the key header stored at `offset`.
    func readKey(at offset: Int64) throws(DecodeError) -> ROOTKey {
        guard offset >= 0, offset < Int64(storage.bytes.count) else {
            throw .malformed("key offset \(offset) outside the file (size \(storage.bytes.count))")
        }
        // fKeylen, at byte 14, bounds the header: a remote file fetches just that much
        var prefix = ByteReader(try storage.tail(from: offset, expected: 16))
        _ = (try prefix.i32(), try prefix.i16(), try prefix.i32(), try prefix.u32()) // same reads as ROOTKey, same errors
        var reader = ByteReader(try storage.tail(from: offset, expected: Int(try prefix.i16())), origin: 0)
        return try ROOTKey(&reader)
    }

    /// The uncompressed object of `key` (owned, `fObjlen` bytes).
    func objectBytes(of key: ROOTKey) throws(DecodeError) -> [UInt8] {
        // the directory's copy of the key and the record's own header must agree on the sizes
        let record = try readKey(at: key.seekKey)
        guard record.totalBytes == key.totalBytes, record.objectLength == key.objectLength, record.keyLength == key.keyLength else {
            throw .malformed("key '\(key.name)': the record says fNbytes \(record.totalBytes), fObjlen \(record.objectLength), "
                             + "fKeylen \(record.keyLength); the directory says \(key.totalBytes), \(key.objectLength), \(key.keyLength)")
        }
        let stored = Int(key.totalBytes) - Int(key.keyLength)
        guard stored >= 0 else { throw .malformed("key '\(key.name)': fNbytes \(key.totalBytes) < fKeylen \(key.keyLength)") }
        let source = try storage.slice(key.seekKey + Int64(key.keyLength), stored)
        return try decompressRecord(source, objectLength: Int(key.objectLength))
    }

    func decompressRecord(_ source: UnsafeRawBufferPointer, objectLength: Int) throws(DecodeError) -> [UInt8] {
        try codecs.checkExpandedSize(source, objectLength: objectLength)
        var failure: DecodeError?
        let bytes = [UInt8](unsafeUninitializedCapacity: objectLength) { buffer, count in
            do throws(DecodeError) {
                try codecs.expand(source, into: UnsafeMutableRawBufferPointer(buffer))
                count = objectLength
            } catch {
                failure = error
                count = 0
            }
        }
        if let failure { throw failure }
        return bytes
    }
}
