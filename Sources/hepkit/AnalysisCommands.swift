import Analysis
import ArgumentParser
import Collective
import Foundation
import HEPKitSupport
import ROOTIO

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
    @Option(help: ArgumentHelp(
        "Bin the config's network observables with these trained networks (the network.json of `hepkit optimize`; "
            + "default: the initial weights, inputs standardised on all events).", valueName: "network.json"))
    var networks: String?
    @Option(help: ArgumentHelp("Also write the filled histograms (region/sample/variation, data) to this ROOT file.", valueName: "file.root"))
    var histograms: String?
    @OptionGroup var execution: ExecutionOptions

    func validate() throws {
        if shard != nil, histograms != nil { throw ValidationError("--histograms needs the whole build, not a --shard") }
    }

    func run() throws {
        try reportingErrors {
            var values: [String: Double] = [:]
            for s in settings { values[s.name] = s.value }
            let trained = try networks.map { try TrainedNetworks.load(contentsOf: URL(fileURLWithPath: $0)) }
            if let shard {
                return try writeBuildPart(config: config, settings: values, networks: trained, shard: shard.shard, output: output)
            }
            var loaded = try LoadedAnalysis(config: URL(fileURLWithPath: config), settings: values)
            for note in loaded.analysis.fixedTemplateNotes { FileHandle.standardError.write(Data("hepkit: \(note)\n".utf8)) }
            loaded = try trained.map { try loaded.using($0) } ?? loaded.standardizingNetworks()
            let theta = loaded.analysis.initialParameters
            guard let histograms else {
                return try writeOutput(loaded.histograms.checkedHardWorkspace(at: theta).pyhfText, to: output)
            }
            let (workspace, file) = try loaded.histograms.checkedHardWorkspaceAndHistograms(at: theta)
            try file.rootFile().write(to: histograms)
            try writeOutput(workspace.pyhfText, to: output)
        }
    }
}

