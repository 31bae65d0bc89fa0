import Foundation
import HEPKitSupport
import Testing
@testable import HistFactory

/// Workspace operations against the pyhf 0.7.6 command line (`fixtures/workspace/cli.json`, made by
/// tools/make_workspace_expectations.py): every recorded run of `pyhf inspect / sort / digest / prune /
/// rename / combine / patchset` is redone with the library and must print exactly the same text, or
/// fail where pyhf failed.
@Suite struct WorkspaceOperationTests {
    static let runs: [JSONValue] =
        ((try? JSONValue(parsing: Array((try? Fixtures.data("workspace/cli.json")) ?? Data())))?.arrayValue) ?? []

    static var runIndices: [Int] { Array(runs.indices) }

    /// Runs pyhf that HEPKit intentionally does not reproduce.
    static let knownDifferences: [[String]: String] = [
        ["inspect", "workspace/inputs/odd_numbers_strings.json", "--output-file", "workspace/inspect.tmp.json"]:
            "pyhf raises OverflowError squaring 3e300 for the shapesys τ; Swift's Double gives +inf",
    ]

    struct Outcome {
        var stdout: String
        var outputFile: String?
    }

    /// The options of a pyhf command line: flags with values (repeatable) and positional arguments.
    struct Arguments {
        var positional: [String] = []
        var options: [String: [[String]]] = [:]

        init(_ args: [String], arity: [String: Int], flags: Set<String> = []) {
            var i = 0
            while i < args.count {
                let a = args[i]
                if let n = arity[a] {
                    options[a, default: []].append(Array(args[(i + 1)..<min(args.count, i + 1 + n)]))
                    i += 1 + n
                } else if flags.contains(a) {
                    options[a, default: []].append([])
                    i += 1
                } else {
                    positional.append(a)
                    i += 1
                }
            }
        }

        func values(_ names: String...) -> [String] { names.flatMap { options[$0] ?? [] }.map { $0[0] } }
        func pairs(_ names: String...) -> [(String, String)] { names.flatMap { options[$0] ?? [] }.map { ($0[0], $0[1]) } }
        func has(_ name: String) -> Bool { options[name] != nil }
    }

    static func load(_ path: String) throws -> WorkspaceDocument {
        try WorkspaceDocument(parsing: Array(try Fixtures.data(path)), source: path)
    }

    /// What `pyhf <args>` prints, computed with the library.
    static func run(_ args: [String]) throws -> Outcome {
        let command = args[0]
        switch command {
        case "inspect":
            let a = Arguments(Array(args.dropFirst()), arity: ["--output-file": 1])
            let inspection = try WorkspaceInspection(try load(a.positional[0]))
            return Outcome(stdout: inspection.text, outputFile: inspection.json.pythonJSON(indent: 4))
        case "sort":
            return Outcome(stdout: try load(args[1]).sorted().pyhfText + "\n")
        case "digest":
            let a = Arguments(Array(args.dropFirst()), arity: ["-a": 1], flags: ["--json", "-j"])
            let document = try load(a.positional.first ?? "workspace/inputs/example3.json")
            let algorithms = a.values("-a").isEmpty ? ["sha256"] : a.values("-a")
            let digests = algorithms.map { ($0, document.digest(HashAlgorithm(rawValue: $0)!)) }
            if a.has("--json") {
                return Outcome(stdout: JSONValue.object(JSONObject(digests.map { ($0.0, .string($0.1)) })).pythonJSON(indent: 4) + "\n")
            }
            return Outcome(stdout: digests.map { "\($0.0):\($0.1)\n" }.joined())
        case "prune":
            let a = Arguments(Array(args.dropFirst()), arity: ["-c": 1, "-s": 1, "-m": 1, "-t": 1, "--measurement": 1])
            let pruned = try load(a.positional[0]).pruned(
                modifiers: a.values("-m"), modifierTypes: a.values("-t"), samples: a.values("-s"), channels: a.values("-c"),
                measurements: a.values("--measurement"))
            return Outcome(stdout: pruned.pyhfText + "\n")
        case "rename":
            let a = Arguments(Array(args.dropFirst()), arity: ["-c": 2, "-s": 2, "-m": 2, "--measurement": 2])
            let renamed = try load(a.positional[0]).renamed(
                modifiers: a.pairs("-m"), samples: a.pairs("-s"), channels: a.pairs("-c"), measurements: a.pairs("--measurement"))
            return Outcome(stdout: renamed.pyhfText + "\n")
        case "combine":
            let a = Arguments(Array(args.dropFirst()), arity: ["--join": 1], flags: ["--merge-channels"])
            let join = WorkspaceDocument.Join(rawValue: a.values("--join").first ?? "none")!
            let combined = try WorkspaceDocument.combine(
                try load(a.positional[0]), try load(a.positional[1]), join: join, mergeChannels: a.has("--merge-channels"))
            return Outcome(stdout: combined.pyhfText + "\n")
        case "patchset":
            let a = Arguments(Array(args.dropFirst(2)), arity: ["--name": 1], flags: ["--with-metadata"])
            switch args[1] {
            case "inspect":
                return Outcome(stdout: try PatchSet(parsing: Array(try Fixtures.data(a.positional[0]))).inspection + "\n")
            case "extract":
                let set = try PatchSet(parsing: Array(try Fixtures.data(a.positional[0])))
                let patch = try set.patch(named: a.values("--name")[0])
                return Outcome(stdout: set.extract(patch, withMetadata: a.has("--with-metadata")).pythonJSON(indent: 4) + "\n")
            case "apply":
                let set = try PatchSet(parsing: Array(try Fixtures.data(a.positional[1])))
                let patched = try set.apply(try set.patch(named: a.values("--name")[0]), to: try load(a.positional[0]))
                return Outcome(stdout: patched.pyhfText + "\n")
            case "verify":
                try PatchSet(parsing: Array(try Fixtures.data(a.positional[1]))).verify(try load(a.positional[0]))
                return Outcome(stdout: "All good.\n")
            default: throw WorkspaceError.invalidOperation("unknown patchset command \(args[1])")
            }
        default:
            throw WorkspaceError.invalidOperation("unknown command \(command)")
        }
    }

