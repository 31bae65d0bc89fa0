import DiffColumns
import Foundation
import Testing
@testable import Analysis

/// The train/validation split: deterministic by entry, the parts' histograms scaled to the full
/// sample, the optimiser on the training part only, and the hard objective of both parts.
@Suite struct ValidationTests {
    @Test func splitIsDeterministicAndHasTheFraction() {
        let split = EventSplit(fraction: 0.3)
        let n = 100_000
        let held = (0..<n).filter { split.isValidation(file: 0, entry: Int64($0)) }
        // Binomial: 30 000 ± 145; 5σ.
        #expect(abs(Double(held.count) - 0.3 * Double(n)) < 5 * (0.3 * 0.7 * Double(n)).squareRoot(), "\(held.count)")
        #expect(held == (0..<n).filter { EventSplit(fraction: 0.3).isValidation(file: 0, entry: Int64($0)) })
        // Another seed or file: another split (about 42% of the events change side).
        let other = Set((0..<n).filter { EventSplit(fraction: 0.3, seed: 1).isValidation(file: 0, entry: Int64($0)) })
        let otherFile = Set((0..<n).filter { split.isValidation(file: 1, entry: Int64($0)) })
        #expect(Set(held).symmetricDifference(other).count > n / 3)
        #expect(Set(held).symmetricDifference(otherFile).count > n / 3)
    }

    @Test func selectingRowsKeepsJaggedEvents() throws {
        let table = try ColumnTable([
            "x": DataColumn([1.0, 2, 3]), "j": try DataColumn(values: [10.0, 11, 20, 30, 31, 32], offsets: [0, 2, 3, 6]),
        ])
        let picked = try table.selecting(rows: [2, 0])
        #expect(try picked.column(named: "x").values == [3, 1])
        #expect(try picked.column(named: "j").values == [30, 31, 32, 10, 11])
        #expect(try picked.column(named: "j").offsets == [0, 3, 5])
    }

