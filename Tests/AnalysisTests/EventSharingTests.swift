import Collective
import Foundation
import Testing
@testable import Analysis

/// Processes of a job played by threads of this test: the same gather and rank-ordered sum an
/// MPI job does, so sharing the events is tested without an MPI launcher (tools/ci-slurm.sh runs
/// the real thing with mpirun and srun).
final class ThreadGroup: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var deposits: [[Double]?]
    private var arrived = 0, generation = 0
    private var result: [Double] = []

    init(size: Int) {
        self.size = size
        deposits = Array(repeating: nil, count: size)
    }

    private var failed = false

    func sum(_ values: [Double], rank: Int) throws(CollectiveError) -> [Double] {
        condition.lock()
        defer { condition.unlock() }
        let mine = generation
        deposits[rank] = values
        arrived += 1
        if arrived == size {
            result = deposits[0]!.indices.map { i in deposits.reduce(0.0) { $0 + $1![i] } }
            arrived = 0
            generation += 1
            condition.broadcast()
        } else {
            while generation == mine && !failed { condition.wait() }
        }
        // A rank that failed never arrives: the others stop instead of waiting forever (MPI aborts).
        if failed { throw CollectiveError("another rank failed") }
        return result
    }

    /// Releases every waiting rank after one failed.
    func fail() {
        condition.lock()
        failed = true
        condition.broadcast()
        condition.unlock()
    }

    final class Member: Collective, @unchecked Sendable {
        let group: ThreadGroup
        let rank: Int
        init(_ group: ThreadGroup, rank: Int) {
            self.group = group
            self.rank = rank
        }
        var size: Int { group.size }
        func sum(_ values: [Double]) throws(CollectiveError) -> [Double] { try group.sum(values, rank: rank) }
        func barrier() throws(CollectiveError) { _ = try group.sum([], rank: rank) }
    }
}

@Suite struct EventSharingTests {
    static let config = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../fixtures/mpi/analysis.yml").standardizedFileURL

    /// Runs the optimisation on `ranks` threads, each holding its shard of the work items.
    static func optimize(ranks: Int, config: URL = config) throws -> [OptimizationReport] {
        let group = ThreadGroup(size: ranks)
        let reports = UnsafeMutableBufferPointer<Result<OptimizationReport, any Error>?>.allocate(capacity: ranks)
        reports.initialize(repeating: nil)
        defer { reports.deallocate() }
        nonisolated(unsafe) let slots = reports
        let threads = (0..<ranks).map { rank in
            Thread {
                let result = Result {
                    try LoadedAnalysis(config: config, collective: ThreadGroup.Member(group, rank: rank)).optimize()
                }
                if case .failure = result { group.fail() }
                slots[rank] = result
            }
        }
        threads.forEach { $0.stackSize = 8 << 20; $0.start() }
        while slots.contains(where: { $0 == nil }) { usleep(10_000) }
        return try slots.map { try $0!.get() }
    }

    @Test(arguments: [2, 3])
    func sharedEventsGiveTheSingleProcessRun(ranks: Int) throws {
        let single = try LoadedAnalysis(config: Self.config).optimize()
        for report in try Self.optimize(ranks: ranks) {
            // Bitwise: every work item's histograms are gathered and added in item order.
            #expect(report.trajectory == single.trajectory)
            #expect(report.optimum == single.optimum)
            #expect(report.workspace == single.workspace)
            #expect(report.hardObjective == single.hardObjective)
        }
    }

    @Test func eachRankReadsOnlyItsShard() throws {
        let group = ThreadGroup(size: 2)
        let events = try (0..<2).map { rank in
            try LoadedAnalysis(config: Self.config, collective: ThreadGroup.Member(group, rank: rank)).histograms.events.samples
                .map(\.eventCount)
        }
        let all = try LoadedAnalysis(config: Self.config).histograms.events.samples.map(\.eventCount)
        #expect(zip(events[0], events[1]).map { $0 + $1 } == all)
        #expect(events[0].reduce(0, +) > 0 && events[1].reduce(0, +) > 0)
    }
}
