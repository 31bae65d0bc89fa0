import ArgumentParser
import Batch
import Foundation

// `hepkit submit slurm|htcondor --shards N -- COMMAND...`: job files for an array of shard jobs
// and a dependent merge job (the generation is the Batch module's; this is the command line).

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit", abstract: "Write (and with --run, submit) batch jobs: N shards of a command plus a merge job.",
        discussion: """
            The command after '--' is a hepkit command (without 'hepkit'). In its arguments, {I} is replaced by the \
            shard index (0-based), {N} by the shard count and {part} by the shard's part file (part.I.json in the job \
            folder); without any of them, '--shard {I}/{N} -o {part}' is appended. The merge job runs \
            'hepkit merge PARTS... -o OUTPUT' once every shard has succeeded. Submit later with 'bash DIR/submit.sh'.
            """)

    enum System: String, ExpressibleByArgument, CaseIterable {
        case slurm, htcondor

        var generator: any BatchSystem {
            switch self {
            case .slurm: Slurm()
            case .htcondor: HTCondor()
            }
        }
    }

    @Argument(help: "The batch system: slurm or htcondor.")
    var system: System

    @Option(help: "The number of shard jobs.")
    var shards: Int

    @Option(name: .customLong("output-dir"), help: "The job folder: scripts, logs, part files.")
    var outputDirectory = "hepkit-jobs"

    @Option(help: "The job name (letters, digits, '.', '_', '-'; default: hepkit-SUBCOMMAND).")
    var name: String?

    @Option(name: .customLong("merge-output"), help: "Where the merge job writes the result.")
    var mergeOutput = "merged.json"

    @Option(help: ArgumentHelp(
        "A program that merges instead of 'hepkit merge' (called as PROGRAM PARTS... -o OUTPUT).", valueName: "program"))
    var merger: String?

    @Option(help: ArgumentHelp(
        "CPUs each shard job requests (Slurm --cpus-per-task, HTCondor request_cpus); the job runs with HEPKIT_THREADS=n.",
        valueName: "n"))
    var cpus: Int?

    @Option(help: "The hepkit the jobs run (default: this executable; a path the nodes see).")
    var hepkit: String?

    @Flag(name: .customLong("run"), help: "Submit the jobs now (sbatch, or condor_submit_dag) and print the job ids.")
    var submitNow = false

    @OptionGroup var execution: ExecutionOptions

    @Argument(parsing: .postTerminator, help: "The hepkit command to shard, after '--'.")
    var command: [String] = []

    func validate() throws {
        guard let subcommand = command.first else { return }  // ShardedJob names the missing command
        let known = HEPKitCommand.configuration.subcommands.compactMap { $0.configuration.commandName }
        guard known.contains(subcommand) else {
            throw ValidationError("'\(subcommand)' is not a hepkit command: give the command after '--' without 'hepkit' (\(known.joined(separator: ", ")))")
        }
    }

    func run() throws {
        try reportingErrors {
            let here = FileManager.default.currentDirectoryPath
            let job = try ShardedJob(
                name: name ?? "hepkit-\(command.first ?? "job")",
                executable: absolute(hepkit ?? Self.currentExecutable(), in: here),
                arguments: command, shards: shards, workingDirectory: here,
                folder: absolute(outputDirectory, in: here),
                merger: merger.map { [absolute($0, in: here)] }, mergeOutput: mergeOutput, cpusPerJob: cpus)
            try writeJobFolder(job, for: system.generator)
            let submit = job.folder + "/" + submitScriptName
            guard submitNow else {
                print("wrote \(job.folder): submit with 'bash \(ShellWord(submit).quoted)'")
                return
            }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = [submit]
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw CommandError("submitting \(job.folder) failed (exit status \(process.terminationStatus))")
            }
        }
    }

    /// The path of this executable, which the jobs run unless `--hepkit` says otherwise.
    static func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// `path` made absolute against `directory` (job scripts run elsewhere), with `.` and `..` removed.
private func absolute(_ path: String, in directory: String) -> String {
    let url = path.hasPrefix("/") ? URL(fileURLWithPath: path) : URL(fileURLWithPath: directory).appendingPathComponent(path)
    return url.standardizedFileURL.path
}
