// pyhf-compatible workspace commands: same arguments and same output as `pyhf inspect`,
// `digest`, `sort`, `prune`, `rename`, `combine` and `pyhf patchset ...`.

import ArgumentParser
import Foundation
import HistFactory

/// Reads the documents named on the command line; `-` is standard input (read once).
struct DocumentInput {
    private var stdinConsumed = false

    mutating func bytes(_ path: String) throws -> (bytes: Data, source: String) {
        guard path == "-" else {
            do {
                return (try Data(contentsOf: URL(fileURLWithPath: path)), path)
            } catch {
                throw ValidationError("cannot read \(path): \(error.localizedDescription)")
            }
        }
        // A second '-' sees an exhausted stream, as with pyhf.
        let data = stdinConsumed ? Data() : FileHandle.standardInput.readDataToEndOfFile()
        stdinConsumed = true
        return (data, "<stdin>")
    }

    mutating func workspace(_ path: String) throws -> WorkspaceDocument {
        let (data, source) = try bytes(path)
        return try WorkspaceDocument(parsing: data, source: source)
    }

    mutating func patchSet(_ path: String) throws -> PatchSet {
        let (data, source) = try bytes(path)
        return try PatchSet(parsing: data, source: source)
    }
}

/// The `--output-file` option shared by the commands that produce a JSON document.
struct JSONOutputOptions: ParsableArguments {
    @Option(help: "The location of the output json file. If not specified, prints to screen.")
    var outputFile: String?

    /// Prints the document, or writes it atomically (temporary file + rename) to `--output-file`.
    func emit(_ value: JSONValue) throws {
        if let outputFile {
            try writeAtomically(CommandOutput.jsonFile(value), to: outputFile)
        } else {
            print(CommandOutput.json(value), terminator: "")
        }
    }
}

/// Writes `text` to `path` through a temporary file in the same directory and a rename.
func writeAtomically(_ text: String, to path: String) throws {
    do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    } catch {
        throw ValidationError("cannot write \(path): \(error.localizedDescription)")
    }
}

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Inspect a pyhf JSON workspace (tables as `pyhf inspect`).")

    @Argument(help: "Workspace JSON file ('-' = standard input).") var workspace = "-"
    @Option(help: "Also write the summary as JSON to this file.") var outputFile: String?
    @Option(help: "Accepted for pyhf compatibility; ignored (as in pyhf).") var measurement: String?
    @Flag(help: "Print the summary as JSON instead of the tables.") var json = false

    func run() throws {
        var input = DocumentInput()
        let summary = try WorkspaceSummary(input.workspace(workspace))
        print(json ? CommandOutput.json(summary.json) : summary.text, terminator: "")
        if let outputFile { try writeAtomically(CommandOutput.jsonFile(summary.json), to: outputFile) }
    }
}

struct DigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest", abstract: "Digest of the workspace, identical to `pyhf digest`.")

    @Argument(help: "Workspace JSON file ('-' = standard input).") var workspace = "-"
    @Option(name: [.short, .customLong("algorithm")], help: "Hash algorithm (repeatable): md5, sha1, sha224, sha256, sha384, sha512.")
    var algorithm: [String] = []
    @Flag(help: "Output format: -j/--json (a JSON object) or -p/--plaintext (`algorithm:digest` lines, default).")
    var format: DigestFormat = .plaintext

    enum DigestFormat: EnumerableFlag {
        case json, plaintext
        static func name(for value: DigestFormat) -> NameSpecification { .shortAndLong }
    }

    func run() throws {
        let algorithms = try (algorithm.isEmpty ? ["sha256"] : algorithm).map { name in
            guard let a = HashAlgorithm(rawValue: name) else {
                throw ValidationError("\(name) is not a supported algorithm (\(HashAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return a
        }
        var input = DocumentInput()
        print(CommandOutput.digests(try input.workspace(workspace), algorithms: algorithms, asJSON: format == .json), terminator: "")
    }
}

struct SortCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sort", abstract: "Sort the workspace (as `pyhf sort`).")

    @Argument(help: "Workspace JSON file ('-' = standard input).") var workspace = "-"
    @OptionGroup var output: JSONOutputOptions

    func run() throws {
        var input = DocumentInput()
        try output.emit(try input.workspace(workspace).sorted().json)
    }
}

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Prune components from the workspace (as `pyhf prune`).")

    @Argument(help: "Workspace JSON file ('-' = standard input).") var workspace = "-"
    @OptionGroup var output: JSONOutputOptions
    @Option(name: .shortAndLong, help: "Channel to remove (repeatable).") var channel: [String] = []
    @Option(name: .shortAndLong, help: "Sample to remove (repeatable).") var sample: [String] = []
    @Option(name: .shortAndLong, help: "Modifier to remove (repeatable).") var modifier: [String] = []
    @Option(name: [.customShort("t"), .long], help: "Modifier type to remove (repeatable).") var modifierType: [ModifierKind] = []
    @Option(help: "Measurement to remove (repeatable).") var measurement: [String] = []

    func run() throws {
        var input = DocumentInput()
        let pruned = try input.workspace(workspace).pruned(
            modifiers: modifier, modifierTypes: modifierType, samples: sample, channels: channel, measurements: measurement)
        try output.emit(pruned.json)
    }
}

