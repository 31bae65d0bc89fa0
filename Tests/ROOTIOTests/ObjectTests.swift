import Foundation
import Testing
@testable import ROOTIO

/// One value of uproot's `array.tolist()`, decoded exactly (64-bit integers keep every bit).
indirect enum UprootValue: Decodable, Equatable, CustomStringConvertible {
    case bool(Bool), int(Int64), uint(UInt64), double(Double), string(String)
    case list([UprootValue]), object([String: UprootValue]), null

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let b = try? container.decode(Bool.self) { self = .bool(b) }
        else if let i = try? container.decode(Int64.self) { self = .int(i) }
        else if let u = try? container.decode(UInt64.self) { self = .uint(u) }
        else if let d = try? container.decode(Double.self) { self = .double(d) }
        else if let s = try? container.decode(String.self) {
            // the fixture script spells non-finite numbers as strings, like `hepkit dump`
            switch s {
            case "nan": self = .double(.nan)
            case "inf": self = .double(.infinity)
            case "-inf": self = .double(-.infinity)
            default: self = .string(s)
            }
        }
        else if let l = try? container.decode([UprootValue].self) { self = .list(l) }
        else { self = .object(try container.decode([String: UprootValue].self)) }
    }

    /// Exact equality; an integral float equals the same integer, NaN equals NaN.
    static func == (a: UprootValue, b: UprootValue) -> Bool {
        switch (a, b) {
        case let (.bool(x), .bool(y)): x == y
        case let (.int(x), .int(y)): x == y
        case let (.uint(x), .uint(y)): x == y
        case let (.double(x), .double(y)): x == y || (x.isNaN && y.isNaN)
        case let (.int(x), .double(y)), let (.double(y), .int(x)): Double(exactly: x) == y
        case let (.string(x), .string(y)): x == y
        case let (.list(x), .list(y)): x.count == y.count && zip(x, y).allSatisfy { $0 == $1 }
        case let (.object(x), .object(y)): x.count == y.count && x.allSatisfy { key, value in y[key] == value }
        case (.null, .null): true
        default: false
        }
    }

    var description: String {
        switch self {
        case .bool(let b): "\(b)"
        case .int(let i): "\(i)"
        case .uint(let u): "\(u)"
        case .double(let d): "\(d)"
        case .string(let s): "\"\(s)\""
        case .list(let l): "[" + l.map(\.description).joined(separator: ",") + "]"
        case .object(let o): "{" + o.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",") + "}"
        case .null: "null"
        }
    }
}

/// `tools/make_objects_fixtures.py`'s NAME.values.json: per tree and branch, uproot's per-entry values.
struct UprootValues: Decodable {
    var file: String
    var trees: [String: [String: UprootValue]]

    static func load(_ name: String) throws -> UprootValues {
        let url = Fixtures.package.appendingPathComponent("fixtures/root-objects/\(name).values.json")
        return try JSONDecoder().decode(UprootValues.self, from: Data(contentsOf: url))
    }
}

extension Column.Values {
    func uprootValue(at i: Int) -> UprootValue {
        switch self {
        case .bool(let v): .bool(v[i])
        case .int8(let v): .int(Int64(v[i]))
        case .uint8(let v): .int(Int64(v[i]))
        case .int16(let v): .int(Int64(v[i]))
        case .uint16(let v): .int(Int64(v[i]))
        case .int32(let v): .int(Int64(v[i]))
        case .uint32(let v): .int(Int64(v[i]))
        case .int64(let v): .int(v[i])
        case .uint64(let v): Int64(exactly: v[i]).map(UprootValue.int) ?? .uint(v[i])
        case .float(let v): .double(Double(v[i]))
        case .double(let v): .double(v[i])
        case .string(let v): .string(v[i])
        case .record(let fields) where fields.isTuple: .list(fields.map { $0.column.uprootValue(entry: i) })
        case .record(let fields): .object(Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.column.uprootValue(entry: i)) }))
        }
    }
}

