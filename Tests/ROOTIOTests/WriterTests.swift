import Foundation
import Testing
@testable import ROOTIO

/// Files written by ``ROOTWriter`` read back exactly with HEPKit's reader (uproot's view is
/// checked by tools/check_written.py in CI).
@Suite struct WriterTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("writer-\(UUID().uuidString)-\(name)").path
    }

    /// Writes, reopens from disk, deletes the file.
    static func roundTrip(_ writer: ROOTWriter, name: String = "t.root") throws -> ROOTFile {
        let path = temporaryPath(name)
        try writer.write(to: path)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        return try ROOTFile(bytes: bytes, name: name)
    }

    static let compressions: [(String, ROOTCompression)] = [
        ("none", .none), ("zlib", .zlib(level: 6)), ("lz4", .lz4()), ("zstd", .zstd()),
    ]

    @Test func histogramsReadBackExactly() throws {
        for (label, compression) in Self.compressions {
            var writer = ROOTWriter(fileName: "h.root", compression: compression)
            let variable = Histogram(
                name: "mjj", title: "m_{jj}", axes: [.init(edges: [0, 10, 25, 50, 100], title: "m [GeV]")],
                contentsWithFlow: [1.5, 2, 3.25, 4, 5, 0.5], sumw2WithFlow: [0.5, 1, 2, 3, 4, 0.25], entries: 17)
            try writer.write(variable)
            let float = Histogram(name: "f", axes: [.init(binCount: 3, low: -1, high: 2)], storage: .float,
                                  contentsWithFlow: [0, 1.25, 2.5, 3.75, 9])
            try writer.write(float, in: "floats")
            let ints = Histogram(name: "i", axes: [.init(binCount: 2, low: 0, high: 2)], storage: .int,
                                 contentsWithFlow: [7, 8, 9, 10])
            try writer.write(ints, in: "floats/ints")
            let twoD = Histogram(name: "h2", title: "2-D", axes: [.init(binCount: 2, low: 0, high: 2, title: "x"),
                                                                  .init(edges: [0, 1, 3], title: "y")],
                                 contentsWithFlow: (0 ..< 16).map { Double($0) * 0.5 }, sumw2WithFlow: (0 ..< 16).map { Double($0) })
            try writer.write(twoD)
            let twoF = Histogram(name: "h2f", axes: [.init(binCount: 1, low: 0, high: 1), .init(binCount: 1, low: 0, high: 1)],
                                 storage: .float, contentsWithFlow: (0 ..< 9).map(Double.init))
            try writer.write(twoF)
            let file = try Self.roundTrip(writer)

            let mjj = try file.histogram("mjj")
            #expect(mjj.className == "TH1D", "\(label)")
            #expect(mjj.title == "m_{jj}")
            #expect(mjj.axes[0].edges == [0, 10, 25, 50, 100])
            #expect(mjj.axes[0].title == "m [GeV]")
            #expect(mjj.contentsWithFlow == [1.5, 2, 3.25, 4, 5, 0.5])
            #expect(mjj.sumw2WithFlow == [0.5, 1, 2, 3, 4, 0.25])
            #expect(mjj.entries == 17)

            let f = try file.histogram("floats/f")
            #expect(f.className == "TH1F")
            #expect(f.contentsWithFlow == [0, 1.25, 2.5, 3.75, 9])
            #expect(f.axes[0].edges == [-1, 0, 1, 2])
            #expect(f.sumw2WithFlow == nil)
            let i = try file.histogram("floats/ints/i")
            #expect(i.className == "TH1I")
            #expect(i.contentsWithFlow == [7, 8, 9, 10])

            let h2 = try file.histogram("h2")
            #expect(h2.className == "TH2D" && h2.dimension == 2)
            #expect(h2.contentsWithFlow == (0 ..< 16).map { Double($0) * 0.5 })
            #expect(h2.sumw2WithFlow == (0 ..< 16).map(Double.init))
            #expect(h2.axes[1].edges == [0, 1, 3])
            #expect(h2.axes[1].title == "y")
            // x fastest: bin (ix 1, iy 2) is cell 1 + 4·2 = 9
            #expect(h2.values == [2.5, 3, 4.5, 5])
            let h2f = try file.histogram("h2f")
            #expect(h2f.className == "TH2F")
            #expect(h2f.values == [4])
        }
    }

    @Test func directoriesAndCyclesAreListed() throws {
        var writer = ROOTWriter()
        let h = Histogram(name: "h", axes: [.init(binCount: 1, low: 0, high: 1)], contentsWithFlow: [0, 1, 0])
        try writer.write(h, in: "SR/ttbar/nominal")
        try writer.write(h, in: "SR/ttbar/JES__1up")
        try writer.makeDirectory("empty")
        try writer.write(h)
        try writer.write(h)
        let file = try Self.roundTrip(writer)
        let paths = try file.allObjects().map(\.path)
        #expect(paths == ["SR", "SR/ttbar", "SR/ttbar/nominal", "SR/ttbar/nominal/h", "SR/ttbar/JES__1up",
                          "SR/ttbar/JES__1up/h", "empty", "h"])
        #expect(try file.directory().keys.filter { $0.name == "h" }.map(\.cycle).sorted() == [1, 2])
    }

    @Test func treesReadBackExactly() throws {
        let n = 2_500
        let floats = (0 ..< n).map { Float($0) * 0.25 - 100 }
        let doubles = (0 ..< n).map { sin(Double($0)) * 1e5 }
        let int64s = (0 ..< n).map { Int64($0) * 1_000_000_007 - 5 }
        let uint8s = (0 ..< n).map { UInt8($0 % 256) }
        let int16s = (0 ..< n).map { Int16($0 % 3000) - 1500 }
        let bools = (0 ..< n).map { $0 % 3 == 0 }
        let fixed = (0 ..< 3 * n).map { Double($0) / 7 }
        var offsets = [0]
        for entry in 0 ..< n { offsets.append(offsets.last! + entry % 5) }
        let jaggedValues = (0 ..< offsets.last!).map { Float($0) * 1.5 }
        let jaggedInts = (0 ..< offsets.last!).map { Int32($0) - 40 }
        for (label, compression) in Self.compressions {
            var tree = WritableTree(name: "events", title: "test tree", entriesPerBasket: 700)
            try tree.add("f", values: floats)
            try tree.add("d", values: doubles)
            try tree.add("l", values: int64s)
            try tree.add("b", values: uint8s)
            try tree.add("s", values: int16s)
            try tree.add("o", values: bools)
            try tree.add("p3", fixedArrays: fixed, length: 3)
            try tree.add("jet_pt", jagged: JaggedArray(values: jaggedValues, offsets: offsets), counter: "njet")
            try tree.add("jet_id", jagged: JaggedArray(values: jaggedInts, offsets: offsets), counter: "njet")
            var writer = ROOTWriter(compression: compression)
            try writer.write(tree, in: "trees")
            let file = try Self.roundTrip(writer)
            let read = try file.tree("trees/events")
            #expect(read.entryCount == Int64(n), "\(label)")
            #expect(read.title == "test tree")
            #expect(read.branches.map(\.name) == ["f", "d", "l", "b", "s", "o", "p3", "njet", "jet_pt", "jet_id"])
            #expect(try read.branch("f").read(as: Float.self) == floats)
            #expect(try read.branch("d").read(as: Double.self) == doubles)
            #expect(try read.branch("l").read(as: Int64.self) == int64s)
            #expect(try read.branch("b").read(as: UInt8.self) == uint8s)
            #expect(try read.branch("s").read(as: Int16.self) == int16s)
            #expect(try read.branch("o").read(as: UInt8.self) == bools.map { $0 ? 1 : 0 })
            #expect(try read.branch("p3").read(as: Double.self) == fixed)
            #expect(try read.branch("njet").read(as: Int32.self) == (0 ..< n).map { Int32($0 % 5) })
            let pt = try read.branch("jet_pt").readJagged(as: Float.self)
            #expect(pt.values == jaggedValues && pt.offsets == offsets)
            let ids = try read.branch("jet_id").readJagged(as: Int32.self, entries: 1001 ..< 1404)
            #expect(ids.values == Array(jaggedInts[offsets[1001] ..< offsets[1404]]))
        }
    }

    @Test func compressionShrinksAndHeaderRecordsIt() throws {
        var tree = WritableTree(name: "t")
        try tree.add("zeros", values: [Double](repeating: 0, count: 50_000))
        var plain = ROOTWriter(compression: .none)
        try plain.write(tree)
        var zstd = ROOTWriter(compression: .zstd(level: 3))
        try zstd.write(tree)
        let plainBytes = try plain.bytes(), zstdBytes = try zstd.bytes()
        #expect(plainBytes.count > 400_000)
        #expect(zstdBytes.count < 20_000)
        // fCompress at offset 33 of the small header
        #expect(Array(zstdBytes[33 ..< 37]) == [0, 0, 1, 247]) // 503
        // fEND = file size
        let end = zstdBytes[12 ..< 16].reduce(0) { $0 << 8 | Int($1) }
        #expect(end == zstdBytes.count)
    }

    @Test func invalidObjectsAreRefusedWithNames() throws {
        var writer = ROOTWriter()
        let short = Histogram(name: "h", axes: [.init(binCount: 3, low: 0, high: 1)], contentsWithFlow: [1, 2])
        #expect(throws: ROOTWriteError.invalid("histogram 'h': 2 contents for 5 bins including flow bins")) { try writer.write(short) }
        let slash = Histogram(name: "a/b", axes: [.init(binCount: 1, low: 0, high: 1)], contentsWithFlow: [0, 0, 0])
        #expect(throws: ROOTWriteError.self) { try writer.write(slash) }
        var tree = WritableTree(name: "t")
        try tree.add("x", values: [1, 2, 3] as [Float])
        #expect(throws: ROOTWriteError.invalid("tree 't': branch 'y' has 2 entries, the others 3")) {
            try tree.add("y", values: [1, 2] as [Float])
        }
        #expect(throws: ROOTWriteError.self) { try tree.add("x", values: [1, 2, 3] as [Float]) }
        #expect(throws: ROOTWriteError.self) { try writer.write(tree, in: "../escape;1") }
    }

    @Test func columnsReadFromAFileCopyExactly() throws {
        let source = try ROOTFile(path: Fixtures.path("uproot-HZZ-zlib.root"))
        let events = try source.tree("events")
        var copy = WritableTree(name: "events", entriesPerBasket: 1000)
        for branch in events.branches where branch.name != "NJet" {
            try copy.add(branch.name, column: try branch.column(), counter: branch.name.hasPrefix("Jet_") ? "NJet" : "n\(branch.name)")
        }
        var writer = ROOTWriter(compression: .lz4())
        try writer.write(copy)
        let read = try Self.roundTrip(writer).tree("events")
        #expect(read.entryCount == 2421)
        #expect(try read.branch("NJet").read(as: Int32.self) == events.branch("NJet").read(as: Int32.self))
        let px = try read.branch("Jet_Px").readJagged(as: Float.self)
        let original = try events.branch("Jet_Px").readJagged(as: Float.self)
        #expect(px.values == original.values && px.offsets == original.offsets)
        #expect(try read.branch("MET_px").read(as: Float.self) == events.branch("MET_px").read(as: Float.self))
    }

    // MARK: streaming and stamps

    /// A small file with a folder, a histogram and a jagged tree.
    static func fill(_ write: (Histogram, WritableTree) throws -> Void, scale: Double = 1) throws {
        let histogram = Histogram(name: "h", axes: [.init(binCount: 2, low: 0, high: 2)], contentsWithFlow: [1, 2, 3, 4].map { $0 * scale })
        var tree = WritableTree(name: "events", entriesPerBasket: 700)
        try tree.add("x", values: (0 ..< 5000).map { Float($0) * Float(scale) })
        let offsets = (0 ... 5000).map { $0 / 2 * 3 + $0 % 2 }
        try tree.add("pt", jagged: JaggedArray(values: (0 ..< offsets.last!).map(Double.init), offsets: offsets), counter: "n")
        try write(histogram, tree)
    }

    static func memoryFile(stamp: FileStamp, scale: Double = 1) throws -> [UInt8] {
        var writer = ROOTWriter(fileName: "s.root", title: "", compression: .zlib(), stamp: stamp)
        try fill({ histogram, tree in
            try writer.write(histogram, in: "a/b")
            try writer.write(tree, in: "a")
        }, scale: scale)
        return try writer.bytes()
    }

    /// The packed `TDatime` of the TFile key (offset 100 + 10) as (year, month, day, hour, minute, second).
    static func datime(_ bytes: [UInt8]) -> [Int] {
        let d = bytes[110 ..< 114].reduce(0) { $0 << 8 | Int($1) }
        return [(d >> 26) + 1995, d >> 22 & 0xF, d >> 17 & 0x1F, d >> 12 & 0x1F, d >> 6 & 0x3F, d & 0x3F]
    }

    /// The header's UUID (after its version word at offset 45).
    static func uuid(_ bytes: [UInt8]) -> [UInt8] { Array(bytes[47 ..< 63]) }

    @Test func streamedFileEqualsTheMemoryFileAndReadsBack() throws {
        let stamp = FileStamp(environment: ["SOURCE_DATE_EPOCH": "1700000000"])
        let folder = Self.temporaryPath("stream")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/s.root"
        let writer = try ROOTFileWriter(path: path, fileName: nil, title: "", compression: .zlib(), stamp: stamp)
        try Self.fill { histogram, tree in
            try writer.write(histogram, in: "a/b")
            try writer.write(tree, in: "a")
        }
        #expect(!FileManager.default.fileExists(atPath: path), "nothing at the destination before commit")
        try writer.commit()
        #expect(throws: ROOTWriteError.self) { try writer.makeDirectory("late") }
        let streamed = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(streamed == (try Self.memoryFile(stamp: stamp)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["s.root"])

        let file = try ROOTFile(bytes: streamed, name: "s.root")
        #expect(try file.histogram("a/b/h").contentsWithFlow == [1, 2, 3, 4])
        let tree = try file.tree("a/events")
        #expect(try tree.branch("x").read(as: Float.self) == (0 ..< 5000).map(Float.init))
        let pt = try tree.branch("pt").readJagged(as: Double.self)
        #expect(pt.offsets == (0 ... 5000).map { $0 / 2 * 3 + $0 % 2 })
        #expect(pt.values == (0 ..< 7500).map(Double.init))
    }

    @Test func droppedOrFailedStreamingWritersLeaveNothing() throws {
        let folder = Self.temporaryPath("dropped")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        do {
            let writer = try ROOTFileWriter(path: folder + "/x.root")
            var tree = WritableTree(name: "t")
            try tree.add("x", values: [1, 2, 3] as [Int32])
            try writer.write(tree)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
        let broken = FileStamp(environment: ["SOURCE_DATE_EPOCH": "yesterday"])
        #expect(throws: ROOTWriteError.invalid("SOURCE_DATE_EPOCH='yesterday' is not a non-negative whole number of seconds")) {
            try ROOTFileWriter(path: folder + "/y.root", fileName: nil, title: "", compression: .none, stamp: broken)
        }
        #expect(throws: ROOTWriteError.self) { try ROOTWriter(fileName: "y.root", title: "", compression: .none, stamp: broken).bytes() }
        #expect(throws: ROOTWriteError.self) { try ROOTFileWriter(path: folder + "/missing/z.root") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }

    @Test func sourceDateEpochMakesFilesByteIdentical() throws {
        let stamp = FileStamp(environment: ["SOURCE_DATE_EPOCH": "1700000000"])
        let first = try Self.memoryFile(stamp: stamp), second = try Self.memoryFile(stamp: stamp)
        #expect(first == second)
        #expect(Self.datime(first) == [2023, 11, 14, 22, 13, 20]) // 1700000000 in UTC
        let uuid = Self.uuid(first)
        #expect(uuid[6] >> 4 == 8 && uuid[8] >> 6 == 2, "an RFC 9562 version-8 UUID")
        // the UUID comes from the content: other values, another UUID
        #expect(Self.uuid(try Self.memoryFile(stamp: stamp, scale: 2)) != uuid)
        // and every directory record carries it (the top one at 100 + key + names + 32)
        let top = 100 + (26 + 6 + 7 + 1) + (7 + 1) + 32
        #expect(Array(first[top ..< top + 16]) == uuid)
    }

    @Test func withoutSourceDateEpochFilesCarryTheCurrentTime() throws {
        let before = Date()
        let first = try Self.memoryFile(stamp: FileStamp(environment: [:]))
        let after = Date()
        let second = try Self.memoryFile(stamp: FileStamp(environment: [:]))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        let stamped = calendar.date(from: DateComponents(year: Self.datime(first)[0], month: Self.datime(first)[1],
                                                          day: Self.datime(first)[2], hour: Self.datime(first)[3],
                                                          minute: Self.datime(first)[4], second: Self.datime(first)[5]))!
        #expect(stamped.timeIntervalSince(before) > -1.5 && stamped.timeIntervalSince(after) < 1.5)
        #expect(Self.uuid(first) != Self.uuid(second), "random UUIDs, as ROOT")
    }
}
