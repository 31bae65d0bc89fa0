import HEPKitSupport
import HistFactory

/// libFuzzer entry point: `data` as a workspace file, through everything `hepkit` does with one —
/// parse and validate, every measurement's model checks, `inspect`, `digest`, `sort`, the default
/// model's data, one logpdf and its gradient. Thrown errors are the expected outcome for most
/// inputs; a crash, a hang or an allocation past libFuzzer's limit is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ThreadBudget.limit(to: 1)  // deterministic runs; libFuzzer measures one thread's coverage
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let document = try? WorkspaceDocument(parsing: bytes, source: "fuzz.json") else { return 0 }
    _ = document.digest()
    _ = document.pyhfText
    _ = try? document.sorted()
    _ = document.modelIssues()
    if let inspection = try? WorkspaceInspection(document) {
        _ = inspection.text
        _ = inspection.json.pythonJSON(indent: 4)
    }
    guard let model = try? document.model(), let observed = try? document.data(model) else { return 0 }
    let pars = model.suggestedInit
    _ = model.logpdf(pars, data: observed)
    _ = model.logpdfAndGradient(pars, data: observed)
    return 0
}
