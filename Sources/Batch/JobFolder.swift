import Foundation
import HEPKitSupport

/// Writes the job files of `job` for `system` into the job folder, whole or not at all (an
/// earlier job folder of HEPKit's is replaced with its logs and parts; any other non-empty folder
/// is refused).
public func writeJobFolder(_ job: ShardedJob, for system: any BatchSystem) throws(OutputError) {
    let output = try OutputFolder(job.folder)
    for (name, text) in system.files(for: job).sorted(by: { $0.key < $1.key }) {
        try output.write(Data(text.utf8), as: name)
    }
    try output.commit(marker: "hepkit submit \(type(of: system).name)\n")
}
