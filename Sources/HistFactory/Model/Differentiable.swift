import Foundation
import HEPKitSupport
import _Differentiation

// The evaluation API. Each function here is either a vectorised kernel of `Engine` with its
// hand-written reverse derivative registered via `@derivative(of:)`, or a composition of such
// kernels (which Swift's AD differentiates by chaining the registered pullbacks, no per-element AD).

extension Model {
    // MARK: expected data

    /// Expected main data λ(θ) for `inputs` (pyhf `expected_actualdata`), differentiable with respect
    /// to the parameters and the inputs.
    @differentiable(reverse, wrt: (pars, inputs))
    public func expectedActualData(_ pars: [Double], inputs: ModelInputs) -> [Double] {
        pars.withUnsafeBufferPointer { engine.expectedMain($0, inputs, usesModelInputs: isOwn(inputs)).lambda }
    }

    @derivative(of: expectedActualData(_:inputs:), wrt: (pars, inputs))
    public func _vjpExpectedActualData(_ pars: [Double], inputs: ModelInputs)
        -> (value: [Double], pullback: (Array<Double>.TangentVector) -> (Array<Double>.TangentVector, ModelInputs))
    {
        let engine = self.engine, own = isOwn(inputs)
        let (lambda, tape) = pars.withUnsafeBufferPointer { engine.expectedMain($0, inputs, usesModelInputs: own) }
        return (
            lambda,
            { dLambda in
                var dPars = [Double](repeating: 0, count: pars.count)
                var dInputs = ModelInputs(
                    nominal: [Double](repeating: 0, count: inputs.nominal.count),
                    modifierData: [Double](repeating: 0, count: inputs.modifierData.count))
                if dLambda.base.isEmpty { return (.init(dPars), dInputs) }
                pars.withUnsafeBufferPointer { p in
                    dLambda.base.withUnsafeBufferPointer { dl in
                        dPars.withUnsafeMutableBufferPointer { dp in
                            dInputs.nominal.withUnsafeMutableBufferPointer { dn in
                                dInputs.modifierData.withUnsafeMutableBufferPointer { dm in
                                    engine.expectedMainBackward(
                                        p, inputs, tape: tape, dLambda: dl, dPars: dp, dNominal: dn, dModifierData: dm,
                                        usesModelInputs: own)
                                }
                            }
                        }
                    }
                }
                return (.init(dPars), dInputs)
            }
        )
    }

    /// Expected main data λ(θ) (pyhf `expected_actualdata`).
    @differentiable(reverse, wrt: pars)
    public func expectedActualData(_ pars: [Double]) -> [Double] {
        pars.withUnsafeBufferPointer { engine.expectedMain($0, inputs, usesModelInputs: true).lambda }
    }

    @derivative(of: expectedActualData(_:), wrt: pars)
    public func _vjpExpectedActualDataOwnInputs(_ pars: [Double])
        -> (value: [Double], pullback: (Array<Double>.TangentVector) -> Array<Double>.TangentVector)
    {
        let (value, pullback) = _vjpExpectedActualData(pars, inputs: inputs)
        return (value, { pullback($0).0 })
    }

    /// Expected data: main bins, then the expected auxdata (Gaussian: θ, Poisson: τ·γ) if asked
    /// (pyhf `expected_data`).
    @differentiable(reverse, wrt: (pars, inputs))
    public func expectedData(_ pars: [Double], inputs: ModelInputs, includeAuxdata: Bool = true) -> [Double] {
        let main = expectedActualData(pars, inputs: inputs)
        if !includeAuxdata { return main }
        return concatenate(main, expectedAuxdata(pars, widths: constraintWidths(inputs: inputs)))
    }

    /// Expected data for the model's own inputs (pyhf `expected_data`).
    @differentiable(reverse, wrt: pars)
    public func expectedData(_ pars: [Double], includeAuxdata: Bool = true) -> [Double] {
        expectedData(pars, inputs: inputs, includeAuxdata: includeAuxdata)
    }

    // MARK: constraint widths and auxdata

    /// Constraint widths in auxdata order: σ (Gaussian) or τ (Poisson), as computed from `inputs`
    /// (staterror σ and shapesys τ depend on the nominal yields and uncertainties).
    @differentiable(reverse, wrt: inputs)
    public func constraintWidths(inputs: ModelInputs) -> [Double] { isOwn(inputs) ? cachedWidths : engine.widths(inputs) }

