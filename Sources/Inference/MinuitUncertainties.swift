import Foundation

extension Fitter {
    /// Uncertainties as MINUIT's HESSE reports them for a fit of `-2 ln L` with `errordef = 1`
    /// (what pyhf with the minuit optimizer returns): MINUIT works in internal coordinates
    /// `θ` with `x = a + (b − a)(sin θ + 1)/2` for a parameter bounded by `[a, b]` and converts an
    /// internal error `σ_θ` back as `(|x(θ + σ_θ) − x| + |x(θ − σ_θ) − x|)/2` (Minuit2's
    /// `Int2extError`; `x(θ + σ_θ)` replaced by the range when `σ_θ > 1`).
    ///
    /// At an interior minimum `σ_θ = σ_x/(dx/dθ)` with `σ_x` from the Hessian of the parameters
    /// off their bounds. A parameter at a bound that the gradient pushes against has `dx/dθ = 0`:
    /// its internal curvature is `|∂(−2 ln L)/∂x|·(b − a)/2` and it decouples from the others
    /// (zero covariance and correlation), so `σ_θ² = 2/(|∂(−ln L)/∂x|·(b − a))` and its error
    /// `(b − a)(1 − cos σ_θ)/2` stays finite where the Hessian's error of the unbounded problem
    /// would not describe the boundary. Parameters without two finite bounds keep `σ_x`.
    public func minuitUncertainties(at parameters: [Double], data: [Double]) -> FitUncertainties {
        let n = model.parameterCount
        let gradient = objective(data: data)(parameters).gradient
        let notFixed = (0..<n).filter { !fixedParameters[$0] }
        // At a bound (to rounding: MINUIT's own minimum lies ~1e-17 off it) with the gradient pushing outward.
        let atBound = (0..<n).map { i in
            let bounds = parameterBounds[i], slack = 1e-12 * (bounds.upperBound - bounds.lowerBound)
            return !fixedParameters[i]
                && ((parameters[i] - bounds.lowerBound <= slack && gradient[i] > 0) || (bounds.upperBound - parameters[i] <= slack && gradient[i] < 0))
        }
        let interior = notFixed.filter { !atBound[$0] }
        var result = uncertainties(hessian: curvature(at: parameters, data: data, indices: interior), free: interior)
        for i in notFixed {
            let bounds = parameterBounds[i]
            guard bounds.lowerBound.isFinite, bounds.upperBound.isFinite, bounds.upperBound > bounds.lowerBound else { continue }
            let half = (bounds.upperBound - bounds.lowerBound) / 2
            let theta = Self.internalValue(parameters[i], bounds)
            let sigma: Double
            if !atBound[i] {
                let slope = half * cos(theta)
                guard slope > 0 else { continue }
                sigma = result.errors[i] / slope
            } else {
                sigma = (2 / (abs(gradient[i]) * 2 * half)).squareRoot()
            }
            let up = sigma > 1 ? 2 * half : Self.externalValue(theta + sigma, bounds) - parameters[i]
            let down = Self.externalValue(theta - sigma, bounds) - parameters[i]
            let error = 0.5 * (abs(up) + abs(down))
            result.errors[i] = error
            if atBound[i] { result.covariance[i, i] = error * error }
        }
        return result
    }

    /// MINUIT's internal coordinate of `x` in `[a, b]`: `asin(2(x − a)/(b − a) − 1)`.
    private static func internalValue(_ x: Double, _ bounds: ClosedRange<Double>) -> Double {
        asin(min(max(2 * (x - bounds.lowerBound) / (bounds.upperBound - bounds.lowerBound) - 1, -1), 1))
    }

    /// The external value of MINUIT's internal coordinate `theta`.
    private static func externalValue(_ theta: Double, _ bounds: ClosedRange<Double>) -> Double {
        bounds.lowerBound + (bounds.upperBound - bounds.lowerBound) / 2 * (sin(theta) + 1)
    }
}
