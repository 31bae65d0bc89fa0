import ArgumentParser

/// The `hepkit` command: parses arguments and hands the work to the HEPKit libraries.
@main
struct HEPKitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hepkit",
        abstract: "Read ROOT files, fit pyhf workspaces and optimise analyses with gradients.",
        subcommands: [LsCommand.self, DumpCommand.self, HistCommand.self, StatsCommand.self])
}
