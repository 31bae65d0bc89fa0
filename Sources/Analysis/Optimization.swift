import Foundation
import DiffColumns
import HistFactory
import Inference

/// What ``AnalysisOptimizer`` minimises or maximises: a function of θ with its gradient.
public protocol DifferentiableAnalysisObjective: Sendable {
    /// The analysis θ belongs to (its parameters, then its networks' weights).
    var analysis: ResolvedAnalysis { get }
    /// Whether smaller values are better.
    var minimizes: Bool { get }
    /// The value and the gradient with respect to θ, every relaxation width and bandwidth multiplied by `relaxation`.
    func valueAndGradient(at theta: [Double], relaxation: Double) throws -> (value: Double, gradient: [Double])
}

/// An objective of the soft analysis as a differentiable function of θ: soft histograms (forward
/// mode over θ in one pass over the events) → the HistFactory model's inputs and the Asimov data
/// → the objective and its gradient through the profile fits (implicit function theorem) → back
/// to θ through the histograms' pullback.
///
/// The model's structure (channels, samples, modifiers) is built once; each evaluation replaces
/// its numeric inputs.
public struct AnalysisObjectiveFunction: DifferentiableAnalysisObjective {
    public private(set) var histograms: SoftHistograms
    public let objective: any AnalysisObjective
    /// The processes whose events the histograms sum.
    public let sharing: EventSharing
    /// The likelihood whose inputs each evaluation replaces.
    let template: HistFactoryLikelihood
    let map: InputMap

    /// - Throws: ``HistogramError`` if the soft histograms do not fill, or the model's error if the
    ///   workspace of the soft histograms at the initial θ does not build.
    public init(
        histograms: AnalysisHistograms, objective: any AnalysisObjective, kernel: AnalysisConfig.HistogramKernel,
        sharing: EventSharing = .single
    ) throws {
        let soft = try SoftHistograms(histograms, kernel: kernel)
        let analysis = histograms.analysis
        let value = try sharing.linearize(soft, at: analysis.initialParameters).value
        let workspace = analysis.workspace { key in
            let p = soft.positions(of: key)!
            return BinContents(counts: Array(value[p.counts]), sumw2: Array(value[p.sumw2]))
        }
        let model = try Model(workspace: workspace)
        self.histograms = soft
        self.objective = objective
        self.sharing = sharing
        self.template = try HistFactoryLikelihood(model: model, observedMain: model.observedData(workspace, includeAuxdata: false))
        self.map = try InputMap(model: model, histograms: soft)
    }

    public var analysis: ResolvedAnalysis { histograms.histograms.analysis }
    public var minimizes: Bool { objective.minimizes }

    /// The objective's value and its gradient with respect to θ, with every relaxation width and
    /// bandwidth multiplied by `relaxation`.
    public func valueAndGradient(at theta: [Double], relaxation: Double = 1) throws -> (value: Double, gradient: [Double]) {
        // `evaluate`'s registered derivative, called directly rather than through a differentiable closure.
        let summed = try sharing.linearize(histograms.relaxed(by: relaxation), at: theta)
        let (v, histogramsPullback) = evaluateVJP(Precomputed(linearization: summed), at: theta)
        let (value, dValues) = try valueAndHistogramGradient(v)
        var gradient = histogramsPullback(.init(dValues)).base
        if !histograms.histograms.analysis.networks.isEmpty {
            let local = try histograms.histograms.networkGradient(
                at: theta, relaxation: relaxation, kernel: histograms.kernel, cotangent: dValues)
            // Each process pulls back through its own events; the sum is the whole sample's.
            for (k, d) in try sharing.collective.sum(local).enumerated() { gradient[k] += d }
        }
        return (value, gradient)
    }

    /// The objective's value and its gradient with respect to the histogram values `v` (per key of
    /// ``SoftHistograms``, its counts and then its sumw2).
    public func valueAndHistogramGradient(_ v: [Double]) throws -> (value: Double, gradient: [Double]) {
        let mu = objective.asimovSignalStrength
        let (inputs, asimov) = map.apply(v, signalStrength: mu)
        let likelihood = template.replacingInputs(inputs)
        let result = try objective.evaluate(ImplicitGradients(fitter: Fitter(likelihood), data: asimov + likelihood.observedAuxdata))
        let mainBins = asimov.count
        // The auxiliary data follow the inputs (ImplicitGradients includes that in `inputs`).
        let dValues = map.pullback(
            at: v, signalStrength: mu, inputs: result.inputs, asimov: Array(result.observedData[0..<mainBins]))
        return (result.value, dValues)
    }

    /// The same objective on other events of the analysis (a mini-batch), reusing the model.
    public func replacingEvents(_ events: AnalysisEvents) throws -> AnalysisObjectiveFunction {
        var copy = self
        copy.histograms = histograms.filling(try AnalysisHistograms(analysis: analysis, events: events))
        return copy
    }

