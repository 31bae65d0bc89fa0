import Inference

/// A figure of merit of an analysis's expected result, evaluated on an Asimov dataset with the
/// nuisance parameters profiled, with its gradient with respect to the model inputs and the data
/// (by the implicit function theorem through the fits).
///
/// New objectives conform to this protocol; ``AnalysisConfig/Objective/implementation`` is the one
/// place that maps config names to them.
public protocol AnalysisObjective: Sendable {
    /// Whether smaller values are better (the optimiser minimises the value, or its negative).
    var minimizes: Bool { get }
    /// The signal strength of the Asimov data the objective is evaluated on, built at nominal
    /// nuisance parameters: 0 for a background-only expectation, 1 for signal plus background.
    var asimovSignalStrength: Double { get }
    /// The value and its gradient on the data `gradients` holds.
    func evaluate(_ gradients: ImplicitGradients<HistFactoryLikelihood>) throws -> ScalarGradient
}

/// The expected (median) CLs at μ = `poiValue` with `q̃_μ`, on the background-only Asimov data.
public struct ExpectedCLsObjective: AnalysisObjective {
    public var poiValue: Double
    public init(poiValue: Double = 1) { self.poiValue = poiValue }
    public var minimizes: Bool { true }
    public var asimovSignalStrength: Double { 0 }
    public func evaluate(_ gradients: ImplicitGradients<HistFactoryLikelihood>) throws -> ScalarGradient {
        try gradients.expectedCLs(poiValue: poiValue)
    }
}

/// The expected discovery significance `√q₀` on the signal-plus-background Asimov data (maximised).
public struct ExpectedSignificanceObjective: AnalysisObjective {
    public init() {}
    public var minimizes: Bool { false }
    public var asimovSignalStrength: Double { 1 }
    public func evaluate(_ gradients: ImplicitGradients<HistFactoryLikelihood>) throws -> ScalarGradient {
        try gradients.expectedSignificance()
    }
}

/// The POI's expected uncertainty `√(I⁻¹)_μμ` from the Fisher information (the Hessian of −ln L,
/// nuisance parameters profiled) on the signal-plus-background Asimov data, as INFERNO.
public struct POIUncertaintyObjective: AnalysisObjective {
    public init() {}
    public var minimizes: Bool { true }
    public var asimovSignalStrength: Double { 1 }
    public func evaluate(_ gradients: ImplicitGradients<HistFactoryLikelihood>) throws -> ScalarGradient {
        try gradients.poiUncertainty()
    }
}

extension AnalysisConfig.Objective {
    /// The objective this config name stands for.
    public var implementation: any AnalysisObjective {
        switch self {
        case .cls: ExpectedCLsObjective()
        case .discovery: ExpectedSignificanceObjective()
        case .poiUncertainty: POIUncertaintyObjective()
        }
    }
}