    @derivative(of: constraintWidths(inputs:), wrt: inputs)
    public func _vjpConstraintWidths(inputs: ModelInputs) -> (value: [Double], pullback: (Array<Double>.TangentVector) -> ModelInputs) {
        let engine = self.engine
        return (
            constraintWidths(inputs: inputs),
            { dWidths in
                var d = ModelInputs(
                    nominal: [Double](repeating: 0, count: inputs.nominal.count),
                    modifierData: [Double](repeating: 0, count: inputs.modifierData.count))
                if dWidths.base.isEmpty { return d }
                dWidths.base.withUnsafeBufferPointer { dw in
                    d.nominal.withUnsafeMutableBufferPointer { dn in
                        d.modifierData.withUnsafeMutableBufferPointer { dm in
                            engine.widthsBackward(inputs, dWidths: dw, dNominal: dn, dModifierData: dm)
                        }
                    }
                }
                return d
            }
        )
    }

    /// Default auxdata for `inputs`: the measurement's values, except that shapesys aux data follow τ
    /// (pyhf rebuilds them from the nominal yields) unless the measurement sets them.
    @differentiable(reverse, wrt: inputs)
    public func auxdata(inputs: ModelInputs) -> [Double] { auxdata(widths: constraintWidths(inputs: inputs)) }

    @differentiable(reverse, wrt: widths)
    func auxdata(widths: [Double]) -> [Double] {
        auxdata.indices.map { engine.constraint.auxFromWidth[$0] ? widths[$0] : auxdata[$0] }
    }

    @derivative(of: auxdata(widths:), wrt: widths)
    func _vjpAuxdata(widths: [Double]) -> (value: [Double], pullback: (Array<Double>.TangentVector) -> Array<Double>.TangentVector) {
        let follows = engine.constraint.auxFromWidth
        return (
            auxdata(widths: widths),
            { d in
                if d.base.isEmpty { return .init([Double](repeating: 0, count: widths.count)) }
                return .init(follows.indices.map { follows[$0] ? d.base[$0] : 0 })
            }
        )
    }

    /// Expected auxdata: θ for Gaussian components, τ·γ for Poisson ones.
    @differentiable(reverse, wrt: (pars, widths))
    func expectedAuxdata(_ pars: [Double], widths: [Double]) -> [Double] {
        pars.withUnsafeBufferPointer { p in widths.withUnsafeBufferPointer { engine.expectedAux(p, $0) } }
    }

    @derivative(of: expectedAuxdata(_:widths:), wrt: (pars, widths))
    func _vjpExpectedAuxdata(_ pars: [Double], widths: [Double])
        -> (value: [Double], pullback: (Array<Double>.TangentVector) -> (Array<Double>.TangentVector, Array<Double>.TangentVector))
    {
        let c = engine.constraint
        return (
            expectedAuxdata(pars, widths: widths),
            { d in
                var dp = [Double](repeating: 0, count: pars.count), dw = [Double](repeating: 0, count: widths.count)
                if d.base.isEmpty { return (.init(dp), .init(dw)) }
                for k in c.parameter.indices {
                    let p = c.parameter[k]
                    if c.isPoisson[k] {
                        dp[p] += d.base[k] * widths[k]
                        dw[k] += d.base[k] * pars[p]
                    } else {
                        dp[p] += d.base[k]
                    }
                }
                return (.init(dp), .init(dw))
            }
        )
    }

    // MARK: likelihood

    /// Σ_b ln Pois(n_b | λ_b) over the main bins of `data` (pyhf `mainlogpdf`), with pyhf's continuous
    /// Poisson `xlogy(n, λ) − λ − lgamma(n + 1)`.
    @differentiable(reverse, wrt: (expected, data))
    public func mainLogpdf(expected: [Double], data: [Double]) -> Double {
        expected.withUnsafeBufferPointer { l in data.withUnsafeBufferPointer { engine.mainLogpdf(l, $0) } }
    }

