import Foundation
import Testing
@testable import ROOTIO

/// Every size and count field a ROOT file carries — `fLen`, `fEntries`, `fBasketEntry`,
/// `fNbytes`/`fObjlen`/`fKeylen` of keys and baskets, `fNevBuf`/`fLast` of baskets, axis `fNbins` —
/// set to huge, negative and off-by-one values must give a ``ROOTError``: never a trap, a huge
/// allocation (run under ASan with `max_allocation_size_mb` to prove it) or silently wrong values.
@Suite struct TargetedMutationTests {
    /// A field to corrupt: its offset, width and stored value.
    struct Field: CustomStringConvertible {
        var what: String
        var offset: Int
        var width: Int
        var value: Int64
        var description: String { "\(what) (\(value)) at \(offset)" }
    }

    static func values(for field: Field) -> [Int64] {
        let (minimum, maximum): (Int64, Int64) = switch field.width {
        case 2: (Int64(Int16.min), Int64(Int16.max))
        case 4: (Int64(Int32.min), Int64(Int32.max))
        default: (Int64.min, Int64.max)
        }
        let huge: [Int64] = field.width == 8 ? [maximum, 1 << 62, 1 << 40] : [maximum, 1 << (field.width * 8 - 3)]
        return (huge + [minimum, -1, field.value + 1, field.value - 1]).filter { $0 != field.value && $0 >= minimum && $0 <= maximum }
    }

    static func patched(_ bytes: [UInt8], _ field: Field, _ value: Int64) -> [UInt8] {
        var bytes = bytes
        switch field.width {
        case 2: Patch.write(Int16(value), at: field.offset, in: &bytes)
        case 4: Patch.write(Int32(value), at: field.offset, in: &bytes)
        default: Patch.write(value, at: field.offset, in: &bytes)
        }
        return bytes
    }

    /// Reads every object of `bytes` the way `hepkit ls` and `dump` do, plus a short entry range
    /// of every branch; returns the number of errors (any other outcome is a crash).
    static func errors(reading bytes: [UInt8], branches: Set<String>? = nil) -> Int {
        var errors = 0
        do {
            let file = try ROOTFile(bytes: bytes, name: "mutant.root")
            for (path, key) in try file.allObjects() {
                do {
                    if key.className == "TTree" {
                        let tree = try file.tree("\(path);\(key.cycle)")
                        for branch in tree.allBranches where branch.typeName != nil && branches?.contains(branch.name) != false {
                            do { _ = try branch.column() } catch { errors += 1 }
                            do { _ = try branch.column(entries: 0 ..< min(3, branch.entryCount)) } catch { errors += 1 }
                        }
                    } else if key.className.hasPrefix("TH") {
                        let histogram = try file.histogram("\(path);\(key.cycle)")
                        _ = histogram.values
                        _ = histogram.axes.prefix(histogram.dimension).map(\.edges)
                    }
                } catch {
                    errors += 1
                }
            }
        } catch {
            errors += 1
        }
        return errors
    }

    /// Branches of every kind in the HZZ file (counters, jagged floats, scalars of each type, bools):
    /// their fields are mutated and only they are read back, which keeps the test fast.
    static let sampled: Set<String> = ["NJet", "Jet_Px", "Jet_ID", "Muon_Charge", "MET_px", "triggerIsoMu24",
                                       "EventWeight", "MCleptonPDGid", "NPrimaryVertices"]

