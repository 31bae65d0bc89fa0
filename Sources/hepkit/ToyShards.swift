import Analysis
import Foundation
import HEPKitSupport
import HistFactory
import Inference

// Sharded toys: `hepkit cls WS --calctype toybased --ntoys N --seed S --shard I/N --output-file
// part.I.json` computes toys I·N/shards ..< (I+1)·N/shards of both hypotheses, and `hepkit merge`
// joins the parts into the test one job computes. Toy i draws from its own random stream of the
// seed, so every toy has the same statistic in any job.

/// What one job of a sharded toy-based `hepkit cls` writes: its share of the toys. Format in docs/batch.md.
struct ToyPart: Codable, Equatable {
    static let kind = "cls-toys"

    var format = PartHeader.formatName
    var version = PartHeader.currentVersion
    var kind = ToyPart.kind
    var shard: Int
    var shards: Int
    var workspaceDigest: String
    var optionsDigest: String
    var poiValue: Double
    var testStatistic: String
    var observedStatistic: Double
    /// Toys per hypothesis in the whole test.
    var toys: Int
    var firstToy: Int
    /// The statistic of each toy of the share; null where the toy's fits failed.
    var signalLike: [Double?]
    var backgroundLike: [Double?]
    /// The toys (whole-test indices) whose fits did not converge.
    var signalLikeUnconverged: [Int]
    var backgroundLikeUnconverged: [Int]
    /// What flags the fits to the observed data.
    var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case format, version, kind, shard, shards, toys, warnings
        case workspaceDigest = "workspace_digest", optionsDigest = "options_digest", poiValue = "poi_value"
        case testStatistic = "test_statistic", observedStatistic = "observed_statistic", firstToy = "first_toy"
        case signalLike = "signal_like", backgroundLike = "background_like"
        case signalLikeUnconverged = "signal_like_unconverged", backgroundLikeUnconverged = "background_like_unconverged"
    }

    init(_ statistics: ToyStatistics, shard: Shard, workspaceDigest: String, optionsDigest: String) {
        func unconverged(_ outcomes: [ToyOutcome]) -> [Int] {
            outcomes.indices.filter { outcomes[$0].statistic != nil && !outcomes[$0].converged }.map { statistics.firstToy + $0 }
        }
        self.shard = shard.index
        self.shards = shard.count
        self.workspaceDigest = workspaceDigest
        self.optionsDigest = optionsDigest
        poiValue = statistics.poiValue
        testStatistic = statistics.testStatistic.rawValue
        observedStatistic = statistics.observedStatistic
        toys = statistics.toysPerHypothesis
        firstToy = statistics.firstToy
        signalLike = statistics.signalLike.map(\.statistic)
        backgroundLike = statistics.backgroundLike.map(\.statistic)
        signalLikeUnconverged = unconverged(statistics.signalLike)
        backgroundLikeUnconverged = unconverged(statistics.backgroundLike)
        warnings = statistics.warnings
    }

    var header: PartHeader { PartHeader(format: format, version: version, kind: kind, shard: shard, shards: shards) }

    /// The share of the test this part holds.
    func statistics(file: String) throws -> ToyStatistics {
        guard let statistic = TestStatistic(rawValue: testStatistic) else {
            throw MergeError("\(file): unknown test statistic '\(testStatistic)'")
        }
        guard signalLike.count == backgroundLike.count, firstToy >= 0, toys >= 0, firstToy <= toys - signalLike.count else {
            throw MergeError("\(file): \(signalLike.count) signal-like and \(backgroundLike.count) background-like toys from toy \(firstToy) do not fit in \(toys) toys")
        }
        func outcomes(_ values: [Double?], unconverged: [Int]) throws -> [ToyOutcome] {
            var result = values.map { ToyOutcome(statistic: $0, converged: true) }
            for toy in unconverged {
                guard result.indices.contains(toy - firstToy), result[toy - firstToy].statistic != nil else {
                    throw MergeError("\(file): unconverged toy \(toy) is not a fitted toy of the part")
                }
                result[toy - firstToy].converged = false
            }
            for i in result.indices where result[i].statistic == nil { result[i].converged = false }
            return result
        }
        return ToyStatistics(
            poiValue: poiValue, testStatistic: statistic, observedStatistic: observedStatistic, toysPerHypothesis: toys,
            firstToy: firstToy, signalLike: try outcomes(signalLike, unconverged: signalLikeUnconverged),
            backgroundLike: try outcomes(backgroundLike, unconverged: backgroundLikeUnconverged), warnings: warnings)
    }

    /// The toys of every part of one job, as one test.
    ///
    /// - Throws: ``MergeError`` for missing, duplicate or foreign parts (other workspace, options or
    ///   shard count) and for toys missing or held twice.
    static func merge(_ parts: [(file: String, part: ToyPart)]) throws -> ToyStatistics {
        let order = try ShardSet.check(parts.map {
            ($0.file, $0.part.header, ["workspace digest": $0.part.workspaceDigest, "options digest": $0.part.optionsDigest])
        })
        let shares = try order.map { try parts[$0].part.statistics(file: parts[$0].file) }
        do {
            return try ToyStatistics.merged(shares)
        } catch {
            throw MergeError("\(parts.map(\.file).joined(separator: ", ")): \(error)")
        }
    }

    /// The part file's bytes (sorted keys, indented; numbers round-trip exactly).
    func json() throws -> Data {
        do {
            return try stableJSON(self)
        } catch {
            throw CommandError("cannot write the toys' part file: \(error) (a statistic is not a finite number)")
        }
    }
}
