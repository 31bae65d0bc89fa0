import Foundation
import Testing
@testable import HistFactory

/// Expected values made by pyhf 0.7.6 (`tools/make_workspace_expectations.py`).
@Suite struct PyhfOracleTests {
    static let digestTable: [String: [String: String]] = {
        (try? JSONDecoder().decode([String: [String: String]].self, from: Fixtures.data("workspace/digests.json"))) ?? [:]
    }()

    static func document(_ relative: String) throws -> WorkspaceDocument {
        try WorkspaceDocument(parsing: Fixtures.data(relative), source: relative)
    }

    @Test(arguments: digestTable.keys.sorted())
    func digestMatchesPyhf(file: String) throws {
        let doc = try Self.document(file)
        let expected = try #require(Self.digestTable[file])
        #expect(doc.digest(.sha256) == expected["sha256"])
        #expect(doc.digest(.md5) == expected["md5"])
        #expect(doc.digest(.sha1) == expected["sha1"])
    }

    @Test func digestCoversEveryPyhfFixture() {
        for name in Fixtures.pyhfWorkspaces { #expect(Self.digestTable["pyhf/" + name] != nil, "\(name)") }
    }

    /// Test vectors of the reference (histfactory.md §6): int vs float spelling changes the digest.
    @Test func digestReferenceVectors() throws {
        let float = """
            {"channels": [{"name": "ch", "samples": [{"data": [5.0], "modifiers": [{"data": null, "name": "mu", "type": "normfactor"}], "name": "s"}]}], "measurements": [{"config": {"parameters": [], "poi": "mu"}, "name": "m"}], "observations": [{"data": [5.0], "name": "ch"}], "version": "1.0.0"}
            """
        let doc = try WorkspaceDocument(parsing: Array(float.utf8))
        #expect(doc.digest(.sha256) == "1ce5ab9a87984f31d3dde9afb1da126b67480de2a3d7560df7581710046c98f5")
        #expect(doc.digest(.md5) == "77cf6f82e3988535bb9e38f9c7e3c4d9")
        let int = try WorkspaceDocument(parsing: Array(float.replacingOccurrences(of: "5.0", with: "5").utf8))
        #expect(int.digest(.sha256) == "02fda3a1609df99600994d43b64e03b8f1cac321b32ab99205440d6ff8902538")
    }

    /// Python's docstring example for `pyhf.utils.digest` and hashlib's other algorithms.
    @Test func hashAlgorithms() throws {
        let obj: JSONValue = ["a": 2.0, "b": 3.0, "c": 1.0]
        let bytes = obj.canonicalDigestBytes
        #expect(HashAlgorithm.sha256.hexDigest(bytes) == "a38f6093800189b79bc22ef677baf90c75705af2cfc7ff594159eca54eaa7928")
        #expect(HashAlgorithm.md5.hexDigest(bytes) == "2c0633f242928eb55c3672fed5ba8612")
        #expect(HashAlgorithm.sha1.hexDigest(bytes) == "49a27f499e763766c9545b294880df277be6f545")
        // FIPS 180-4 examples ("abc").
        let abc = Array("abc".utf8)
        #expect(HashAlgorithm.sha224.hexDigest(abc) == "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7")
        #expect(HashAlgorithm.sha384.hexDigest(abc) == "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")
        #expect(HashAlgorithm.sha512.hexDigest(abc) == "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
        // Padding boundary: 55, 56 and 64 bytes.
        #expect(HashAlgorithm.sha256.hexDigest(Array(repeating: 0x61, count: 56)) == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
    }

    @Test func pythonFloatRepr() throws {
        let table = try JSONDecoder().decode([[String]].self, from: Fixtures.data("workspace/float_repr.json"))
        #expect(table.count > 7000)
        var failures: [String] = []
        for row in table {
            let value = Double(bitPattern: UInt64(row[0], radix: 16)!)
            if PythonFloat.repr(value) != row[1] { failures.append("\(row[1]) → \(PythonFloat.repr(value))") }
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")
    }

    @Test func jsonPatchMatchesPythonJsonpatch() throws {
        let fixture = try JSONValue(parsing: Fixtures.data("workspace/jsonpatch.json"))
        let document = try #require(fixture["document"])
        for item in try #require(fixture["cases"]?.arrayValue) {
            let patchJSON = try #require(item["patch"])
            let label = patchJSON.brief(limit: 200)
            do {
                let patch = try JSONPatch(patchJSON)
                let result = try patch.apply(to: document)
                let expected = try #require(item["result"], "\(label) should fail with \(item["error"]?.brief() ?? "")")
                #expect(result.pythonJSON() == expected.pythonJSON(), "\(label)")
            } catch let error as JSONPatchError {
                #expect(item["error"]?.stringValue == Self.pythonName(error.kind), "\(label): \(error)")
            }
        }
    }

    /// The Python exception class `jsonpatch`/`jsonpointer` raise for each failure kind.
    static func pythonName(_ kind: JSONPatchError.Kind) -> String {
        switch kind {
        case .invalidPointer: return "JsonPointerException"
        case .conflict: return "JsonPatchConflict"
        case .testFailed: return "JsonPatchTestFailed"
        case .invalidPatch: return "InvalidJsonPatch"
        }
    }

    // MARK: - CLI outputs

    /// `click.echo(json.dumps(value, indent=4, sort_keys=True))`.
    static func echoJSON(_ value: JSONValue) -> String { value.pythonJSON(indent: 4) + "\n" }

    struct Run: CustomStringConvertible {
        let args: [String]
        let status: Int
        let stdout: String?
        let stdoutSHA256: String?
        let stdin: String?
        let outputFile: String?
        var description: String { args.joined(separator: " ") }
    }

    static let runs: [Run] = {
        guard let json = try? JSONValue(parsing: Fixtures.data("workspace/cli.json")), let items = json.arrayValue else { return [] }
        return items.map { item in
            Run(
                args: item["args"]!.arrayValue!.map { $0.stringValue! }, status: item["status"]!.numberValue!.int!,
                stdout: item["stdout"]?.stringValue, stdoutSHA256: item["stdout_sha256"]?.stringValue,
                stdin: item["stdin"]?.stringValue, outputFile: item["output_file"]?.stringValue)
        }
    }()

    /// Re-runs a pyhf command through the library; returns stdout and the `--output-file` content.
    static func execute(_ run: Run) throws -> (stdout: String, file: String?) {
        var positional: [String] = []
        var options: [String: [String]] = [:]
        var flags = Set<String>()
        var i = 1
        let twoValued: Set<String> = ["-c", "-s", "-m", "--measurement"]
        let isRename = run.args[0] == "rename"
        var args = run.args
        if args[0] == "patchset" {
            args.removeFirst()
        }
        i = 1
        while i < args.count {
            let a = args[i]
            if ["--json", "--with-metadata", "--merge-channels"].contains(a) {
                flags.insert(a)
                i += 1
            } else if a.hasPrefix("-") {
                let count = isRename && twoValued.contains(a) ? 2 : 1
                options[a, default: []].append(contentsOf: args[(i + 1)...(i + count)])
                i += 1 + count
            } else {
                positional.append(a)
                i += 1
            }
        }
        func load(_ index: Int) throws -> WorkspaceDocument {
            if index < positional.count { return try document(positional[index]) }
            return try document(try #require(run.stdin))
        }
        func pairs(_ key: String) -> [(String, String)] {
            let v = options[key] ?? []
            return stride(from: 0, to: v.count, by: 2).map { (v[$0], v[$0 + 1]) }
        }
        let patchSet = { (index: Int) throws -> PatchSet in
            try PatchSet(parsing: Fixtures.data(positional[index]))
        }
        switch (run.args[0], args[0]) {
        case ("inspect", _):
            let summary = try WorkspaceInspection(load(0))
            return (summary.text, summary.json.pythonJSON(indent: 4))
        case ("sort", _):
            return (echoJSON(try load(0).sorted().json), nil)
        case ("digest", _):
            let algorithms = try (options["-a"] ?? ["sha256"]).map { try #require(HashAlgorithm(rawValue: $0)) }
            let doc = try load(0)
            let digests = algorithms.map { ($0.rawValue, doc.digest($0)) }
            if flags.contains("--json") { return (echoJSON(.object(JSONObject(digests.map { ($0.0, .string($0.1)) }))), nil) }
            return (digests.map { "\($0.0):\($0.1)\n" }.joined(), nil)
        case ("prune", _):
            let types = options["-t"] ?? []
            let pruned = try load(0).pruned(
                modifiers: options["-m"] ?? [], modifierTypes: types, samples: options["-s"] ?? [],
                channels: options["-c"] ?? [], measurements: options["--measurement"] ?? [])
            return (echoJSON(pruned.json), nil)
        case ("rename", _):
            let renamed = try load(0).renamed(
                modifiers: pairs("-m"), samples: pairs("-s"), channels: pairs("-c"), measurements: pairs("--measurement"))
            return (echoJSON(renamed.json), nil)
        case ("combine", _):
            let join = try #require(WorkspaceDocument.Join(rawValue: options["--join"]?.last ?? "none"))
            let combined = try WorkspaceDocument.combine(
                load(0), load(1), join: join, mergeChannels: flags.contains("--merge-channels"))
            return (echoJSON(combined.json), nil)
        case ("patchset", "inspect"):
            return (try patchSet(0).inspection + "\n", nil)
        case ("patchset", "extract"):
            let ps = try patchSet(0)
            let patch = try ps.patch(named: options["--name"]?.last ?? "")
            return (echoJSON(ps.extract(patch, withMetadata: flags.contains("--with-metadata"))), nil)
        case ("patchset", "apply"):
            let ps = try patchSet(1)
            let patch = try ps.patch(named: options["--name"]?.last ?? "")
            return (echoJSON(try ps.apply(patch, to: load(0)).json), nil)
        case ("patchset", "verify"):
            try patchSet(1).verify(load(0))
            return ("All good.\n", nil)
        default:
            throw WorkspaceError.invalidOperation("unknown command \(run.args)")
        }
    }

    /// Runs where pyhf itself crashes for reasons outside the workspace layer (Python float
    /// overflow while building the model of `odd_numbers_strings.json`, whose shapesys τ = ν²/σ²
    /// overflows); pyhf's float overflow is not an error of the workspace.
    static let pyhfCrashes: Set<String> = ["inspect workspace/inputs/odd_numbers_strings.json --output-file workspace/inspect.tmp.json"]

    @Test(arguments: runs.filter { !pyhfCrashes.contains($0.description) })
    func cliOutputMatchesPyhf(run: Run) throws {
        if run.status != 0 {
            #expect(throws: (any Error).self, "\(run) must fail") { try Self.execute(run) }
            return
        }
        let (stdout, file) = try Self.execute(run)
        if let expected = run.stdout {
            #expect(stdout == expected, "\(run)")
        } else {
            #expect(HashAlgorithm.sha256.hexDigest(Array(stdout.utf8)) == run.stdoutSHA256, "\(run)")
        }
        if let expectedFile = run.outputFile { #expect(file == expectedFile, "\(run) --output-file") }
    }
}

@Suite struct RepeatedKeyTests {
    /// Python's `json.loads` keeps the last of repeated keys; the typed view must agree with the
    /// document (and with pyhf), whichever decoding path is taken.
    @Test func lastRepeatedKeyWinsInDocumentAndTypedView() throws {
        let text = """
            {"channels": [{"name": "ch", "samples": [{"name": "s", "data": [1.0], "data": [2.5],
              "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]}]}],
             "observations": [{"name": "ch", "data": [3.0]}],
             "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}], "version": "1.0.0"}
            """
        let doc = try WorkspaceDocument(parsing: Array(text.utf8))
        #expect(doc.workspace.channels[0].samples[0].data == [2.5])
        #expect(doc.json["channels"]?.arrayValue?[0]["samples"]?.arrayValue?[0]["data"] == [2.5])
    }
}
