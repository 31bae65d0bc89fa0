import Foundation
import Testing

/// The built `hepkit` next to the test bundle (`swift build --build-tests` builds both).
func hepkitExecutable() -> String {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("hepkit").path
}

/// The repository's `fixtures/` folder.
func fixture(_ path: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/" + path).path
}

/// Runs `hepkit` with extra environment variables; returns exit status, standard output and error.
func runHepkit(_ arguments: [String], environment extra: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: hepkitExecutable())
    process.arguments = arguments
    process.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes before waiting so a large output cannot block the child.
    nonisolated(unsafe) var errData = Data()
    let reader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
    reader.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !reader.isFinished { usleep(1000) }
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// `HEPKIT_REPORT_THREADS=1` prints the peak thread count at exit, the hook per-command tests use
/// to prove a command stays within its budget.
@Suite struct ThreadReportTests {
    @Test func reportsOneThreadUnderABudgetOfOne() throws {
        let result = try runHepkit(
            ["cls", fixture("pyhf/validation_1bin_shapesys.json")],
            environment: ["HEPKIT_THREADS": "1", "HEPKIT_REPORT_THREADS": "1"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("\"CLs_obs\": 0.454186530"))
        #expect(result.stderr.hasSuffix("threads used: 1\n"))
    }

    @Test func reportsAlsoWhenTheCommandFails() throws {
        let result = try runHepkit(["cls", fixture("no-such-workspace.json")], environment: ["HEPKIT_REPORT_THREADS": "1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("no-such-workspace.json"))
        #expect(result.stderr.hasSuffix("threads used: 1\n"))
    }

    @Test func silentWithoutTheVariable() throws {
        let result = try runHepkit(["cls", fixture("pyhf/validation_1bin_shapesys.json")], environment: ["HEPKIT_REPORT_THREADS": "0"])
        #expect(result.status == 0)
        #expect(!result.stderr.contains("threads used"))
    }
}
