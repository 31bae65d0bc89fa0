import Foundation
import Testing
@testable import ROOTIO

/// RNTuple reading against uproot's truth (fixtures/rntuple, made by tools/make_rntuple_truth.py):
/// files written by ROOT (scikit-hep-testdata) and by uproot 5.7.7 with every column type it writes.
@Suite struct RNTupleTests {
    static let folder = Fixtures.package.appendingPathComponent("fixtures/rntuple")

    static func truthFiles() throws -> [(root: String, truth: [String: Any])] {
        try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".truth.json") }.sorted().map { name in
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            let truth = try JSONSerialization.jsonObject(with: data) as! [String: Any]
            return (folder.appendingPathComponent(truth["file"] as! String).path, truth)
        }
    }

    /// Every top-level field of every RNTuple equals uproot's values, item by item.
    @Test func everyFieldMatchesUproot() throws {
        var compared = 0
        for (root, truth) in try Self.truthFiles() {
            let file = try ROOTFile(path: root)
            for object in truth["objects"] as! [[String: Any]] where object["class"] as? String == "ROOT::RNTuple" {
                let ntuple = try file.rntuple(object["path"] as! String)
                #expect(ntuple.entryCount == (object["entries"] as! NSNumber).int64Value)
                for (path, expected) in object["values"] as? [String: Any] ?? [:] {
                    let values = expected as! [Any]
                    let array = try ntuple.read(path, entries: 0 ..< Int64(values.count))
                    let ours = (0 ..< array.count).map { array.json(item: $0) }
                    let mismatch = (0 ..< min(ours.count, values.count)).first { !Self.same(ours[$0], values[$0]) }
                    #expect(ours.count == values.count && mismatch == nil,
                            "\(root): \(path) item \(mismatch ?? -1): \(mismatch.map { String(describing: ours[$0]) } ?? "") vs \(mismatch.map { String(describing: values[$0]) } ?? "")")
                    compared += 1
                }
            }
        }
        #expect(compared >= 400)
    }

    /// Numbers equal (a float32 value may be compared at float32 precision), strings, lists and
    /// objects equal member by member; nil is an empty optional or variant.
    static func same(_ ours: Any?, _ theirs: Any) -> Bool {
        switch (ours, theirs) {
        case (nil, is NSNull): return true
        case let (a as Double, b as NSNumber):
            let d = b.doubleValue
            return a == d || Float(a) == Float(d) && Double(Float(a)) == a || abs(a - d) <= 1e-12 * max(1, abs(d))
        case let (a as String, b as String): return a == b
        case let (a as Double, b as String): return b == "nan" ? a.isNaN : a == (b == "inf" ? .infinity : -.infinity)
        case let (a as [Any?], b as [Any]): return a.count == b.count && zip(a, b).allSatisfy { same($0, $1) }
        case let (a as [String: Any?], b as [String: Any]):
            return Set(a.keys) == Set(b.keys) && b.allSatisfy { same(a[$0.key] ?? nil, $0.value) }
        default: return false
        }
    }

    /// A deterministic text of a value from ``RNTupleArray/json(item:)`` (object keys sorted).
    static func canonical(_ value: Any?) -> String {
        switch value {
        case nil: return "null"
        case let list as [Any?]: return "[" + list.map(canonical).joined(separator: ",") + "]"
        case let object as [String: Any?]: return "{" + object.keys.sorted().map { "\($0):" + canonical(object[$0] ?? nil) }.joined(separator: ",") + "}"
        default: return "\(value!)"
        }
    }

    @Test func staffValues() throws {
        let ntuple = try ROOTFile(path: Self.folder.appendingPathComponent("ntpl001_staff_rntuple_v1-0-0-0.root").path).rntuple("Staff")
        #expect(ntuple.entryCount == 3354)
        guard case .values(.int32(let category)) = try ntuple.read("Category") else { Issue.record("Category is not int32"); return }
        #expect(Array(category.prefix(5)) == [202, 530, 316, 361, 302])
        #expect(category.reduce(0) { $0 + Int($1) } == 1_162_422)
        guard case .values(.string(let division)) = try ntuple.read("Division", entries: 3349 ..< 3354) else { Issue.record("Division"); return }
        #expect(division == ["DG", "TIS", "DD", "EP", "DG"])
        #expect(ntuple.fields.map(\.typeName).prefix(2) == ["std::int32_t", "std::uint32_t"])
    }

    @Test func collectionsRecordsAndSubfields() throws {
        let ntuple = try ROOTFile(path: Self.folder.appendingPathComponent("test_int_vfloat_tlv_vtlv_rntuple_v1-0-0-0.root").path).rntuple("ntuple")
        guard case let .list(offsets, .values(.float(floats))) = try ntuple.read("two_v_floats") else { Issue.record("two_v_floats"); return }
        #expect(offsets == [0, 4, 7, 9, 11, 12])
        #expect(Array(floats.prefix(5)) == [9, 8, 7, 6, 5])
        let column = try #require(try ntuple.read("two_v_floats").column)
        #expect(column.offsets == [0, 4, 7, 9, 11, 12])
        // a member of a vector of records is one list per entry
        guard case let .list(inner, .values(.float(pt))) = try ntuple.read("four_v_LVs.pt") else { Issue.record("four_v_LVs.pt"); return }
        #expect(inner.last == 40 && pt.count == 40)
        #expect(pt.reduce(0, +) == 732)
        guard case .record(let members, 5) = try ntuple.read("three_LV") else { Issue.record("three_LV"); return }
        #expect(members.map(\.name) == ["pt", "eta", "phi", "mass"])
    }

    /// Reading cluster-aligned chunks and arbitrary ranges gives the slices of a whole read.
    @Test func chunkedReadsAreSlicesOfTheWhole() throws {
        let ntuple = try ROOTFile(path: Self.folder.appendingPathComponent("uproot-rntuple-clusters.root").path).rntuple("events")
        #expect(ntuple.clusters.count == 3)
        for name in ["vvi", "s", "var", "opt", "vrec", "arr"] {
            let whole = try ntuple.read(name)
            for range in ntuple.chunks(entriesPerChunk: 1) + [7 ..< 361, 149 ..< 151, 0 ..< 0] {
                let part = try ntuple.read(name, entries: range)
                let expected = whole.slice(Int(range.lowerBound) ..< Int(range.upperBound))
                #expect((0 ..< part.count).map { Self.canonical(part.json(item: $0)) }
                        == (0 ..< expected.count).map { Self.canonical(expected.json(item: $0)) }, "\(name) \(range)")
            }
        }
    }

    /// The encodings ROOT writes and uproot does not (split, zigzag, delta, half, truncated and
    /// quantized floats, bits, switch), from bytes built by hand after the format specification.
    @Test func pageEncodings() {
        func decode(_ type: RNTupleColumnType, bits: Int, range: (Double, Double)? = nil, _ bytes: [UInt8], count: Int, stride: Int) -> [UInt8] {
            var field = [UInt8](repeating: 0, count: 0)
            withUnsafeBytes(of: UInt16(type.rawValue).littleEndian) { field += $0 }
            withUnsafeBytes(of: UInt16(bits).littleEndian) { field += $0 }
            field += [0, 0, 0, 0, range == nil ? 0 : 2, 0, 0, 0]
            if let range {
                withUnsafeBytes(of: range.0.bitPattern.littleEndian) { field += $0 }
                withUnsafeBytes(of: range.1.bitPattern.littleEndian) { field += $0 }
            }
            let column = field.withUnsafeBytes { raw in
                var reader = EnvelopeReader(raw)
                return try! ColumnRecord(&reader)
            }
            var out = [UInt8](repeating: 0xAA, count: count * stride)
            bytes.withUnsafeBytes { source in
                out.withUnsafeMutableBytes { PageDecoder(column).decode(source, count: count, into: $0.baseAddress!) }
            }
            return out
        }
        func values<T>(_ bytes: [UInt8], as _: T.Type) -> [T] { bytes.withUnsafeBytes { Array($0.bindMemory(to: T.self)) } }

        // SplitInt32 with zigzag: -1, 2, -3 → zigzag 1, 4, 5, byte planes
        #expect(values(decode(.splitInt32, bits: 32, [1, 4, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0], count: 3, stride: 4), as: Int32.self) == [-1, 2, -3])
        // SplitIndex32: deltas 4, 3, 2 → running sum 4, 7, 9 (widened to 64 bits)
        #expect(values(decode(.splitIndex32, bits: 32, [4, 3, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0], count: 3, stride: 8), as: Int64.self) == [4, 7, 9])
        // SplitReal64 of 1.0: bytes 00 .. 00 f0 3f, one per plane
        #expect(values(decode(.splitReal64, bits: 64, [0, 0, 0, 0, 0, 0, 0xF0, 0x3F], count: 1, stride: 8), as: Double.self) == [1])
        // Real16: 1.0, -2.0, 65504, the smallest subnormal 2^-24, +inf
        #expect(values(decode(.real16, bits: 16, [0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00, 0x00, 0x7C], count: 5, stride: 4), as: Float.self)
                == [1, -2, 65504, 0x1p-24, .infinity])
        // SplitReal16 of 1.0 and 0.5 (0x3C00, 0x3800): low bytes, then high bytes
        #expect(values(decode(.splitReal16, bits: 16, [0, 0, 0x3C, 0x38], count: 2, stride: 4), as: Float.self) == [1, 0.5])
        // Bit: 0b0000_0101 → true, false, true
        #expect(values(decode(.bit, bits: 1, [0b101], count: 3, stride: 1), as: Bool.self) == [true, false, true])
        // Real32Trunc with 12 bits: the top 12 bits of 1.0 (0x3F8) and -2.0 (0xC00), packed LSB first
        #expect(values(decode(.real32Trunc, bits: 12, [0xF8, 0x03, 0xC0], count: 2, stride: 4), as: Float.self) == [1, -2])
        // Real32Quant with 2 bits over [0, 3]: k = 0, 1, 2, 3 → 0, 1, 2, 3
        #expect(values(decode(.real32Quant, bits: 2, range: (0, 3), [0b1110_0100], count: 4, stride: 4), as: Float.self) == [0, 1, 2, 3])
        // Switch: (index 7, tag 2)
        #expect(values(decode(.switch, bits: 96, [7, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0], count: 1, stride: 16), as: UInt64.self) == [7, 2])
    }

    @Test func errorsNameFileRNTupleAndField() throws {
        let path = Self.folder.appendingPathComponent("ntpl001_staff_rntuple_v1-0-0-0.root").path
        let ntuple = try ROOTFile(path: path).rntuple("Staff")
        #expect(throws: ROOTError(file: path, object: "Staff", reason: .notFound("field 'Nope'"))) { try ntuple.read("Nope") }
        #expect(throws: ROOTError(file: path, object: "Staff", reason: .typeMismatch("ROOT::RNTuple is not a TTree"))) {
            try ROOTFile(path: path).tree("Staff")
        }
        // a flipped byte inside the header envelope fails its XXH3 checksum
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let anchor = try ROOTFile(path: path).key("Staff")
        let header = try RNTupleAnchor(try ROOTFile(path: path).objectBytes(of: anchor)).header
        bytes[Int(header.offset) + Int(header.size) / 2] ^= 0x10
        do {
            _ = try ROOTFile(bytes: bytes, name: "flipped.root").rntuple("Staff")
            Issue.record("a corrupt header must not read")
        } catch {
            #expect(error.file == "flipped.root" && error.object == "Staff")
        }
    }
}

extension RNTupleArray {
    /// Item `item` as Foundation values: Double for numbers, String, [Any?], [String: Any?], nil.
    func json(item: Int) -> Any? {
        switch self {
        case .values(let values):
            if case .string(let strings) = values { return strings[item] }
            if case .bool(let bits) = values { return bits[item] ? 1.0 : 0.0 }
            if case .int64(let v) = values { return Double(exactly: v[item]) ?? Double(v[item]) }
            return values.double(at: item)
        case let .list(offsets, content): return (offsets[item] ..< offsets[item + 1]).map { content.json(item: $0) }
        case let .fixed(size, content): return (item * size ..< (item + 1) * size).map { content.json(item: $0) }
        case let .optional(offsets, content): return offsets[item] == offsets[item + 1] ? nil : content.json(item: offsets[item])
        case .record(let fields, _): return Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.array.json(item: item)) })
        case let .variant(tags, indices, alternatives): return tags[item] == 0 ? nil : alternatives[Int(tags[item]) - 1].json(item: indices[item])
        }
    }
}