struct OptimizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "optimize",
        abstract: "Optimise an analysis's parameters with gradients through the soft analysis and the profile fits.",
        discussion: """
            Writes to the output directory, as one set: trajectory.json (per step: parameters, objective, gradient), \
            optimum.json, optimization.svg (objective and parameters against step), workspace.json (built with hard \
            cuts at the optimum), histograms.root (its histograms, region/sample/variation, for ROOT-based tools) and \
            report.html (one self-contained page: the objective, the parameters, every region's \
            histograms before and after, the cuts on their variables, the final numbers; its figures are also written as \
            SVG files). While it runs, a checkpoint beside the directory (.NAME.checkpoint.json) is saved every few \
            steps; `hepkit optimize --resume DIR` continues a killed run from it with the same result. Progress goes \
            to standard error (a live line on a terminal, else a line at most every 10 s); a summary ends the run.
            """)

    @Argument(help: "The analysis config (YAML, or JSON if it ends in .json); with --resume, the checkpoint's config.")
    var config: String?
    @Option(
        name: .shortAndLong,
        help: "The output directory: created, or replaced whole if it holds an earlier output of hepkit.")
    var output = "optimization"
    @Option(help: ArgumentHelp("Continue the interrupted run whose output directory is DIR from its checkpoint.", valueName: "DIR"))
    var resume: String?
    @Flag(help: """
        Spread the events over the ranks of an MPI job (mpirun -n N hepkit optimize --mpi ..., or srun --mpi=pmix):         each rank reads its shard, the ranks sum their histograms every step, and rank 0 writes the output.
        """)
    var mpi = false
    @OptionGroup var execution: ExecutionOptions

    func validate() throws {
        if config == nil && resume == nil { throw ValidationError("give the analysis config, or --resume DIR") }
    }

    func run() throws {
        guard mpi else { return try reportingErrors { try optimize(collective: nil) } }
        let world: MPIWorld
        do {
            world = try MPIWorld.join()
        } catch {
            FileHandle.standardError.write(Data("hepkit: \(error)\n".utf8))
            throw ExitCode(1)
        }
        if execution.threads == nil { MPIThreads.shareCores() }
        do {
            try reportingErrors { try optimize(collective: world) }
        } catch {
            // The other ranks would wait forever in their next sum.
            world.abort(code: 1)
        }
        world.finalize()
    }

    /// The optimisation, on this process's share of the events when `collective` is given (only
    /// its rank 0 reports progress and writes the output).
    private func optimize(collective: (any Collective)?) throws {
        // Every step allocates and frees the same large columns (values and tangents per event).
        keepFreedColumnMemory()
        let leader = collective?.isLeader ?? true
        let directory = resume ?? output
        let checkpointFile = OptimizeCheckpoint.path(for: directory)
        let saved = try resume.map { _ in try OptimizeCheckpoint.load(checkpointFile) }
        // Absolute, so a resumed job may start in another folder.
        guard let configPath = config.map({ URL(fileURLWithPath: $0).standardizedFileURL.path }) ?? saved?.config else {
            throw ValidationError("give the analysis config, or --resume DIR")
        }
        let configDigest = try OptimizeCheckpoint.digest(ofFile: configPath)
        if let saved, saved.configDigest != configDigest {
            throw CommandError("the config '\(configPath)' changed since the checkpoint '\(checkpointFile)' was saved; start afresh without --resume")
        }
        // Refuses a foreign folder before the work starts. The files are staged only at the end,
        // so a killed run leaves its checkpoint and no staging folder.
        if leader { try OutputFolder(directory).discard() }
        let url = URL(fileURLWithPath: configPath)
        let loaded = try collective.map { try LoadedAnalysis(config: url, collective: $0) } ?? LoadedAnalysis(config: url)
        let analysis = loaded.analysis
        var progress = OptimizeProgress(analysis: analysis)
        var lastSave = Date()
        let report = try loaded.optimize(
            continuing: saved?.state, progress: { if leader { progress.show($0) } },
            checkpoint: { state in
                // Every few steps, not more often than every few seconds: a killed job loses little.
                guard leader, state.nextStep % OptimizeCheckpoint.interval == 0, state.nextStep < analysis.optimizer.steps,
                      Date().timeIntervalSince(lastSave) >= OptimizeCheckpoint.minimumSeconds
                else { return }
                try OptimizeCheckpoint(config: configPath, configDigest: configDigest, state: state).save(to: checkpointFile)
                lastSave = Date()
            })
        guard leader else { return }
        progress.finish()
        // report.html and its figures, staged with the rest of the set; the cut distributions need
        // every event: a single process's run only.
        let events = try collective == nil ? (loaded.histograms, ExpressionOptions(outOfRangeDefault: AnalysisConfig.load(contentsOf: url).outOfRangeDefault)) : nil
        let folder = try OutputFolder(directory)
        let written = try report.write(to: folder, figures: report.reportFiles(events: events))
        unlink(checkpointFile)
        var summary = report.summary(elapsed: progress.elapsed, resumedAt: saved?.state.nextStep, folder: folder.destination, files: written)
        if let collective { summary += "\n  events shared over \(collective.size) MPI ranks" }
        for note in analysis.fixedTemplateNotes { summary += "\n  \(note), no gradient" }
        print(summary)
    }
}

/// Threads per rank under MPI.
enum MPIThreads {
    /// Without `HEPKIT_THREADS`, the ranks on one node share its cores instead of each taking all
    /// of them (Open MPI tells each rank how many ranks run on its node).
    static func shareCores(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard ThreadBudget.environmentValue == nil,
              let local = environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap(Int.init) ?? environment["MPI_LOCALNRANKS"].flatMap(Int.init),
              local > 1
        else { return }
        ThreadBudget.limit(to: max(1, ProcessInfo.processInfo.activeProcessorCount / local))
    }
}