extension Column {
    /// Entry `entry` shaped as uproot's `tolist()` shows it.
    func uprootValue(entry: Int) -> UprootValue {
        func nested(_ start: Int, _ dims: ArraySlice<Int>) -> UprootValue {
            guard let first = dims.first else { return values.uprootValue(at: start) }
            let inner = dims.dropFirst().reduce(1, *)
            return .list((0 ..< first).map { nested(start + $0 * inner, dims.dropFirst()) })
        }
        if let offsets, let innerOffsets {
            return .list((offsets[entry] ..< offsets[entry + 1]).map { inner in
                .list((innerOffsets[inner] ..< innerOffsets[inner + 1]).map(values.uprootValue(at:)))
            })
        }
        if let offsets {
            let perItem = Swift.max(1, shape.reduce(1, *))
            return .list(stride(from: offsets[entry], to: offsets[entry + 1], by: perItem).map { nested($0, shape[...]) })
        }
        if case .record = values { return values.uprootValue(at: entry) }
        return nested(entry * Swift.max(1, shape.reduce(1, *)), shape[...])
    }
}

/// Branches read through the API against uproot's values, entry by entry, exactly.
@Suite struct ObjectTests {
    /// Every branch uproot reads in `name`'s values file, read through `ROOTBranch.column()`.
    static func compareAll(_ name: String, skipping: Set<String> = []) throws -> Int {
        let truth = try UprootValues.load(name)
        let file = try ROOTFile(path: Fixtures.package.appendingPathComponent("fixtures/\(truth.file)").path)
        var compared = 0
        for (treeName, branches) in truth.trees.sorted(by: { $0.key < $1.key }) {
            let tree = try file.tree(treeName)
            for (branchName, expected) in branches.sorted(by: { $0.key < $1.key }) where !skipping.contains(branchName) {
                guard case .list(let entries) = expected else { continue } // uproot could not read it either
                let column = try tree.branch(branchName).column(entries: 0 ..< Int64(entries.count))
                let ours = (0 ..< column.entryCount).map(column.uprootValue(entry:))
                let first = zip(ours, entries).enumerated().first { $0.element.0 != $0.element.1 }
                #expect(ours.count == entries.count && first == nil,
                        "\(name) \(treeName)/\(branchName): entry \(first?.offset ?? -1): \(first.map { "\($0.element.0)" } ?? "") vs uproot \(first.map { "\($0.element.1)" } ?? "")")
                compared += 1
            }
        }
        return compared
    }

    @Test func integersAreExact() throws {
        #expect(try Self.compareAll("exact-integers") == 7)
        let tree = try ROOTFile(path: Fixtures.package.appendingPathComponent("fixtures/root-objects/exact-integers.root").path).tree("integers")
        // uproot: event[3] = 2^53 + 1, uevent[5] = 2^64 - 1 (a Double holds neither)
        let events = try tree.branch("event").read(as: Int.self)
        #expect(events[3] == 9_007_199_254_740_993 && events[6] == Int.min && events[7] == Int.max)
        let unsigned = try tree.branch("uevent").read(as: UInt64.self)
        #expect(unsigned[3] == 9_223_372_036_854_775_808 && unsigned[5] == UInt64.max)
        #expect(try tree.branch("event").read(as: Int64.self)[4] == -9_007_199_254_740_993)
        #expect(try tree.branch("uevent").readJagged(as: UInt64.self).values.count == 8)
        #expect(try tree.branch("ujagged").readJagged(as: UInt64.self)[3] == [UInt64.max])
        #expect(try tree.branch("small").read(as: Int.self) == [-128, 127, 0, 1, -1, 5, 6, 7])
        // a value the requested type cannot hold is an error naming it, never a clamped or zeroed number
        #expect(throws: ROOTError.self) { try tree.branch("uevent").read(as: Int64.self) }
        #expect(throws: ROOTError.self) { try tree.branch("event").read(as: UInt64.self) }
        #expect(throws: ROOTError.self) { try tree.branch("small").read(as: UInt8.self) }
    }
}

