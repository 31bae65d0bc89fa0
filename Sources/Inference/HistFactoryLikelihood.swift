import HistFactory
import _Differentiation

/// A HistFactory model with its observed data, as a ``DifferentiableLikelihood``.
///
/// Likelihood values and partial derivatives come from the model's fused forward and reverse pass,
/// for the model's own inputs or replaced ones (``replacingInputs(_:)``). Inputs are `ModelInputs`
/// flattened as `nominal + modifierData`.
public struct HistFactoryLikelihood: DifferentiableLikelihood {
    /// The model.
    public let model: Model
    /// The inputs the likelihood is evaluated with (the model's own unless replaced).
    public let inputs: ModelInputs
    /// Observed main-bin counts (channels in model order).
    public let observedMain: [Double]
    /// Auxiliary data: the model's own, or derived from `inputs` when they are replaced.
    public let observedAuxdata: [Double]
    private let usesOwnInputs: Bool
    /// For each auxdata entry: the parameter it constrains and whether its constraint is Poisson.
    private let auxParameter: [Int]
    private let auxIsPoisson: [Bool]

    /// The likelihood of `model` for observed main counts `observedMain` and the model's auxdata.
    public init(model: Model, observedMain: [Double]) throws {
        guard observedMain.count == model.mainBinCount else {
            throw InferenceError.dimensionMismatch(what: "observed main data", expected: model.mainBinCount, actual: observedMain.count)
        }
        self.model = model
        self.inputs = model.inputs
        self.observedMain = observedMain
        self.observedAuxdata = model.auxdata
        self.usesOwnInputs = true
        var parameter: [Int] = [], poisson: [Bool] = []
        for name in model.auxdataOrder {
            guard let set = model.parameterSet(named: name) else { continue }
            for index in set.slice {
                parameter.append(index)
                poisson.append(set.constraint == .poisson)
            }
        }
        guard parameter.count == model.auxdata.count else {
            throw InferenceError.dimensionMismatch(what: "auxdata order", expected: model.auxdata.count, actual: parameter.count)
        }
        self.auxParameter = parameter
        self.auxIsPoisson = poisson
    }

    /// The model of `workspace` (pyhf defaults, or the given measurement) with the workspace's observations.
    public init(workspace: Workspace, measurement: String? = nil, interpolation: InterpolationSettings = .pyhfDefault) throws {
        let model = try Model(workspace: workspace, measurement: measurement, interpolation: interpolation)
        try self.init(model: model, observedMain: model.observedData(workspace, includeAuxdata: false))
    }

    private init(replacing base: HistFactoryLikelihood, inputs: ModelInputs) {
        model = base.model
        self.inputs = inputs
        observedMain = base.observedMain
        observedAuxdata = base.model.auxdata(inputs: inputs)
        usesOwnInputs = false
        auxParameter = base.auxParameter
        auxIsPoisson = base.auxIsPoisson
    }

    // MARK: Likelihood

    public var parameterNames: [String] { model.parameterNames }
    public var initialParameters: [Double] { model.suggestedInit }
    public var parameterBounds: [ClosedRange<Double>] { model.suggestedBounds }
    public var fixedParameters: [Bool] { model.suggestedFixed }
    public var poiIndex: Int? { model.poiIndex }
    public var observedData: [Double] { observedMain + observedAuxdata }

    public var prefitUncertainties: [Double?] {
        var widths = [Double?](repeating: nil, count: model.parameterCount)
        for set in model.parameterSets {
            for (k, index) in set.slice.enumerated() {
                switch set.constraint {
                case .normal: widths[index] = set.sigmas[k]
                case .poisson: widths[index] = 1 / set.factors[k].squareRoot()
                case nil: break
                }
            }
        }
        return widths
    }

    public var dataDistributions: [DataDistribution] {
        let sigmas = prefitUncertainties
        return [DataDistribution](repeating: .poisson, count: model.mainBinCount)
            + auxParameter.indices.map { auxIsPoisson[$0] ? .poisson : .normal(sigma: sigmas[auxParameter[$0]] ?? 1) }
    }

    public func expectedData(_ parameters: [Double]) -> [Double] {
        usesOwnInputs ? model.expectedData(parameters, includeAuxdata: true) : model.expectedData(parameters, inputs: inputs)
    }

    public func negativeLogLikelihoodAndGradient(_ parameters: [Double], data: [Double]) -> (value: Double, gradient: [Double]) {
        let (value, gradient) =
            usesOwnInputs
            ? model.logpdfAndGradient(parameters, data: data) : model.logpdfAndGradient(parameters, data: data, inputs: inputs)
        return (-value, gradient.map { -$0 })
    }