    /// The objective of the hard analysis at θ (sharp cuts and edges, as the exported workspace)
    /// on these events, with its Monte Carlo statistical uncertainty.
    ///
    /// The uncertainty is the linear propagation of each bin's sumw2 through the objective's
    /// gradient with respect to the counts; the templates of one region and sample (nominal and
    /// histosys variations, filled mostly from the same events) are taken as fully correlated bin
    /// by bin, the regions, samples and bins as independent. Histograms scaled to a full sample
    /// (a split part, ``AnalysisEvents/weightScale``) carry the part's own, larger uncertainty.
    /// It is NaN when the objective's gradient is not finite at a filled bin.
    public func hardEstimate(at theta: [Double]) throws -> ObjectiveEstimate {
        let analysisHistograms = histograms.histograms
        var values = HardValues(analysisHistograms, at: theta)
        let filled = try sharing.fillHard(analysisHistograms, &values)
        let v = filled.flatMap { $0.counts + $0.sumw2 }
        let (value, gradient) = try valueAndHistogramGradient(v)
        let scale = analysisHistograms.events.weightScale
        // Per region, sample and bin: Σ over its templates of ∂O/∂count · σ(count).
        var correlated: [String: Double] = [:]
        var offset = 0
        for (key, h) in zip(analysisHistograms.keys, filled) {
            let bins = h.counts.count
            // An empty bin has no MC variance (and the fit's gradient there may be undefined).
            for b in 0..<bins where h.sumw2[b] > 0 {
                // A part's counts are its sum of weights × scale: variance scale² · Σw² = scale · (scaled sumw2).
                correlated["\(key.region)|\(key.sample)|\(b)", default: 0] += gradient[offset + b] * (scale * max(0, h.sumw2[b])).squareRoot()
            }
            offset += 2 * bins
        }
        let variance = correlated.values.reduce(0) { $0 + $1 * $1 }
        return ObjectiveEstimate(value: value, uncertainty: variance.squareRoot())
    }
}

/// An objective's value on a set of events and its Monte Carlo statistical uncertainty.
public struct ObjectiveEstimate: Sendable, Equatable, Codable {
    public var value: Double
    public var uncertainty: Double

    public init(value: Double, uncertainty: Double) {
        self.value = value
        self.uncertainty = uncertainty
    }
}

/// Adam with projection onto the parameters' bounds, with the relaxation lowered geometrically
/// from `relaxationStart` to `relaxationEnd` over the steps.
public struct AnalysisOptimizer: Sendable {
    /// One step: θ at its start, the relaxation factor, the objective there and its gradient.
    public struct Step: Sendable, Equatable, Codable {
        public var step: Int
        public var relaxation: Double
        public var parameters: [Double]
        public var objective: Double
        public var gradient: [Double]
        /// The soft objective at θ on the validation events (nil without a split).
        public var validationObjective: Double?

        public init(
            step: Int, relaxation: Double, parameters: [Double], objective: Double, gradient: [Double],
            validationObjective: Double? = nil
        ) {
            self.step = step
            self.relaxation = relaxation
            self.parameters = parameters
            self.objective = objective
            self.gradient = gradient
            self.validationObjective = validationObjective
        }
    }

    public let function: any DifferentiableAnalysisObjective
    public let settings: AnalysisConfig.Optimizer
    public let bounds: [ClosedRange<Double>]
    /// The objective on the held-out events, evaluated at every step (never differentiated).
    public var validation: (any DifferentiableAnalysisObjective)?
    /// With ``validation``: stop when its objective has not improved for this many steps, and end
    /// at θ of its best step.
    public var earlyStopping: Int?
    /// The objective on step k's mini-batch (nil: ``function`` every step).
    public var batches: (@Sendable (Int) throws -> any DifferentiableAnalysisObjective)?
    /// Adam's moment decay rates and denominator offset (Kingma & Ba's defaults).
    public var beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8

    /// Per entry of θ: whether it is a network weight (unbounded, ``AnalysisConfig/Optimizer/networkLearningRate``).
    public let isNetworkWeight: [Bool]

    public init(function: any DifferentiableAnalysisObjective, settings: AnalysisConfig.Optimizer) {
        self.function = function
        self.settings = settings
        let analysis = function.analysis
        let weights = analysis.networks.reduce(0) { $0 + $1.weights.count }
        self.bounds = analysis.parameters.map(\.bounds) + Array(repeating: -Double.infinity...Double.infinity, count: weights)
        self.isNetworkWeight = analysis.parameters.map { _ in false } + Array(repeating: true, count: weights)
    }

    /// The learning-rate factor at step `k`: 1 at the first step, `learningRateDecay` at the last
    /// (geometric in between).
    public func learningRateFactor(atStep k: Int) -> Double {
        guard settings.steps > 1, settings.learningRateDecay != 1 else { return 1 }
        return pow(settings.learningRateDecay, Double(k) / Double(settings.steps - 1))
    }

    /// The relaxation factor at step `k` (0-based).
    public func relaxation(atStep k: Int) -> Double {
        guard settings.steps > 1 else { return settings.relaxationEnd }
        let t = Double(k) / Double(settings.steps - 1)
        return settings.relaxationStart * pow(settings.relaxationEnd / settings.relaxationStart, t)
    }

