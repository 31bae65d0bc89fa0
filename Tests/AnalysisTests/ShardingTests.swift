import Foundation
import HEPKitSupport
import HistFactory
import Testing
@testable import Analysis

/// The bundled example's events split into 4 files of 3–4 baskets (fixtures/batch/make_split_example.py).
enum SplitExample {
    static let config = HZZReference.fixtures.appendingPathComponent("batch/analysis.yml")
    /// One work item per cluster (the fixture's baskets hold 1250–4167 entries).
    static let job: BuildJob = try! BuildJob(config: config, entriesPerItem: 1000)

    /// The part of `shard` after a trip through its JSON file.
    static func part(_ shard: Shard, of job: BuildJob = job) throws -> BuildPart {
        try JSONDecoder().decode(BuildPart.self, from: try job.part(shard).json())
    }
}

@Suite struct ShardingTests {
    /// Work items are the files' clusters: uproot's `entry_offsets` of every branch of the split
    /// files are [0, 1666, 3333, 5000] (signal) and [0, 4166, 8333, 12499, 16666] (each background file).
    @Test func workItemsAreTheClusters() throws {
        let items = SplitExample.job.items
        #expect(items.filter { $0.source == .sample(0) }.map(\.entries) == [0..<1666, 1666..<3333, 3333..<5000])
        let background = items.filter { $0.source == .sample(1) }
        #expect(background.map(\.file) == [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
        #expect(background.prefix(4).map(\.entries) == [0..<4166, 4166..<8333, 8333..<12499, 12499..<16666])
        // Larger items are whole clusters too: one per file here.
        let coarse = try BuildJob(config: SplitExample.config).items
        #expect(coarse.map(\.entries) == [0..<5000, 0..<16666, 0..<16667, 0..<16667])
    }

    /// Every item is in exactly one shard, shards are contiguous runs, and they share the entries
    /// about equally.
    @Test func assignmentIsContiguousAndBalanced() {
        let items = SplitExample.job.items
        for n in 1...20 {
            let shards = Shard.assignment(of: items, count: n)
            #expect(shards == shards.sorted())
            #expect(shards == Shard.assignment(of: items, count: n))
            let all = (0..<n).flatMap { Shard(index: $0, count: n).items(of: items) }
            #expect(all == Array(items.indices))
        }
        let entries = (0..<3).map { s in
            Shard(index: s, count: 3).items(of: items).reduce(0) { $0 + items[$1].entries.count }
        }
        // 55 000 entries in items of at most 4 167: each third is within one item of 18 333.
        #expect(entries.allSatisfy { abs($0 - 18_333) <= 4_167 }, "\(entries)")
    }

    /// The merge of N parts is the single-process build, byte for byte, for N = 1…4 and for more
    /// shards than items.
    @Test(arguments: [1, 2, 3, 4, 20])
    func mergedPartsAreTheSingleBuild(shards: Int) throws {
        let single = try stableJSON(try SplitExample.job.workspace())
        let parts = try (0..<shards).map { ("part.\($0).json", try SplitExample.part(Shard(index: $0, count: shards))) }
        #expect(try stableJSON(try BuildPart.merge(parts.shuffled())) == single)
    }

    /// `hepkit build` (LoadedAnalysis, default items) is the same summation as a BuildJob with
    /// default items, and the split files hold the example's events: same templates up to rounding.
    @Test func singleBuildMatchesTheUnsplitExample() throws {
        let job = try BuildJob(config: SplitExample.config)
        let loaded = try LoadedAnalysis(config: SplitExample.config)
        let built = try loaded.histograms.hardWorkspace(at: loaded.analysis.initialParameters)
        #expect(try stableJSON(built) == stableJSON(try job.workspace()))
        let example = try Example.loaded.histograms.hardWorkspace(at: Example.loaded.analysis.initialParameters)
        for (ours, theirs) in zip(built.channels[0].samples, example.channels[0].samples) {
            #expect(ours.name == theirs.name)
            for (a, b) in zip(ours.data, theirs.data) { #expect(abs(a - b) <= 1e-12 * abs(b)) }
        }
        let split = try JSONDecoder().decode(BuildPart.self, from: try job.part(.all).json())
        #expect(split.items.count == 4 && split.itemCount == 4)
    }

    /// Part files keep every bit of the sums.
    @Test func partNumbersRoundTripExactly() throws {
        var generator = SystemRandomNumberGenerator()
        let random: [Double] = (0..<2000).map { _ in Double(bitPattern: generator.next() >> 2 | 0x3000_0000_0000_0000) }
        let values = random + [0, .leastNonzeroMagnitude, 1e308, 0.1, 1.0 / 3]
        let item = BuildPart.Item(index: 0, source: "sample 0", file: "f", entries: [0, 1], histograms: [.init(key: 0, counts: values, sumw2: values)])
        let part = try SplitExample.part(.all)
        var tampered = part
        tampered.items = [item]
        let decoded = try JSONDecoder().decode(BuildPart.self, from: try tampered.json())
        #expect(decoded.items[0].histograms[0].counts.map(\.bitPattern) == values.map(\.bitPattern))
    }

    @Test func missingShardsAreNamed() throws {
        let parts = try [0, 1, 3].map { ("part.\($0).json", try SplitExample.part(Shard(index: $0, count: 4))) }
        #expect(throws: MergeError("missing shards: 2 of 4 (expected part files for shards 0..3)")) { try BuildPart.merge(parts) }
        #expect(throws: MergeError("missing shards: 1..3 of 4 (expected part files for shards 0..3)")) { try BuildPart.merge([parts[0]]) }
        var far = parts[2].1
        far.shards = 1_000_000_000_000
        far.shard = 5
        let farParts = [("a.json", far)] + [3, 8, 9].map { i in var p = far; p.shard = i; return ("p\(i).json", p) }
        #expect(throws: MergeError("missing shards: 0..2, 4, 6, 7, 10..999999999999 of 1000000000000 (expected part files for shards 0..999999999999)")) {
            try BuildPart.merge(farParts)
        }
        #expect(throws: MergeError("no part files to merge")) { try BuildPart.merge([]) }
        #expect(throws: MergeError("w.json is not a HEPKit part file: missing required key 'format'")) {
            try decodePart(PartHeader.self, from: Data(#"{"channels": []}"#.utf8), file: "w.json")
        }
        #expect(throws: MergeError("p.json is not a HEPKit part file: items[0].index: expected a number")) {
            var json = String(decoding: try parts[0].1.json(), as: UTF8.self)
            json = json.replacingOccurrences(of: "\"index\" : 0,", with: "\"index\" : \"0\",")
            _ = try decodePart(BuildPart.self, from: Data(json.utf8), file: "p.json")
        }
    }