    @derivative(of: mainLogpdf(expected:data:), wrt: (expected, data))
    public func _vjpMainLogpdf(expected: [Double], data: [Double])
        -> (value: Double, pullback: (Double) -> (Array<Double>.TangentVector, Array<Double>.TangentVector))
    {
        var dl = [Double](repeating: 0, count: expected.count), dd = [Double](repeating: 0, count: data.count)
        let value = expected.withUnsafeBufferPointer { l in
            data.withUnsafeBufferPointer { d in
                dl.withUnsafeMutableBufferPointer { dlp in
                    dd.withUnsafeMutableBufferPointer { engine.mainLogpdf(l, d, dLambda: dlp, dData: $0) }
                }
            }
        }
        return (value, { g in (.init(dl.map { $0 * g }), .init(dd.map { $0 * g })) })
    }

    /// Sum of the Gaussian and Poisson constraint terms with the given widths (pyhf `constraint_logpdf`
    /// for `widths == constraintWidths(inputs: inputs)`); auxdata are read from the tail of `data`.
    @differentiable(reverse, wrt: (pars, data, widths))
    public func constraintLogpdf(_ pars: [Double], data: [Double], widths: [Double]) -> Double {
        pars.withUnsafeBufferPointer { p in
            data.withUnsafeBufferPointer { d in widths.withUnsafeBufferPointer { engine.constraintLogpdf(p, d, $0) } }
        }
    }

    @derivative(of: constraintLogpdf(_:data:widths:), wrt: (pars, data, widths))
    public func _vjpConstraintLogpdf(_ pars: [Double], data: [Double], widths: [Double]) -> (
        value: Double,
        pullback: (Double) -> (Array<Double>.TangentVector, Array<Double>.TangentVector, Array<Double>.TangentVector)
    ) {
        var dp = [Double](repeating: 0, count: pars.count), dd = [Double](repeating: 0, count: data.count)
        var dw = [Double](repeating: 0, count: widths.count)
        let value = pars.withUnsafeBufferPointer { p in
            data.withUnsafeBufferPointer { d in
                widths.withUnsafeBufferPointer { w in
                    dp.withUnsafeMutableBufferPointer { dpp in
                        dd.withUnsafeMutableBufferPointer { ddp in
                            dw.withUnsafeMutableBufferPointer { engine.constraintLogpdf(p, d, w, dPars: dpp, dData: ddp, dWidths: $0) }
                        }
                    }
                }
            }
        }
        return (value, { g in (.init(dp.map { $0 * g }), .init(dd.map { $0 * g }), .init(dw.map { $0 * g })) })
    }

    /// ln L(θ | data) for `inputs` (pyhf `logpdf`), differentiable with respect to the parameters, the
    /// data (main and aux, treated as continuous) and the inputs. Its derivative is one fused
    /// forward/reverse pass (the same kernels as `logpdfAndGradient`, plus the input gradients).
    @differentiable(reverse, wrt: (pars, data, inputs))
    public func logpdf(_ pars: [Double], data: [Double], inputs: ModelInputs) -> Double {
        evaluate(pars, data, inputs: inputs, gradient: false).value
    }

    @derivative(of: logpdf(_:data:inputs:), wrt: (pars, data, inputs))
    public func _vjpLogpdfInputs(_ pars: [Double], data: [Double], inputs: ModelInputs) -> (
        value: Double, pullback: (Double) -> (Array<Double>.TangentVector, Array<Double>.TangentVector, ModelInputs)
    ) {
        let r = evaluate(pars, data, inputs: inputs, gradient: true, dataGradient: true, inputsGradient: true)
        return (
            r.value,
            { g in
                if g == 1 { return (.init(r.gradient), .init(r.dataGradient), r.inputsGradient) }
                var d = r.inputsGradient
                for i in d.nominal.indices { d.nominal[i] *= g }
                for i in d.modifierData.indices { d.modifierData[i] *= g }
                return (.init(r.gradient.map { $0 * g }), .init(r.dataGradient.map { $0 * g }), d)
            }
        )
    }

    /// ln L(θ | data) (pyhf `logpdf`; `twice_nll = −2·logpdf`). `data` = main bins then auxdata.
    @differentiable(reverse, wrt: (pars, data))
    public func logpdf(_ pars: [Double], data: [Double]) -> Double { evaluate(pars, data, gradient: false).value }