    /// From the kernels' second derivatives (`Model.exactLogpdfHessian`).
    public func negativeLogLikelihoodHessian(_ parameters: [Double], data: [Double]) -> SymmetricMatrix? {
        guard var h = model.exactLogpdfHessian(parameters, data: data, inputs: usesOwnInputs ? nil : inputs) else { return nil }
        for i in h.indices { h[i] = -h[i] }
        return SymmetricMatrix(size: parameters.count, symmetricElements: h)
    }

    /// No signal (naming the samples the POI scales), empty channels and an empty model, at the
    /// initial parameters.
    public func defects() -> [ModelDefect] {
        let expected = expectedData(initialParameters)
        if expected[0..<model.mainBinCount].allSatisfy({ $0 == 0 }) { return [.noExpectedEvents] }
        var defects: [ModelDefect] = []
        if let poi = poiIndex, poiHasEffect() == false {
            let name = parameterNames[poi]
            let carriers = model.inputLayout.modifierData.filter { $0.modifier == name }
                .map { "channel '\($0.channel)' sample '\($0.sample)'" }
            let detail = carriers.isEmpty
                ? "no sample has a modifier named '\(name)'"
                : "the samples it scales (\(carriers.joined(separator: ", "))) have zero expected yield"
            defects.append(.poiWithoutEffect(poi: name, detail: detail))
        }
        for (channel, bins) in zip(model.channels, model.channelBins) where expected[bins].allSatisfy({ $0 == 0 }) {
            defects.append(.emptyRegion("channel '\(channel)'"))
        }
        return defects
    }

    // MARK: DifferentiableLikelihood

    public var inputVector: [Double] { inputs.nominal + inputs.modifierData }

    public func replacingInputs(_ vector: [Double]) -> HistFactoryLikelihood {
        let n = inputs.nominal.count
        precondition(vector.count == n + inputs.modifierData.count, "input vector of length \(vector.count), expected \(n + inputs.modifierData.count)")
        return HistFactoryLikelihood(
            replacing: self, inputs: ModelInputs(nominal: Array(vector[0..<n]), modifierData: Array(vector[n...])))
    }

    public func negativeLogLikelihoodPartials(_ parameters: [Double], data: [Double]) -> (inputs: [Double], data: [Double]) {
        // The model's fused forward and reverse pass gives all partial derivatives at once.
        let p = model.logpdfAndGradients(parameters, data: data, inputs: inputs)
        return (flatten(p.inputs).map { -$0 }, p.data.map { -$0 })
    }

    public func expectedDataPullback(_ parameters: [Double], cotangent u: [Double]) -> (parameters: [Double], inputs: [Double]) {
        let main = model.mainBinCount
        let (_, mainPullback) = model._vjpExpectedActualData(parameters, inputs: inputs)
        let (dParameters, dInputs) = mainPullback(.init(Array(u[0..<main])))
        var dp = dParameters.base
        if dp.isEmpty { dp = [Double](repeating: 0, count: parameters.count) }
        // Expected aux: θ_p (Gaussian) or τ_k·θ_p (Poisson), τ = constraint widths of the inputs.
        let (widths, widthsPullback) = model._vjpConstraintWidths(inputs: inputs)
        var dWidths = [Double](repeating: 0, count: widths.count)
        for k in auxParameter.indices {
            let p = auxParameter[k], uk = u[main + k]
            if auxIsPoisson[k] {
                dp[p] += uk * widths[k]
                dWidths[k] = uk * parameters[p]
            } else {
                dp[p] += uk
            }
        }
        let viaWidths = widthsPullback(.init(dWidths))
        return (dp, flatten(dInputs + viaWidths))
    }

    public func observedDataPullback(cotangent u: [Double]) -> [Double] {
        let aux = Array(u[model.mainBinCount...])
        let inputs = self.inputs, model = self.model
        let pb = pullback(at: inputs) { model.auxdata(inputs: $0) }
        return flatten(pb(.init(aux)))
    }

    // MARK: Helpers

    private func flatten(_ tangent: ModelInputs) -> [Double] {
        let n = inputs.nominal.count, m = inputs.modifierData.count
        return (tangent.nominal.isEmpty ? [Double](repeating: 0, count: n) : tangent.nominal)
            + (tangent.modifierData.isEmpty ? [Double](repeating: 0, count: m) : tangent.modifierData)
    }
}
