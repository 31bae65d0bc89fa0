import ArgumentParser
import Testing
@testable import hepkit

/// The command line as users type it: every subcommand is reachable and its options parse.
@Suite struct ParsingTests {
    @Test func everySubcommandParsesItsHelp() throws {
        for command in HEPKitCommand.configuration.subcommands {
            let name = command.configuration.commandName ?? ""
            #expect(!name.isEmpty)
            #expect(!HEPKitCommand.helpMessage(for: command).isEmpty)
        }
    }

    @Test func unknownSubcommandIsAUsageError() {
        #expect(throws: (any Error).self) { try HEPKitCommand.parseAsRoot(["frobnicate"]) }
    }
}
