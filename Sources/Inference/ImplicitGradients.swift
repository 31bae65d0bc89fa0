import Foundation
import HEPKitSupport

/// A ``Likelihood`` that is differentiable with respect to its numeric inputs (nominal yields,
/// modifier data, … flattened into one vector) and its data, as needed to differentiate fit results
/// through the fit by the implicit function theorem.
public protocol DifferentiableLikelihood: Likelihood {
    /// The model's differentiable inputs, flattened.
    var inputVector: [Double] { get }
    /// The same model built from other inputs (observed main data unchanged; auxiliary data that
    /// derive from the inputs, such as shapesys τ, follow them). Used by finite-difference checks.
    func replacingInputs(_ inputs: [Double]) -> Self
    /// Partial derivatives of `−ln L(parameters | data)` with respect to the inputs and to the data.
    func negativeLogLikelihoodPartials(_ parameters: [Double], data: [Double]) -> (inputs: [Double], data: [Double])
    /// Vector–Jacobian product of ``Likelihood/expectedData(_:)`` with `cotangent`: `uᵀ ∂E/∂θ`, `uᵀ ∂E/∂inputs`.
    func expectedDataPullback(_ parameters: [Double], cotangent: [Double]) -> (parameters: [Double], inputs: [Double])
    /// Vector–Jacobian product of ``Likelihood/observedData`` with respect to the inputs (its
    /// auxiliary part can depend on them).
    func observedDataPullback(cotangent: [Double]) -> [Double]
}

/// A scalar result with its gradient.
public struct ScalarGradient: Sendable {
    /// The value.
    public var value: Double
    /// Derivative with respect to every entry of ``DifferentiableLikelihood/inputVector``.
    public var inputs: [Double]
    /// Derivative with respect to every entry of the observed data vector (main bins, then
    /// auxiliary data taken as independent observables).
    public var observedData: [Double]

    public init(value: Double, inputs: [Double], observedData: [Double]) {
        self.value = value
        self.inputs = inputs
        self.observedData = observedData
    }

    /// The chain rule for a function of the value: `newValue` with every derivative times `factor`.
    public func scaled(_ factor: Double, value newValue: Double) -> ScalarGradient {
        ScalarGradient(value: newValue, inputs: inputs.map { $0 * factor }, observedData: observedData.map { $0 * factor })
    }
}

/// Gradients of fit results with respect to the model inputs and the observed data, through the
/// fits, by the implicit function theorem: at a minimum `θ̂(x)` of `ℓ(θ, x)`,
/// `dθ̂/dx = −H⁻¹ ∂²ℓ/∂θ∂x` on the free parameters (parameters at an active bound stay there), so
/// for a scalar `F(θ̂(x), x)`, `dF/dx = ∂F/∂x − (H⁻¹∇_θF)ᵀ ∂²ℓ/∂θ∂x`. The mixed second
/// derivatives along a direction come from central differences of the exact first derivatives, so
/// each gradient costs a few model evaluations plus one Hessian, whatever the number of inputs.
public struct ImplicitGradients<LikelihoodModel: DifferentiableLikelihood>: Sendable {
    /// The fitter (bounds, fixed flags).
    public let fitter: Fitter<LikelihoodModel>
    /// The observed data.
    public let data: [Double]

    public init(fitter: Fitter<LikelihoodModel>, data: [Double]? = nil) {
        self.fitter = fitter
        self.data = data ?? fitter.model.observedData
    }

    private var model: LikelihoodModel { fitter.model }

    // MARK: Results

    /// `−2 ln L` at the best fit: by the envelope theorem only its partial derivatives count.
    public func bestFitTwiceNLL() throws -> ScalarGradient {
        let fit = try fitter.fit(data: data)
        let partials = observedPartials(fit.parameters)
        return ScalarGradient(value: fit.twiceNLL, inputs: partials.inputs.map { 2 * $0 }, observedData: partials.data.map { 2 * $0 })
    }