extension ObjectTests {
    /// `TVector2`/`TVector3` branches and `vector<TLorentzVector>` (objects inside a container,
    /// `TLorentzVector` holding a `TVector3` member, type 61): records as uproot shows them.
    @Test func objectBranchesMatchUproot() throws {
        #expect(try Self.compareAll("uproot-HZZ-objects") == 22)
        let tree = try ROOTFile(path: Fixtures.package.appendingPathComponent("fixtures/root-objects/uproot-HZZ-objects.root").path).tree("events")
        #expect(tree.allBranches.allSatisfy { $0.typeName != nil })
        #expect(try tree.branch("jetp4").typeName == "vector<TLorentzVector>")
    }

    /// `vector<string>`, `vector<vector<TString>>`, `set<string>`, member-wise `map<K, V>` with
    /// string and container keys and values: every branch of the file, as uproot reads it.
    @Test func containersOfStringsAndMapsMatchUproot() throws {
        #expect(try Self.compareAll("uproot-stl_containers") == 26)
    }
}

extension ObjectTests {
    /// Mu2e's TrkAna tree (scikit-hep/uproot5 issue 1221): `vector<vector<Class>>` of classes
    /// written with version 0 + checksum, `ROOT::Math` vector members (class templates described by
    /// the file's streamers, type 62), split STL collections read as records of their sub-branches,
    /// fixed arrays inside split collections (`PEsPerLayer[4]`).
    @Test func splitAndNestedObjectsMatchUproot() throws {
        #expect(try Self.compareAll("uproot-issue-1221") >= 80)
    }

    /// ALICE's reduced event (scikit-hep/uproot5 issue 327): `TClonesArray` members with fixed
    /// arrays (`fTracks.fP[3]` is n entries of 3, not 3n numbers), `TObject` parts of the clones.
    @Test func fixedArraysInsideCollectionsKeepTheirShape() throws {
        #expect(try Self.compareAll("uproot-issue327") >= 100)
        let tree = try ROOTFile(path: Fixtures.path("uproot-issue327.root")).tree("DstTree")
        let momenta = try tree.branch("Event/AliReducedBaseEvent/fTracks/fTracks.fP[3]").column(entries: 0 ..< 1)
        #expect(momenta.shape == [3] && momenta.offsets == [0, 6]) // uproot: one entry of two tracks × 3
        let jagged = try tree.branch("Event/AliReducedBaseEvent/fTracks/fTracks.fP[3]").readJagged(as: Float.self, entries: 0 ..< 1)
        #expect(jagged.itemShape == [3] && jagged.offsets == [0, 6] && jagged.values[3] == 0.91631377)
    }
}

extension ObjectTests {
    /// A Delphes file (scikit-hep/uproot5 issue 513): `Particle` twice (the second is `Particle;2`),
    /// `TRef`/`TRefArray` members, `TLorentzVector[5]` inside a `TClonesArray`, and `fBits` with the
    /// `kIsReferenced` process id (6-byte items, which uproot itself cannot read).
    @Test func delphesMatchesUproot() throws {
        // uproot reads the fBits of referenced objects (6-byte items) as 4-byte values: wrong
        // numbers whenever the byte count happens to divide by 4, so those are checked below
        let fBits = ["Track/Track.fBits", "EFlowTrack/EFlowTrack.fBits", "EFlowPhoton/EFlowPhoton.fBits",
                     "EFlowNeutralHadron/EFlowNeutralHadron.fBits"]
        #expect(try Self.compareAll("uproot-issue513", skipping: Set(fBits)) >= 280)
        let tree = try ROOTFile(path: Fixtures.package.appendingPathComponent("fixtures/root-objects/uproot-issue513.root").path).tree("Delphes")
        let particles = tree.allBranches.filter { $0.path == "Particle" }
        #expect(particles.map(\.address) == ["Particle", "Particle;2"])
        #expect(try tree.branch("Particle").address == "Particle" && tree.branch("Particle;2").address == "Particle;2")
        #expect(throws: ROOTError.self) { try tree.branch("Particle;3") }
        // fBits: one value per particle (the PID branch's count, which uproot reads), kIsReferenced set
        let bits = try tree.branch("Particle/Particle.fBits").column(entries: 0 ..< 2)
        let pid = try tree.branch("Particle/Particle.PID").column(entries: 0 ..< 2)
        #expect(bits.offsets == pid.offsets && (bits.offsets?.last ?? 0) > 0)
        guard case .uint32(let values) = bits.values else { Issue.record("fBits is not uint32"); return }
        #expect(values.allSatisfy { $0 & 0x10 != 0 && $0 >> 24 == 3 })
    }
}

