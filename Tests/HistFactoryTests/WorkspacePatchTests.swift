import Foundation
import Testing
@testable import HistFactory

/// JSON Pointer / JSON Patch against Python's `jsonpatch` package, and patchsets against pyhf.
@Suite struct WorkspacePatchTests {
    static let file: JSONValue = (try? JSONValue(parsing: Array((try? Fixtures.data("workspace/jsonpatch.json")) ?? Data()))) ?? .null

    static var caseIndices: [Int] { Array((file["cases"]?.arrayValue ?? []).indices) }

    /// Each case: the result `jsonpatch.apply_patch` gives (key order included) or its exception class.
    @Test(arguments: caseIndices)
    func jsonPatchMatchesPython(index: Int) throws {
        let document = try #require(Self.file["document"])
        let testCase = try #require(Self.file["cases"]?.arrayValue?[index])
        let patchJSON = try #require(testCase["patch"])
        let outcome: Result<JSONValue, JSONPatchError> = Result { () throws(JSONPatchError) in try JSONPatch(patchJSON).apply(to: document) }
        if let expected = testCase["result"] {
            let result = try outcome.get()
            #expect(result.pythonJSON(sortKeys: false) == expected.pythonJSON(sortKeys: false), "\(patchJSON.brief(limit: 200))")
        } else {
            let kinds: [String: JSONPatchError.Kind] = [
                "JsonPatchConflict": .conflict, "JsonPointerException": .invalidPointer, "JsonPatchTestFailed": .testFailed,
                "InvalidJsonPatch": .invalidPatch,
            ]
            let name = try #require(testCase["error"]?.stringValue)
            let expected = try #require(kinds[name])
            switch outcome {
            case .success(let v): Issue.record("\(patchJSON.brief(limit: 200)) succeeded: \(v.brief())")
            case .failure(let error): #expect(error.kind == expected, "\(patchJSON.brief(limit: 200)): \(error)")
            }
        }
    }

    @Test func corpusIsPresent() { #expect(Self.caseIndices.count >= 39) }

    /// RFC 6901 §5 examples.
    @Test func pointerEscaping() throws {
        let rfc = try JSONValue(parsing: #"{"foo": ["bar", "baz"], "": 0, "a/b": 1, "c%d": 2, "e^f": 3, "g|h": 4, "i\\j": 5, "k\"l": 6, " ": 7, "m~n": 8}"#)
        let cases: [(String, JSONValue)] = [
            ("/foo", ["bar", "baz"]), ("/foo/0", "bar"), ("/", 0), ("/a~1b", 1), ("/c%d", 2), ("/e^f", 3), ("/g|h", 4),
            ("/i\\j", 5), ("/k\"l", 6), ("/ ", 7), ("/m~0n", 8),
        ]
        for (text, value) in cases {
            let pointer = try JSONPointer(parsing: text)
            #expect(rfc[pointer: pointer] == value, "\(text)")
            #expect(pointer.description == text)
        }
        #expect(rfc[pointer: .root] == rfc)
        #expect(throws: JSONPatchError.self) { try JSONPointer(parsing: "/a~2") }
    }

    @Test func malformedPatchesAreRejected() {
        for bad: JSONValue in [["op": "add", "path": "/a"], ["op": "jump", "path": "/a"], ["path": "/a"], ["op": "move", "path": "/a"]] {
            #expect(throws: JSONPatchError.self) { try JSONPatch([bad]) }
        }
    }

    static func patchSet(_ path: String = "workspace/inputs/patchset.json") throws -> PatchSet {
        try PatchSet(parsing: Array(try Fixtures.data(path)))
    }

    /// Lookup by values compares numbers numerically (`100 == 100.0`) but not numbers with strings.
    @Test func lookupByNameAndValues() throws {
        let set = try Self.patchSet()
        #expect(set.patches.map(\.name) == ["sig_100_1", "sig_200_1p5", "sig_300_2"])
        #expect(set.labels == ["mass", "coupling"])
        #expect(try set.patch(values: [100.0, 1]).name == "sig_100_1")
        #expect(try set.patch(values: [300, "2"]).name == "sig_300_2")
        #expect(throws: WorkspaceError.self) { try set.patch(values: [300, 2]) }
        #expect(throws: WorkspaceError.self) { try set.patch(named: "sig_400") }
    }

    /// Applying by values gives what `pyhf patchset apply --name` gives for the same patch.
    @Test func applyByValuesMatchesPyhf() throws {
        let set = try Self.patchSet()
        let workspace = try WorkspaceDocument(parsing: Array(try Fixtures.data("pyhf/validation_1bin_shapesys.json")))
        let runs = try #require(try JSONValue(parsing: Array(try Fixtures.data("workspace/cli.json"))).arrayValue)
        let pyhf = try #require(runs.first {
            $0["args"] == ["patchset", "apply", "pyhf/validation_1bin_shapesys.json", "workspace/inputs/patchset.json", "--name", "sig_200_1p5"]
        })
        let patched = try set.apply(try set.patch(values: [200, 1.5]), to: workspace)
        #expect(patched.pyhfText + "\n" == pyhf["stdout"]?.stringValue)
    }

