import Foundation
import Testing
@testable import ROOTIO

extension MutationTests {
    /// A file HEPKit wrote (a tree with flat, fixed-array and jagged branches, histograms in
    /// folders, zlib baskets) reads cleanly, and its truncated and bit-flipped copies read or throw.
    @Test func mutatedWrittenFileReadsOrThrows() throws {
        var tree = WritableTree(name: "events", entriesPerBasket: 150)
        let n = 400
        try tree.add("x", values: (0 ..< n).map { Float($0) })
        try tree.add("p", fixedArrays: (0 ..< 2 * n).map(Double.init), length: 2)
        var offsets = [0]
        for entry in 0 ..< n { offsets.append(offsets.last! + entry % 4) }
        try tree.add("pt", jagged: JaggedArray(values: (0 ..< offsets.last!).map { Float($0) }, offsets: offsets), counter: "n")
        var writer = ROOTWriter(compression: .zlib())
        try writer.write(tree)
        try writer.write(Histogram(name: "h", axes: [.init(edges: [0, 1, 5])], contentsWithFlow: [1, 2, 3, 4], sumw2WithFlow: [1, 2, 3, 4]),
                         in: "SR/signal")
        try writer.write(Histogram(name: "h2", axes: [.init(binCount: 2, low: 0, high: 1), .init(binCount: 1, low: 0, high: 1)],
                                   contentsWithFlow: (0 ..< 12).map(Double.init)))
        let original = try writer.bytes()

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rootio-written-mutants-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let clean = directory.appendingPathComponent("clean.root")
        try Data(original).write(to: clean)
        #expect(Self.readEverything(clean.path) == 0, "the written file must read cleanly")

        var rng = SplitMix64(state: 20_261_207)
        var failed = 0
        let variants = 400
        for v in 0 ..< variants {
            var bytes = original
            if v % 4 == 0 {
                bytes.removeLast(Int.random(in: 1 ..< bytes.count, using: &rng))
            } else {
                for _ in 0 ..< Int.random(in: 1 ... 4, using: &rng) {
                    bytes[Int.random(in: 0 ..< bytes.count, using: &rng)] ^= UInt8.random(in: 1 ... 255, using: &rng)
                }
            }
            let url = directory.appendingPathComponent("m\(v).root")
            try Data(bytes).write(to: url)
            if Self.readEverything(url.path) > 0 { failed += 1 }
            try FileManager.default.removeItem(at: url)
        }
        // every truncation is detected; flips in unchecked payload bytes (basket values) may read
        #expect(failed >= variants / 4)
    }
}
