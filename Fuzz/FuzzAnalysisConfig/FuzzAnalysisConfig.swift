import Analysis
import Foundation
import HEPKitSupport

// Bytes → an analysis config (YAML, or JSON when the input starts with '{') → resolved against a
// fixed set of branches (no file is read) → every histogram filled hard and soft on a few
// synthetic events, which evaluates every compiled expression both ways.

/// The branches every config may use; the catalogue ignores the files and the tree.
let branches: [String: ColumnShape] = [
    "x": .scalar, "y": .scalar, "met": .scalar, "mass": .scalar, "weight": .scalar, "weight_up": .scalar,
    "n": .scalar, "jet_pt": .jagged, "jet_eta": .jagged, "jet_pt_up": .jagged, "jet_pt_down": .jagged,
]

/// Five events, one with no jets, values of both signs, a zero and a large one.
let events: ColumnTable = {
    let offsets = [0, 2, 2, 5, 6, 8]
    let jagged = { (values: [Double]) in try! DataColumn(values: values, offsets: offsets) }
    return try! ColumnTable([
        "x": DataColumn([0, 1.5, -2, 3e5, 7]), "y": DataColumn([1, 0, -1, 2, 0.5]),
        "met": DataColumn([10, 55, 120, 0, 80]), "mass": DataColumn([91, 125, 60, 300, 124]),
        "weight": DataColumn([1, 0.5, 2, 1, 1.5]), "weight_up": DataColumn([1.1, 0.6, 2.1, 1.2, 1.4]),
        "n": DataColumn([2, 0, 3, 1, 2]),
        "jet_pt": jagged([50, 30, 80, 45, 25, 120, 60, 41]), "jet_eta": jagged([0.1, -1, 2, 0, -2.4, 1.1, 0.3, -0.3]),
        "jet_pt_up": jagged([52, 31, 83, 47, 26, 124, 62, 42]), "jet_pt_down": jagged([48, 29, 77, 43, 24, 116, 58, 40]),
    ])
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ThreadBudget.limit(to: 1)  // deterministic runs; libFuzzer measures one thread's coverage
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let config = try? AnalysisConfig.decode(text, json: size > 0 && data[0] == UInt8(ascii: "{")),
          let analysis = try? config.resolve(baseDirectory: URL(fileURLWithPath: "/fuzz"), branches: { _, _ in branches })
    else { return 0 }
    var alternatives: [Int: (up: ColumnTable, down: ColumnTable)] = [:]
    for (k, systematic) in analysis.systematics.enumerated() {
        if case .histoSys(.files) = systematic.kind { alternatives[k] = (events, events) }
    }
    let samples = [ColumnTable](repeating: events, count: analysis.samples.count)
    guard let histograms = try? AnalysisHistograms(analysis: analysis, events: AnalysisEvents(samples: samples, alternatives: alternatives))
    else { return 0 }
    let theta = analysis.initialParameters
    _ = try? histograms.checkedHardWorkspace(at: theta)
    _ = try? histograms.fillSoft(at: theta, relaxation: 0.5, kernel: .kde)
    _ = try? histograms.fillSoft(at: theta, relaxation: 1, kernel: .sigmoid)
    return 0
}