extension ModifierKind: ExpressibleByArgument {}

struct RenameCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rename", abstract: "Rename components of the workspace (as `pyhf rename`).")

    @Argument(help: "Workspace JSON file ('-' = standard input).") var workspace = "-"
    @OptionGroup var output: JSONOutputOptions
    @Option(name: .shortAndLong, parsing: .upToNextOption, help: "OLD NEW channel name (repeatable).") var channel: [String] = []
    @Option(name: .shortAndLong, parsing: .upToNextOption, help: "OLD NEW sample name (repeatable).") var sample: [String] = []
    @Option(name: .shortAndLong, parsing: .upToNextOption, help: "OLD NEW modifier name (repeatable).") var modifier: [String] = []
    @Option(parsing: .upToNextOption, help: "OLD NEW measurement name (repeatable).") var measurement: [String] = []

    func validate() throws {
        for (flag, values) in [("--channel", channel), ("--sample", sample), ("--modifier", modifier), ("--measurement", measurement)]
        where values.count % 2 != 0 {
            throw ValidationError("\(flag) takes pairs OLD NEW; got \(values.count) value(s)")
        }
    }

    /// OLD NEW pairs as a mapping; a later pair for the same OLD wins (Python `dict(pairs)`).
    private func mapping(_ values: [String]) -> [String: String] {
        Dictionary(stride(from: 0, to: values.count, by: 2).map { (values[$0], values[$0 + 1]) }, uniquingKeysWith: { _, new in new })
    }

    func run() throws {
        var input = DocumentInput()
        let renamed = try input.workspace(workspace).renamed(
            modifiers: mapping(modifier), samples: mapping(sample), channels: mapping(channel), measurements: mapping(measurement))
        try output.emit(renamed.json)
    }
}

extension WorkspaceDocument.Join: ExpressibleByArgument {}

struct CombineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "combine", abstract: "Combine two workspaces into one (as `pyhf combine`).")

    @Argument(help: "First workspace ('-' = standard input).") var workspaceOne = "-"
    @Argument(help: "Second workspace ('-' = standard input).") var workspaceTwo = "-"
    @Option(name: .shortAndLong, help: "Join: none, outer, 'left outer', 'right outer'.") var join: WorkspaceDocument.Join = .none
    @OptionGroup var output: JSONOutputOptions
    @Flag(inversion: .prefixedNo, help: "Merge same-named channels sample-wise (outer joins only).") var mergeChannels = false

    func run() throws {
        var input = DocumentInput()
        let left = try input.workspace(workspaceOne)
        let right = try input.workspace(workspaceTwo)
        try output.emit(try WorkspaceDocument.combine(left, right, join: join, mergeChannels: mergeChannels).json)
    }
}

struct PatchSetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patchset", abstract: "Operations on patchsets (as `pyhf patchset`).",
        subcommands: [Extract.self, Apply.self, Verify.self, Inspect.self])

    struct Extract: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Extract a patch from a patchset.")
        @Argument(help: "Patchset JSON file ('-' = standard input).") var patchset = "-"
        @Option(help: "The name of the patch to extract.") var name: String?
        @OptionGroup var output: JSONOutputOptions
        @Flag(help: "Include patchset metadata in output (--with-metadata) or not (--without-metadata, default).")
        var metadata: MetadataChoice = .withoutMetadata

        enum MetadataChoice: EnumerableFlag { case withMetadata, withoutMetadata }

        func run() throws {
            var input = DocumentInput()
            let set = try input.patchSet(patchset)
            let patch = try set.patch(named: try requireName(name))
            try output.emit(set.extract(patch, withMetadata: metadata == .withMetadata))
        }
    }

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply a patch from a patchset to the background-only workspace (after digest verification).")
        @Argument(help: "Background-only workspace ('-' = standard input).") var backgroundOnly = "-"
        @Argument(help: "Patchset JSON file ('-' = standard input).") var patchset = "-"
        @Option(help: "The name of the patch to apply.") var name: String?
        @OptionGroup var output: JSONOutputOptions

        func run() throws {
            var input = DocumentInput()
            let workspace = try input.workspace(backgroundOnly)
            let set = try input.patchSet(patchset)
            try output.emit(try set.apply(try set.patch(named: try requireName(name)), to: workspace).json)
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify the patchset digests against a background-only workspace.")
        @Argument(help: "Background-only workspace ('-' = standard input).") var backgroundOnly = "-"
        @Argument(help: "Patchset JSON file ('-' = standard input).") var patchset = "-"

        func run() throws {
            var input = DocumentInput()
            let workspace = try input.workspace(backgroundOnly)
            try input.patchSet(patchset).verify(workspace)
            print(CommandOutput.verified, terminator: "")
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the patches of a patchset.")
        @Argument(help: "Patchset JSON file ('-' = standard input).") var patchset = "-"

        func run() throws {
            var input = DocumentInput()
            print(CommandOutput.patchSetListing(try input.patchSet(patchset)), terminator: "")
        }
    }
}

/// pyhf looks up `None` when `--name` is missing and fails the lookup.
private func requireName(_ name: String?) throws -> String {
    guard let name else { throw WorkspaceError.patchNotFound("(no --name given)") }
    return name
}
