import ArgumentParser

/// The `hepkit` command: parses arguments and hands the work to the HEPKit libraries.
@main
struct HEPKitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hepkit",
        abstract: "Read ROOT files, fit pyhf workspaces and optimise analyses with gradients.",
        subcommands: [
            InspectCommand.self, DigestCommand.self, SortCommand.self, PruneCommand.self, RenameCommand.self,
            CombineCommand.self, PatchSetCommand.self,
        ])
}
