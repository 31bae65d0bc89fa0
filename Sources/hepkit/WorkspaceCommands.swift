import ArgumentParser
import Foundation
import HEPKitSupport
import HistFactory

// `hepkit inspect / digest / sort / prune / rename / combine / patchset`: drop-ins for pyhf's
// commands of the same names (same arguments, same output; `-` or no file reads standard input).

private func loadWorkspace(_ path: String) throws -> WorkspaceDocument {
    // Parsed first so that the text is freed before validation builds the typed workspace and the
    // model structure (a 10^6-channel file is 280 MB of text).
    let json: JSONValue
    do { json = try JSONValue(parsing: try readInput(path)) } catch let error as JSONSyntaxError {
        throw WorkspaceError.invalidJSON(source: inputName(path), error)
    }
    return try WorkspaceDocument(json, source: inputName(path))
}

private func loadPatchSet(_ path: String) throws -> PatchSet {
    try PatchSet(parsing: try readInput(path), source: inputName(path))
}

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect", abstract: "Summarise a pyhf workspace (as `pyhf inspect`).")

    @OptionGroup var execution: ExecutionOptions
    @Argument(help: "The pyhf JSON workspace ('-' for standard input).")
    var workspace: String = "-"

    @Option(name: .customLong("output-file"), help: "Also write the summary as JSON to this file.")
    var outputFile: String?

    @Option(help: "Accepted for compatibility with pyhf; the summary always uses the first measurement.")
    var measurement: String?

    @Flag(help: "Print the JSON summary instead of the text tables.")
    var json = false

    func run() throws {
        try reportingErrors {
            let inspection = try WorkspaceInspection(try loadWorkspace(workspace))
            // The JSON summary is rendered only when asked for: for a million channels it costs as
            // much as the text tables.
            let document = json || outputFile != nil ? inspection.json.pythonJSON(indent: 4) : ""
            if json {
                FileHandle.standardOutput.write(Data((document + "\n").utf8))
            } else {
                FileHandle.standardOutput.write(Data(inspection.text.utf8))
            }
            if let outputFile { try writeOutput(document, to: outputFile) }
        }
    }
}