extension ObjectTests {
    /// A Geant4 output file written by ROOT 4 (TTree v5, TBranch v8: entry counts as doubles,
    /// 32-bit basket entries and seeks), as uproot reads it.
    @Test func rootFourTreesMatchUproot() throws {
        #expect(try Self.compareAll("uproot-from-geant4") == 22)
        let file = try ROOTFile(path: Fixtures.package.appendingPathComponent("fixtures/root-objects/uproot-from-geant4.root").path)
        #expect(try file.tree("HitStrips").entryCount == 4808)
    }
}

extension ObjectTests {
    /// KM3NeT's event tree (uproot issue 214) and a dark-matter MC truth tree (issue 569): strings,
    /// `TString`s and `vector<string>`s as members of split collections (one entry header, then
    /// the items), split collections as records of their sub-branches.
    @Test func stringsInsideCollectionsMatchUproot() throws {
        #expect(try Self.compareAll("uproot-issue-214") == 111)
        #expect(try Self.compareAll("uproot-issue-569") == 48)
    }
}

extension ObjectTests {
    /// BDSIM output (scikit-hep/uproot5 issue 494): member-wise `map<string, TRotation>`,
    /// `map<string, TVector3>` and `map<int, ParticleInfo>` (a class without `ClassDef`, version 0 +
    /// checksum). The values of such a map are objects, each with its own byte count + version and
    /// no shared 6-byte header (only containers and strings share one): reading one there shifted
    /// every value by 6 bytes (wrong rotations, refused particle tables).
    @Test func memberwiseMapsOfObjectsMatchUproot() throws {
        #expect(try Self.compareAll("uproot-issue494") == 721)
        let file = try ROOTFile(path: Fixtures.path("uproot-issue494.root"))
        let model = try file.tree("Model")
        // uproot: 19 meshes, mesh_t7 at z = 0.13600007800000008 m, identity rotations
        let translations = try model.branch("Model./Model.scoringMeshTranslation").column()
        #expect(translations.offsets == [0, 19])
        guard case .record(let pair) = translations.values, case .record(let vector) = pair[1].column.values,
              case .double(let z)? = vector.first(where: { $0.name == "fZ" })?.column.values else {
            Issue.record("scoringMeshTranslation is not a map of records"); return
        }
        #expect(z[18] == 0.13600007800000008 && z[0] == 0.074)
        let particles = try file.tree("Geant4Data").branch("Geant4Data./Geant4Data.particles").column()
        #expect(particles.offsets == [0, 461])
    }

