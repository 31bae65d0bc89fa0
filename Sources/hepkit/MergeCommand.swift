import Analysis
import ArgumentParser
import Foundation
import Inference

// `hepkit merge`: the parts written by the jobs of a sharded `build` (or patchset grid) back into
// the one output a single job writes. The part-file format is in docs/batch.md.

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge", abstract: "Merge the part files of a sharded job (build, a patchset grid, or toys).",
        discussion: """
            Give every part file of the job (e.g. `hepkit merge parts/part.*.json -o workspace.json`). Parts of a build \
            become the workspace the unsharded build writes, byte for byte; the toys of a sharded `cls --calctype \
            toybased` become the CLs result of one job with the same seed. Missing or duplicate shards, and parts of \
            another job (config, inputs or shard count), are refused with the files named.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case json, csv }

    @Argument(help: "The part files, one per shard.") var parts: [String]
    @Option(name: .shortAndLong, help: "Write the result here (default: standard output).") var output: String?
    @Option(help: "Table format of a patchset grid's result.") var format = Format.json
    @OptionGroup var execution: ExecutionOptions

    func run() throws {
        try reportingErrors {
            let files = try parts.map { path in (path, Data(try readInput(path))) }
            let kinds = Set(try files.map { try decodePart(PartHeader.self, from: $0.1, file: $0.0).kind })
            guard kinds.count == 1, let kind = kinds.first else {
                throw CommandError("the parts are of different kinds (\(kinds.sorted().joined(separator: ", "))): merge one job's parts at a time")
            }
            switch kind {
            case "build":
                guard format == .json else { throw CommandError("--format csv is for patchset grids; a build merges into a workspace") }
                let workspace = try BuildPart.merge(try files.map { ($0.0, try decodePart(BuildPart.self, from: $0.1, file: $0.0)) })
                try writeOutput(workspace.pyhfText, to: output)
            case "cls", "upperlimit":
                let (labels, rows) = try GridPart.merge(try files.map { ($0.0, try GridPart(parsing: Array($0.1), file: $0.0)) })
                let table = format == .csv ? try GridPart.tableCSV(labels: labels, rows: rows) : GridPart.tableJSON(labels: labels, rows: rows) + "\n"
                try writeOutput(Data(table.utf8), to: output)
            case ToyPart.kind:
                guard format == .json else { throw CommandError("--format csv is for patchset grids; toys merge into one CLs result") }
                let statistics = try ToyPart.merge(try files.map { ($0.0, try decodePart(ToyPart.self, from: $0.1, file: $0.0)) })
                let result = try statistics.hypothesisTest()
                let value = flagged(CLsCommand.json(result), warnings: result.warnings, source: files[0].0)
                try writeOutput(value.pythonJSON(indent: 4), to: output)
            default:
                throw CommandError("\(files[0].0): unknown part kind '\(kind)'")
            }
        }
    }
}
