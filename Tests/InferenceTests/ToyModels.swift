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
    var prefitUncertainties: [Double?] { [nil] + (hasNormsys ? [1.0] : []) + tau.map { 1 / $0.squareRoot() } }
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

/// ψ(x) for x > 0 (recurrence up to 6, then the asymptotic series).
func digamma(_ x: Double) -> Double {
    var x = x, result = 0.0
    while x < 6 { result -= 1 / x; x += 1 }
    let f = 1 / (x * x)
    return result + log(x) - 0.5 / x - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))))
}

/// Inputs `[signal…, background…, shapesys δ… (if any), normsys hi, lo (if any)]`, with hand-derived partials.
extension ToyModel: DifferentiableLikelihood {
    var inputVector: [Double] {
        signal + background + (shapesysUncertainty ?? []) + (normsys.map { [$0.hi, $0.lo] } ?? [])
    }

    func replacingInputs(_ x: [Double]) -> ToyModel {
        let n = background.count
        var copy = self
        copy.signal = Array(x[0..<n])
        copy.background = Array(x[n..<(2 * n)])
        var offset = 2 * n
        if shapesysUncertainty != nil { copy.shapesysUncertainty = Array(x[offset..<(offset + n)]); offset += n }
        if normsys != nil { copy.normsys = (x[offset], x[offset + 1]) }
        return copy
    }

    /// f(α) and its derivatives with respect to α, hi, lo.
    private func factorPartials(_ alpha: Double) -> (f: Double, dAlpha: Double, dHi: Double, dLo: Double) {
        guard let (hi, lo) = normsys else { return (1, 0, 0, 0) }
        if alpha >= 0 {
            let f = pow(hi, alpha)
            return (f, f * log(hi), alpha * pow(hi, alpha - 1), 0)
        }
        let f = pow(lo, -alpha)
        return (f, -f * log(lo), 0, -alpha * pow(lo, -alpha - 1))
    }

    private var inputOffsets: (shapesys: Int, normsys: Int) {
        let n = background.count
        return (2 * n, 2 * n + (shapesysUncertainty == nil ? 0 : n))
    }

    func negativeLogLikelihoodPartials(_ p: [Double], data: [Double]) -> (inputs: [Double], data: [Double]) {
        let n = background.count
        var dx = [Double](repeating: 0, count: inputVector.count)
        var dd = [Double](repeating: 0, count: data.count)
        let (f, _, fHi, fLo) = factorPartials(hasNormsys ? p[1] : 0)
        let (sOffset, nOffset) = inputOffsets
        for b in 0..<n {
            let gamma = tau.isEmpty ? 1 : p[gammaOffset + b]
            let lambda = p[0] * signal[b] + gamma * f * background[b]
            let r = 1 - data[b] / lambda
            dx[b] += r * p[0]
            dx[n + b] += r * gamma * f
            if hasNormsys {
                dx[nOffset] += r * gamma * background[b] * fHi
                dx[nOffset + 1] += r * gamma * background[b] * fLo
            }
            dd[b] = -log(lambda) + digamma(data[b] + 1)
        }
        var aux = n
        if hasNormsys { dd[aux] = data[aux] - p[1]; aux += 1 }
        for b in tau.indices {
            let gamma = p[gammaOffset + b], a = data[aux + b], delta = shapesysUncertainty![b]
            let dTau = gamma - a / tau[b]
            dx[n + b] += dTau * 2 * background[b] / (delta * delta)
            dx[sOffset + b] += dTau * -2 * background[b] * background[b] / (delta * delta * delta)
            dd[aux + b] = -log(tau[b] * gamma) + digamma(a + 1)
        }
        return (dx, dd)
    }

    func expectedDataPullback(_ p: [Double], cotangent u: [Double]) -> (parameters: [Double], inputs: [Double]) {
        let n = background.count
        var dp = [Double](repeating: 0, count: p.count)
        var dx = [Double](repeating: 0, count: inputVector.count)
        let (f, fAlpha, fHi, fLo) = factorPartials(hasNormsys ? p[1] : 0)
        let (sOffset, nOffset) = inputOffsets
        for b in 0..<n {
            let gamma = tau.isEmpty ? 1 : p[gammaOffset + b]
            dp[0] += u[b] * signal[b]
            if hasNormsys {
                dp[1] += u[b] * gamma * background[b] * fAlpha
                dx[nOffset] += u[b] * gamma * background[b] * fHi
                dx[nOffset + 1] += u[b] * gamma * background[b] * fLo
            }
            if !tau.isEmpty { dp[gammaOffset + b] += u[b] * f * background[b] }
            dx[b] += u[b] * p[0]
            dx[n + b] += u[b] * gamma * f
        }
        var aux = n
        if hasNormsys { dp[1] += u[aux]; aux += 1 }
        for b in tau.indices {
            let gamma = p[gammaOffset + b], delta = shapesysUncertainty![b]
            dp[gammaOffset + b] += u[aux + b] * tau[b]
            dx[n + b] += u[aux + b] * gamma * 2 * background[b] / (delta * delta)
            dx[sOffset + b] += u[aux + b] * gamma * -2 * background[b] * background[b] / (delta * delta * delta)
        }
        return (dp, dx)
    }

    func observedDataPullback(cotangent u: [Double]) -> [Double] {
        let n = background.count
        var dx = [Double](repeating: 0, count: inputVector.count)
        let aux = n + (hasNormsys ? 1 : 0)
        let (sOffset, _) = inputOffsets
        for b in tau.indices {
            let delta = shapesysUncertainty![b]
            dx[n + b] += u[aux + b] * 2 * background[b] / (delta * delta)
            dx[sOffset + b] += u[aux + b] * -2 * background[b] * background[b] / (delta * delta * delta)
        }
        return dx
    }
}
