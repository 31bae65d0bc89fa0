import ArgumentParser

/// The `hepkit` command: parses arguments and hands the work to the HEPKit libraries.
@main
struct HEPKitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hepkit",
        abstract: "Read ROOT files, fit pyhf workspaces and optimise analyses with gradients.",
        subcommands: [
            // ROOT files
            LsCommand.self, DumpCommand.self, HistCommand.self, StatsCommand.self,
            // Inference on pyhf workspaces
            FitCommand.self, CLsCommand.self, UpperLimitCommand.self, SignificanceCommand.self,
            RankingCommand.self,
            // pyhf workspace tools
            InspectCommand.self, DigestCommand.self, SortCommand.self, PruneCommand.self, RenameCommand.self,
            CombineCommand.self, PatchsetCommand.self,
            // Analyses
            BuildCommand.self, OptimizeCommand.self, MergeCommand.self,
        ])
}
