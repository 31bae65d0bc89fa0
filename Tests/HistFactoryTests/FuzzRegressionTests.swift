import Foundation
import Testing

@testable import HistFactory

/// Inputs the fuzz targets `Fuzz/FuzzWorkspace` and `Fuzz/FuzzPatch` found crashing or hanging,
/// kept under `fixtures/regressions/workspace/` and replayed through the same calls.
@Suite struct FuzzRegressionTests {
    static var inputs: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.url("regressions/workspace").path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }

    /// The workspace `FuzzPatch` patches when its input has no workspace part.
    static var patchTarget: [UInt8] { get throws { Array(try Fixtures.data("workspace/patch_target.json")) } }

    @Test(arguments: inputs)
    func replay(name: String) throws {
        let bytes = Array(try Fixtures.data("regressions/workspace/" + name))
        // FuzzWorkspace
        if let document = try? WorkspaceDocument(parsing: bytes) {
            _ = document.digest()
            _ = try? document.sorted()
            _ = document.modelIssues()
            if let inspection = try? WorkspaceInspection(document) { _ = inspection.text }
            if let model = try? document.model(), let observed = try? document.data(model) {
                _ = model.logpdfAndGradient(model.suggestedInit, data: observed)
            }
        }
        // FuzzPatch
        let document: WorkspaceDocument
        let patch: ArraySlice<UInt8>
        if let split = bytes.firstIndex(of: 0) {
            guard let parsed = try? WorkspaceDocument(parsing: bytes[..<split]) else { return }
            (document, patch) = (parsed, bytes[(split + 1)...])
        } else {
            (document, patch) = (try WorkspaceDocument(parsing: try Self.patchTarget), bytes[...])
        }
        if let patchSet = try? PatchSet(parsing: patch) {
            for p in patchSet.patches { _ = try? patchSet.apply(p, to: document).model() }
        }
        if let json = try? JSONValue(parsing: patch), let jsonPatch = try? JSONPatch(json) {
            _ = try? document.model(patches: [jsonPatch])
        }
    }

    /// `copy` (or `move`) from the root pointer `""` indexed past the end of the pointer's tokens;
    /// `jsonpatch` reports a conflict (it looks the root up as a member named `None`).
    @Test func copyFromTheRootIsAConflict() throws {
        let document = try WorkspaceDocument(parsing: try Self.patchTarget)
        for op in ["copy", "move"] {
            let patch = try JSONPatch(try JSONValue(parsing: #"[{"op": "\#(op)", "from": "", "path": "/channels/0/samples/-"}]"#))
            let error = try #require(throws: WorkspaceError.self) { try document.model(patches: [patch]) }
            guard case .patchFailed(let patchError) = error else {
                Issue.record("unexpected \(error)")
                continue
            }
            #expect(patchError.kind == .conflict)
            #expect(patchError.operationIndex == 0)
        }
        let replayed = try JSONPatch(
            try JSONValue(parsing: Array(try Fixtures.data("regressions/workspace/patch_copy_from_root.json"))))
        #expect(throws: WorkspaceError.self) { try document.model(patches: [replayed]) }
    }
}
