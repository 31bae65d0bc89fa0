import Foundation
import HEPKitSupport
import HEPKitSupport
import Testing
@testable import HistFactory

/// The JSON layer against Python: `repr(float)`, `json.dumps` and `pyhf digest`.
@Suite struct WorkspaceJSONTests {
    /// 7020 doubles (edge cases and random bit patterns) with Python's `repr`.
    @Test func floatReprMatchesPython() throws {
        let cases = try JSONValue(parsing: Array(try Fixtures.data("workspace/float_repr.json")))
        let pairs = try #require(cases.arrayValue)
        #expect(pairs.count > 7000)
        var mismatches: [String] = []
        for pair in pairs {
            let hex = pair.arrayValue![0].stringValue!, expected = pair.arrayValue![1].stringValue!
            let value = Double(bitPattern: UInt64(hex, radix: 16)!)
            let got = PythonFloat.repr(value)
            if got != expected { mismatches.append("\(hex): \(got) != \(expected)") }
            // The repr parses back to the same double (and the parser keeps it a float).
            let parsed = try JSONValue(parsing: got)
            if parsed.numberValue?.double.bitPattern != value.bitPattern || parsed.numberValue?.isInteger != false {
                mismatches.append("\(hex): \(got) does not parse back")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    static var digestCases: [String] {
        guard let data = try? Fixtures.data("workspace/digests.json"), let json = try? JSONValue(parsing: Array(data)) else { return [] }
        return json.objectValue?.keys ?? []
    }

    /// `pyhf digest -a sha256 -a md5 -a sha1` of every fixture workspace.
    @Test(arguments: digestCases)
    func digestMatchesPyhf(path: String) throws {
        let expected = try JSONValue(parsing: Array(try Fixtures.data("workspace/digests.json")))[path]
        let document = try WorkspaceDocument(parsing: Array(try Fixtures.data(path)), source: path)
        for algorithm in [HashAlgorithm.sha256, .md5, .sha1] {
            #expect(document.digest(algorithm) == expected?[algorithm.rawValue]?.stringValue, "\(path) \(algorithm)")
        }
    }

    /// The document's typed workspace is what `JSONDecoder` makes of the same file.
    @Test(arguments: digestCases)
    func typedWorkspaceMatchesJSONDecoder(path: String) throws {
        let data = try Fixtures.data(path)
        let document = try WorkspaceDocument(parsing: Array(data), source: path)
        let decoded = try JSONDecoder().decode(Workspace.self, from: data)
        #expect(document.workspace == decoded)
    }

    @Test func everyPyhfFixtureHasADigest() {
        #expect(Set(Fixtures.pyhfWorkspaces.map { "pyhf/" + $0 }).isSubset(of: Set(Self.digestCases)))
    }

    /// The test vectors of the reference (histfactory.md §6): the digest depends on `5.0` vs `5`.
    @Test func digestDistinguishesIntegersFromFloats() throws {
        let text = """
        {"channels": [{"name": "ch", "samples": [{"data": [5.0], "modifiers": [{"data": null, "name": "mu", "type": "normfactor"}], "name": "s"}]}], "measurements": [{"config": {"parameters": [], "poi": "mu"}, "name": "m"}], "observations": [{"data": [5.0], "name": "ch"}], "version": "1.0.0"}
        """
        let float = try WorkspaceDocument(parsing: Array(text.utf8))
        #expect(float.digest() == "1ce5ab9a87984f31d3dde9afb1da126b67480de2a3d7560df7581710046c98f5")
        #expect(float.digest(.md5) == "77cf6f82e3988535bb9e38f9c7e3c4d9")
        let int = try WorkspaceDocument(parsing: Array(text.replacingOccurrences(of: "5.0", with: "5").utf8))
        #expect(int.digest() == "02fda3a1609df99600994d43b64e03b8f1cac321b32ab99205440d6ff8902538")
        #expect(float.workspace == int.workspace)
    }

    /// FIPS 180-2 / RFC 1321 test vectors for the other algorithms `pyhf digest -a` accepts.
    @Test func hashTestVectors() {
        let abc = Array("abc".utf8)
        #expect(HashAlgorithm.sha224.hexDigest(abc) == "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7")
        #expect(HashAlgorithm.sha384.hexDigest(abc) == "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")
        #expect(HashAlgorithm.sha512.hexDigest(abc) == "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
        #expect(HashAlgorithm.md5.hexDigest([]) == "d41d8cd98f00b204e9800998ecf8427e")
        let long = Array(String(repeating: "a", count: 1000).utf8)  // several blocks
        #expect(HashAlgorithm.sha256.hexDigest(long) == "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    }

    @Test func parserKeepsIntegersExactAndKeyOrder() throws {
        let v = try JSONValue(parsing: #"{"b": 2, "a": [1, 1.0, -0, 1e2, "\u00e9\ud83d\ude00"]}"#)
        #expect(v.objectValue?.keys == ["b", "a"])
        #expect(v.pythonJSON(sortKeys: false) == #"{"b": 2, "a": [1, 1.0, 0, 100.0, "\u00e9\ud83d\ude00"]}"#)
        #expect(v.pythonJSON(ensureASCII: false) == #"{"a": [1, 1.0, 0, 100.0, "é😀"], "b": 2}"#)
        let big = try JSONValue(parsing: "[12345678901234567890]")
        #expect(big.pythonJSON() == "[12345678901234567890]")
        for bad in ["[1,]", "{\"a\" 1}", "01", "[NaN]", "1e400", "\"\\x\"", "[1] 2", "\"\u{01}\""] {
            #expect(throws: JSONSyntaxError.self, "\(bad)") { try JSONValue(parsing: bad) }
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONSyntaxError.self) { try JSONValue(parsing: deep) }
    }
}
