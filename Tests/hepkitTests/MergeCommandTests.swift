import Analysis
import ArgumentParser
import Foundation
import HistFactory
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

    /// `hepkit build --networks network.json --shard I/N` then `hepkit merge`: the unsharded
    /// `build --networks` bytes; parts of other weights do not merge with them, and a network
    /// config is not built in shards without trained networks.
    @Test func shardedNetworkBuildMergesToTheBuild() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = fixtures.appendingPathComponent("learned/example-network.yml").path
        let networks = fixtures.appendingPathComponent("learned/network.json").path
        let single = folder.appendingPathComponent("single.json").path
        try hepkit(["build", config, "--networks", networks, "--set", "cut_met=30", "-o", single])
        let expected = try Data(contentsOf: URL(fileURLWithPath: single))
        for n in 1...3 {
            let parts = (0..<n).map { folder.appendingPathComponent("part.\(n).\($0).json").path }
            for (i, part) in parts.enumerated() {
                try hepkit(["build", config, "--networks", networks, "--set", "cut_met=30", "--shard", "\(i)/\(n)", "-o", part])
            }
            let merged = folder.appendingPathComponent("merged.\(n).json").path
            try hepkit(["merge"] + parts.reversed() + ["-o", merged])
            #expect(try Data(contentsOf: URL(fileURLWithPath: merged)) == expected, "\(n) shards")
        }
        // Shard 1 of 2 filled with other weights: a different config digest, refused.
        var trained = try TrainedNetworks.load(contentsOf: URL(fileURLWithPath: networks))
        trained.networks[0].network.weights[0] += 1e-9
        let other = folder.appendingPathComponent("other.json")
        try trained.json().write(to: other)
        let otherPart = folder.appendingPathComponent("other.1.json").path
        try hepkit(["build", config, "--networks", other.path, "--set", "cut_met=30", "--shard", "1/2", "-o", otherPart])
        let mixed = folder.appendingPathComponent("mixed.json").path
        #expect(throws: ExitCode(1)) { try hepkit(["merge", folder.appendingPathComponent("part.2.0.json").path, otherPart, "-o", mixed]) }
        #expect(!FileManager.default.fileExists(atPath: mixed))
        // Without --networks the untrained networks are standardised on all events: no shard can.
        let refused = folder.appendingPathComponent("refused.json").path
        #expect(throws: ExitCode(1)) { try hepkit(["build", config, "--shard", "0/2", "-o", refused]) }
        #expect(!FileManager.default.fileExists(atPath: refused))
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

/// Patchset grids: fixtures/batch/patchset.json (3 signal points) on fixtures/batch/BkgOnly.json.
@Suite struct PatchsetGridTests {
    static let workspace = fixtures.appendingPathComponent("batch/BkgOnly.json").path
    static let patchset = fixtures.appendingPathComponent("batch/patchset.json").path
    static let names = ["sig_100_1", "sig_200_1p5", "sig_300_2"]

    static func json(_ url: URL) throws -> JSONValue { try JSONValue(parsing: Array(try Data(contentsOf: url))) }

    /// Runs the grid in `shards` jobs and merges them; returns the merged table.
    static func grid(_ command: [String], shards: Int, in folder: URL, format: String = "json") throws -> URL {
        let parts = (0..<shards).map { folder.appendingPathComponent("\(command[0]).\(shards).\($0).json").path }
        for (i, part) in parts.enumerated() {
            try hepkit(command + [workspace, "--patchset", patchset, "--shard", "\(i)/\(shards)", "--output-file", part])
        }
        let merged = folder.appendingPathComponent("\(command[0]).\(shards).merged.\(format)")
        try hepkit(["merge"] + parts + ["-o", merged.path, "--format", format])
        return merged
    }