    @Test func verifyRejectsAnotherWorkspace() throws {
        let set = try Self.patchSet()
        let other = try WorkspaceDocument(parsing: Array(try Fixtures.data("workspace/inputs/example3.json")))
        #expect(throws: WorkspaceError.self) { try set.verify(other) }
        let bad = try Self.patchSet("workspace/inputs/patchset_bad_digest.json")
        let good = try WorkspaceDocument(parsing: Array(try Fixtures.data("pyhf/validation_1bin_shapesys.json")))
        try set.verify(good)
        let outcome = Result { () throws(WorkspaceError) in try bad.verify(good) }
        guard case .failure(.digestMismatch(let algorithm, let expected, let found)) = outcome else {
            Issue.record("a wrong digest verified: \(outcome)")
            return
        }
        #expect(algorithm == "sha256" && expected == String(repeating: "0", count: 64) && found == good.digest())
    }

    /// pyhf `InvalidPatchSet`: duplicate names, duplicate values, wrong number of values; and schema errors.
    @Test func inconsistentPatchSetsAreRejected() throws {
        let json = try JSONValue(parsing: Array(try Fixtures.data("workspace/inputs/patchset.json")))
        let p0 = JSONPointer(tokens: ["patches", "0", "metadata"])
        let cases: [(JSONPatch, String)] = [
            (JSONPatch([.replace(JSONPointer(tokens: p0.tokens + ["name"]), "sig_200_1p5")]), "named"),
            (JSONPatch([.replace(JSONPointer(tokens: p0.tokens + ["values"]), [200, 1.5])]), "values"),
            (JSONPatch([.replace(JSONPointer(tokens: p0.tokens + ["values"]), [100])]), "labels"),
        ]
        for (patch, fragment) in cases {
            let broken = try patch.apply(to: json)
            let outcome = Result { () throws(WorkspaceError) in try PatchSet(broken) }
            guard case .failure(.invalidPatchSet(let message)) = outcome else {
                Issue.record("not rejected as inconsistent: \(fragment)")
                continue
            }
            #expect(message.contains(fragment), "\(message)")
        }
        let schemaBreak = try JSONPatch([.replace(JSONPointer(tokens: ["metadata", "references", "hepdata"]), "ins12")]).apply(to: json)
        let outcome = Result { () throws(WorkspaceError) in try PatchSet(schemaBreak) }
        guard case .failure(.invalidSpecification(_, let schema, let issues)) = outcome else {
            Issue.record("accepted a bad hepdata reference")
            return
        }
        #expect(schema == "patchset.json" && issues.map(\.path) == ["metadata.references.hepdata"])
    }
}
