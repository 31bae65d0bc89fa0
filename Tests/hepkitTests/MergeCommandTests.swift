import ArgumentParser
import Foundation
import Testing
@testable import hepkit

/// Runs `hepkit ARGS...` in this process.
func hepkit(_ arguments: [String]) throws {
    var command = try HEPKitCommand.parseAsRoot(arguments)
    try command.run()
}

/// The repository's fixtures folder.
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("fixtures")

/// A fresh temporary folder.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("hepkit-merge-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite struct MergeCommandTests {
    /// `hepkit build --shard I/N` for every I, then `hepkit merge`: the unsharded build's bytes.
    @Test(arguments: ["example/analysis.yml", "batch/analysis.yml"])
    func shardedBuildMergesToTheBuild(config: String) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = fixtures.appendingPathComponent(config).path
        let single = folder.appendingPathComponent("single.json").path
        try hepkit(["build", config, "-o", single])
        let expected = try Data(contentsOf: URL(fileURLWithPath: single))
        for n in 1...4 {
            let parts = (0..<n).map { folder.appendingPathComponent("part.\(n).\($0).json").path }
            for (i, part) in parts.enumerated() { try hepkit(["build", config, "--shard", "\(i)/\(n)", "-o", part]) }
            let merged = folder.appendingPathComponent("merged.\(n).json").path
            try hepkit(["merge"] + parts.reversed() + ["-o", merged])
            #expect(try Data(contentsOf: URL(fileURLWithPath: merged)) == expected, "\(n) shards")
        }
        // A missing shard: refused, and nothing is written.
        let incomplete = folder.appendingPathComponent("incomplete.json").path
        #expect(throws: ExitCode(1)) { try hepkit(["merge", folder.appendingPathComponent("part.4.0.json").path, "-o", incomplete]) }
        #expect(!FileManager.default.fileExists(atPath: incomplete))
        #expect(throws: ExitCode(1)) { try hepkit(["merge", folder.appendingPathComponent("part.1.0.json").path, "--format", "csv"]) }
    }

    @Test func shardArgumentIsChecked() {
        for bad in ["4/4", "-1/2", "1", "a/b", "0/0", "1/2/3"] {
            #expect(throws: (any Error).self, "\(bad)") { try HEPKitCommand.parseAsRoot(["build", "x.yml", "--shard", bad]) }
        }
        #expect(ShardOption(argument: "3/4")?.shard.description == "3/4")
    }

    @Test func notAPartFileIsRefused() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("workspace.json")
        try Data(contentsOf: fixtures.appendingPathComponent("pyhf/validation_1bin_shapesys.json")).write(to: file)
        #expect(throws: ExitCode(1)) { try hepkit(["merge", file.path]) }
    }
}
