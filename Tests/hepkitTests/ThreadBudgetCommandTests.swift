import Foundation
import Testing

/// `HEPKIT_THREADS=1` makes the inference commands single-threaded as whole processes: the fits of
/// a hypothesis test, toys and ranking refits all run on HEPKitSupport's loops, whose widest one
/// `HEPKIT_REPORT_THREADS=1` prints at exit. (A single fit of a small model with its exact Hessian
/// is serial.)
@Suite(.serialized) struct ThreadBudgetCommandTests {
    static let workspace = "fixtures/pyhf/validation_2bin_2channel_coupledhistosys.json"

    static func peak(_ arguments: [String], threads: Int) throws -> Int? {
        let run = try HEPKitProcess.run(
            arguments, environment: ["HEPKIT_THREADS": "\(threads)", "HEPKIT_REPORT_THREADS": "1"])
        #expect(run.status == 0, "\(arguments): \(run.stderr)")
        let line = run.stderr.split(separator: "\n").last { $0.hasPrefix("threads used: ") }
        return line.flatMap { Int($0.dropFirst("threads used: ".count)) }
    }

    @Test(arguments: [
        ["cls", workspace], ["cls", workspace, "--calctype", "toybased", "--ntoys", "40"],
        ["ranking", workspace], ["upperlimit", workspace],
    ])
    func oneThreadMeansOneThread(_ arguments: [String]) throws {
        #expect(try Self.peak(arguments, threads: 1) == 1)
        // The same command does use two threads when allowed, so the check above can fail.
        #expect(try Self.peak(arguments, threads: 2) == 2)
    }
}