    @derivative(of: logpdf(_:data:), wrt: (pars, data))
    public func _vjpLogpdf(_ pars: [Double], data: [Double])
        -> (value: Double, pullback: (Double) -> (Array<Double>.TangentVector, Array<Double>.TangentVector))
    {
        let r = evaluate(pars, data, gradient: true, dataGradient: true)
        return (r.value, { g in (.init(r.gradient.map { $0 * g }), .init(r.dataGradient.map { $0 * g })) })
    }

    /// ln L and its exact gradient with respect to the parameters, in one forward and one reverse pass
    /// (the minimiser's objective; about 2× the cost of `logpdf`).
    public func logpdfAndGradient(_ pars: [Double], data: [Double]) -> (value: Double, gradient: [Double]) {
        let r = evaluate(pars, data, gradient: true)
        return (r.value, r.gradient)
    }

    /// ln L for `inputs` and its exact gradient with respect to the parameters only (the minimiser's
    /// objective for replaced inputs: no input gradient is computed).
    public func logpdfAndGradient(_ pars: [Double], data: [Double], inputs: ModelInputs) -> (value: Double, gradient: [Double]) {
        let r = evaluate(pars, data, inputs: inputs, gradient: true)
        return (r.value, r.gradient)
    }

    /// ln L with all its first derivatives — parameters, data and inputs — in one fused forward and
    /// reverse pass (what the pullback of `logpdf(_:data:inputs:)` uses; about 2–3× a `logpdf`
    /// plus the cost of writing the input gradient).
    public func logpdfAndGradients(_ pars: [Double], data: [Double], inputs: ModelInputs)
        -> (value: Double, parameters: [Double], data: [Double], inputs: ModelInputs)
    {
        let r = evaluate(pars, data, inputs: inputs, gradient: true, dataGradient: true, inputsGradient: true)
        return (r.value, r.gradient, r.dataGradient, r.inputsGradient)
    }

    /// The Hessian of ln L with respect to the parameters, by central differences of the exact gradient
    /// (2·n gradient evaluations on the thread budget; HEPKitSupport's `finiteDifferenceHessian`), symmetrised. The step is
    /// hᵢ = relativeStep·max(1, |θᵢ|); it matches closed-form Hessians to better than 1e-7 relative in the tests.
    public func logpdfHessian(_ pars: [Double], data: [Double], relativeStep: Double = 1e-5) -> [[Double]] {
        let n = pars.count
        let flat = finiteDifferenceHessian(at: pars, indices: Array(0..<n), relativeStep: relativeStep) {
            let r = evaluate($0, data, gradient: true)
            return (r.value, r.gradient)
        }
        return (0..<n).map { i in (0..<n).map { j in 0.5 * (flat[i * n + j] + flat[j * n + i]) } }
    }

    /// ∂/∂(inputs, data) of ⟨direction, ∇_θ ln L⟩ at `pars`: the mixed second derivative applied to a
    /// parameter-space vector, which is what implicit differentiation through a fit needs
    /// (dθ̂/dx = −H⁻¹·∂²L/∂θ∂x, so the adjoint w = H⁻¹·∂f/∂θ gives df/dx = ∂f/∂x − ⟨w, ∂²L/∂θ∂x⟩).
    /// Computed by central differences of the exact input and data gradients along `direction`
    /// (two evaluations; HEPKitSupport's `centralDirectionalDifference`); `relativeStep` scales the
    /// step by max(1, max|θᵢ|)/max|directionᵢ|.
    public func logpdfMixedDerivative(_ pars: [Double], data: [Double], direction: [Double], relativeStep: Double = 1e-6)
        -> (inputs: ModelInputs, data: [Double])
    {
        precondition(direction.count == pars.count, "direction must have one entry per parameter")
        let (nominal, modifiers) = (inputs.nominal.count, inputs.modifierData.count)
        let joint = centralDirectionalDifference(at: pars, along: direction, relativeStep: relativeStep) {
            let r = evaluate($0, data, inputs: inputs, gradient: false, dataGradient: true, inputsGradient: true)
            return r.inputsGradient.nominal + r.inputsGradient.modifierData + r.dataGradient
        } ?? [Double](repeating: 0, count: nominal + modifiers + data.count)
        return (
            ModelInputs(nominal: Array(joint[..<nominal]), modifierData: Array(joint[nominal..<(nominal + modifiers)])),
            Array(joint[(nominal + modifiers)...])
        )
    }

