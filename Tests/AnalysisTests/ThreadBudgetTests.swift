import Foundation
import HEPKitSupport
import Testing
@testable import Analysis

/// Issue 10: HEPKIT_THREADS=1 (ThreadBudget.limit(to: 1)) keeps `build` and `optimize`'s own
/// loops (reading files, filling hard and soft histograms) on one thread.
@Suite(.serialized) struct ThreadBudgetTests {
    @Test func oneThreadBudgetKeepsBuildAndOptimizeOnOneThread() throws {
        // Enough events that the histogram kernels split them into chunks.
        let synthetic = try SyntheticAnalysis(signalCount: 140_000, backgroundCount: 140_000)
        let histograms = try AnalysisHistograms(analysis: synthetic.analysis, events: synthetic.events)
        let theta = synthetic.analysis.initialParameters
        func work() throws {
            _ = try histograms.hardWorkspace(at: theta)
            let function = try AnalysisObjectiveFunction(histograms: histograms, objective: ExpectedCLsObjective(), kernel: .kde)
            var settings = synthetic.analysis.optimizer
            settings.steps = 1
            _ = try AnalysisOptimizer(function: function, settings: settings).run(from: theta)
        }
        if ThreadBudget.threadCount > 1 {
            // Without a limit the same work does use several threads, so the check below can fail.
            ThreadBudget.resetPeakThreads()
            _ = try histograms.fillHard(at: theta)
            #expect(ThreadBudget.peakThreads > 1)
        }
        ThreadBudget.limit(to: 1)
        ThreadBudget.resetPeakThreads()
        try work()
        #expect(ThreadBudget.peakThreads == 1)
    }
}