    /// Every patch's row is what the command gives on the patched workspace alone
    /// (`hepkit patchset apply` then the command), for 1 to 4 jobs.
    @Test(arguments: [["cls"], ["upperlimit"], ["cls", "--test-poi", "2", "--test-stat", "q"]])
    func gridRowsAreTheSingleRuns(command: [String]) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var single: [JSONValue] = []
        for name in Self.names {
            let patched = folder.appendingPathComponent("\(name).json").path
            try hepkit(["patchset", "apply", Self.workspace, Self.patchset, "--name", name, "--output-file", patched])
            let result = folder.appendingPathComponent("\(name).result.json")
            try hepkit(command + [patched, "--output-file", result.path])
            single.append(try Self.json(result))
        }
        for shards in 1...4 {
            let table = try Self.json(try Self.grid(command, shards: shards, in: folder))
            #expect(table["labels"] == ["mass", "coupling"])
            let rows = table["patches"]?.arrayValue ?? []
            #expect(rows.map { $0["name"]?.stringValue } == Self.names)
            #expect(rows.map { $0["values"] } == [[100, 1.0], [200, 1.5], [300, "2"]])
            #expect(rows.map { $0["result"] } == single.map { $0 }, "\(shards) shards")
        }
    }

    /// The grid's CLs agree with pyhf 0.7.6 (`pyhf cls` on each patched workspace), and the CSV
    /// table holds the same numbers.
    @Test func gridMatchesPyhfAndWritesCSV() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pyhf: [(obs: Double, exp: [Double])] = [
            (0.34020806943535375, [0.028963932611067892, 0.08497194403496991, 0.2254892546394074, 0.4944821397797558, 0.8029000593086737]),
            (0.6139779667884437, [0.15908897777716247, 0.28949747650338864, 0.49292519888450304, 0.7409176622344413, 0.9267163909255163]),
            (0.033567506078051944, [0.11061773914474556, 0.22403765011756213, 0.42087432324340046, 0.6862116777597649, 0.9045536975273158]),
        ]
        let csv = try String(contentsOf: try Self.grid(["cls"], shards: 2, in: folder, format: "csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        #expect(lines.first == ["name", "mass", "coupling", "CLs_exp[0]", "CLs_exp[1]", "CLs_exp[2]", "CLs_exp[3]", "CLs_exp[4]", "CLs_obs"])
        #expect(lines.dropFirst().map { Array($0.prefix(3)) } == [["sig_100_1", "100", "1.0"], ["sig_200_1p5", "200", "1.5"], ["sig_300_2", "300", "2"]])
        for (line, reference) in zip(lines.dropFirst(), pyhf) {
            let numbers = line.dropFirst(3).compactMap(Double.init)
            #expect(numbers.count == 6)
            for (ours, theirs) in zip(numbers, reference.exp + [reference.obs]) {
                #expect(abs(ours - theirs) <= max(5e-4, 2e-3 * theirs), "\(line[0]): \(ours) vs pyhf \(theirs)")
            }
        }
    }

    /// Parts of other settings, commands, patchsets or with a shard missing are refused.
    @Test func incompatibleGridPartsAreRefused() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        func part(_ command: [String], _ shard: String, patchset: String = Self.patchset) throws -> (String, GridPart) {
            let path = folder.appendingPathComponent("\(command.joined(separator: "_")).\(shard.replacingOccurrences(of: "/", with: "of")).json").path
            try hepkit(command + [Self.workspace, "--patchset", patchset, "--shard", shard, "--output-file", path])
            return (path, try GridPart(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: path))), file: path))
        }
        let a0 = try part(["cls"], "0/2"), a1 = try part(["cls"], "1/2")
        #expect(try GridPart.merge([a1, a0]).rows.count == 3)
        #expect(throws: MergeError("missing shards: 1 of 2 (expected part files for shards 0..1)")) { try GridPart.merge([a0]) }
        let poi = try part(["cls", "--test-poi", "2"], "1/2")
        #expect(throws: MergeError("\(poi.0) has options digest \(poi.1.optionsDigest), \(a0.0) \(a0.1.optionsDigest): parts of different jobs")) {
            try GridPart.merge([a0, poi])
        }
        let limit = try part(["upperlimit"], "1/2")
        #expect(throws: MergeError("\(limit.0) is a 'upperlimit' part, \(a0.0) a 'cls' part")) { try GridPart.merge([a0, limit]) }
        #expect(throws: ExitCode(1)) { try hepkit(["merge", a0.0, limit.0]) }
        // Another patchset (one patch fewer): another patchset digest.
        var reduced = try Self.json(URL(fileURLWithPath: Self.patchset)).objectValue!
        reduced["patches"] = .array(Array(reduced["patches"]!.arrayValue!.prefix(2)))
        let reducedPath = folder.appendingPathComponent("reduced.json")
        try Data(JSONValue.object(reduced).pythonJSON(indent: 2).utf8).write(to: reducedPath)
        let other = try part(["cls"], "1/2", patchset: reducedPath.path)
        #expect(throws: MergeError("\(other.0) has patchset digest \(other.1.patchsetDigest), \(a0.0) \(a0.1.patchsetDigest): parts of different jobs")) {
            try GridPart.merge([a0, other])
        }
        // A background-only workspace the patchset was not made for.
        #expect(throws: ExitCode(1)) {
            try hepkit(["cls", fixtures.appendingPathComponent("pyhf/validation_2bin_2channel_coupledhistosys.json").path, "--patchset", Self.patchset])
        }
        #expect(throws: (any Error).self) { try HEPKitCommand.parseAsRoot(["cls", Self.workspace, "--shard", "0/2"]) }
    }
}

