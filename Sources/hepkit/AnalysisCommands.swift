import Analysis
import ArgumentParser
import Foundation

// `hepkit build / optimize`: analysis configs → pyhf workspaces, and their gradient optimisation.

/// `name=value` of `--set`.
struct ParameterSetting: ExpressibleByArgument {
    let name: String
    let value: Double

    init?(argument: String) {
        let parts = argument.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, let value = Double(parts[1].trimmingCharacters(in: .whitespaces)) else { return nil }
        name = parts[0].trimmingCharacters(in: .whitespaces)
        self.value = value
    }
}

struct BuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build", abstract: "Fill an analysis's histograms with hard cuts and write its pyhf workspace.")

    @Argument(help: "The analysis config (YAML, or JSON if it ends in .json).") var config: String
    @Option(name: .customLong("set"), help: ArgumentHelp("Set a parameter's value (repeatable; default: its init).", valueName: "name=value"))
    var settings: [ParameterSetting] = []
    @Option(name: .shortAndLong, help: "Write the workspace here (default: standard output).") var output: String?
    @Option(help: ArgumentHelp("Fill only job I of N (0-based) and write a part file for `hepkit merge`.", valueName: "I/N")) var shard: ShardOption?

    func run() throws {
        try reportingErrors {
            var values: [String: Double] = [:]
            for s in settings { values[s.name] = s.value }
            if let shard { return try writeBuildPart(config: config, settings: values, shard: shard.shard, output: output) }
            let loaded = try LoadedAnalysis(config: URL(fileURLWithPath: config), settings: values)
            let json = try analysisJSON(try loaded.histograms.hardWorkspace(at: loaded.analysis.initialParameters))
            guard let output else {
                FileHandle.standardOutput.write(json)
                return
            }
            try writeAtomically(json, to: URL(fileURLWithPath: output))
        }
    }
}

struct OptimizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Optimise an analysis's parameters with gradients through the soft analysis and the profile fits.",
        discussion: """
            Writes to the output directory: trajectory.json (per step: parameters, objective, gradient), optimum.json, \
            optimization.svg (objective and parameters against step) and workspace.json (built with hard cuts at the optimum).
            """)

    @Argument(help: "The analysis config (YAML, or JSON if it ends in .json).") var config: String
    @Option(name: .shortAndLong, help: "The output directory (created if needed).") var output = "optimization"

    func run() throws {
        try reportingErrors {
            let loaded = try LoadedAnalysis(config: URL(fileURLWithPath: config))
            let analysis = loaded.analysis
            let terminal = isatty(2) != 0
            let names = analysis.parameters.map(\.name)
            let report = try loaded.optimize { step in
                guard terminal else { return }
                let values = zip(names, step.parameters).map { "\($0)=\(String(format: "%.3f", $1))" }.joined(separator: " ")
                let line = String(format: "step %d/%d  relaxation %.3f  %@ %.6g  ", step.step + 1, analysis.optimizer.steps,
                                  step.relaxation, analysis.objective.rawValue, step.objective) + values
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            try report.write(to: URL(fileURLWithPath: output))
        }
    }
}