    /// Layouts are built from the streamer of the version the data carry: a branch's
    /// `fClassVersion`, the version (or, after version 0, the checksum) in front of each object.
    /// Data of a version the file does not describe are refused naming class and version.
    @Test func classVersionsSelectTheirOwnStreamer() throws {
        func double(_ name: String) -> StreamerElement { StreamerElement(name: name, title: "", type: 8, typeName: "double") }
        let tObject = StreamerElement(name: "TObject", title: "", type: 66, typeName: "BASE")
        let table = StreamerTable([
            ("TVector3", ClassStreamer(version: 3, checkSum: 0x1234, elements: [tObject, double("fX"), double("fY"), double("fZ")])),
            ("TVector3", ClassStreamer(version: 2, checkSum: 0x5678, elements: [tObject, double("fX"), double("fY")])),
            ("TVector3", ClassStreamer(version: 3, checkSum: 0x9999, elements: [])), // a repeated version keeps the first
        ])
        #expect(table.versions(of: "TVector3") == [3, 2])
        var parser = ObjectLayoutParser(classes: table)
        guard case .object(_, let v2?, let parts2) = try parser.layout(of: "TVector3", version: 2),
              case .object(_, let v3?, let parts3) = try parser.layout(of: "TVector3") else {
            Issue.record("TVector3 is not an object layout"); return
        }
        #expect(v2.version == 2 && parts2.count == 3 && v3.version == 3 && parts3.count == 4)
        do {
            _ = try parser.layout(of: "TVector3", version: 7)
            Issue.record("version 7 was not refused")
        } catch {
            #expect(error.reason == .classVersion(className: "TVector3", version: 7, available: [3, 2]))
        }

        /// One TVector3 written with `version`: byte count, version, TObject, three doubles.
        func bytes(version: UInt16) -> [UInt8] {
            var out: [UInt8] = [0x40, 0, 0, 36, UInt8(version >> 8), UInt8(version & 0xFF)]
            out += [0, 1, 0, 0, 0, 0, 3, 0, 0, 0] // TObject v1, fUniqueID, fBits
            for value in [1.5, -2.0, 0.25] { out += withUnsafeBytes(of: value.bitPattern.bigEndian, Array.init) }
            return out
        }
        func read(_ data: [UInt8], as layout: ObjectLayout) throws -> Column {
            let builder = ObjectColumnBuilder(layout)
            var copy = data
            let count = copy.count
            try copy.withUnsafeMutableBytes { (raw: UnsafeMutableRawBufferPointer) in
                var stream = ObjectReader(ByteReader(UnsafeRawBufferPointer(start: raw.baseAddress, count: count)))
                try builder.append(from: &stream)
            }
            return try builder.column()
        }
        let layout = try parser.layout(of: "TVector3")
        guard case .record(let fields) = try read(bytes(version: 3), as: layout).values,
              case .double(let z)? = fields.last?.column.values else { Issue.record("no record"); return }
        #expect(fields.map(\.name) == ["fX", "fY", "fZ"] && z == [0.25])
        for (version, expected) in [(UInt16(2), "version 2 (nested in several versions"), (9, "class TVector3 version 9 has no streamer")] {
            do {
                _ = try read(bytes(version: version), as: layout)
                Issue.record("version \(version) read with the layout of version 3")
            } catch let error as DecodeError {
                #expect(ROOTError(file: "f", reason: error.reason).description.contains(expected), "\(error.reason)")
            }
        }
    }
}

extension ObjectTests {
    /// `std::bitset<8>` and `std::bitset<16>` branches (scikit-hep/uproot5 issue 40): a count,
    /// then one bool per bit, as uproot's `AsBitSet` reads them.
    @Test func bitsetBranchesMatchUproot() throws {
        #expect(try Self.compareAll("uproot-issue-40") == 2)
        let tree = try ROOTFile(path: Fixtures.package.appendingPathComponent("fixtures/root-objects/uproot-issue-40.root").path).tree("tree")
        let bits = try tree.branch("bitset8").column()
        // uproot: [True, False, True, False, True, False, False, False]
        guard case .bool(let values) = bits.values else { Issue.record("bitset8 is not bool"); return }
        #expect(values == [true, false, true, false, true, false, false, false] && bits.offsets == [0, 8])
    }
}
