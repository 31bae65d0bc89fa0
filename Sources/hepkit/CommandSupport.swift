import ArgumentParser
import CSupport
import Foundation
import HEPKitSupport

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
///
/// Only regular files are read: a folder, a FIFO or a device is an error naming the path (a FIFO
/// would block the command until a writer appeared).
func readInput(_ path: String) throws -> [UInt8] {
    if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
    var info = stat()
    guard stat(path, &info) == 0 else {
        throw CommandError("cannot read '\(path)': \(String(cString: strerror(errno)))")
    }
    switch info.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFDIR: throw CommandError("cannot read '\(path)': it is a folder, not a file")
    default: throw CommandError("cannot read '\(path)': not a regular file (a FIFO, socket or device)")
    }
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
    try writeOutput(Data((outputFile == nil ? text + "\n" : text).utf8), to: outputFile)
}

/// Writes `data` to `outputFile` atomically, or to standard output.
func writeOutput(_ data: Data, to outputFile: String?) throws {
    guard let outputFile else {
        FileHandle.standardOutput.write(data)
        return
    }
    do {
        try AtomicFile.write(data, to: outputFile)
    } catch {
        throw CommandError(error.description)
    }
}

/// Options every subcommand accepts (one line per command: `@OptionGroup var execution: ExecutionOptions`).
///
/// Parsing only validates; ``HEPKitCommand/main()`` applies the budget after parsing and before the
/// command runs, so parsing (as tests do) never changes the process's thread budget.
struct ExecutionOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Threads for parallel work: decompression, model building, fits, toys (default: HEPKIT_THREADS, else every core).",
        valueName: "n"))
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 {
            throw ValidationError("--threads must be at least 1 (got \(threads))")
        }
    }

    /// The execution options of a parsed command, if its type declares them — directly or in one
    /// of its option groups (so one line in a group shared by several commands covers them all).
    static func of(_ arguments: any ParsableArguments) -> ExecutionOptions? {
        for child in Mirror(reflecting: arguments).children {
            if let group = child.value as? any ExecutionOptionsGroup { return group.executionOptions }
            if let group = child.value as? any ArgumentsGroup, let found = of(group.arguments) { return found }
        }
        return nil
    }

    /// Sets the process's thread budget from `--threads` (HEPKIT_THREADS applies without it).
    func apply() {
        if let threads { ThreadBudget.limit(to: threads) }
    }
}

/// An `@OptionGroup` holding ``ExecutionOptions``: how ``ExecutionOptions/of(_:)`` finds them in
/// any command without each command naming a protocol.
protocol ExecutionOptionsGroup {
    var executionOptions: ExecutionOptions { get }
}

extension OptionGroup: ExecutionOptionsGroup where Value == ExecutionOptions {
    var executionOptions: ExecutionOptions { wrappedValue }
}

/// Any `@OptionGroup`: how ``ExecutionOptions/of(_:)`` looks inside nested groups.
protocol ArgumentsGroup {
    var arguments: any ParsableArguments { get }
}

extension OptionGroup: ArgumentsGroup {
    var arguments: any ParsableArguments { wrappedValue }
}

/// With `HEPKIT_REPORT_THREADS=1`, the most threads any parallel loop used, as `threads used: N`
/// on standard error: how tests prove that a command honours a budget of one thread.
func reportPeakThreadsIfAsked() {
    guard ProcessInfo.processInfo.environment["HEPKIT_REPORT_THREADS"] == "1" else { return }
    FileHandle.standardError.write(Data("threads used: \(ThreadBudget.peakThreads)\n".utf8))
}

/// Keeps freed column buffers in the process instead of returning them to the kernel.
///
/// glibc serves blocks above 128 KiB with fresh `mmap`s and unmaps them on free, so every branch
/// read would fault in its output (and each basket's scratch buffer) page by page, although the
/// previous branch's buffers were just freed. Serving blocks up to 32 MiB (glibc's maximum) from
/// the heap and not trimming it lets later branches (`stats`) and later optimisation steps
/// (`optimize`) reuse pages that are already mapped.
func keepFreedColumnMemory() {
    _ = hepkit_set_mmap_threshold(32 << 20)
    _ = hepkit_set_trim_threshold(512 << 20)
}