    /// The POI's Hessian uncertainty `σ_μ = √(H⁻¹)_μμ` at the best fit (the inverse Fisher information).
    public func poiUncertainty() throws -> ScalarGradient {
        let poi = try fitter.requirePOI()
        let fit = try fitter.fit(data: data)
        let theta = fit.parameters
        let nonFixed = (0..<model.parameterCount).filter { !fitter.fixedParameters[$0] }
        let objective = fitter.objective(data: data)
        let hessian = fitter.curvature(at: theta, data: data, indices: nonFixed)
        guard let k = nonFixed.firstIndex(of: poi) else { throw InferenceError.fixedPOI(name: model.parameterNames[poi]) }
        var unit = [Double](repeating: 0, count: nonFixed.count)
        unit[k] = 1
        guard let vFree = hessian.solve(unit) else {
            throw InferenceError.failedMinimization(reason: "Hessian at the best fit is not positive definite")
        }
        let variance = vFree[k]
        let v = scatter(vFree, nonFixed)
        // vᵀ (∂H/∂x) v and vᵀ (∂H/∂d) v: second directional differences of the input partials, and
        // ∇_θ(vᵀHv) from those of the gradient (Richardson-extrapolated: steps large enough for
        // round-off, truncation cancelled to fourth order).
        let step = directionalStep(theta, v, relative: 1e-3)
        let secondInputs = richardsonSecondDifference(step) { observedPartials(axpy(theta, v, $0)).inputs }
        let secondData = richardsonSecondDifference(step) { observedPartials(axpy(theta, v, $0)).data }
        let w = richardsonSecondDifference(step) { objective(axpy(theta, v, $0)).gradient }
        let (throughInputs, throughData) = try implicitTerm(at: theta, holding: [], gradient: w)
        // d(vᵀHv)/dx = secondInputs − throughInputs, and dσ² = −d(vᵀHv).
        let dVarianceInputs = zip(secondInputs, throughInputs).map { -($0 - $1) }
        let dVarianceData = zip(secondData, throughData).map { -($0 - $1) }
        let sigma = variance.squareRoot()
        return ScalarGradient(value: variance, inputs: dVarianceInputs, observedData: dVarianceData)
            .scaled(1 / (2 * sigma), value: sigma)
    }

    /// The test statistic on the Asimov dataset (`q̃_μ` by default; POI at `asimovPOIValue`, 0 for
    /// limits and 1 for discovery), with the Asimov data differentiated through the fit that defines them.
    public func asimovTestStatistic(poiValue: Double, statistic: TestStatistic = .qtilde) throws -> ScalarGradient {
        let asimovFit = try fitter.fixedPOIFit(statistic.asimovPOIValue, data: data)
        let asimov = model.expectedData(asimovFit.parameters)
        let tested = try fitter.testStatistic(statistic, poiValue: poiValue, data: asimov)
        let zero = ScalarGradient(value: tested.value, inputs: [Double](repeating: 0, count: model.inputVector.count),
                                  observedData: [Double](repeating: 0, count: data.count))
        guard tested.value > 0 else { return zero }
        let fixed = model.negativeLogLikelihoodPartials(tested.fixedFit.parameters, data: asimov)
        let free = model.negativeLogLikelihoodPartials(tested.freeFit.parameters, data: asimov)
        let dInputsDirect = zip(fixed.inputs, free.inputs).map { 2 * ($0 - $1) }
        let dAsimov = zip(fixed.data, free.data).map { 2 * ($0 - $1) }
        let pulled = model.expectedDataPullback(asimovFit.parameters, cotangent: dAsimov)
        let (throughInputs, throughData) = try implicitTerm(
            at: asimovFit.parameters, holding: [try fitter.requirePOI()], gradient: pulled.parameters)
        return ScalarGradient(
            value: tested.value,
            inputs: (0..<dInputsDirect.count).map { dInputsDirect[$0] + pulled.inputs[$0] - throughInputs[$0] },
            observedData: throughData.map { -$0 })
    }

    /// Expected CLs at `poiValue` for band n (+2 … −2; 0 = median) from `q̃_μ` on the Asimov data.
    public func expectedCLs(poiValue: Double, band n: Double = 0) throws -> ScalarGradient {
        let q = try asimovTestStatistic(poiValue: poiValue)
        let sqrtQ = q.value.squareRoot()
        let cls = StandardNormal.survival(n + sqrtQ) / StandardNormal.survival(n)
        guard sqrtQ > 0 else { return q.scaled(0, value: cls) }
        let density = exp(-0.5 * (n + sqrtQ) * (n + sqrtQ)) / (2 * Double.pi).squareRoot()
        return q.scaled(-density / StandardNormal.survival(n) / (2 * sqrtQ), value: cls)
    }

    /// Expected discovery significance `Z_A = √q₀,A` (Asimov data with POI = 1).
    public func expectedSignificance() throws -> ScalarGradient {
        let q0 = try asimovTestStatistic(poiValue: 0, statistic: .q0)
        let z = q0.value.squareRoot()
        return q0.scaled(z > 0 ? 1 / (2 * z) : 0, value: z)
    }

    // MARK: Building blocks
    // Public so that a new objective is one file outside this module: differentiate the fits it
    // needs with `implicitTerm` (or `adjoint` + `mixedDerivatives`), add its partial derivatives.