struct DigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest", abstract: "Digest of a pyhf workspace (as `pyhf digest`).")

    @OptionGroup var execution: ExecutionOptions
    @Argument(help: "The pyhf JSON workspace ('-' for standard input).")
    var workspace: String = "-"

    @Option(name: [.short, .long], help: "Hash algorithm (repeatable): md5, sha1, sha224, sha256, sha384, sha512.")
    var algorithm: [String] = []

    @Flag(help: "Output format (default: plaintext `algorithm:digest` lines).")
    var format: DigestFormat = .plaintext

    func run() throws {
        try reportingErrors {
            var algorithms: [HashAlgorithm] = []
            for name in algorithm.isEmpty ? ["sha256"] : algorithm {
                guard let a = HashAlgorithm(rawValue: name) else {
                    throw CommandError("\(name) is not a supported hash algorithm (\(HashAlgorithm.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                if !algorithms.contains(a) { algorithms.append(a) }
            }
            let document = try loadWorkspace(workspace)
            let digests = algorithms.map { ($0.rawValue, document.digest($0)) }
            if format == .json {
                try writeOutput(JSONValue.object(JSONObject(digests.map { ($0.0, .string($0.1)) })).pythonJSON(indent: 4), to: nil)
            } else {
                try writeOutput(digests.map { "\($0.0):\($0.1)" }.joined(separator: "\n"), to: nil)
            }
        }
    }
}

/// `pyhf digest -j/--json` or `-p/--plaintext`.
enum DigestFormat: String, EnumerableFlag {
    case json, plaintext

    static func name(for value: DigestFormat) -> NameSpecification { [.short, .long] }

    static func help(for value: DigestFormat) -> ArgumentHelp? {
        value == .json ? "Print the digests as a JSON object." : "Print `algorithm:digest` lines."
    }
}

struct SortCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sort", abstract: "Sort a pyhf workspace (as `pyhf sort`).")

    @OptionGroup var execution: ExecutionOptions
    @Argument(help: "The pyhf JSON workspace ('-' for standard input).")
    var workspace: String = "-"

    @Option(name: .customLong("output-file"), help: "Write the result here instead of standard output.")
    var outputFile: String?

    func run() throws {
        try reportingErrors {
            try writeOutput(try loadWorkspace(workspace).sorted().pyhfText, to: outputFile)
        }
    }
}

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune", abstract: "Remove channels, samples, modifiers or measurements (as `pyhf prune`).")

    @OptionGroup var execution: ExecutionOptions
    @Argument(help: "The pyhf JSON workspace ('-' for standard input).")
    var workspace: String = "-"

    @Option(name: .customLong("output-file"), help: "Write the result here instead of standard output.")
    var outputFile: String?

    @Option(name: [.short, .long], help: "A channel to remove (repeatable).")
    var channel: [String] = []

    @Option(name: [.short, .long], help: "A sample to remove (repeatable).")
    var sample: [String] = []

    @Option(name: [.short, .long], help: "A modifier to remove by name, with its parameter configurations (repeatable).")
    var modifier: [String] = []

    @Option(name: [.customShort("t"), .customLong("modifier-type")], help: "A modifier type to remove (repeatable).")
    var modifierType: [String] = []

    @Option(help: "A measurement to remove (repeatable).")
    var measurement: [String] = []

    func validate() throws {
        let known = ModifierRegistry.installed.types.keys.sorted()
        for t in modifierType where !known.contains(t) {
            throw ValidationError("invalid modifier type '\(t)' (choose from \(known.joined(separator: ", ")))")
        }
    }

    func run() throws {
        try reportingErrors {
            let pruned = try loadWorkspace(workspace).pruned(
                modifiers: modifier, modifierTypes: modifierType, samples: sample, channels: channel, measurements: measurement)
            try writeOutput(pruned.pyhfText, to: outputFile)
        }
    }
}

struct RenameCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rename", abstract: "Rename channels, samples, modifiers or measurements (as `pyhf rename`).")

    @OptionGroup var execution: ExecutionOptions
    @Argument(help: "The pyhf JSON workspace ('-' for standard input).")
    var workspace: String = "-"

    @Option(name: .customLong("output-file"), help: "Write the result here instead of standard output.")
    var outputFile: String?

    @Option(name: [.short, .long], help: ArgumentHelp("OLD NEW: rename a channel (repeatable).", valueName: "old new"))
    var channel: [String] = []

    @Option(name: [.short, .long], help: ArgumentHelp("OLD NEW: rename a sample (repeatable).", valueName: "old new"))
    var sample: [String] = []

    @Option(name: [.short, .long], help: ArgumentHelp("OLD NEW: rename a modifier (repeatable).", valueName: "old new"))
    var modifier: [String] = []

    @Option(help: ArgumentHelp("OLD NEW: rename a measurement (repeatable).", valueName: "old new"))
    var measurement: [String] = []

    func validate() throws {
        for (name, values) in [("channel", channel), ("sample", sample), ("modifier", modifier), ("measurement", measurement)]
        where values.count % 2 != 0 {
            throw ValidationError("--\(name) takes pairs of values: OLD NEW")
        }
    }

    private func pairs(_ values: [String]) -> [(String, String)] {
        stride(from: 0, to: values.count - 1, by: 2).map { (values[$0], values[$0 + 1]) }
    }

    func run() throws {
        try reportingErrors {
            let renamed = try loadWorkspace(workspace).renamed(
                modifiers: pairs(modifier), samples: pairs(sample), channels: pairs(channel), measurements: pairs(measurement))
            try writeOutput(renamed.pyhfText, to: outputFile)
        }
    }
}

extension WorkspaceDocument.Join: ExpressibleByArgument {}

