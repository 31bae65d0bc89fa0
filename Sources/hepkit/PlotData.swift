import Foundation
import HistFactory
import Inference

// The numbers behind `hepkit plot`: yields per sample, the total model's uncertainty band and
// the data's Poisson intervals, computed with the Inference and HistFactory APIs. The Plots
// module only draws them.

/// Parameter values with their uncertainties and correlations: a pre-fit or post-fit state.
struct ParameterState {
    var values: [Double]
    var errors: [Double]
    /// Row-major correlation, `values.count`².
    var correlation: [Double]

    /// The model's initial values with the constraint widths (0 for unconstrained and fixed
    /// parameters), uncorrelated, as cabinetry's pre-fit.
    static func prefit(_ likelihood: HistFactoryLikelihood) -> ParameterState {
        let n = likelihood.parameterCount
        let errors = (0..<n).map { likelihood.fixedParameters[$0] ? 0 : likelihood.prefitUncertainties[$0] ?? 0 }
        var correlation = [Double](repeating: 0, count: n * n)
        for i in 0..<n { correlation[i * n + i] = 1 }
        return ParameterState(values: likelihood.initialParameters, errors: errors, correlation: correlation)
    }

    /// The best fit to the observed data with its Hessian uncertainties and correlations; throws
    /// if the fit does not converge (a band from a non-converged fit would be drawn as if it were one).
    static func postfit(_ likelihood: HistFactoryLikelihood) throws -> (state: ParameterState, warnings: [String]) {
        let fitter = Fitter(likelihood)
        let fit = try fitter.fit(data: likelihood.observedData)
        guard fit.converged else {
            throw CommandError("the fit did not converge (\(fit.evaluations) evaluations); no post-fit figure drawn")
        }
        let u = fitter.uncertainties(at: fit.parameters, data: likelihood.observedData)
        let n = likelihood.parameterCount
        let correlation = (0..<(n * n)).map { u.correlation[$0 / n, $0 % n] }
        let warnings = u.hessianPositiveDefinite ? [] : ["the Hessian at the best fit is not positive definite; the band uses a regularised inverse"]
        return (ParameterState(values: fit.parameters, errors: u.errors, correlation: correlation), warnings)
    }
}

/// The expected yields of a model split by sample.
struct SampleYields {
    let model: Model
    /// Per sample (in `model.samples` order), the inputs holding only that sample's templates.
    private let inputs: [ModelInputs]

    init(_ model: Model) {
        self.model = model
        let layout = model.inputLayout
        inputs = model.samples.map { sample in
            var only = model.inputs
            for entry in layout.nominal where entry.sample != sample {
                for k in entry.range { only.nominal[k] = 0 }
            }
            // Additive templates (histosys) of the other samples would otherwise leak their deltas in.
            for entry in layout.modifierData where entry.sample != sample && entry.type == ModifierKind.histosys.rawValue {
                for k in entry.range { only.modifierData[k] = 0 }
            }
            return only
        }
    }

    /// Per sample, the expected main-bin yields at `parameters` (pyhf's per-sample
    /// `expected_actualdata`: nominal plus additive variations, times the multiplicative factors).
    func perSample(_ parameters: [Double]) -> [[Double]] {
        inputs.map { model.expectedActualData(parameters, inputs: $0) }
    }

    /// The total-yield standard deviation per main bin, as cabinetry's `yield_stdev`: every
    /// parameter moved by ± its uncertainty, the symmetrised shift δᵢ = (up − down)/2, and the
    /// variance Σᵢⱼ ρᵢⱼ δᵢ δⱼ with the state's correlations.
    func totalStandardDeviation(_ state: ParameterState) -> [Double] {
        let n = state.values.count, bins = model.mainBinCount
        var shifts: [(index: Int, delta: [Double])] = []
        for i in 0..<n where state.errors[i] > 0 && state.errors[i].isFinite {
            var up = state.values, down = state.values
            up[i] += state.errors[i]
            down[i] -= state.errors[i]
            let high = model.expectedActualData(up), low = model.expectedActualData(down)
            shifts.append((i, (0..<bins).map { (high[$0] - low[$0]) / 2 }))
        }
        return (0..<bins).map { bin in
            var variance = 0.0
            for a in shifts {
                for b in shifts { variance += state.correlation[a.index * n + b.index] * a.delta[bin] * b.delta[bin] }
            }
            return max(variance, 0).squareRoot()
        }
    }
}

/// The central 68.27% Garwood interval of a Poisson mean given `n` observed events (mplhep's
/// default data error bars): [½χ²(α/2; 2n), ½χ²(1−α/2; 2n+2)], i.e. gamma quantiles.
func poissonInterval(_ n: Double) -> (lower: Double, upper: Double) {
    let alpha = 1 - 0.682689492137086
    let lower = n > 0 ? gammaQuantile(alpha / 2, shape: n) : 0
    return (lower, gammaQuantile(1 - alpha / 2, shape: n + 1))
}

/// x with P(a, x) = p for the regularised lower incomplete gamma function P, by bisection.
func gammaQuantile(_ p: Double, shape a: Double) -> Double {
    var low = 0.0, high = max(1, a)
    while regularizedGammaP(a, high) < p { high *= 2 }
    for _ in 0..<200 {
        let middle = (low + high) / 2
        if regularizedGammaP(a, middle) < p { low = middle } else { high = middle }
        if high - low < 1e-12 * max(1, high) { break }
    }
    return (low + high) / 2
}

/// P(a, x): the series for x < a + 1, else 1 − the continued fraction of Q (Numerical Recipes §6.2).
func regularizedGammaP(_ a: Double, _ x: Double) -> Double {
    guard x > 0 else { return 0 }
    let logPrefactor = a * log(x) - x - lgamma(a)
    if x < a + 1 {
        var term = 1 / a, sum = term, denominator = a
        for _ in 0..<1000 {
            denominator += 1
            term *= x / denominator
            sum += term
            if abs(term) < abs(sum) * 1e-16 { break }
        }
        return sum * exp(logPrefactor)
    }
    let tiny = 1e-300
    var b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d
    for i in 1..<1000 {
        let an = -Double(i) * (Double(i) - a)
        b += 2
        d = an * d + b
        if abs(d) < tiny { d = tiny }
        c = b + an / c
        if abs(c) < tiny { c = tiny }
        d = 1 / d
        let step = d * c
        h *= step
        if abs(step - 1) < 1e-16 { break }
    }
    return 1 - exp(logPrefactor) * h
}
