import Foundation
import Testing
@testable import ROOTIO

#if canImport(Glibc)
import Glibc
#endif

/// Byte edits on copies of the fixtures, for crafted-input tests.
enum Patch {
    /// Offset just after the first occurrence of `pattern` at or after `from` (fails the test if absent).
    static func after(_ pattern: [UInt8], in bytes: [UInt8], from: Int = 0) throws -> Int {
        var i = from
        while i + pattern.count <= bytes.count {
            if bytes[i] == pattern[0], Array(bytes[i ..< i + pattern.count]) == pattern { return i + pattern.count }
            i += 1
        }
        throw PatchError.notFound
    }

    /// Offsets of every occurrence of `pattern` at or after `from`.
    static func occurrences(_ pattern: [UInt8], in bytes: [UInt8], from: Int = 0) -> [Int] {
        var found: [Int] = []
        var i = from
        while i + pattern.count <= bytes.count {
            if bytes[i] == pattern[0], Array(bytes[i ..< i + pattern.count]) == pattern { found.append(i) }
            i += 1
        }
        return found
    }

    /// A ROOT short string: length byte and characters.
    static func shortString(_ text: String) -> [UInt8] { [UInt8(text.utf8.count)] + Array(text.utf8) }

    static func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

    static func write<T: FixedWidthInteger>(_ value: T, at offset: Int, in bytes: inout [UInt8]) {
        bytes.replaceSubrange(offset ..< offset + MemoryLayout<T>.size, with: bigEndian(value))
    }

    static func read<T: FixedWidthInteger>(_: T.Type, at offset: Int, in bytes: [UInt8]) -> T {
        bytes[offset ..< offset + MemoryLayout<T>.size].reduce(0) { $0 << 8 | T($1) }
    }

    /// Offset of the `fLen` of the `TLeaf` named `name` with title `title` (uncompressed files only).
    static func leafLength(_ name: String, title: String? = nil, in bytes: [UInt8]) throws -> Int {
        try after(shortString(name) + shortString(title ?? name), in: bytes)
    }

    enum PatchError: Error { case notFound }
}

/// Crafted files (issue 9): each size or count a file can lie about gives a typed error before
/// anything is allocated, never a trap, a huge allocation, a hang or wrong values.
@Suite struct HostileInputTests {
    static let uncompressed = "uproot-HZZ-uncompressed.root"

