import Foundation
import Inference

/// A figure of merit of an analysis's expected result, evaluated on an Asimov dataset with the
/// nuisance parameters profiled, with its gradient with respect to the model inputs and the data
/// (by the implicit function theorem through the fits).
///
/// A new objective is one type conforming to this protocol, registered under the name configs use
/// with ``AnalysisObjectives/register(_:as:)``.
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

/// The objectives configs can name (`objective: NAME`): the three built in, and any a program
/// registers before it decodes its configs.
public enum AnalysisObjectives {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var table: [String: any AnalysisObjective] = [
        AnalysisConfig.Objective.cls.rawValue: ExpectedCLsObjective(),
        AnalysisConfig.Objective.discovery.rawValue: ExpectedSignificanceObjective(),
        AnalysisConfig.Objective.poiUncertainty.rawValue: POIUncertaintyObjective(),
    ]

    /// Makes `objective` available to configs as `name` (replacing an earlier one of that name).
    public static func register(_ objective: any AnalysisObjective, as name: String) {
        lock.lock()
        table[name] = objective
        lock.unlock()
    }

    /// The objective registered as `name`.
    public static func named(_ name: String) -> (any AnalysisObjective)? {
        lock.lock()
        defer { lock.unlock() }
        return table[name]
    }

    /// Every registered name, sorted.
    public static var names: [String] {
        lock.lock()
        defer { lock.unlock() }
        return table.keys.sorted()
    }
}

extension AnalysisConfig.Objective {
    /// The objective this config name stands for.
    ///
    /// - Throws: ``AnalysisDataError`` if no objective is registered under the name.
    /// For `cross_entropy`, which trains the networks without the likelihood, the exported
    /// workspace is judged by the POI's expected uncertainty.
    public var implementation: any AnalysisObjective {
        get throws {
            if self == .crossEntropy { return POIUncertaintyObjective() }
            guard let objective = AnalysisObjectives.named(rawValue) else {
                throw AnalysisDataError(
                    message: "no objective '\(rawValue)' (expected \(AnalysisObjectives.names.joined(separator: ", ")))")
            }
            return objective
        }
    }
}
