import ArgumentParser
import Foundation
import Testing
@testable import hepkit

/// A command as every subcommand declares the shared options: one `@OptionGroup` line.
private struct ProbeCommand: ParsableCommand {
    @OptionGroup var execution: ExecutionOptions
    @Argument var input: String
}

/// Options shared by several commands, holding the execution options once for all of them.
private struct SharedOptions: ParsableArguments {
    @Argument var input: String
    @OptionGroup var execution: ExecutionOptions
}

private struct SharedOptionsCommand: ParsableCommand {
    @OptionGroup var shared: SharedOptions
}

private struct PlainCommand: ParsableCommand {
    @Argument var input: String
}

/// `--threads N` parses, is validated, and is found in any command that declares the option group.
@Suite struct ExecutionOptionsTests {
    @Test func threadsIsParsedAndFoundInTheCommand() throws {
        let command = try ProbeCommand.parse(["in.json", "--threads", "3"])
        #expect(ExecutionOptions.of(command)?.threads == 3)
        let equalsForm = try ProbeCommand.parse(["--threads=1", "in.json"])
        #expect(ExecutionOptions.of(equalsForm)?.threads == 1)
    }

    @Test func threadsIsFoundInASharedOptionGroup() throws {
        let command = try SharedOptionsCommand.parse(["in.json", "--threads", "2"])
        #expect(ExecutionOptions.of(command)?.threads == 2)
    }

    @Test func threadsDefaultsToTheEnvironmentBudget() throws {
        let command = try ProbeCommand.parse(["in.json"])
        #expect(ExecutionOptions.of(command)?.threads == nil)
        #expect(ExecutionOptions.of(try PlainCommand.parse(["in.json"])) == nil)
    }

    @Test(arguments: [["--threads", "0"], ["--threads=-1"], ["--threads", "-4"], ["--threads", "two"], ["--threads"]])
    func threadsBelowOneOrNotANumberIsAUsageError(_ arguments: [String]) {
        #expect(throws: (any Error).self) { try ProbeCommand.parse(["in.json"] + arguments) }
    }

    @Test func zeroThreadsNamesTheOption() {
        do {
            _ = try ProbeCommand.parse(["in.json", "--threads", "0"])
            Issue.record("--threads 0 was accepted")
        } catch {
            #expect(ProbeCommand.message(for: error).contains("--threads must be at least 1 (got 0)"))
        }
    }

    /// Every command that runs (subcommands without subcommands of their own), by its full name.
    static func leafCommands(_ command: any ParsableCommand.Type, prefix: String = "") -> [(name: String, type: any ParsableCommand.Type)] {
        command.configuration.subcommands.flatMap { sub -> [(name: String, type: any ParsableCommand.Type)] in
            let name = prefix + (sub.configuration.commandName ?? String(describing: sub).lowercased())
            return sub.configuration.subcommands.isEmpty ? [(name, sub)] : leafCommands(sub, prefix: name + " ")
        }
    }

    @Test func everyCommandAcceptsThreads() {
        let leaves = Self.leafCommands(HEPKitCommand.self)
        #expect(leaves.contains { $0.name == "patchset extract" })
        for (name, type) in leaves {
            #expect(HEPKitCommand.helpMessage(for: type).contains("--threads"), "\(name)")
        }
    }
}