    /// Each part scaled back by its fraction adds up to the full sample's histograms, bin by bin.
    @Test func partsAddUpToTheFullSample() throws {
        let loaded = Example.loaded
        let split = EventSplit(fraction: 0.25)
        let parts = try loaded.histograms.events.split(by: split)
        #expect(parts.training.weightScale == 1 / 0.75 && parts.validation.weightScale == 4)
        for s in loaded.histograms.events.samples.indices {
            #expect(parts.training.samples[s].eventCount + parts.validation.samples[s].eventCount
                == loaded.histograms.events.samples[s].eventCount)
        }
        let theta = loaded.analysis.initialParameters
        let full = try loaded.histograms.fillHard(at: theta)
        let training = try AnalysisHistograms(analysis: loaded.analysis, events: parts.training).fillHard(at: theta)
        let validation = try AnalysisHistograms(analysis: loaded.analysis, events: parts.validation).fillHard(at: theta)
        for (f, (t, v)) in zip(full, zip(training, validation)) {
            for b in f.counts.indices {
                #expect(abs(0.75 * t.counts[b] + 0.25 * v.counts[b] - f.counts[b]) <= 1e-9 * f.counts[b])
                #expect(abs(0.75 * t.sumw2[b] + 0.25 * v.sumw2[b] - f.sumw2[b]) <= 1e-9 * f.sumw2[b])
                // Each part alone estimates the full sample: an event is held out with probability 1/4,
                // so the scaled count's variance about the full one is Σw²·(1 − 1/4)/(1/4); within 5σ.
                #expect(abs(v.counts[b] - f.counts[b]) < 5 * (3 * f.sumw2[b]).squareRoot(), "\(v.counts[b]) vs \(f.counts[b])")
            }
        }
        // The soft fill is scaled the same way (its Jacobian too).
        let soft = try AnalysisHistograms(analysis: loaded.analysis, events: parts.validation).fillSoft(at: theta)
        let unscaled: AnalysisHistograms = try {
            var events = parts.validation
            events.weightScale = 1
            return try AnalysisHistograms(analysis: loaded.analysis, events: events)
        }()
        for (a, b) in zip(soft, try unscaled.fillSoft(at: theta)) {
            #expect(zip(a.counts, b.counts).allSatisfy { abs($0 - 4 * $1) <= 1e-12 * abs($0) })
            #expect(zip(a.countsJacobian, b.countsJacobian).allSatisfy { abs($0 - 4 * $1) <= 1e-12 * abs($0) + 1e-300 })
        }
    }

    /// Without a split, the hard estimate is the exported workspace's objective; its MC
    /// uncertainty (relative) grows as 1/√(fraction) on a part.
    @Test func hardEstimateAndItsUncertainty() throws {
        let loaded = Example.loaded
        let theta = [70.0, 95, 116, 136]
        let objective = ExpectedCLsObjective()
        let full = try AnalysisObjectiveFunction(histograms: loaded.histograms, objective: objective, kernel: .kde).hardEstimate(at: theta)
        let workspaceValue = try objective.value(on: try loaded.histograms.hardWorkspace(at: theta))
        #expect(abs(full.value - workspaceValue) <= 1e-6 * workspaceValue, "\(full.value) vs \(workspaceValue)")
        #expect(full.uncertainty > 0 && full.uncertainty < 0.5 * full.value)
        let parts = try loaded.histograms.events.split(by: EventSplit(fraction: 0.25))
        let validation = try AnalysisObjectiveFunction(
            histograms: try AnalysisHistograms(analysis: loaded.analysis, events: parts.validation), objective: objective, kernel: .kde
        ).hardEstimate(at: theta)
        // CLs varies about multiplicatively, so its relative uncertainty scales as √(1/0.25) = 2, up to
        // the part's own fluctuations.
        let ratio = (validation.uncertainty / validation.value) / (full.uncertainty / full.value)
        #expect(ratio > 1.5 && ratio < 2.7, "\(ratio): \(validation) vs \(full)")
        #expect(abs(validation.value - full.value) < 3 * validation.uncertainty)
    }

    /// A short split run: the validation objective at every step; the optimiser's trajectory is
    /// that of the training part alone; early stopping ends at the best validation step.
    @Test func optimizeReportsTrainingAndValidation() throws {
        let loaded = Example.loaded
        var analysis = loaded.analysis
        analysis.optimizer.steps = 6
        analysis.validation = AnalysisConfig.Validation(fraction: 0.3)
        let run = LoadedAnalysis(analysis: analysis, histograms: try AnalysisHistograms(analysis: analysis, events: loaded.histograms.events))
        let report = try run.optimize()
        #expect(report.trajectory.count == 6)
        #expect(report.trajectory.allSatisfy { $0.validationObjective.map { $0.isFinite && $0 > 0 } ?? false })
        let comparison = try #require(report.validation)
        #expect(comparison.fraction == 0.3)
        #expect(comparison.training.value > 0 && comparison.validation.value > 0)
        #expect(comparison.validation.uncertainty > comparison.training.uncertainty)
        // The same steps from the training part alone.
        let parts = try loaded.histograms.events.split(by: EventSplit(fraction: 0.3))
        let training = try AnalysisObjectiveFunction(
            histograms: try AnalysisHistograms(analysis: analysis, events: parts.training), objective: ExpectedCLsObjective(), kernel: .kde)
        let alone = try AnalysisOptimizer(function: training, settings: analysis.optimizer).run(from: analysis.initialParameters)
        #expect(alone.trajectory.map(\.parameters) == report.trajectory.map(\.parameters))
        #expect(alone.trajectory.map(\.objective) == report.trajectory.map(\.objective))

        // Early stopping with patience 1 stops at the first step that does not improve on the best.
        analysis.optimizer.steps = 40
        analysis.optimizer.learningRate = 20  // Overshoots, so the validation objective gets worse soon.
        analysis.validation?.earlyStopping = 1
        let stopped = try LoadedAnalysis(analysis: analysis, histograms: try AnalysisHistograms(analysis: analysis, events: loaded.histograms.events)).optimize()
        let values = stopped.trajectory.map { $0.validationObjective! }
        #expect(stopped.trajectory.count < 40)
        let best = values.indices.min { values[$0] < values[$1] }!
        #expect(best == values.count - 2)
        #expect(stopped.optimum == stopped.trajectory[best].parameters)
    }

    /// fixtures/learned/example-validated.yml: the bundled example with 30% held out.
    @Test func validatedExampleConfigResolves() throws {
        let url = HZZReference.fixtures.appendingPathComponent("learned/example-validated.yml")
        let analysis = try BuildRecipe.load(config: url).analysis
        #expect(analysis.validation == AnalysisConfig.Validation(fraction: 0.3))
        #expect(analysis.parameters.map(\.name) == Example.loaded.analysis.parameters.map(\.name))
    }
}

/// Mini-batches: each step fills a fresh, deterministic half of the events, scaled to the full sample.
@Suite struct MiniBatchTests {
    @Test func batchesAreDeterministicAndEstimateTheFullSample() throws {
        let loaded = Example.loaded
        var analysis = loaded.analysis
        analysis.optimizer.steps = 3
        analysis.optimizer.batchFraction = 0.5
        let run = { try LoadedAnalysis(analysis: analysis, histograms: loaded.histograms).optimize() }
        let first = try run(), second = try run()
        #expect(first.trajectory == second.trajectory)
        let full = try AnalysisObjectiveFunction(histograms: loaded.histograms, objective: ExpectedCLsObjective(), kernel: .kde)
        for step in first.trajectory {
            let value = try full.valueAndGradient(at: step.parameters, relaxation: step.relaxation).value
            // A half sample's CLs near 0.17: within 25% of the full sample's.
            #expect(abs(step.objective / value - 1) < 0.25, "step \(step.step): batch \(step.objective), full \(value)")
            #expect(step.objective != value)
        }
        // Different steps draw different batches.
        let batch0 = try loaded.histograms.events.split(by: EventSplit(fraction: 0.5, seed: LoadedAnalysis.batchSeed)).validation
        let batch1 = try loaded.histograms.events.split(by: EventSplit(fraction: 0.5, seed: LoadedAnalysis.batchSeed + 1)).validation
        let mass0 = try batch0.samples[1].column(named: "mass"), mass1 = try batch1.samples[1].column(named: "mass")
        #expect(mass0 != mass1)
    }
}
