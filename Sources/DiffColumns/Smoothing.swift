import Foundation

/// The logistic function 1 / (1 + e^-x), evaluated without overflow for large |x|.
@inlinable
public func sigmoid(_ x: Double) -> Double {
    if x >= 0 {
        return 1 / (1 + exp(-x))
    }
    let e = exp(x)
    return e / (1 + e)
}

/// A smooth step used to relax a sharp edge at u = 0: `cdf` rises from 0 to 1 and `density` is
/// its derivative. Kernels are generic over the profile so each one is specialised.
public protocol EdgeProfile: Sendable {
    /// The step's value at `u` (edge-relative position divided by the width).
    static func cdf(_ u: Double) -> Double
    /// d cdf / du.
    static func density(_ u: Double) -> Double
    /// Both at once; kernels call this in their inner loop.
    static func cdfAndDensity(_ u: Double) -> (cdf: Double, density: Double)
    /// Beyond ±saturation the step is 0 or 1 and the density below 1e-17: kernels skip the
    /// evaluation there (most events are far from most edges).
    static var saturation: Double { get }
}

/// The logistic step σ(u): a cut relaxed with a sigmoid (neos-style soft selection and edges).
public enum SigmoidEdge: EdgeProfile {
    @inlinable public static var saturation: Double { 40 }
    @inlinable public static func cdf(_ u: Double) -> Double { sigmoid(u) }
    @inlinable public static func density(_ u: Double) -> Double { cdfAndDensity(u).density }
    @inlinable public static func cdfAndDensity(_ u: Double) -> (cdf: Double, density: Double) {
        let s = sigmoid(u)
        return (s, s * (1 - s))
    }
}

/// The Gaussian step Φ(u): integrating a Gaussian kernel of each event over the bins gives the
/// KDE histogram of relaxed/neos.
public enum GaussianEdge: EdgeProfile {
    @inlinable public static var saturation: Double { 9 }
    @inlinable public static func cdf(_ u: Double) -> Double { 0.5 * erfc(-u * 0.7071067811865476) }
    @inlinable public static func density(_ u: Double) -> Double { 0.3989422804014327 * exp(-0.5 * u * u) }
    @inlinable public static func cdfAndDensity(_ u: Double) -> (cdf: Double, density: Double) {
        (cdf(u), density(u))
    }
}
