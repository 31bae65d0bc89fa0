import Analysis
import ArgumentParser
import Foundation
import Inference
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

    static let optimizeFiles: Set<String> = [
        "trajectory.json", "optimum.json", "optimization.svg", "workspace.json", "histograms.root", ".hepkit-output", "report.html", "objective.svg",
        "parameter_cut_met.svg", "parameter_cut_jet.svg", "parameter_edge1.svg", "parameter_edge2.svg", "region_SR_before.svg",
        "region_SR_after.svg", "cut_SR_cut_met.svg", "cut_SR_cut_jet.svg",
    ]

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

    /// Issue 16 §5: a run killed after 5 of 10 steps and resumed from its checkpoint writes the
    /// same files as an uninterrupted run, byte for byte.
    @Test func resumeGivesTheUninterruptedResult() throws {
        let scratch = try Scratch(steps: 10)
        defer { scratch.remove() }
        let straight = scratch.path("straight"), resumed = scratch.path("resumed")
        #expect(try Self.run(["optimize", scratch.config.path, "-o", straight]))
        // The interrupted run: its checkpoint after step 5, then killed.
        struct Killed: Error {}
        let checkpointFile = OptimizeCheckpoint.path(for: resumed)
        let digest = try OptimizeCheckpoint.digest(ofFile: scratch.config.path)
        do {
            _ = try LoadedAnalysis(config: scratch.config).optimize(checkpoint: { state in
                guard state.nextStep == 5 else { return }
                try OptimizeCheckpoint(config: scratch.config.path, configDigest: digest, state: state).save(to: checkpointFile)
                throw Killed()
            })
            Issue.record("the run was not interrupted")
        } catch is Killed {}
        #expect(scratch.contents.contains(".resumed.checkpoint.json"))
        #expect(try Self.run(["optimize", "--resume", resumed]))
        for name in ["trajectory.json", "optimum.json", "workspace.json", "optimization.svg"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: straight + "/" + name))
            let b = try Data(contentsOf: URL(fileURLWithPath: resumed + "/" + name))
            #expect(a == b, "\(name) differs after resuming")
        }
        // The checkpoint is gone once the set is in place; nothing else is left.
        #expect(scratch.contents == ["analysis.yml", "straight", "resumed"])
        // Nothing to resume now.
        #expect(try !Self.run(["optimize", "--resume", resumed]))
    }

    @Test func resumeRefusesAChangedConfig() throws {
        let scratch = try Scratch(steps: 4)
        defer { scratch.remove() }
        let out = scratch.path("out")
        let loaded = try LoadedAnalysis(config: scratch.config)
        let state = AnalysisOptimizer.State(start: loaded.analysis.initialParameters)
        try OptimizeCheckpoint(config: scratch.config.path, configDigest: "0", state: state).save(to: OptimizeCheckpoint.path(for: out))
        #expect(try !Self.run(["optimize", "--resume", out]))
        #expect(scratch.contents == ["analysis.yml", ".out.checkpoint.json"])
    }

    /// The files' contents agree with the trajectory they are written from.
    @Test func filesHoldTheTrajectory() throws {
        let scratch = try Scratch(steps: 3)
        defer { scratch.remove() }
        let loaded = try LoadedAnalysis(config: scratch.config)
        let report = try loaded.optimize()
        // JSONDecoder, not JSONSerialization: the latter can miss the last digit of a double on
        // Linux, and these round trips must be exact.
        struct Step: Decodable {
            let parameters: [String: Double]
            let objective: Double
        }
        struct Trajectory: Decodable { let steps: [Step] }
        struct Optimum: Decodable {
            let parameters: [String: Double]
            let hard_objective: Double
        }
        let steps = try JSONDecoder().decode(Trajectory.self, from: report.trajectoryJSON()).steps
        #expect(steps.count == 3)
        #expect(steps[2].parameters["edge1"] == report.trajectory[2].parameters[2])
        #expect(steps[0].objective == report.trajectory[0].objective)
        let optimumFile = try JSONDecoder().decode(Optimum.self, from: report.optimumJSON())
        #expect(optimumFile.parameters["cut_jet"] == report.optimum[1])
        #expect(optimumFile.hard_objective == report.hardObjective)
        let svg = report.plotSVG()
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 1 + loaded.analysis.parameters.count)
        #expect(svg.contains("cut_met [0, 150] → "))
        #expect(report.summary(elapsed: 1, resumedAt: nil, folder: "out", files: ["workspace.json"]).contains("cut_met: 20 → "))
    }

    /// Issue 10: an objective written outside Analysis (the expected CLs at μ = 2), registered under
    /// a name, drives `hepkit optimize` from a config that names it.
    struct ExpectedCLsAtTwo: AnalysisObjective {
        var minimizes: Bool { true }
        var asimovSignalStrength: Double { 0 }
        func evaluate(_ gradients: ImplicitGradients<HistFactoryLikelihood>) throws -> ScalarGradient {
            try gradients.expectedCLs(poiValue: 2)
        }
    }

    @Test func customObjectiveThroughOptimize() throws {
        AnalysisObjectives.register(ExpectedCLsAtTwo(), as: "cls_at_2")
        let scratch = try Scratch(steps: 2, replacing: "objective: cls", with: "objective: cls_at_2")
        defer { scratch.remove() }
        let out = scratch.path("out")
        #expect(try Self.run(["optimize", scratch.config.path, "-o", out]))
        struct Trajectory: Decodable {
            struct Step: Decodable { let objective: Double }
            let objective: String
            let steps: [Step]
        }
        let trajectory = try JSONDecoder().decode(Trajectory.self, from: Data(contentsOf: URL(fileURLWithPath: out + "/trajectory.json")))
        #expect(trajectory.objective == "cls_at_2")
        // The same value as the objective evaluated directly, and not the built-in CLs at μ = 1.
        let loaded = try LoadedAnalysis(config: scratch.config)
        let start = loaded.analysis.initialParameters
        let direct = try AnalysisObjectiveFunction(histograms: loaded.histograms, objective: ExpectedCLsAtTwo(), kernel: .kde)
            .valueAndGradient(at: start, relaxation: 1).value
        let builtIn = try AnalysisObjectiveFunction(histograms: loaded.histograms, objective: ExpectedCLsObjective(), kernel: .kde)
            .valueAndGradient(at: start, relaxation: 1).value
        #expect(trajectory.steps.first?.objective == direct)
        #expect(abs(direct - builtIn) > 1e-3)
        // An unregistered name is a config error naming the choices.
        let unknown = try Scratch(steps: 2, replacing: "objective: cls", with: "objective: cls_at_3")
        defer { unknown.remove() }
        #expect(try !Self.run(["build", unknown.config.path]))
    }

    /// Issue 16 §2: in a batch log a progress line at most every 10 s; on a terminal one live line.
    @Test func progressIsThrottledInLogs() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let analysis = try LoadedAnalysis(config: scratch.config).analysis
        final class Recorder: @unchecked Sendable {
            var time = Date(timeIntervalSince1970: 0)
            var text = ""
        }
        let recorder = Recorder()
        var log = OptimizeProgress(
            analysis: analysis, terminal: false, now: { recorder.time }, write: { recorder.text += $0 })
        func step(_ k: Int) -> AnalysisOptimizer.Step {
            .init(step: k, relaxation: 1, parameters: analysis.initialParameters, objective: 0.5, gradient: [0, 0, 0, 0])
        }
        // Steps at 0, 3, 6, ..., 27 s: lines at 0, 12 and 24 s.
        for k in 0..<10 {
            recorder.time = Date(timeIntervalSince1970: Double(3 * k))
            log.show(step(k))
        }
        let lines = recorder.text.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first == "step 1/2 (50%), 0.0 s: cls 0.5, relaxation 1.000, cut_met=20 cut_jet=30 edge1=105 edge2=145")
        #expect(lines.last?.hasPrefix("step 9/2 (450%), 24.0 s:") == true)
        recorder.text = ""
        var live = OptimizeProgress(analysis: analysis, terminal: true, now: { recorder.time }, write: { recorder.text += $0 })
        live.show(step(0))
        live.show(step(1))
        live.finish()
        #expect(recorder.text.components(separatedBy: "\r\u{1B}[K").count == 3 && recorder.text.hasSuffix("\n"))
    }
}
