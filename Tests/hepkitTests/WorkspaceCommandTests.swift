import ArgumentParser
import Foundation
import HistFactory
import Testing

@testable import hepkit

/// `hepkit inspect / sort / prune` on files: hostile documents are clean errors (exit 1), the
/// outputs are pyhf's, and the modifier types come from the installed registry.
@Suite struct WorkspaceCommandTests {
    static let workspace = """
        {"channels": [{"name": "SR", "samples": [
          {"name": "signal", "data": [5.0, 10.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
          {"name": "background", "data": [50.0, 60.0], "modifiers": [
            {"name": "bkg_norm", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}}]}]}],
         "observations": [{"name": "SR", "data": [53.0, 65.0]}],
         "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": []}}],
         "version": "1.0.0"}
        """

    static func temporaryFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hepkit-\(UUID().uuidString).json").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func inspectWritesTheSummary() throws {
        let input = try Self.temporaryFile(Self.workspace)
        let output = input + ".summary.json"
        defer { try? FileManager.default.removeItem(atPath: input); try? FileManager.default.removeItem(atPath: output) }
        let command = try InspectCommand.parse([input, "--output-file", output])
        try command.run()
        let summary = try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: output))))
        #expect(summary["channels"] == [["SR", 2]])
        #expect(summary["parameters"] == [["bkg_norm", "constrained_by_normal"], ["mu", "unconstrained"]])
        #expect(summary["modifiers"] == ["bkg_norm": "normsys", "mu": "normfactor"])
    }

    /// Issue 9: two `"data"` members in one observation were read last-wins (CLs NaN, exit 0).
    @Test func repeatedKeyExitsWithAnError() throws {
        let input = try Self.temporaryFile(Self.workspace.replacingOccurrences(of: #""data": [53.0, 65.0]"#, with: #""data": [53.0, 65.0], "data": []"#))
        defer { try? FileManager.default.removeItem(atPath: input) }
        for arguments in [["inspect", input], ["sort", input], ["digest", input]] {
            var command = try HEPKitCommand.parseAsRoot(arguments)
            #expect(throws: ExitCode(1)) { try command.run() }
        }
        let error = try #require(throws: WorkspaceError.self) { try WorkspaceDocument(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: input)))) }
        #expect("\(error)".contains("(observations[0].data): duplicate key \"data\" in object"))
    }

    @Test func pruneKnowsTheRegisteredModifierTypes() throws {
        #expect(throws: Never.self) { try PruneCommand.parse(["ws.json", "-t", "staterror"]) }
        #expect(throws: (any Error).self) { try PruneCommand.parse(["ws.json", "-t", "shift"]) }
    }
}
