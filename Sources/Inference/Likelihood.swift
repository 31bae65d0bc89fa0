/// How one entry of a data vector (a main bin or an auxiliary measurement) fluctuates.
///
/// Toys sample from it, and the derivative of the negative log-likelihood with respect to the
/// data (needed to differentiate through Asimov data) follows from it.
public enum DataDistribution: Sendable, Hashable {
    /// `Pois(n | λ)` with the continuous `lnΓ(n + 1)` normalisation (main bins, shapesys aux data).
    case poisson
    /// `N(a | θ, σ)` (Gaussian-constrained auxiliary measurements).
    case normal(sigma: Double)
}

/// A binned likelihood that the inference layer can fit: the contract between a statistical model
/// (e.g. `HistFactory.Model`) and the fitting, hypothesis-testing and limit-setting code.
///
/// Conforming types are value types shared between threads, hence `Sendable`.
public protocol Likelihood: Sendable {
    /// Names of the scalar parameters, in vector order (e.g. `staterror_SR[0]`).
    var parameterNames: [String] { get }
    /// Starting values of the parameters (fixed parameters are held at these values).
    var initialParameters: [Double] { get }
    /// Allowed range of every parameter.
    var parameterBounds: [ClosedRange<Double>] { get }
    /// Parameters held constant in every fit.
    var fixedParameters: [Bool] { get }
    /// Index of the parameter of interest, `nil` if the model has none.
    var poiIndex: Int? { get }
    /// Pre-fit standard deviation of each constrained parameter: σ of a Gaussian constraint,
    /// `1/√τ` of a Poisson one (not HistFactory's constraint "width" τ); `nil` for unconstrained
    /// parameters. Used for pre-fit impacts and to draw Gaussian auxiliary data.
    var prefitUncertainties: [Double?] { get }
    /// The distribution of every data entry (main bins, then auxiliary data).
    var dataDistributions: [DataDistribution] { get }
    /// The observed data (main bins, then auxiliary data).
    var observedData: [Double] { get }
    /// Expected data (main bins, then auxiliary data) at `parameters`: the Asimov dataset and
    /// the means that toys are drawn from.
    func expectedData(_ parameters: [Double]) -> [Double]
    /// `-ln L(parameters | data)` with all constants, and its gradient with respect to the parameters.
    func negativeLogLikelihoodAndGradient(_ parameters: [Double], data: [Double]) -> (value: Double, gradient: [Double])
    /// The exact Hessian of `-ln L` with respect to all parameters, or `nil` (the default) when the
    /// model has none; fits and uncertainties then use finite differences of the gradient.
    func negativeLogLikelihoodHessian(_ parameters: [Double], data: [Double]) -> SymmetricMatrix?
    /// Properties of the model that make results meaningless (no signal, empty regions), named
    /// by their place in the input; the default finds a POI without effect (``genericDefects()``).
    func defects() -> [ModelDefect]
}

extension Likelihood {
    public func defects() -> [ModelDefect] { genericDefects() }

    public func negativeLogLikelihoodHessian(_ parameters: [Double], data: [Double]) -> SymmetricMatrix? { nil }

    /// The number of scalar parameters.
    @inlinable public var parameterCount: Int { parameterNames.count }

    /// `-2 ln L`, the objective pyhf reports as `twice_nll`.
    public func twiceNegativeLogLikelihood(_ parameters: [Double], data: [Double]) -> Double {
        2 * negativeLogLikelihoodAndGradient(parameters, data: data).value
    }
}