    @Test func duplicateAndIncompatibleShardsAreRefused() throws {
        let a0 = try SplitExample.part(Shard(index: 0, count: 2)), a1 = try SplitExample.part(Shard(index: 1, count: 2))
        #expect(throws: MergeError("duplicate shard 1 of 2: b.json and c.json")) {
            try BuildPart.merge([("a.json", a0), ("b.json", a1), ("c.json", a1)])
        }
        let third = try SplitExample.part(Shard(index: 1, count: 3))
        #expect(throws: MergeError("t.json is shard 1 of 3, a.json shard 0 of 2: different shard counts")) {
            try BuildPart.merge([("a.json", a0), ("t.json", third)])
        }
        // Another --set value: another config digest.
        let other = try BuildJob(config: SplitExample.config, settings: ["cut_met": 30], entriesPerItem: 1000)
        let o1 = try SplitExample.part(Shard(index: 1, count: 2), of: other)
        #expect(o1.configDigest != a1.configDigest)
        #expect(throws: MergeError("o.json has config digest \(o1.configDigest), a.json \(a0.configDigest): parts of different jobs")) {
            try BuildPart.merge([("a.json", a0), ("o.json", o1)])
        }
        // Other work items (another item size): another inputs digest.
        let coarse = try SplitExample.part(Shard(index: 1, count: 2), of: BuildJob(config: SplitExample.config))
        #expect(throws: MergeError("c.json has inputs digest \(coarse.inputsDigest), a.json \(a0.inputsDigest): parts of different jobs")) {
            try BuildPart.merge([("a.json", a0), ("c.json", coarse)])
        }
    }

    @Test func overlappingOrLostItemsAreRefused() throws {
        let a0 = try SplitExample.part(Shard(index: 0, count: 2))
        var a1 = try SplitExample.part(Shard(index: 1, count: 2))
        let stolen = a0.items[0]
        a1.items.insert(stolen, at: 0)
        #expect(throws: MergeError("overlapping parts: work item 0 (\(stolen.file) entries [0, 1666]) is in a.json and b.json")) {
            try BuildPart.merge([("a.json", a0), ("b.json", a1)])
        }
        a1.items.removeFirst(2)
        #expect(throws: MergeError("work item \(a1.items[0].index - 1) is in no part (1 of 15 missing)")) {
            try BuildPart.merge([("a.json", a0), ("b.json", a1)])
        }
    }

    /// The merge needs no ntuples: the part's recipe resolves against the recorded branches.
    @Test func recipeResolvesWithoutFiles() throws {
        let part = try SplitExample.part(.all)
        var moved = part.recipe
        moved.baseDirectory = "/nonexistent"
        moved.branches = moved.branches.map { var b = $0; b.files = b.files.map { $0.replacingOccurrences(of: part.recipe.baseDirectory, with: "/nonexistent") }; return b }
        let analysis = try moved.resolve()
        #expect(analysis.samples.map(\.name) == ["signal", "background"])
        #expect(analysis.histogramLayout.map { analysis.label(of: $0.key) } == part.histograms)
        #expect(part.histograms == ["SR/signal/nominal", "SR/signal/shape up", "SR/signal/shape down",
                                    "SR/background/nominal", "SR/background/shape up", "SR/background/shape down"])
    }

    @Test func eventSourcesRoundTripTheirText() {
        for source in [EventSource.sample(0), .sample(12), .alternative(systematic: 3, up: true), .alternative(systematic: 0, up: false)] {
            #expect(EventSource(source.description) == source)
        }
        #expect(EventSource.alternative(systematic: 2, up: false).description == "systematic 2 down")
        for bad in ["", "sample", "sample -1", "sample x", "systematic 1 sideways", "systematic 1", "sample 1 2"] {
            #expect(EventSource(bad) == nil, "\(bad)")
        }
    }

    /// Patches are split into contiguous runs that cover each exactly once.
    @Test func patchRangesCoverEachPatchOnce() {
        for total in [0, 1, 3, 10, 101] {
            for count in 1...12 {
                let ranges = (0..<count).map { Shard(index: $0, count: count).range(of: total) }
                #expect(ranges.flatMap { Array($0) } == Array(0..<total))
                #expect(ranges.allSatisfy { $0.count <= (total + count - 1) / count })
            }
        }
    }
}