/// The state of an `optimize` run saved every few steps, so a killed batch job can continue
/// (`--resume DIR`) with exactly the steps an uninterrupted run takes.
struct OptimizeCheckpoint: Codable {
    /// Steps between checkpoints, and the shortest time between two.
    static let interval = 5
    static let minimumSeconds: Double = 10

    /// The config's path and SHA-256, so a changed config is not continued.
    var config: String
    var configDigest: String
    var state: AnalysisOptimizer.State

    /// `.NAME.checkpoint.json` beside the output directory `NAME`.
    static func path(for directory: String) -> String {
        let url = URL(fileURLWithPath: directory).standardizedFileURL
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).checkpoint.json").path
    }

    static func digest(ofFile path: String) throws -> String {
        HashAlgorithm.sha256.hexDigest(try readInput(path))
    }

    static func load(_ path: String) throws -> OptimizeCheckpoint {
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandError("no checkpoint '\(path)' to resume from (it is removed when a run completes)")
        }
        do {
            return try JSONDecoder().decode(OptimizeCheckpoint.self, from: Data(readInput(path)))
        } catch let error as DecodingError {
            throw CommandError("the checkpoint '\(path)' is damaged: \(error)")
        }
    }

    /// Saves atomically: a kill while saving leaves the previous checkpoint.
    func save(to path: String) throws {
        try AtomicFile.write(try JSONEncoder().encode(self), to: path)
    }
}

/// `optimize`'s progress on standard error: on a terminal one live line, rewritten every step;
/// otherwise (a batch log) a line at most every 10 s.
struct OptimizeProgress {
    let analysis: ResolvedAnalysis
    /// Whether standard error is a terminal (a live line) or a log (throttled lines).
    let terminal: Bool
    /// The clock and the output (standard error), replaceable for tests.
    let now: () -> Date
    let write: (String) -> Void
    let start: Date
    var lastLine: Date?
    static let logInterval: Double = 10

    init(
        analysis: ResolvedAnalysis, terminal: Bool = isatty(2) != 0, now: @escaping () -> Date = Date.init,
        write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }
    ) {
        self.analysis = analysis
        self.terminal = terminal
        self.now = now
        self.write = write
        self.start = now()
    }

    var elapsed: Double { now().timeIntervalSince(start) }

    mutating func show(_ step: AnalysisOptimizer.Step) {
        let total = analysis.optimizer.steps
        let values = zip(analysis.parameters.map(\.name), step.parameters)
            .map { "\($0)=\(String(format: "%.4g", $1))" }.joined(separator: " ")
        let line = String(
            format: "step %d/%d (%.0f%%), %.1f s: %@ %.6g, relaxation %.3f, ", step.step + 1, total,
            100 * Double(step.step + 1) / Double(total), elapsed, analysis.objective.rawValue, step.objective, step.relaxation)
            + (step.validationObjective.map { String(format: "validation %.6g, ", $0) } ?? "") + values
        if terminal {
            write("\r\u{1B}[K" + line)
        } else if lastLine.map({ now().timeIntervalSince($0) >= Self.logInterval }) ?? true {
            write(line + "\n")
            lastLine = now()
        }
    }

    func finish() {
        if terminal { write("\n") }
    }
}

