import Collective
import DiffColumns
import Foundation
import HistFactory
import Inference

/// An analysis ready to fill: the config resolved against its ntuples and every file read once.
/// What `hepkit build` and `hepkit optimize` start from.
public struct LoadedAnalysis: Sendable {
    public let analysis: ResolvedAnalysis
    /// The histograms of the events this process holds.
    public let histograms: AnalysisHistograms
    /// The processes that share the events (one, unless the run is spread over an MPI job).
    public let sharing: EventSharing

    /// An analysis whose events are already read.
    public init(analysis: ResolvedAnalysis, histograms: AnalysisHistograms, sharing: EventSharing = .single) {
        self.analysis = analysis
        self.histograms = histograms
        self.sharing = sharing
    }

    /// Loads the config at `url`, resolves it (relative files start at its directory), applies
    /// `settings` (`--set name=value`) and reads the events.
    ///
    /// - Throws: ``ConfigError`` naming the place in the config, or the reading error of a file.
    public init(config url: URL, settings: [String: Double] = [:]) throws {
        analysis = try BuildRecipe.load(config: url, settings: settings).analysis
        histograms = try AnalysisHistograms(analysis: analysis, events: AnalysisEvents(loading: analysis))
        sharing = .single
    }

    /// Loads the config and reads only this process's share of the events: the work items of
    /// shard `collective.rank` of `collective.size`, so memory per process is bounded by its shard.
    public init(config url: URL, settings: [String: Double] = [:], collective: any Collective) throws {
        let job = try BuildJob(config: url, settings: settings)
        let held = Shard(index: collective.rank, count: collective.size).items(of: job.items)
        analysis = job.analysis
        histograms = try AnalysisHistograms(analysis: analysis, events: AnalysisEvents(loading: analysis, items: held.map { job.items[$0] }))
        sharing = EventSharing(collective: collective, items: job.items, held: held)
    }
}

extension LoadedAnalysis {
    /// The analysis with its networks replaced by trained ones (``ResolvedAnalysis/using(_:)``).
    public func using(_ trained: TrainedNetworks) throws -> LoadedAnalysis {
        let replaced = try analysis.using(trained)
        return LoadedAnalysis(analysis: replaced, histograms: try AnalysisHistograms(analysis: replaced, events: histograms.events), sharing: sharing)
    }

    /// The analysis with its (untrained) networks' inputs standardised on these events: what
    /// `build` fills without a network file.
    public func standardizingNetworks() throws -> LoadedAnalysis {
        guard !analysis.networks.isEmpty else { return self }
        let standardized = histograms.standardizingNetworks()
        return LoadedAnalysis(
            analysis: standardized, histograms: try AnalysisHistograms(analysis: standardized, events: histograms.events), sharing: sharing)
    }

    /// Runs the config's optimisation from the initial θ (or continues it from a saved state)
    /// and builds the workspace at the optimum.
    ///
    /// - Parameters:
    ///   - state: where an interrupted run stopped (a checkpoint), or nil to start afresh.
    ///   - progress: called after every step's evaluation.
    ///   - checkpoint: called with the state after every step.
    public func optimize(
        continuing state: AnalysisOptimizer.State? = nil, progress: ((AnalysisOptimizer.Step) -> Void)? = nil,
        checkpoint: ((AnalysisOptimizer.State) throws -> Void)? = nil
    ) throws -> OptimizationReport {
        // A degenerate start (no signal, an empty region, NaN weights) has a flat or NaN objective.
        let initialWorkspace = try histograms.checkedHardWorkspace(at: analysis.initialParameters, sharing: sharing)
        let objective = try analysis.objective.implementation, kernel = analysis.optimizer.histogram
        // With a split, the optimiser sees only the training part; both are scaled to the full sample.
        var analysis = self.analysis, histograms = self.histograms
        var parts = try analysis.validation.map { [analysis, histograms] settings -> (training: AnalysisHistograms, validation: AnalysisHistograms) in
            let events = try histograms.events.split(by: EventSplit(settings))
            return (try AnalysisHistograms(analysis: analysis, events: events.training),
                    try AnalysisHistograms(analysis: analysis, events: events.validation))
        }
        if !analysis.networks.isEmpty {
            // The networks' inputs are standardised with the training events' features.
            analysis = (parts?.training ?? histograms).standardizingNetworks()
            histograms = try AnalysisHistograms(analysis: analysis, events: histograms.events)
            parts = try parts.map {
                (try AnalysisHistograms(analysis: analysis, events: $0.training.events),
                 try AnalysisHistograms(analysis: analysis, events: $0.validation.events))
            }
        }
        let likelihood = try AnalysisObjectiveFunction(
            histograms: parts?.training ?? histograms, objective: objective, kernel: kernel, sharing: sharing)
        let validationLikelihood = try parts.map {
            try AnalysisObjectiveFunction(histograms: $0.validation, objective: objective, kernel: kernel, sharing: sharing)
        }
        let function: any DifferentiableAnalysisObjective, validation: (any DifferentiableAnalysisObjective)?
        if analysis.objective == .crossEntropy {
            guard !analysis.networks.isEmpty else { throw AnalysisDataError(message: "objective cross_entropy trains networks, and the config has none") }
            function = CrossEntropyFunction(histograms: parts?.training ?? histograms, sharing: sharing)
            validation = parts.map { CrossEntropyFunction(histograms: $0.validation, sharing: sharing) }
        } else {
            (function, validation) = (likelihood, validationLikelihood)
        }
        var optimizer = AnalysisOptimizer(function: function, settings: analysis.optimizer)
        optimizer.validation = validation
        optimizer.earlyStopping = analysis.validation?.earlyStopping
        let batchFraction = analysis.optimizer.batchFraction
        if batchFraction < 1 {
            // Step k fills a fresh batch of the training events (the hash seeded by k), scaled to the full sample.
            let training = (parts?.training ?? histograms).events, crossEntropy = analysis.objective == .crossEntropy
            optimizer.batches = { [likelihood] k in
                let batch = try training.split(by: EventSplit(fraction: batchFraction, seed: Self.batchSeed &+ UInt64(k))).validation
                if crossEntropy {
                    return CrossEntropyFunction(histograms: try AnalysisHistograms(analysis: likelihood.analysis, events: batch), sharing: likelihood.sharing)
                }
                return try likelihood.replacingEvents(batch)
            }
        }
        let end = try optimizer.run(
            continuing: state ?? AnalysisOptimizer.State(start: analysis.initialParameters), progress: progress,
            checkpoint: checkpoint)
        let (trajectory, optimum) = (end.trajectory, end.parameters)
        // With networks and a split, `histograms` standardises their inputs like the training did.
        let (workspace, optimumHistograms) = try histograms.checkedHardWorkspaceAndHistograms(at: optimum, sharing: sharing)
        let comparison = try validationLikelihood.map { validation in
            ValidationComparison(
                fraction: analysis.validation!.fraction, training: try likelihood.hardEstimate(at: optimum),
                validation: try validation.hardEstimate(at: optimum))
        }
        return OptimizationReport(
            analysis: analysis, trajectory: trajectory, optimum: optimum, initialWorkspace: initialWorkspace, workspace: workspace,
            histograms: optimumHistograms, hardObjective: try objective.value(on: workspace), validation: comparison)
    }
}

