import ArgumentParser

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
        subcommands: [
            // ROOT files
            LsCommand.self, DumpCommand.self, HistCommand.self, StatsCommand.self, CopyCommand.self,
            // Inference on pyhf workspaces
            FitCommand.self, CLsCommand.self, UpperLimitCommand.self, SignificanceCommand.self,
            RankingCommand.self,
            // pyhf workspace tools
            InspectCommand.self, DigestCommand.self, SortCommand.self, PruneCommand.self, RenameCommand.self, JSON2XMLCommand.self,
            CombineCommand.self, PatchsetCommand.self,
            // Analyses
            BuildCommand.self, OptimizeCommand.self, MergeCommand.self,
            // Batch farms
            SubmitCommand.self,
        ])

    /// ArgumentParser's `main`, plus the thread budget applied between parsing and running.
    static func main() {
        do {
            var command = try parseAsRoot()
            ExecutionOptions.of(command)?.apply()
            try command.run()
        } catch {
            reportPeakThreadsIfAsked()
            exit(withError: error)
        }
        reportPeakThreadsIfAsked()
    }
}