/// The files of `optimize`, as one output set, and its summary.
extension OptimizationReport {
    private func named(_ values: [Double]) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: zip(analysis.parameters.map(\.name), values))
    }

    struct TrajectoryFile: Encodable {
        struct Entry: Encodable {
            var step: Int
            var relaxation: Double
            var parameters: [String: Double]
            var objective: Double
            var gradient: [String: Double]
            var validationObjective: Double?
            enum CodingKeys: String, CodingKey {
                case step, relaxation, parameters, objective, gradient, validationObjective = "validation_objective"
            }
        }
        var objective: String
        var parameterNames: [String]
        var steps: [Entry]
        enum CodingKeys: String, CodingKey { case objective, parameterNames = "parameter_names", steps }
    }

    struct OptimumFile: Encodable {
        /// The hard objective at the optimum on each part of a split, scaled to the full sample.
        struct Validation: Encodable {
            /// JSON has no NaN: an undefined number is null.
            struct Estimate: Encodable {
                var value: Double?
                var uncertainty: Double?
                init(_ e: ObjectiveEstimate) {
                    value = e.value.isFinite ? e.value : nil
                    uncertainty = e.uncertainty.isFinite ? e.uncertainty : nil
                }
            }
            var fraction: Double
            var training: Estimate
            var validation: Estimate
            var pull: Double?
            var disagrees: Bool
        }
        var objective: String
        var parameters: [String: Double]
        var softObjective: Double?
        var hardObjective: Double
        var steps: Int
        var validation: Validation?
        enum CodingKeys: String, CodingKey {
            case objective, parameters, steps, validation
            case softObjective = "soft_objective", hardObjective = "hard_objective"
        }
    }

    /// `trajectory.json`: per step θ, the relaxation factor, the objective and its gradient.
    func trajectoryJSON() throws -> Data {
        try stableJSON(TrajectoryFile(
            objective: analysis.objective.rawValue, parameterNames: analysis.parameters.map(\.name),
            steps: trajectory.map {
                .init(step: $0.step, relaxation: $0.relaxation, parameters: named($0.parameters), objective: $0.objective,
                      gradient: named($0.gradient), validationObjective: $0.validationObjective)
            }))
    }

    /// `optimum.json`: θ at the end, the last soft objective and the objective with hard cuts there.
    func optimumJSON() throws -> Data {
        try stableJSON(OptimumFile(
            objective: analysis.objective.rawValue, parameters: named(optimum), softObjective: trajectory.last?.objective,
            hardObjective: hardObjective, steps: trajectory.count,
            validation: validation.map {
                .init(fraction: $0.fraction, training: .init($0.training), validation: .init($0.validation),
                      pull: $0.pull.isFinite ? $0.pull : nil, disagrees: $0.disagrees)
            }))
    }

    /// `workspace.json`.
    func workspaceJSON() throws -> Data { Data(workspace.pyhfText.utf8) }

    /// Stages `trajectory.json`, `optimum.json`, `optimization.svg`, `workspace.json`,
    /// `histograms.root`, `network.json` (the trained networks, when the analysis has any) and the
    /// report's `figures` in `folder` and commits them in one step: the folder holds this run's
    /// whole set or the previous one, never a mix.
    ///
    /// - Returns: the names of the files written, in that order.
    func write(to folder: OutputFolder, figures: [(name: String, data: Data)]) throws -> [String] {
        var files: [(name: String, data: Data)] = [
            ("trajectory.json", try trajectoryJSON()), ("optimum.json", try optimumJSON()),
            ("optimization.svg", Data(plotSVG().utf8)), ("workspace.json", try workspaceJSON()),
            ("histograms.root", Data(try histograms.rootFile().bytes())),
        ]
        if !analysis.networks.isEmpty { files.append(("network.json", try analysis.trainedNetworks(at: optimum).json())) }
        files += figures
        for file in files { try folder.write(file.data, as: file.name) }
        try folder.commit()
        return files.map(\.name)
    }

    /// The end of a run: initial → final objective, each parameter's start → optimum, the files.
    func summary(elapsed: Double, resumedAt: Int?, folder: String, files: [String]) -> String {
        let name = analysis.objective.rawValue
        let first = trajectory.first?.objective ?? .nan, last = trajectory.last?.objective ?? .nan
        var lines = [
            "optimize: \(trajectory.count) steps in \(String(format: "%.1f", elapsed)) s"
                + (resumedAt.map { " (resumed at step \($0 + 1))" } ?? ""),
            analysis.objective == .crossEntropy
                ? "  cross_entropy: \(format(first)) → \(format(last)); poi_uncertainty with hard cuts at the optimum: \(format(hardObjective))"
                : "  \(name) (soft): \(format(first)) → \(format(last)); with hard cuts at the optimum: \(format(hardObjective))",
        ]
        if trajectory.count < analysis.optimizer.steps, let best = trajectory.firstIndex(where: { $0.parameters == optimum }) {
            lines.append("  stopped early: the validation objective last improved at step \(best + 1)")
        }
        if let v = validation {
            let name = analysis.objective == .crossEntropy ? "poi_uncertainty" : name
            lines.append(
                "  \(name) with hard cuts at the optimum, scaled to the full sample: validation (\(format(100 * v.fraction))% of the events, "
                    + "never seen by the optimiser) \(format(v.validation.value)) ± \(format(v.validation.uncertainty)), "
                    + "training \(format(v.training.value)) ± \(format(v.training.uncertainty)) (MC stat.)")
            lines.append(v.disagrees
                ? "  warning: training and validation disagree by \(String(format: "%.1f", v.pull)) standard deviations of their MC "
                    + "uncertainty: the optimum fits the training sample's fluctuations; quote the validation value"
                : "  training and validation agree within their MC uncertainty (\(String(format: "%.1f", v.pull)) σ)")
        }
        for (k, parameter) in analysis.parameters.enumerated() {
            let start = trajectory.first?.parameters[k] ?? parameter.initial
            lines.append("  \(parameter.name): \(format(start)) → \(format(optimum[k]))"
                + "  [\(format(parameter.bounds.lowerBound)), \(format(parameter.bounds.upperBound))]")
        }
        let figures = files.filter { $0.hasSuffix(".svg") && $0 != "optimization.svg" }.count
        lines.append("  wrote \(folder)/: " + files.filter { !$0.hasSuffix(".svg") || $0 == "optimization.svg" }.joined(separator: ", ")
            + (figures > 0 ? " and the report's \(figures) figures" : ""))
        return lines.joined(separator: "\n")
    }

    private func format(_ x: Double) -> String { String(format: "%.6g", x) }
}