    /// `∂ℓ/∂x` (including the inputs' effect on the observed auxiliary data) and `∂ℓ/∂d` at
    /// `theta` on the observed data, for `ℓ = −ln L`.
    public func observedPartials(_ theta: [Double]) -> (inputs: [Double], data: [Double]) {
        let p = model.negativeLogLikelihoodPartials(theta, data: data)
        let viaData = model.observedDataPullback(cotangent: p.data)
        return (zip(p.inputs, viaData).map { $0 + $1 }, p.data)
    }

    /// The parameters a fit at `theta` can move: not fixed, not in `holding`, not on an active bound.
    public func freeParameters(at theta: [Double], holding: [Int]) -> [Int] {
        let g = fitter.objective(data: data)(theta).gradient
        var held = fitter.fixedParameters
        for i in holding { held[i] = true }
        let freeMask = BoundedMinimizer.freeMask(x: theta, gradient: g, bounds: fitter.parameterBounds, fixed: held)
        return freeMask.indices.filter { freeMask[$0] }
    }

    /// The adjoint `u = H⁻¹ g` on the free parameters `free` (zero elsewhere), `H` the Hessian of
    /// `−ln L(·|data)` at `theta` over them.
    public func adjoint(at theta: [Double], free: [Int], gradient: [Double]) throws -> [Double] {
        let hessian = fitter.curvature(at: theta, data: data, indices: free)
        guard let uFree = hessian.solve(free.map { gradient[$0] }) else {
            throw InferenceError.failedMinimization(reason: "Hessian at a fit is not positive definite")
        }
        return scatter(uFree, free)
    }

    /// The mixed second derivatives `∂/∂x ⟨direction, ∇_θℓ⟩` and `∂/∂d ⟨direction, ∇_θℓ⟩` at
    /// `theta`, by central differences of ``observedPartials(_:)`` along `direction`.
    public func mixedDerivatives(at theta: [Double], along direction: [Double], relativeStep: Double = 1e-5) -> (inputs: [Double], data: [Double]) {
        let inputCount = model.inputVector.count
        guard let joint = centralDirectionalDifference(at: theta, along: direction, relativeStep: relativeStep, {
            let p = observedPartials($0)
            return p.inputs + p.data
        }) else {
            return ([Double](repeating: 0, count: inputCount), [Double](repeating: 0, count: data.count))
        }
        return (Array(joint[..<inputCount]), Array(joint[inputCount...]))
    }

    /// `(H⁻¹g)ᵀ ∂²ℓ/∂θ∂x` and `… ∂θ∂d` at the fit `theta` to the observed data over its free
    /// parameters (``freeParameters(at:holding:)``): `dF/dx = ∂F/∂x −` this, for `∇_θF = gradient`.
    public func implicitTerm(at theta: [Double], holding: [Int], gradient: [Double]) throws -> (inputs: [Double], data: [Double]) {
        let free = freeParameters(at: theta, holding: holding)
        guard !free.isEmpty else {
            return ([Double](repeating: 0, count: model.inputVector.count), [Double](repeating: 0, count: data.count))
        }
        return mixedDerivatives(at: theta, along: try adjoint(at: theta, free: free, gradient: gradient))
    }

    private func scatter(_ values: [Double], _ indices: [Int]) -> [Double] {
        var out = [Double](repeating: 0, count: model.parameterCount)
        for (k, i) in indices.enumerated() { out[i] = values[k] }
        return out
    }

    private func directionalStep(_ theta: [Double], _ direction: [Double], relative: Double) -> Double {
        let size = direction.map(abs).max() ?? 0
        guard size > 0 else { return relative }
        let scale = theta.map { max(1, abs($0)) }.max() ?? 1
        return relative * scale / size
    }
}

@inline(__always) private func axpy(_ x: [Double], _ d: [Double], _ a: Double) -> [Double] {
    zip(x, d).map { $0 + a * $1 }
}

/// `d²f(t)/dt²` at 0 from central second differences with steps `h` and `2h`, Richardson-combined.
private func richardsonSecondDifference(_ h: Double, _ f: (Double) -> [Double]) -> [Double] {
    let center = f(0), p1 = f(h), m1 = f(-h), p2 = f(2 * h), m2 = f(-2 * h)
    return (0..<center.count).map { i in
        let fine = (p1[i] - 2 * center[i] + m1[i]) / (h * h)
        let coarse = (p2[i] - 2 * center[i] + m2[i]) / (4 * h * h)
        return (4 * fine - coarse) / 3
    }
}