struct CombineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "combine", abstract: "Combine two pyhf workspaces (as `pyhf combine`).")

    @OptionGroup var execution: ExecutionOptions
    @Argument(help: "The first workspace ('-' for standard input).")
    var workspaceOne: String = "-"

    @Argument(help: "The second workspace ('-' for standard input).")
    var workspaceTwo: String = "-"

    @Option(name: [.short, .long], help: "How to join: none, outer, 'left outer', 'right outer'.")
    var join: WorkspaceDocument.Join = .none

    @Option(name: .customLong("output-file"), help: "Write the result here instead of standard output.")
    var outputFile: String?

    @Flag(inversion: .prefixedNo, help: "Merge channels of the same name sample-wise (outer joins only).")
    var mergeChannels = false

    func run() throws {
        try reportingErrors {
            let combined = try WorkspaceDocument.combine(
                try loadWorkspace(workspaceOne), try loadWorkspace(workspaceTwo), join: join, mergeChannels: mergeChannels)
            try writeOutput(combined.pyhfText, to: outputFile)
        }
    }
}

struct PatchsetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patchset", abstract: "Operations on pyhf patchsets (as `pyhf patchset`).",
        subcommands: [Extract.self, Apply.self, Verify.self, Inspect.self])

    struct Extract: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one patch of a patchset.")

        @OptionGroup var execution: ExecutionOptions
        @Argument(help: "The patchset ('-' for standard input).")
        var patchset: String = "-"

        @Option(help: "The name of the patch to extract.")
        var name: String?

        @Option(name: .customLong("output-file"), help: "Write the result here instead of standard output.")
        var outputFile: String?

        @Flag(name: .customLong("with-metadata"), help: "Include the patch and patchset metadata.")
        var withMetadata = false

        @Flag(name: .customLong("without-metadata"), help: "Only the JSON Patch (the default).")
        var withoutMetadata = false

        func run() throws {
            try reportingErrors {
                let set = try loadPatchSet(patchset)
                guard let name else { throw WorkspaceError.patchNotFound("None") }
                let result = set.extract(try set.patch(named: name), withMetadata: withMetadata && !withoutMetadata)
                try writeOutput(result.pythonJSON(indent: 4), to: outputFile)
            }
        }
    }

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply a patch to the background-only workspace.")

        @OptionGroup var execution: ExecutionOptions
        @Argument(help: "The background-only workspace ('-' for standard input).")
        var backgroundOnly: String = "-"

        @Argument(help: "The patchset ('-' for standard input).")
        var patchset: String = "-"

        @Option(help: "The name of the patch to apply.")
        var name: String?

        @Option(name: .customLong("output-file"), help: "Write the result here instead of standard output.")
        var outputFile: String?

        func run() throws {
            try reportingErrors {
                let workspace = try loadWorkspace(backgroundOnly)
                let set = try loadPatchSet(patchset)
                guard let name else { throw WorkspaceError.patchNotFound("None") }
                let patched = try set.apply(try set.patch(named: name), to: workspace)
                try writeOutput(patched.pyhfText, to: outputFile)
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check the patchset's digests against the background-only workspace.")

        @OptionGroup var execution: ExecutionOptions
        @Argument(help: "The background-only workspace ('-' for standard input).")
        var backgroundOnly: String = "-"

        @Argument(help: "The patchset ('-' for standard input).")
        var patchset: String = "-"

        func run() throws {
            try reportingErrors {
                let workspace = try loadWorkspace(backgroundOnly)
                try loadPatchSet(patchset).verify(workspace)
                try writeOutput("All good.", to: nil)
            }
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the patches of a patchset.")

        @OptionGroup var execution: ExecutionOptions
        @Argument(help: "The patchset ('-' for standard input).")
        var patchset: String = "-"

        func run() throws {
            try reportingErrors {
                try writeOutput(try loadPatchSet(patchset).inspection, to: nil)
            }
        }
    }
}
