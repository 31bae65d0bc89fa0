import ArgumentParser
import Foundation

// What every subcommand shares: reading inputs, writing outputs atomically, and turning library
// errors into one line on standard error with exit status 1.

/// A problem the command line itself found (an unreadable file, an unwritable output).
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Runs a command body; library errors become `hepkit: <error>` on standard error and exit 1.
/// Argument-parsing outcomes (validation errors, exit codes, help) pass through unchanged.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ValidationError {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch let error as CleanExit {
        throw error
    } catch {
        FileHandle.standardError.write(Data("hepkit: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

/// The bytes of a file, or of standard input for `-`.
func readInput(_ path: String) throws -> [UInt8] {
    if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
    do {
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
        throw CommandError("cannot read '\(path)': \(error.localizedDescription)")
    }
}

/// How an input path is named in error messages.
func inputName(_ path: String) -> String { path == "-" ? "<stdin>" : path }

/// Writes `text` to `outputFile` atomically (temporary file + rename) or, without one, to
/// standard output with a final newline (pyhf's `json.dump` to a file has none; `click.echo` adds one).
func writeOutput(_ text: String, to outputFile: String?) throws {
    guard let outputFile else {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
        return
    }
    do {
        try Data(text.utf8).write(to: URL(fileURLWithPath: outputFile), options: .atomic)
    } catch {
        throw CommandError("cannot write '\(outputFile)': \(error.localizedDescription)")
    }
}
