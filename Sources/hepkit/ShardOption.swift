import Analysis
import ArgumentParser
import Foundation
import HEPKitSupport

// `--shard I/N` of `build`, `cls` and `upperlimit`, and writing the part file a shard produces.

/// `I/N`: job `I` (0-based) of `N`.
struct ShardOption: ExpressibleByArgument {
    let shard: Shard

    init?(argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, (0..<count).contains(index) else {
            return nil
        }
        shard = Shard(index: index, count: count)
    }

    static var defaultValueDescription: String { "I/N" }
}

/// `hepkit build CONFIG --shard I/N`: fills the histograms of the shard's work items and writes the
/// part file for `hepkit merge`.
func writeBuildPart(config: String, settings: [String: Double], networks: TrainedNetworks?, shard: Shard, output: String?) throws {
    let part = try BuildJob(config: URL(fileURLWithPath: config), settings: settings, networks: networks).part(shard)
    try writeOutput(try part.json(), to: output)
}
