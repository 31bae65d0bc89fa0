import Foundation
import HEPKitSupport
import HistFactory

/// The workspace the patch part is applied to when the input has no workspace part
/// (`fixtures/workspace/patch_target.json`, also used by `FuzzRegressionTests`).
private let defaultWorkspace: WorkspaceDocument = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/workspace/patch_target.json")
    return try! WorkspaceDocument(parsing: Array(try! Data(contentsOf: url)))
}()

/// libFuzzer entry point: `data` is `WORKSPACE \0 PATCH` (or just `PATCH`, applied to a built-in
/// workspace). The patch part is read as a pyhf patchset (verified, each patch applied, the result
/// built into a model) and as a plain JSON Patch of the model specification (`--patch`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ThreadBudget.limit(to: 1)
    let bytes = UnsafeBufferPointer(start: data, count: size)
    let document: WorkspaceDocument
    let patchBytes: UnsafeBufferPointer<UInt8>
    if let split = bytes.firstIndex(of: 0) {
        guard let parsed = try? WorkspaceDocument(parsing: bytes[..<split]) else { return 0 }
        document = parsed
        patchBytes = UnsafeBufferPointer(rebasing: bytes[(split + 1)...])
    } else {
        document = defaultWorkspace
        patchBytes = bytes
    }
    if let patchSet = try? PatchSet(parsing: patchBytes, source: "fuzz-patchset.json") {
        _ = patchSet.inspection
        _ = try? patchSet.verify(document)
        for patch in patchSet.patches {
            _ = patchSet.extract(patch, withMetadata: true)
            if let patched = try? patchSet.apply(patch, to: document) {
                _ = patched.digest()
                if let model = try? patched.model(), let observed = try? patched.data(model) {
                    _ = model.logpdf(model.suggestedInit, data: observed)
                }
            }
        }
    }
    if let json = try? JSONValue(parsing: patchBytes), let patch = try? JSONPatch(json),
        let model = try? document.model(patches: [patch])
    {
        let observed = (try? document.data(model)) ?? []
        if observed.count == model.expectedData(model.suggestedInit).count {
            _ = model.logpdfAndGradient(model.suggestedInit, data: observed)
        }
    }
    return 0
}