    /// Where a run stands between two steps: everything the remaining steps depend on, so a run
    /// continued from it (``run(continuing:progress:checkpoint:)``) takes exactly the steps an
    /// uninterrupted run would. Saved as a checkpoint by long runs.
    public struct State: Sendable, Equatable, Codable {
        /// θ at the start of the next step.
        public var parameters: [Double]
        /// Adam's moment estimates.
        public var firstMoment: [Double]
        public var secondMoment: [Double]
        /// The steps taken so far.
        public var trajectory: [Step]

        /// The state before the first step from `start`.
        public init(start: [Double]) {
            parameters = start
            firstMoment = [Double](repeating: 0, count: start.count)
            secondMoment = firstMoment
            trajectory = []
        }

        /// The 0-based index of the next step.
        public var nextStep: Int { trajectory.count }
    }

    /// Runs every step from `start`; returns the trajectory and the final θ.
    public func run(from start: [Double], progress: ((Step) -> Void)? = nil) throws -> (trajectory: [Step], optimum: [Double]) {
        let end = try run(continuing: State(start: start), progress: progress)
        return (end.trajectory, end.parameters)
    }

    /// Runs the remaining steps from `state` and returns the final state (θ there is the optimum).
    /// With ``earlyStopping``, the run may end early at θ of the step with the best validation objective.
    ///
    /// - Parameters:
    ///   - progress: called after every step's evaluation.
    ///   - checkpoint: called with the state after every step (a caller saves some of them).
    /// - Throws: ``OptimizationError`` if the state does not fit this optimisation or a step's
    ///   objective is not finite, or the objective's or `checkpoint`'s error.
    public func run(
        continuing state: State, progress: ((Step) -> Void)? = nil, checkpoint: ((State) throws -> Void)? = nil
    ) throws -> State {
        var state = state
        let p = bounds.count
        guard state.parameters.count == p, state.firstMoment.count == p, state.secondMoment.count == p,
              state.nextStep <= settings.steps, state.trajectory.allSatisfy({ $0.parameters.count == p })
        else {
            throw OptimizationError(
                step: state.nextStep, parameters: state.parameters,
                message: "the saved state does not fit this optimisation (\(p) parameters, \(settings.steps) steps)")
        }
        let sign = function.minimizes ? 1.0 : -1.0
        for k in state.nextStep..<settings.steps {
            let theta = state.parameters
            let f = relaxation(atStep: k)
            let (value, gradient) = try (batches?(k) ?? function).valueAndGradient(at: theta, relaxation: f)
            guard value.isFinite, gradient.allSatisfy(\.isFinite) else {
                throw OptimizationError(step: k, parameters: theta, message: "the objective or its gradient is not finite (\(value), \(gradient))")
            }
            let validationValue = try validation.map { try $0.valueAndGradient(at: theta, relaxation: f).value }
            let step = Step(
                step: k, relaxation: f, parameters: theta, objective: value, gradient: gradient, validationObjective: validationValue)
            state.trajectory.append(step)
            progress?(step)
            if let patience = earlyStopping, let best = bestValidationStep(of: state.trajectory, sign: sign), k - best >= patience {
                state.parameters = state.trajectory[best].parameters
                return state
            }
            let t = Double(k + 1)
            let decay = learningRateFactor(atStep: k)
            for i in 0..<p {
                let rate = decay * (isNetworkWeight[i] ? settings.networkLearningRate : settings.learningRate)
                let g = sign * gradient[i]
                state.firstMoment[i] = beta1 * state.firstMoment[i] + (1 - beta1) * g
                state.secondMoment[i] = beta2 * state.secondMoment[i] + (1 - beta2) * g * g
                let mHat = state.firstMoment[i] / (1 - pow(beta1, t)), vHat = state.secondMoment[i] / (1 - pow(beta2, t))
                var next = state.parameters[i] - rate * mHat / (vHat.squareRoot() + epsilon)
                next = min(max(next, bounds[i].lowerBound), bounds[i].upperBound)
                state.parameters[i] = next
            }
            try checkpoint?(state)
        }
        return state
    }
}

extension AnalysisOptimizer {
    /// The step whose validation objective is best (the first of equals), nil without one;
    /// `sign` is 1 when the objective is minimised, −1 when maximised.
    func bestValidationStep(of trajectory: [Step], sign: Double) -> Int? {
        var best: (step: Int, value: Double)?
        for (k, step) in trajectory.enumerated() {
            guard let v = step.validationObjective else { continue }
            if best.map({ sign * v < sign * $0.value }) ?? true { best = (k, v) }
        }
        return best?.step
    }
}

/// The optimisation cannot continue.
public struct OptimizationError: Error, Sendable, CustomStringConvertible {
    /// The step (0-based) and θ where it stopped.
    public var step: Int
    public var parameters: [Double]
    public var message: String
    public var description: String { "optimisation step \(step + 1) at θ = \(parameters): \(message)" }
}
