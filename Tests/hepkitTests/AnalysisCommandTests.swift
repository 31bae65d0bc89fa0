import ArgumentParser
import Foundation
import Testing
@testable import hepkit

/// `hepkit build` and `hepkit optimize` on the bundled example: outputs whole or absent.
@Suite(.serialized) struct AnalysisCommandTests {
    static let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures/example")

    /// A scratch folder holding the example's config with `steps` optimisation steps (and one
    /// line replaced), its files referenced by absolute path.
    struct Scratch {
        let folder: URL
        let config: URL

        init(steps: Int = 2, replacing old: String? = nil, with new: String = "") throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("hepkit-analysis-cli-\(UUID())")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            var text = try String(contentsOf: example.appendingPathComponent("analysis.yml"), encoding: .utf8)
                .replacingOccurrences(of: "[signal.root]", with: "[\(example.path)/signal.root]")
                .replacingOccurrences(of: "[background.root]", with: "[\(example.path)/background.root]")
                .replacingOccurrences(of: "steps: 100,", with: "steps: \(steps),")
            if let old {
                #expect(text.contains(old))
                text = text.replacingOccurrences(of: old, with: new)
            }
            config = folder.appendingPathComponent("analysis.yml")
            try text.write(to: config, atomically: true, encoding: .utf8)
        }

        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

        /// Everything in the scratch folder (hidden staging and temporary files included).
        var contents: Set<String> { Set((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []) }

        func remove() { try? FileManager.default.removeItem(at: folder) }
    }

    /// Runs `hepkit ARGUMENTS`; true if it succeeded.
    static func run(_ arguments: [String]) throws -> Bool {
        var command = try HEPKitCommand.parseAsRoot(arguments)
        do {
            try command.run()
            return true
        } catch let error as ExitCode where error != .success {
            return false
        }
    }

    static let optimizeFiles: Set<String> = ["trajectory.json", "optimum.json", "optimization.svg", "workspace.json", ".hepkit-output"]

    @Test func optimizeWritesTheSetAndReplacesItWhole() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let out = scratch.path("out")
        #expect(try Self.run(["optimize", scratch.config.path, "-o", out]))
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: out)) == Self.optimizeFiles)
        #expect(scratch.contents == ["analysis.yml", "out"])
        // A file left in the set by hand (or by another run) does not survive the next run.
        try Data("stale".utf8).write(to: URL(fileURLWithPath: out + "/stale.txt"))
        let first = try Data(contentsOf: URL(fileURLWithPath: out + "/trajectory.json"))
        #expect(try Self.run(["optimize", scratch.config.path, "-o", out]))
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: out)) == Self.optimizeFiles)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/trajectory.json")) == first)
        #expect(scratch.contents == ["analysis.yml", "out"])
    }

    @Test func optimizeRefusesAForeignFolder() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let out = scratch.path("mine")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: false)
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: out + "/thesis.tex"))
        #expect(try !Self.run(["optimize", scratch.config.path, "-o", out]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: out) == ["thesis.tex"])
        #expect(scratch.contents == ["analysis.yml", "mine"])
    }

    @Test func failedOptimizeLeavesNothing() throws {
        // A degenerate analysis (no signal) fails after the staging folder exists.
        let scratch = try Scratch(replacing: "    weight: weight\n    signal: true", with: "    weight: weight * 0\n    signal: true")
        defer { scratch.remove() }
        #expect(try !Self.run(["optimize", scratch.config.path, "-o", scratch.path("out")]))
        #expect(scratch.contents == ["analysis.yml"])
    }

    @Test func buildWritesOneFileAtomically() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let out = scratch.path("workspace.json")
        #expect(try Self.run(["build", scratch.config.path, "-o", out]))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as? [String: Any]
        #expect((json?["channels"] as? [Any])?.count == 1)
        #expect(scratch.contents == ["analysis.yml", "workspace.json"])
        // A failing build leaves the earlier file as it was.
        let before = try Data(contentsOf: URL(fileURLWithPath: out))
        let broken = try Scratch(replacing: "observable: mass", with: "observable: log(-mass)")
        defer { broken.remove() }
        #expect(try !Self.run(["build", broken.config.path, "-o", out]))
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == before)
        #expect(scratch.contents == ["analysis.yml", "workspace.json"])
    }
}