    static func expectMalformed(_ body: () throws -> Void, mentioning words: [String] = [],
                                sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation, performing: body, throws: { error in
            guard let error = error as? ROOTError else { return false }
            switch error.reason {
            case .malformed, .truncated, .corruptCompression: break
            default: return false
            }
            return words.allSatisfy { "\(error)".contains($0) }
        })
    }

    /// `fLen` of a scalar leaf set to 10^8: reading would allocate 2421 × 10^8 floats (968 GB)
    /// before the baskets were looked at. Now the baskets' real sizes are checked first.
    @Test func hugeLeafLengthIsCheckedAgainstTheBaskets() throws {
        var bytes = try ErrorTests.fixtureBytes(Self.uncompressed)
        let at = try Patch.leafLength("MET_px", in: bytes)
        #expect(Patch.read(Int32.self, at: at, in: bytes) == 1)
        Patch.write(Int32(100_000_000), at: at, in: &bytes)
        let branch = try ROOTFile(bytes: bytes).tree("events").branch("MET_px")
        Self.expectMalformed({ _ = try branch.column() }, mentioning: ["events/MET_px", "basket 0", "need"])
        Self.expectMalformed({ _ = try branch.column(entries: 0 ..< 3) }, mentioning: ["basket 0"])
    }

    /// `fLen` 2 on a scalar: the first entries would fit in the basket and be read as wrong values.
    @Test func wrongLeafLengthIsAnErrorEvenForTheFirstEntries() throws {
        var bytes = try ErrorTests.fixtureBytes(Self.uncompressed)
        Patch.write(Int32(2), at: try Patch.leafLength("MET_px", in: bytes), in: &bytes)
        let branch = try ROOTFile(bytes: bytes).tree("events").branch("MET_px")
        for entries in [0 ..< 3, 0 ..< 2421, 2000 ..< 2421] as [Range<Int64>] {
            Self.expectMalformed({ _ = try branch.column(entries: entries) }, mentioning: ["basket 0"])
        }
    }

    /// The tree's and a branch's `fEntries` and the branch's `fBasketEntry[1]` set to 2^62: the
    /// basket claims 2^62 entries and the value count overflowed `makeValues` (a trap).
    @Test func entryCountPast2To62IsAnError() throws {
        var bytes = try ErrorTests.fixtureBytes(Self.uncompressed)
        let treeRecord = Int(try ROOTFile(bytes: bytes).key("events").seekKey)
        let treeEntries = try #require(Patch.occurrences(Patch.bigEndian(Int64(2421)), in: bytes, from: treeRecord).first)
        Patch.write(Int64(1) << 62, at: treeEntries, in: &bytes)
        let name = try Patch.after(Patch.shortString("NJet") + Patch.shortString("NJet/I"), in: bytes)
        // after the branch's name: fEntryNumber, fEntries, then fBasketEntry[1]
        let hits = Patch.occurrences(Patch.bigEndian(Int64(2421)), in: bytes, from: name)
        try #require(hits.count >= 3)
        for at in hits[1 ... 2] { Patch.write(Int64(1) << 62, at: at, in: &bytes) }
        let tree = try ROOTFile(bytes: bytes).tree("events")
        let branch = try tree.branch("NJet")
        #expect(branch.entryCount == 1 << 62)
        Self.expectMalformed({ _ = try branch.column() }, mentioning: ["events/NJet"])
        Self.expectMalformed({ _ = try branch.column(entries: 0 ..< 10) }, mentioning: ["events/NJet"])
    }

    /// A `TProfile3D` whose three axes have 2^28 − 2 bins: the cell count 2^84 trapped on the
    /// multiply. The record is rewritten uncompressed at the end of the file with the axes patched.
    @Test func axisSizesPastIntMaxAreAnError() throws {
        let name = "uproot-issue-227b.root"
        var bytes = try ErrorTests.fixtureBytes(name)
        let file = try ROOTFile(path: Fixtures.path(name))
        let key = try file.key("hprof3d")
        var object = try file.objectBytes(of: key)
        for axis in ["xaxis", "yaxis", "zaxis"] {
            var at = try Patch.after(Patch.shortString(axis), in: object)
            at += 1 + Int(object[at]) // the title
            let attAxis = Int(Patch.read(UInt32.self, at: at, in: object) & 0x3FFF_FFFF)
            at += 4 + attAxis
            Patch.write(Int32(1 << 28 - 2), at: at, in: &object)
        }
        bytes = try Self.appendUncompressed(object, replacing: key, in: bytes)
        let patched = try ROOTFile(bytes: bytes)
        Self.expectMalformed({ _ = try patched.histogram("hprof3d") }, mentioning: ["hprof3d", "bins"])
        #expect(try patched.allObjects().count == 1)
    }

    /// `bytes` with `key`'s record appended uncompressed (`object`) and both copies of its key
    /// header (record and directory list) pointing there.
    static func appendUncompressed(_ object: [UInt8], replacing key: ROOTKey, in bytes: [UInt8]) throws -> [UInt8] {
        var bytes = bytes
        let header = Patch.bigEndian(key.totalBytes) + Patch.bigEndian(key.version) + Patch.bigEndian(key.objectLength)
        let places = Patch.occurrences(header, in: bytes)
        try #require(places.count == 2 && key.version < 1000)
        let seek = Int32(bytes.count)
        let total = Int32(Int(key.keyLength) + object.count)
        var record = Array(bytes[Int(key.seekKey) ..< Int(key.seekKey) + Int(key.keyLength)])
        for start in places {
            Patch.write(total, at: start, in: &bytes)
            Patch.write(Int32(object.count), at: start + 6, in: &bytes)
            Patch.write(seek, at: start + 18, in: &bytes) // fSeekKey after fDatime, fKeylen, fCycle
        }
        Patch.write(total, at: 0, in: &record)
        Patch.write(seek, at: 18, in: &record)
        return bytes + record + object
    }

    @Test func fifoAndDirectoryAreRejectedWithoutBlocking() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rootio-fifo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("input.root").path
        try #require(mkfifo(fifo, 0o600) == 0)
        // without O_NONBLOCK / stat-first, this open would wait forever for a writer
        #expect(throws: ROOTError(file: fifo, reason: .cannotOpen("a FIFO, not a regular file"))) { try ROOTFile(path: fifo) }
        #expect(throws: ROOTError(file: dir.path, reason: .cannotOpen("a directory, not a regular file"))) {
            try ROOTFile(path: dir.path)
        }
        #expect(throws: ROOTError(file: "/dev/null", reason: .cannotOpen("a device, not a regular file"))) {
            try ROOTFile(path: "/dev/null")
        }
    }

    @Test func inMemoryFileReadsLikeTheMappedOne() throws {
        let path = Fixtures.path("uproot-HZZ-zlib.root")
        let fromMemory = try ROOTFile(bytes: ErrorTests.fixtureBytes("uproot-HZZ-zlib.root"), name: "memory.root")
        let px = try fromMemory.tree("events").branch("Muon_Px").readJagged(as: Float.self)
        #expect(px.values == (try ROOTFile(path: path).tree("events").branch("Muon_Px").readJagged(as: Float.self)).values)
        #expect(px.values.count == 3825)
        #expect(throws: ROOTError(file: "empty", reason: .truncated(offset: 0, needed: 4, available: 0))) {
            try ROOTFile(bytes: [], name: "empty")
        }
    }
}
