/// A directory's contents.
public struct ROOTDirectory: Sendable {
    /// Path from the top directory (`""` for the top).
    public var path: String
    /// Every key, in file order (all cycles).
    public var keys: [ROOTKey]

    /// The keys with only the highest cycle of each name, in file order.
    public var latestKeys: [ROOTKey] {
        var best: [String: Int16] = [:]
        for key in keys { best[key.name] = max(best[key.name] ?? .min, key.cycle) }
        return keys.filter { best[$0.name] == $0.cycle }
    }

    /// The key `name` or `name;cycle` (highest cycle if none is given).
    func key(named spec: String) throws(DecodeError) -> ROOTKey {
        var name = spec
        var cycle: Int16?
        if let semi = spec.lastIndex(of: ";"), let number = Int16(spec[spec.index(after: semi)...]) {
            name = String(spec[..<semi])
            cycle = number
        }
        let candidates = keys.filter { $0.name == name && (cycle == nil || $0.cycle == cycle) }
        guard let key = candidates.max(by: { $0.cycle < $1.cycle }) else {
            throw DecodeError(.notFound("no key '\(spec)' in directory '\(path.isEmpty ? "/" : path)'"))
        }
        return key
    }
}

/// The 60-byte `TDirectory` record and where its key list is.
struct DirectoryRecord: Sendable {
    var seekDir: Int64
    var seekKeys: Int64
    var nbytesKeys: Int32

    init(storage: MappedFile, at offset: Int64) throws(DecodeError) {
        var reader = ByteReader(try storage.slice(offset, 42))
        let version = try reader.i16()
        _ = try reader.u32(); _ = try reader.u32()
        nbytesKeys = try reader.i32()
        _ = try reader.i32() // fNbytesName
        if version > 1000 {
            seekDir = try reader.i64(); _ = try reader.i64(); seekKeys = try reader.i64()
        } else {
            seekDir = Int64(try reader.i32()); _ = try reader.i32(); seekKeys = Int64(try reader.i32())
        }
        guard seekKeys >= 0, seekKeys < storage.bytes.count else {
            throw .malformed("directory keys list offset \(seekKeys) outside the file (size \(storage.bytes.count))")
        }
    }

    func keys(in file: ROOTFile) throws(DecodeError) -> [ROOTKey] {
        guard seekKeys != 0 else { return [] }
        var reader = ByteReader(try file.storage.tail(from: seekKeys, expected: Int(nbytesKeys)))
        _ = try ROOTKey(&reader)
        let n = try reader.count("keys", elementSize: 26)
        var keys: [ROOTKey] = []
        keys.reserveCapacity(n)
        for _ in 0 ..< n { keys.append(try ROOTKey(&reader)) }
        return keys
    }

    func key(named name: String, in file: ROOTFile) throws(DecodeError) -> ROOTKey {
        try ROOTDirectory(path: "", keys: keys(in: file)).key(named: name)
    }
}