/// Sharded toys: `cls --calctype toybased --shard I/N` parts merge into the one-job result.
@Suite struct ToyShardTests {
    static let workspace = fixtures.appendingPathComponent("pyhf/validation_1bin_shapesys.json").path
    static let toyOptions = ["--calctype", "toybased", "--ntoys", "60", "--seed", "5"]

    static func parts(_ shards: Int, in folder: URL, extra: [String] = []) throws -> [String] {
        try (0..<shards).map { i in
            let path = folder.appendingPathComponent("toys\(extra.joined()).\(shards).\(i).json").path
            try hepkit(["cls", workspace] + toyOptions + extra + ["--shard", "\(i)/\(shards)", "--output-file", path])
            return path
        }
    }

    /// 1 to 3 jobs: the merged result is the unsharded command's output byte for byte, and the
    /// merged parts hold every toy's statistic of the single job.
    @Test func shardedToysMergeToTheSingleJob() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let single = folder.appendingPathComponent("single.json")
        try hepkit(["cls", Self.workspace] + Self.toyOptions + ["--output-file", single.path])
        let expected = try Data(contentsOf: single)
        let result = try JSONValue(parsing: Array(expected))
        #expect(result["CLs_exp"]?.arrayValue?.count == 5)
        let observed = try #require(result["CLs_obs"]?.numberValue?.double)
        #expect(observed > 0.05 && observed < 1)
        var wholeStatistics: [Double?] = []
        for shards in 1...3 {
            let parts = try Self.parts(shards, in: folder)
            let merged = folder.appendingPathComponent("merged.\(shards).json")
            try hepkit(["merge"] + parts.reversed() + ["-o", merged.path])
            #expect(try Data(contentsOf: merged) == expected, "\(shards) shards")
            let decoded = try parts.map { try decodePart(ToyPart.self, from: try Data(contentsOf: URL(fileURLWithPath: $0)), file: $0) }
            #expect(decoded.map(\.firstToy) == (0..<shards).map { 60 * $0 / shards })
            let statistics = decoded.flatMap(\.backgroundLike)
            #expect(statistics.count == 60)
            if shards == 1 { wholeStatistics = statistics } else { #expect(statistics == wholeStatistics) }
        }
    }

    /// A missing shard, parts of another seed, and `--shard` where it cannot apply are refused.
    @Test func incompleteOrForeignToyPartsAreRefused() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let parts = try Self.parts(2, in: folder)
        let decoded = try parts.map { ($0, try decodePart(ToyPart.self, from: try Data(contentsOf: URL(fileURLWithPath: $0)), file: $0)) }
        #expect(throws: MergeError("missing shards: 1 of 2 (expected part files for shards 0..1)")) { try ToyPart.merge([decoded[0]]) }
        let output = folder.appendingPathComponent("merged.json").path
        #expect(throws: ExitCode(1)) { try hepkit(["merge", parts[0], "-o", output]) }
        #expect(!FileManager.default.fileExists(atPath: output))
        let otherSeed = try Self.parts(2, in: folder, extra: ["--seed", "6"])
        #expect(throws: ExitCode(1)) { try hepkit(["merge", parts[0], otherSeed[1]]) }
        #expect(throws: ExitCode(1)) { try hepkit(["merge", parts[0], parts[1], "--format", "csv"]) }
        // A part claiming toys another part holds.
        var overlapping = decoded[1].1
        overlapping.firstToy -= 1
        overlapping.signalLike.insert(1, at: 0)
        overlapping.backgroundLike.insert(1, at: 0)
        #expect(throws: MergeError.self) { try ToyPart.merge([decoded[0], (decoded[1].0, overlapping)]) }
        #expect(throws: (any Error).self) { try HEPKitCommand.parseAsRoot(["upperlimit", Self.workspace, "--shard", "0/2"]) }
        #expect(throws: (any Error).self) { try HEPKitCommand.parseAsRoot(["cls", Self.workspace, "--calctype", "asymptotics", "--shard", "0/2"]) }
    }
}
