import Foundation
import Testing
@testable import hepkit

/// Runs the built `hepkit` executable (next to the test bundle) and captures what it prints.
struct HEPKitProcess {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var executable: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for folder in [beside, beside.deletingLastPathComponent(), repository.appendingPathComponent(".build/debug")] {
            let candidate = folder.appendingPathComponent("hepkit")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return repository.appendingPathComponent(".build/debug/hepkit")
    }

    /// Exit status, standard output and standard error of `hepkit arguments…` with `environment` added.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = repository
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read before waiting: a full pipe would block the child.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }
}

/// Rule 3 through the command line: a degenerate model or a NaN result exits non-zero with the
/// workspace and the cause; a doubtful result is flagged on standard error and in the JSON.
@Suite(.serialized) struct InferenceCommandTests {
    let zeroSignal = "fixtures/inference/degenerate/zero_signal.json"

    @Test(arguments: [
        ["upperlimit"], ["upperlimit", "--scan", "0:5:6"], ["cls"], ["cls", "--calctype", "toybased", "--ntoys", "20"],
        ["significance"], ["ranking"],
    ])
    func zeroSignalIsAnErrorNamingTheCause(_ command: [String]) throws {
        let run = try HEPKitProcess.run([command[0], zeroSignal] + command.dropFirst())
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr == "hepkit: \(zeroSignal): degenerate model: the parameter of interest 'mu' has no effect on the expected data (no signal): the samples it scales (channel 'SR' sample 'signal') have zero expected yield\n")
    }

    @Test func zeroSignalFitIsFlagged() throws {
        let run = try HEPKitProcess.run(["fit", zeroSignal])
        #expect(run.status == 0)
        #expect(run.stderr.hasPrefix("hepkit: warning: \(zeroSignal): the parameter of interest 'mu' has no effect"))
        let warnings = try #require(try HEPKitProcess.json(run.stdout)["warnings"] as? [String])
        #expect(warnings.count == 1 && warnings[0].contains("(no signal)"))
    }

    @Test func emptyModelFitIsAnError() throws {
        let run = try HEPKitProcess.run(["fit", "fixtures/inference/degenerate/all_zero.json"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("all_zero.json: degenerate model: every expected main-bin yield is zero"))
    }

    @Test(arguments: ["fit", "cls", "upperlimit", "significance", "ranking"])
    func emptyChannelIsFlagged(_ command: String) throws {
        let run = try HEPKitProcess.run([command, "fixtures/inference/degenerate/empty_channel.json"])
        #expect(run.status == 0)
        #expect(run.stderr.contains("hepkit: warning: fixtures/inference/degenerate/empty_channel.json: channel 'CR' has zero expected yield in every bin"))
        if command != "ranking" {  // ranking prints an array: the warning is on standard error only
            let warnings = try #require(try HEPKitProcess.json(run.stdout)["warnings"] as? [String])
            #expect(warnings == ["channel 'CR' has zero expected yield in every bin at the initial parameters"])
        }
    }

    @Test func unbracketedLimitIsAnError() throws {
        let run = try HEPKitProcess.run(["upperlimit", "fixtures/inference/degenerate/tiny_signal.json"])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        // Progress lines (at most one per 10 s without a terminal) come first.
        let error = run.stderr.split(separator: "\n").first { $0.hasPrefix("hepkit: ") }.map(String.init) ?? ""
        #expect(error.hasPrefix("hepkit: fixtures/inference/degenerate/tiny_signal.json: no upper limit: expected −2σ limit: CLs does not cross 0.05 between 0.0 and 2560.0"))
    }

    @Test func scanThatMissesTheLevelIsFlagged() throws {
        let run = try HEPKitProcess.run(["upperlimit", "fixtures/inference/degenerate/empty_channel.json", "--scan", "0:0.1:3"])
        #expect(run.status == 0)
        let output = try HEPKitProcess.json(run.stdout)
        #expect(output["obs"] as? Double == 0.1)
        let warnings = try #require(output["warnings"] as? [String])
        #expect(warnings.filter { $0.contains("does not cross 0.05 in the scan [0.0, 0.1]") }.count == 6)
        #expect(run.stderr.contains("hepkit: warning: fixtures/inference/degenerate/empty_channel.json: observed CLs does not cross 0.05"))
    }

    @Test func toyCLsThatIsNaNIsAnError() throws {
        let run = try HEPKitProcess.run(["cls", "fixtures/inference/degenerate/deficit.json", "--calctype", "toybased", "--ntoys", "5"])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains("deficit.json: observed CLs at POI = 1.0 is"))
        #expect(run.stderr.contains("CL_b is 0 when no background-like toy reaches the statistic"))
    }

    @Test func inProcessCommandsThrowAnExitCode() throws {
        var command = try #require(try HEPKitCommand.parseAsRoot(["upperlimit", zeroSignal]) as? UpperLimitCommand)
        #expect(throws: (any Error).self) { try command.run() }
        command = try #require(try HEPKitCommand.parseAsRoot(["upperlimit", HEPKitProcess.repository.path + "/" + zeroSignal]) as? UpperLimitCommand)
        #expect(throws: (any Error).self) { try command.run() }
    }

    @Test func rankingWritesNullForAnUndefinedPrefitImpact() throws {
        let run = try HEPKitProcess.run(["ranking", "fixtures/inference/unconstrained_nuisance.json"])
        #expect(run.status == 0)
        #expect(!run.stdout.contains("NaN"))
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
        let k = try #require(entries.first { $0["name"] as? String == "k_bkg" })
        #expect(k["prefit_impact"] is NSNull)
        let postfit = try #require(k["postfit_impact"] as? [Double])
        #expect(postfit.count == 2 && postfit.allSatisfy { $0.isFinite && $0 != 0 })
        let gamma = try #require(entries.first { $0["name"] as? String == "bkg_unc[0]" })
        #expect((gamma["prefit_impact"] as? [Double])?.count == 2)
    }
}

/// Long commands show progress in batch logs without flooding them.
@Suite struct ProgressLogTests {
    @Test func aBatchLogGetsAtMostOneLinePerTenSeconds() throws {
        // 4 progress messages (toys 500, 1000 of each hypothesis) in well under 10 s: one line.
        let run = try HEPKitProcess.run(["cls", "fixtures/pyhf/validation_1bin_shapesys.json", "--calctype", "toybased", "--ntoys", "1000"])
        #expect(run.status == 0)
        let lines = run.stderr.split(separator: "\n").filter { $0.hasPrefix("[") }
        #expect(lines.count == 1, "\(run.stderr)")
        #expect(lines.first?.contains("toys: 500/1000") == true)
    }
}

/// Rule 6: a folder or a FIFO given as a workspace is a clear error, never a hang.
@Suite struct NonRegularInputTests {
    @Test func folderAndFIFOAreRefusedWithoutBlocking() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("nonregular-\(UUID())").path
        try FileManager.default.createDirectory(atPath: scratch + "/folder", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        #expect(mkfifo(scratch + "/fifo", 0o600) == 0)
        for (name, message) in [("folder", "it is a folder, not a file"), ("fifo", "not a regular file (a FIFO, socket or device)")] {
            for command in ["inspect", "fit", "digest"] {
                let run = try HEPKitProcess.run([command, scratch + "/" + name])
                #expect(run.status == 1)
                #expect(run.stderr.contains("cannot read '\(scratch)/\(name)': \(message)"), "\(command) \(name): \(run.stderr)")
            }
        }
    }
}
