import Foundation
@testable import Inference

/// A small HistFactory-like likelihood written out by hand for tests of the inference layer
/// independently of the HistFactory module: per bin `λ_b = μ s_b + γ_b · f(α) · b_b` with
///  - `μ` a normfactor (index 0, bounds `poiBounds`),
///  - optionally one normsys `α` with interpolation code1 (`f = hi^α` or `lo^-α`, Gaussian constraint),
///  - optionally one shapesys `γ_b` per bin (Poisson constraint with `τ_b = b_b² / δ_b²`).
/// Parameter order as pyhf: normfactor, normsys, shapesys. Full likelihood constants, as pyhf.
struct ToyModel: Likelihood {
    var signal: [Double]
    var background: [Double]
    var observed: [Double]
    var normsys: (hi: Double, lo: Double)?
    var shapesysUncertainty: [Double]?
    var poiBounds: ClosedRange<Double> = 0...10

    var tau: [Double] { shapesysUncertainty.map { d in zip(background, d).map { $0 * $0 / ($1 * $1) } } ?? [] }
    var hasNormsys: Bool { normsys != nil }
    var gammaOffset: Int { hasNormsys ? 2 : 1 }

    var parameterNames: [String] {
        ["mu"] + (hasNormsys ? ["bkg_norm"] : []) + (shapesysUncertainty == nil ? [] : background.indices.map { "uncorr_bkguncrt[\($0)]" })
    }
    var initialParameters: [Double] { [1] + (hasNormsys ? [0] : []) + tau.map { _ in 1 } }
    var parameterBounds: [ClosedRange<Double>] { [poiBounds] + (hasNormsys ? [-5...5] : []) + tau.map { _ in 1e-10...10 } }
    var fixedParameters: [Bool] { parameterNames.map { _ in false } }
    var poiIndex: Int? { 0 }
    var constraintWidths: [Double?] { [nil] + (hasNormsys ? [1.0] : []) + tau.map { 1 / $0.squareRoot() } }
    var dataDistributions: [DataDistribution] {
        background.map { _ in .poisson } + (hasNormsys ? [.normal(sigma: 1)] : []) + tau.map { _ in .poisson }
    }
    var observedData: [Double] { observed + (hasNormsys ? [0] : []) + tau }

    private func factor(_ alpha: Double) -> (value: Double, derivative: Double) {
        guard let (hi, lo) = normsys else { return (1, 0) }
        if alpha >= 0 { let v = pow(hi, alpha); return (v, v * log(hi)) }
        let v = pow(lo, -alpha)
        return (v, -v * log(lo))
    }

    func expectedData(_ p: [Double]) -> [Double] {
        let f = factor(hasNormsys ? p[1] : 0).value
        let main = background.indices.map { b in
            p[0] * signal[b] + (tau.isEmpty ? 1 : p[gammaOffset + b]) * f * background[b]
        }
        return main + (hasNormsys ? [p[1]] : []) + tau.indices.map { tau[$0] * p[gammaOffset + $0] }
    }

    func negativeLogLikelihoodAndGradient(_ p: [Double], data: [Double]) -> (value: Double, gradient: [Double]) {
        var g = [Double](repeating: 0, count: p.count)
        var nll = 0.0
        let (f, df) = factor(hasNormsys ? p[1] : 0)
        for b in background.indices {
            let gamma = tau.isEmpty ? 1 : p[gammaOffset + b]
            let lambda = p[0] * signal[b] + gamma * f * background[b]
            let n = data[b]
            nll -= (n == 0 ? 0 : n * log(lambda)) - lambda - lgamma(n + 1)
            let dl = 1 - n / lambda  // d nll / d lambda
            g[0] += dl * signal[b]
            if hasNormsys { g[1] += dl * gamma * df * background[b] }
            if !tau.isEmpty { g[gammaOffset + b] += dl * f * background[b] }
        }
        var aux = background.count
        if hasNormsys {
            let a = data[aux]
            nll += 0.5 * log(2 * Double.pi) + 0.5 * (a - p[1]) * (a - p[1])
            g[1] += p[1] - a
            aux += 1
        }
        for b in tau.indices {
            let rate = tau[b] * p[gammaOffset + b]
            let a = data[aux + b]
            nll -= a * log(rate) - rate - lgamma(a + 1)
            g[gammaOffset + b] += (1 - a / rate) * tau[b]
        }
        return (nll, g)
    }
}

enum ToyModels {
    /// Reference §5.9 Example 1: `uncorrelated_background(signal=[12,11], bkg=[50,52], bkg_uncertainty=[3,7])`, observed `[51, 48]`.
    static let example1 = ToyModel(signal: [12, 11], background: [50, 52], observed: [51, 48], shapesysUncertainty: [3, 7])
    /// pyhf tests/test_validation.py `1bin_normsys` (ROOT-validated; normsys code1 lo 0.9 hi 1.1).
    static let validation1binNormsys = ToyModel(signal: [30, 95], background: [100, 150], observed: [120, 180], normsys: (1.1, 0.9))
    /// pyhf tests/test_validation.py `1bin_shapesys` (ROOT-validated).
    static let validation1binShapesys = ToyModel(signal: [10], background: [50], observed: [55], shapesysUncertainty: [7])
    /// pyhf tests/test_validation.py `1bin_shapesys_q0`.
    static let validation1binShapesysQ0 = ToyModel(signal: [25], background: [50], observed: [80], shapesysUncertainty: [7])
}

/// Relative difference.
func relativeDifference(_ a: Double, _ b: Double) -> Double {
    abs(a - b) / max(abs(a), abs(b), 1e-300)
}