    /// Whether `inputs` are the model's own (same storage), for which the constraint widths are cached
    /// and the kernels have precomputed tables.
    func isOwn(_ inputs: ModelInputs) -> Bool { inputs.sharesStorage(with: self.inputs) }

    /// The fused forward and reverse pass. Without `inputs` it uses the model's own inputs.
    func evaluate(
        _ pars: [Double], _ data: [Double], inputs given: ModelInputs? = nil, gradient: Bool, dataGradient: Bool = false,
        inputsGradient: Bool = false
    ) -> (value: Double, gradient: [Double], dataGradient: [Double], inputsGradient: ModelInputs) {
        precondition(pars.count == parameterCount, "expected \(parameterCount) parameters, found \(pars.count)")
        precondition(data.count == dataCount, "expected \(dataCount) data values, found \(data.count)")
        let inputs = given ?? self.inputs
        let own = isOwn(inputs)
        precondition(
            inputs.nominal.count == self.inputs.nominal.count && inputs.modifierData.count == self.inputs.modifierData.count,
            "ModelInputs of a different model")
        let widths = own ? cachedWidths : engine.widths(inputs)
        let backward = gradient || inputsGradient
        var dPars = [Double](repeating: 0, count: backward ? pars.count : 0)
        var dData = [Double](repeating: 0, count: dataGradient ? data.count : 0)
        var dLambda = [Double](repeating: 0, count: backward ? mainBinCount : 0)
        var dWidths = [Double](repeating: 0, count: inputsGradient ? widths.count : 0)
        var dInputs = ModelInputs(
            nominal: [Double](repeating: 0, count: inputsGradient ? inputs.nominal.count : 0),
            modifierData: [Double](repeating: 0, count: inputsGradient ? inputs.modifierData.count : 0))
        let value = pars.withUnsafeBufferPointer { p in
            data.withUnsafeBufferPointer { d in
                widths.withUnsafeBufferPointer { w in
                    dPars.withUnsafeMutableBufferPointer { dp in
                        dData.withUnsafeMutableBufferPointer { dd in
                            dLambda.withUnsafeMutableBufferPointer { dl in
                                dWidths.withUnsafeMutableBufferPointer { dw in
                                    dInputs.nominal.withUnsafeMutableBufferPointer { dn in
                                        dInputs.modifierData.withUnsafeMutableBufferPointer { dm in
                                            let (lambda, tape) = engine.expectedMain(p, inputs, usesModelInputs: own)
                                            let main = lambda.withUnsafeBufferPointer {
                                                engine.mainLogpdf($0, d, dLambda: backward ? dl : nil, dData: dataGradient ? dd : nil)
                                            }
                                            let constraint = engine.constraintLogpdf(
                                                p, d, w, dPars: backward ? dp : nil, dData: dataGradient ? dd : nil,
                                                dWidths: inputsGradient ? dw : nil)
                                            if backward {
                                                engine.expectedMainBackward(
                                                    p, inputs, tape: tape, dLambda: UnsafeBufferPointer(dl), dPars: dp,
                                                    dNominal: inputsGradient ? dn : nil, dModifierData: inputsGradient ? dm : nil,
                                                    usesModelInputs: own)
                                            }
                                            if inputsGradient {
                                                engine.widthsBackward(inputs, dWidths: UnsafeBufferPointer(dw), dNominal: dn, dModifierData: dm)
                                            }
                                            return main + constraint
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (value, dPars, dData, dInputs)
    }
}

/// `a + b`, as a kernel with its derivative (split the cotangent).
@differentiable(reverse)
func concatenate(_ a: [Double], _ b: [Double]) -> [Double] { a + b }

@derivative(of: concatenate)
func _vjpConcatenate(_ a: [Double], _ b: [Double])
    -> (value: [Double], pullback: (Array<Double>.TangentVector) -> (Array<Double>.TangentVector, Array<Double>.TangentVector))
{
    let n = a.count, m = b.count
    return (
        a + b,
        { d in
            if d.base.isEmpty { return (.init([Double](repeating: 0, count: n)), .init([Double](repeating: 0, count: m))) }
            return (.init(Array(d.base[0..<n])), .init(Array(d.base[n..<(n + m)])))
        }
    )
}
