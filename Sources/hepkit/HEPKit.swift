import ArgumentParser
import Foundation

/// The `hepkit` command: parses arguments and hands the work to the HEPKit libraries.
///
/// Synchronous on purpose: an `AsyncParsableCommand` ends the main thread with `pthread_exit`,
/// whose unwinding in the static build (tools/build-static.sh) sorts every frame-description entry
/// of the binary first, 40 ms of the start-up.
@main
struct HEPKitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hepkit",
        abstract: "Read ROOT files, fit pyhf workspaces and optimise analyses with gradients.",
        version: "hepkit, development version (command line of pyhf, version 0.7.6)",
        subcommands: [
            // ROOT files
            LsCommand.self, DumpCommand.self, HistCommand.self, StatsCommand.self, CopyCommand.self,
            // Inference on pyhf workspaces
            FitCommand.self, CLsCommand.self, UpperLimitCommand.self, SignificanceCommand.self,
            RankingCommand.self,
            // pyhf workspace tools
            InspectCommand.self, DigestCommand.self, SortCommand.self, PruneCommand.self, RenameCommand.self, JSON2XMLCommand.self,
            CombineCommand.self, PatchsetCommand.self,
            // Conversion
            XML2JSONCommand.self,
            // pyhf's remaining commands
            CompletionsCommand.self, ContribCommand.self,
            // Analyses
            BuildCommand.self, OptimizeCommand.self, ApplyCommand.self, MergeCommand.self,
            // Batch farms
            SubmitCommand.self,
            // Figures
            PlotCommand.self,
        ])

    /// ArgumentParser's `main` with pyhf's (click's) conventions: `--cite`, pair options read as
    /// exactly two values, usage errors exiting with status 2; plus the thread budget and pyhf's
    /// optimiser settings applied between parsing and running.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if ClickArguments.asksForCitation(arguments) {
            print(pyhfCitation)
            return
        }
        do {
            var command = try parseAsRoot(ClickArguments.normalized(arguments))
            ExecutionOptions.of(command)?.apply()
            try PyhfOptions.of(command)?.apply()
            try command.run()
        } catch {
            reportPeakThreadsIfAsked()
            exitReportingUsage(error)
        }
        reportPeakThreadsIfAsked()
    }

    /// Exits for `error`: usage errors (ArgumentParser's status 64) with click's status 2.
    static func exitReportingUsage(_ error: any Error) -> Never {
        guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
        FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
        Foundation.exit(2)
    }
}