    /// The size and count fields of a tree file stored uncompressed, found through the reader's own model.
    static func treeFields(_ name: String) throws -> (bytes: [UInt8], fields: [Field]) {
        let bytes = try ErrorTests.fixtureBytes(name)
        let file = try ROOTFile(bytes: bytes)
        var fields: [Field] = []
        for (_, key) in try file.allObjects() {
            fields += keyFields(at: Int(key.seekKey), key, "key '\(key.name)'")
        }
        let tree = try file.tree("events")
        let treeName = try Patch.after(Patch.shortString("events"), in: bytes, from: Int(try file.key("events").seekKey) + 30)
        let treeEntries = Patch.occurrences(Patch.bigEndian(tree.entryCount), in: bytes, from: treeName)
        fields.append(Field(what: "TTree fEntries", offset: try #require(treeEntries.first), width: 8, value: tree.entryCount))
        for branch in tree.allBranches where sampled.contains(branch.name) {
            let model = branch.model
            for leaf in model.leaves {
                let at = try Patch.leafLength(leaf.name, title: leaf.title, in: bytes)
                fields.append(Field(what: "\(leaf.name) fLen", offset: at, width: 4, value: Int64(leaf.length)))
            }
            // after the branch's name and title: fEntryNumber, fEntries, then the fBasketEntry array
            let named = try Patch.after(Patch.shortString(model.name) + Patch.shortString(model.title), in: bytes)
            let hits = Patch.occurrences(Patch.bigEndian(model.entries), in: bytes, from: named).prefix(3)
            fields.append(Field(what: "\(model.name) fEntries", offset: hits[hits.startIndex + 1], width: 8, value: model.entries))
            fields.append(Field(what: "\(model.name) fBasketEntry", offset: hits[hits.startIndex + 2], width: 8, value: model.entries))
            for location in try model.basketLocations() {
                guard case let .stored(seek, size) = location.source else { continue }
                let basketKey = try file.readKey(at: seek)
                let keyLength = Int(basketKey.keyLength)
                let what = "\(model.name) basket \(location.index)"
                fields += keyFields(at: Int(seek), basketKey, what)
                fields.append(Field(what: "\(what) fNevBuf", offset: Int(seek) + keyLength - 9, width: 4, value: Int64(location.entryCount)))
                fields.append(Field(what: "\(what) fLast", offset: Int(seek) + keyLength - 5, width: 4,
                                    value: Int64(Patch.read(Int32.self, at: Int(seek) + keyLength - 5, in: bytes))))
                // fBasketBytes[0]: the last copy of the size before fBasketEntry (whose [1] is hits[2])
                let basketEntry = hits[hits.startIndex + 2] - 8
                let bytesAt = Patch.occurrences(Patch.bigEndian(Int32(size)), in: bytes, from: named).last { $0 < basketEntry }
                fields.append(Field(what: "\(what) fBasketBytes", offset: try #require(bytesAt), width: 4, value: Int64(size)))
            }
        }
        return (bytes, fields)
    }

    /// `fNbytes`, `fObjlen` and `fKeylen` of the key header at `offset`.
    static func keyFields(at offset: Int, _ key: ROOTKey, _ what: String) -> [Field] {
        [Field(what: "\(what) fNbytes", offset: offset, width: 4, value: Int64(key.totalBytes)),
         Field(what: "\(what) fObjlen", offset: offset + 6, width: 4, value: Int64(key.objectLength)),
         Field(what: "\(what) fKeylen", offset: offset + 14, width: 2, value: Int64(key.keyLength))]
    }

    /// Mutants that stay readable, by field: a tree may claim more entries than its branches
    /// hold (branches added later are shorter), and writers store `fLen` −1 or 0 for scalar
    /// members (both read as 1, which is what the leaf holds here).
    static func mayStayReadable(_ field: Field, _ value: Int64) -> Bool {
        (field.what == "TTree fEntries" && value > field.value)
            || (field.what.hasSuffix(" fLen") && field.value == 1 && (value == 0 || value == -1))
    }

    @Test func everySizeFieldOfATreeFileGivesAnError() throws {
        let (bytes, fields) = try Self.treeFields("uproot-HZZ-uncompressed.root")
        #expect(Self.errors(reading: bytes) == 0)
        #expect(fields.count > 80, "\(fields.count) fields found")
        var mutants = 0
        var undetected: [String] = []
        for field in fields {
            for value in Self.values(for: field) {
                mutants += 1
                if Self.errors(reading: Self.patched(bytes, field, value), branches: Self.sampled) == 0, !Self.mayStayReadable(field, value) {
                    undetected.append("\(field) → \(value)")
                }
            }
        }
        #expect(mutants > 400)
        #expect(undetected.isEmpty, "\(undetected.count) of \(mutants) mutants read without error: \(undetected.prefix(10))")
    }

    @Test func everyAxisSizeOfAHistogramGivesAnError() throws {
        let bytes = try ErrorTests.fixtureBytes("uproot-histograms.root")
        #expect(Self.errors(reading: bytes) == 0, "the fixture reads")
        var fields: [Field] = []
        for axisName in ["xaxis", "yaxis", "zaxis"] {
            for start in Patch.occurrences(Patch.shortString(axisName), in: bytes) {
                var at = start + axisName.utf8.count + 1
                at += 1 + Int(bytes[at])
                at += 4 + Int(Patch.read(UInt32.self, at: at, in: bytes) & 0x3FFF_FFFF)
                fields.append(Field(what: "\(axisName) fNbins", offset: at, width: 4, value: Int64(Patch.read(Int32.self, at: at, in: bytes))))
            }
        }
        #expect(fields.count == 9, "\(fields)") // three TH1F, three axes each
        let file = try ROOTFile(bytes: bytes)
        for (_, key) in try file.allObjects() { fields += Self.keyFields(at: Int(key.seekKey), key, "key '\(key.name)'") }
        var undetected: [String] = []
        for field in fields {
            // a 1-D histogram does not use its y and z axes
            guard field.what.hasPrefix("xaxis") || !field.what.hasSuffix("fNbins") else { continue }
            for value in Self.values(for: field) where Self.errors(reading: Self.patched(bytes, field, value)) == 0 {
                undetected.append("\(field) → \(value)")
            }
        }
        #expect(undetected.isEmpty, "\(undetected.prefix(10))")
    }
}
