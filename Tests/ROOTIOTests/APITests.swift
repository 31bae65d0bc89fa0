import Testing
@testable import ROOTIO

/// The Swift API: typed reads, jagged arrays, entry ranges, chunks, navigation.
@Suite struct APITests {
    let hzz = Fixtures.path("uproot-HZZ-zlib.root")

    @Test func typedReadsMatchTheTruthFirstValues() throws {
        let tree = try ROOTFile(path: hzz).tree("events")
        #expect(tree.entryCount == 2421)
        let njet = try tree.branch("NJet").read(as: Int32.self)
        #expect(njet.count == 2421)
        #expect(njet.reduce(0) { $0 + Int($1) } == 2773) // truth: count_sum of Jet_Px
        #expect(Array(njet.suffix(5)) == [1, 2, 1, 2, 0]) // truth "last"
        // reading as another type converts
        #expect(try tree.branch("NJet").read(as: Double.self).suffix(5) == [1, 2, 1, 2, 0])
        let weight = try tree.branch("EventWeight").read(as: Float.self)
        #expect(weight.last == Float(0.008755413815379143))
    }

    @Test func jaggedArraysHaveOffsetsFromTheCounter() throws {
        let tree = try ROOTFile(path: hzz).tree("events")
        let px = try tree.branch("Muon_Px").readJagged(as: Float.self)
        let counts = try tree.branch("NMuon").read(as: Int32.self)
        #expect(px.count == 2421)
        #expect(px.values.count == 3825)
        #expect(px.counts == counts.map(Int.init))
        #expect(px.values.suffix(2) == [1.1418697834014893, 23.913206100463867].map(Float.init))
        #expect(throws: ROOTError.self) { try tree.branch("Muon_Px").read(as: Float.self) }
    }

    @Test func entryRangesAreSlicesOfTheFullRead() throws {
        let tree = try ROOTFile(path: hzz).tree("events")
        // Muon_Px has two baskets (0..<2231, 2231..<2421): ranges inside one and across both
        let full = try tree.branch("Muon_Px").readJagged(as: Float.self)
        for range: Range<Int64> in [0 ..< 10, 2225 ..< 2240, 2300 ..< 2421, 5 ..< 5] {
            let part = try tree.branch("Muon_Px").readJagged(as: Float.self, entries: range)
            #expect(part.count == range.count)
            let expected = Array(full.values[full.offsets[Int(range.lowerBound)] ..< full.offsets[Int(range.upperBound)]])
            #expect(part.values == expected)
            #expect(part.offsets.first == 0)
        }
        let met = try tree.branch("MET_px").read(as: Float.self)
        #expect(try tree.branch("MET_px").read(as: Float.self, entries: 100 ..< 2000) == Array(met[100 ..< 2000]))
        #expect(throws: ROOTError.self) { try tree.branch("MET_px").read(as: Float.self, entries: 0 ..< 5000) }
    }

    @Test func chunksAreClusterAlignedAndCoverTheTree() throws {
        let tree = try ROOTFile(path: hzz).tree("events")
        let branches = [try tree.branch("Muon_Px"), try tree.branch("NMuon")]
        let chunks = try tree.chunks(of: branches, entriesPerChunk: 1000)
        #expect(chunks.first?.lowerBound == 0)
        #expect(chunks.last?.upperBound == tree.entryCount)
        #expect(zip(chunks, chunks.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
        var total = 0
        for chunk in chunks { total += try branches[0].readJagged(as: Float.self, entries: chunk).values.count }
        #expect(total == 3825)
    }

    @Test func fixedArraysAndLeafListsKeepTheirShape() throws {
        let tree = try ROOTFile(path: Fixtures.path("uproot-sample-6.20.04-zlib.root")).tree("sample")
        let column = try tree.branch("af8").column()
        #expect(column.shape == [3])
        #expect(column.values.count == 3 * Int(tree.entryCount))
        let leafList = try ROOTFile(path: Fixtures.path("uproot-leaflist.root")).tree("tree").branch("leaflist").column()
        guard case .record(let fields) = leafList.values else { Issue.record("not a record"); return }
        #expect(fields.map(\.name) == ["x", "y", "z"])
        #expect(try fields[0].column.converted(to: Double.self) == [1.1, 2.2, 3.3, 4.0, 5.5]) // truth "first"
    }

    @Test func directoriesCyclesAndNestedPaths() throws {
        let file = try ROOTFile(path: Fixtures.path("uproot-nesteddirs.root"))
        let top = try file.directory()
        #expect(top.latestKeys.map(\.name).sorted() == ["one", "three"])
        let tree = try file.tree("one/two/tree")
        #expect(tree.entryCount == 100)
        #expect(try file.tree("one/two/tree;1").entryCount == 100)
        #expect(throws: ROOTError.self) { try file.tree("one/two/tree;7") }
        #expect(try file.key("one/two/tree").className == "TTree")
    }

    @Test func codecRegistryIsExtensible() throws {
        struct Failing: Codec {
            var tag: String { "ZL" }
            func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws(CodecError) {
                throw CodecError("disabled")
            }
        }
        var codecs = CodecRegistry.standard
        codecs.register(Failing())
        let file = try ROOTFile(path: hzz, codecs: codecs)
        #expect { try file.tree("events").branch("Jet_Px").column() } throws: { error in
            guard let error = error as? ROOTError, case .corruptCompression(let why) = error.reason else { return false }
            return why.contains("disabled")
        }
        // an empty registry still reads raw records
        let raw = try ROOTFile(path: Fixtures.path("uproot-HZZ-uncompressed.root"), codecs: CodecRegistry())
        #expect(try raw.tree("events").branch("NJet").read(as: Int32.self).count == 2421)
    }
}

/// Jagged leaves written without entry offsets (third-party writers) take sizes from the counter.
@Test func entryStartsFromCounterBranchMatchStoredOffsets() throws {
    let file = try ROOTFile(path: Fixtures.path("uproot-HZZ-zlib.root"))
    let tree = try file.tree("events")
    let px = try tree.branch("Muon_Px"), counter = try tree.branch("NMuon")
    let locations = try px.model.basketLocations()
    #expect(locations.count == 2)
    let stored = try file.decodeBaskets(locations, of: px.model)
    var stripped = stored
    for i in stripped.indices { stripped[i].starts = nil }
    try file.addStartsFromCounter(counter.model, to: &stripped, locations: locations, itemSize: 4)
    #expect(stripped.map(\.starts) == stored.map(\.starts))
}