struct ApplyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply",
        abstract: "Evaluate trained networks (network.json of `hepkit optimize`) on the events of ROOT files.",
        discussion: """
            One output per event (the files' entries in order): each network's output, NAME for a sigmoid \
            score and NAME_0 … NAME_K-1 for a softmax's class probabilities (NAME: the network's name, or \
            --branch). As CSV (with the entry number) or JSON columns, or — `--format root`, the default for \
            an --output ending in .root — as a ROOT file with one tree of `double` branches: by default a \
            friend tree (same name and entry order as the input tree, only the new branches; \
            `events->AddFriend("events", "scores.root")` in ROOT, or read the two trees side by side in \
            uproot), or with --copy-branches a self-contained copy of the input tree (its numeric branches, as \
            `hepkit copy` writes them) plus the new branches. Outputs are written whole or not at all.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case csv, json, root }

    @Argument(help: "The trained networks (network.json).") var networks: String
    @Argument(help: "ROOT files, read in order.") var files: [String]
    @Option(help: "The tree holding the events.") var tree: String
    @Option(help: ArgumentHelp("Only this network (repeatable; default: every network).", valueName: "name")) var network: [String] = []
    @Option(help: ArgumentHelp("The output's name for the one network applied (default: its name).", valueName: "name")) var branch: String?
    @Option(help: "csv, json or root (default: root for an --output ending in .root, else csv).") var format: Format?
    @Option(name: .shortAndLong, help: "Write here (default: standard output; required for root), whole or not at all.") var output: String?
    @Option(help: ArgumentHelp("root: the written tree's path (default: --tree's).", valueName: "path")) var outputTree: String?
    @Flag(help: "root: copy the input tree's numeric branches before the new ones (one input file).") var copyBranches = false
    @Option(help: "root: compression of the written file: none, zlib, lz4 or zstd, with an optional :level.")
    var compression = CompressionArgument(argument: "zlib:1")!
    @OptionGroup var execution: ExecutionOptions

    var resolvedFormat: Format { format ?? (output?.hasSuffix(".root") == true ? .root : .csv) }

    func validate() throws {
        if resolvedFormat == .root {
            guard output != nil else { throw ValidationError("--format root needs --output FILE.root") }
            if copyBranches, files.count != 1 { throw ValidationError("--copy-branches copies one input file's tree, found \(files.count) files") }
        } else if copyBranches || outputTree != nil {
            throw ValidationError("--copy-branches and --output-tree apply to --format root")
        }
    }

    func run() throws {
        try reportingErrors {
            let trained = try TrainedNetworks.load(contentsOf: URL(fileURLWithPath: networks))
            let names = network.isEmpty ? trained.networks.map(\.name) : network
            for name in names where trained.named(name) == nil {
                throw CommandError("\(networks) has no network '\(name)' (it has \(trained.networks.map(\.name).joined(separator: ", ")))")
            }
            if branch != nil, names.count != 1 {
                throw CommandError("--branch names the output of one network; \(networks) has \(names.count) (choose one with --network)")
            }
            let urls = files.map { URL(fileURLWithPath: $0) }
            let catalog = try ROOTColumns.catalog(files: urls, tree: tree)
            var branches: Set<String> = []
            for name in names {
                for source in trained.named(name)!.inputs {
                    do {
                        branches.formUnion(try CompiledExpression(source, environment: ExpressionEnvironment(branches: catalog), expecting: .number).branches)
                    } catch {
                        throw CommandError("network '\(name)', input '\(source)': \(error)")
                    }
                }
            }
            let table = try ROOTColumns.load(branches: branches.sorted(), files: urls, tree: tree)
            let columns = try trained.outputColumns(names, labels: branch.map { [$0] }, on: table)
            switch resolvedFormat {
            case .csv: try writeOutput(Self.csv(columns, events: table.eventCount), to: output)
            case .json: try writeOutput(try Self.json(columns), to: output)
            case .root: try writeTree(columns, events: table.eventCount, to: output!)
            }
        }
    }

    /// The ROOT output: a friend tree of the output columns, or (--copy-branches) the input tree
    /// copied with the output columns added.
    private func writeTree(_ columns: [(name: String, values: [Double])], events: Int, to path: String) throws {
        let (folder, name) = ROOTFile.split(outputTree ?? tree)
        var written: WritableTree
        if copyBranches {
            let source = try ROOTFile(path: files[0]).tree(tree)
            written = try CopyCommand.copyTree(source, name: name, entriesPerBasket: 100_000)
            if let copied = written.entryCount, copied != events {
                throw CommandError("\(files[0]): tree '\(tree)' copied with \(copied) entries, the networks were applied to \(events)")
            }
        } else {
            written = WritableTree(name: name, title: "hepkit apply \(URL(fileURLWithPath: networks).lastPathComponent)")
        }
        for column in columns {
            do {
                try written.add(column.name, values: column.values)
            } catch {
                throw CommandError("\(path): \(error) (choose another name with --branch)")
            }
        }
        var writer = ROOTWriter(fileName: URL(fileURLWithPath: path).lastPathComponent, compression: compression.setting)
        try writer.write(written, in: folder)
        try writer.write(to: path)
    }

    static func csv(_ columns: [(name: String, values: [Double])], events: Int) -> String {
        var text = (["entry"] + columns.map(\.name)).joined(separator: ",") + "\n"
        for e in 0..<events {
            text += ([String(e)] + columns.map { "\($0.values[e])" }).joined(separator: ",") + "\n"
        }
        return text
    }

    static func json(_ columns: [(name: String, values: [Double])]) throws -> String {
        var object: [String: [Double]] = [:]
        for column in columns { object[column.name] = column.values }
        return String(decoding: try stableJSON(object), as: UTF8.self)
    }
}