/// The objective of the hard analysis at the optimum on the training and on the validation
/// events, each scaled to the full sample: the validation value is the honest estimate (the
/// optimiser never saw those events); a training value much better than it means the optimum
/// fits the training sample's fluctuations.
public struct ValidationComparison: Sendable, Equatable {
    /// The fraction of events held out.
    public var fraction: Double
    public var training: ObjectiveEstimate
    public var validation: ObjectiveEstimate

    public init(fraction: Double, training: ObjectiveEstimate, validation: ObjectiveEstimate) {
        self.fraction = fraction
        self.training = training
        self.validation = validation
    }

    /// The difference (training − validation) in units of its MC uncertainty (both parts'
    /// uncertainties in quadrature; the parts hold disjoint events).
    public var pull: Double {
        let sigma = (training.uncertainty * training.uncertainty + validation.uncertainty * validation.uncertainty).squareRoot()
        return sigma > 0 ? (training.value - validation.value) / sigma : 0
    }

    /// Whether the two disagree beyond their MC uncertainty (more than two standard deviations).
    public var disagrees: Bool { abs(pull) > 2 }
}

extension LoadedAnalysis {
    /// Mixed into the mini-batch hash so batches differ from the validation split of the same seed.
    static let batchSeed: UInt64 = 0x6261_7463_6800_0000
}

extension AnalysisObjective {
    /// The objective's value on a workspace (its Asimov data at nominal nuisance parameters).
    public func value(on workspace: Workspace) throws -> Double {
        let likelihood = try HistFactoryLikelihood(workspace: workspace)
        let model = likelihood.model
        var parameters = model.suggestedInit
        parameters[try Fitter(likelihood).requirePOI()] = asimovSignalStrength
        let data = model.expectedData(parameters)
        return try evaluate(ImplicitGradients(fitter: Fitter(likelihood), data: data)).value
    }
}

/// The outcome of an optimisation: the trajectory, the optimum and the workspace at it (what
/// `hepkit optimize` writes and summarises).
public struct OptimizationReport: Sendable {
    public let analysis: ResolvedAnalysis
    public let trajectory: [AnalysisOptimizer.Step]
    public let optimum: [Double]
    /// The workspace built with hard cuts at the initial parameters.
    public let initialWorkspace: Workspace
    /// The workspace built with hard cuts at the optimum.
    public let workspace: Workspace
    /// The histograms of ``workspace``, from the same fill.
    public let histograms: RegionHistograms
    /// The objective on ``workspace``.
    public let hardObjective: Double
    /// The hard objective on the training and validation parts (nil without a split).
    public let validation: ValidationComparison?
    /// The trained networks (weights at the optimum, input standardisation), in config order.
    public var networks: [NeuralNetwork] { analysis.networks(at: optimum) }

    public init(
        analysis: ResolvedAnalysis, trajectory: [AnalysisOptimizer.Step], optimum: [Double], initialWorkspace: Workspace,
        workspace: Workspace, histograms: RegionHistograms, hardObjective: Double, validation: ValidationComparison? = nil
    ) {
        self.analysis = analysis
        self.trajectory = trajectory
        self.optimum = optimum
        self.initialWorkspace = initialWorkspace
        self.workspace = workspace
        self.histograms = histograms
        self.hardObjective = hardObjective
        self.validation = validation
    }
}