    @Test func runsArePresent() { #expect(Self.runs.count >= 118) }

    @Test(arguments: runIndices)
    func matchesPyhfCommandLine(index: Int) throws {
        let run = Self.runs[index]
        let recorded = run["args"]?.arrayValue?.compactMap { $0.stringValue }
        var args = try #require(recorded)
        if let stdin = run["stdin"]?.stringValue { args.append(stdin) }  // the library reads the same file
        if Self.knownDifferences[args] != nil { return }
        let pyhfSucceeded = run["status"] == 0
        let outcome = Result { try Self.run(args) }
        switch outcome {
        case .failure(let error):
            #expect(!pyhfSucceeded, "\(args): pyhf succeeded, HEPKit failed: \(error)")
        case .success(let out):
            #expect(pyhfSucceeded, "\(args): pyhf failed, HEPKit succeeded")
            guard pyhfSucceeded else { return }
            if let expected = run["stdout"]?.stringValue {
                #expect(out.stdout == expected, "\(args)")
            } else {
                let hash = HashAlgorithm.sha256.hexDigest(Array(out.stdout.utf8))
                #expect(hash == run["stdout_sha256"]?.stringValue, "\(args)")
            }
            if let file = run["output_file"]?.stringValue { #expect(out.outputFile == file, "\(args) --output-file") }
        }
    }

    /// Measurement selection and observed data (pyhf `get_measurement`, `Workspace.data`).
    @Test func measurementsAndData() throws {
        let document = try Self.load("pyhf/xml_xmlimport_input__example.json")
        #expect(try document.measurement().name == document.measurementNames[0])
        #expect(try document.measurement(index: 1).name == document.measurementNames[1])
        #expect(throws: WorkspaceError.self) { try document.measurement(named: "nope") }
        #expect(throws: WorkspaceError.self) { try document.measurement(index: 9) }
        let truth = try JSONValue(parsing: Array(try Fixtures.data("pyhf/xml_xmlimport_input__example.truth.json")))
        let model = try document.model()
        let full = try document.data(model), main = try document.data(model, includeAuxdata: false)
        #expect(main.count == model.mainBinCount && full == main + model.auxdata)
        let values = truth["data"]?.arrayValue?.compactMap { $0.numberValue?.double }
        let expected = try #require(values)
        #expect(full == expected)
    }

    /// `Workspace.model(patches=...)`: patches apply to the `{channels, parameters}` model spec.
    @Test func modelWithPatches() throws {
        let document = try Self.load("workspace/inputs/example3.json")
        let patch = try JSONPatch(try JSONValue(parsing: #"[{"op": "replace", "path": "/parameters/1/bounds", "value": [[0.0, 7.0]]}]"#))
        let model = try document.model(patches: [patch])
        #expect(model.parameterSet(named: "mu_ttbar")?.bounds == [0.0...7.0])
        let bad = try JSONPatch(try JSONValue(parsing: #"[{"op": "remove", "path": "/measurements"}]"#))
        #expect(throws: WorkspaceError.self) { try document.model(patches: [bad]) }
    }
}
