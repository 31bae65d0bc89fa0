import HEPKitSupport
import ROOTIO

/// libFuzzer entry point: reads everything HEPKit can read from `data` as a ROOT file — the key
/// lists of every directory, every branch of every tree (whole and a short entry range) with its
/// summary, every histogram with its edges and values. Thrown errors are the expected outcome for
/// most inputs; a crash, a hang or an allocation past libFuzzer's limit is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ThreadBudget.limit(to: 1) // deterministic runs, and libFuzzer measures one thread's coverage
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let file = try? ROOTFile(bytes: bytes, name: "fuzz.root"),
          let objects = try? file.allObjects() else { return 0 }
    for (path, key) in objects {
        let spec = "\(path);\(key.cycle)"
        if ["TTree", "TNtuple", "TNtupleD"].contains(key.className), let tree = try? file.tree(spec) {
            for branch in tree.allBranches where branch.typeName != nil {
                if let column = try? branch.column() { _ = column.summary() }
                if branch.entryCount > 2 { _ = try? branch.column(entries: 1 ..< 3) }
            }
            _ = try? tree.chunks(of: tree.allBranches, entriesPerChunk: 100)
        } else if key.className.hasPrefix("TH") || key.className.hasPrefix("TProfile"),
                  let histogram = try? file.histogram(spec) {
            _ = histogram.values
            for axis in histogram.axes.prefix(histogram.dimension) { _ = axis.edges }
        }
    }
    return 0
}
