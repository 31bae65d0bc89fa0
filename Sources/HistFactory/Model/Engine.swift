import Foundation
import HEPKitSupport

/// Constrained components in auxdata order.
struct ConstraintLayout: Sendable {
    /// Parameter index of each constrained component.
    var parameter: [Int] = []
    /// Poisson (shapesys) rather than Gaussian.
    var isPoisson: [Bool] = []
    /// Width (σ or τ) unless a kernel recomputes it from the inputs.
    var constantWidth: [Double] = []
    /// Whether the default auxdata of the component is its width (shapesys τ).
    var auxFromWidth: [Bool] = []
}

/// The numeric core of a model: vectorised forward and reverse passes over all yields, and the
/// likelihood terms. Every function here is plain Swift over buffers; the differentiable API in
/// `Differentiable.swift` registers these as derivatives.
struct Engine: Sendable {
    /// A (channel, sample) block of yields and the first main bin of its channel.
    struct Row: Sendable {
        var elements: Range<Int>
        var mainStart: Int
    }

    /// Forward intermediates needed by the reverse pass.
    struct Tape {
        /// ν⁰ + Σ Δ per element.
        var base: [Double]
        /// Each multiplicative kernel's factor per element: kernel k at `k·elementCount + e`.
        var factors: [Double]
    }

    /// Rows (whole channels) with the kernels restricted to them. Partitions of one engine own
    /// disjoint elements, main bins and modifier data, so they can run concurrently.
    struct Partition: Sendable {
        var rows: [Row]
        var additive: [any YieldKernel]
        var multiplicative: [any YieldKernel]
    }

    /// All rows: used for the constraint widths and for models too small to split.
    let whole: Partition
    /// Two or more partitions when the model is large enough to spread over the cores, else empty.
    let partitions: [Partition]
    let elementCount: Int
    let mainBinCount: Int
    let parameterCount: Int
    let constraint: ConstraintLayout

    private var runParts: [Partition] { partitions.isEmpty ? [whole] : partitions }

    /// Runs `body(p)` for every partition index, on the thread budget when there are several (and
    /// serially inside another parallel loop, e.g. one toy of many).
    private func forEachPartition(_ count: Int, _ body: @Sendable (Int) -> Void) {
        parallelForEach(count, body)
    }

    // MARK: expected main data

    /// λ per main bin, and the tape for `expectedMainBackward`.
    func expectedMain(_ pars: UnsafeBufferPointer<Double>, _ inputs: ModelInputs, usesModelInputs: Bool = false)
        -> (lambda: [Double], tape: Tape)
    {
        let kCount = whole.multiplicative.count, n = elementCount
        var base = [Double](repeating: 0, count: n)
        var factors = [Double](repeating: 1, count: kCount * n)
        var lambda = [Double](repeating: 0, count: mainBinCount)
        let parts = runParts
        withArguments(inputs, pars, usesModelInputs: usesModelInputs) { x in
            base.withUnsafeMutableBufferPointer { b in
                factors.withUnsafeMutableBufferPointer { f in
                    lambda.withUnsafeMutableBufferPointer { l in
                        // Partitions write disjoint elements and bins of these buffers.
                        nonisolated(unsafe) let (x, b, f, l) = (x, b, f, l)
                        forEachPartition(parts.count) { p in
                            let part = parts[p]
                            // pyhf's order: (Δ₁ + Δ₂ + … + ν⁰), then the factors by type.
                            for k in part.additive { k.forward(x, into: b) }
                            for row in part.rows { for e in row.elements { b[e] += x.nominal[e] } }
                            for (k, kernel) in part.multiplicative.enumerated() {
                                kernel.forward(x, into: UnsafeMutableBufferPointer(rebasing: f[(k * n)..<((k + 1) * n)]))
                            }
                            for row in part.rows {
                                var bin = row.mainStart
                                for e in row.elements {
                                    var prod = 1.0
                                    for k in 0..<kCount { prod *= f[k * n + e] }
                                    l[bin] += prod * b[e]
                                    bin += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        return (lambda, Tape(base: base, factors: factors))
    }

    /// Accumulates ∂L/∂pars (and ∂L/∂inputs if wanted) given ∂L/∂λ.
    func expectedMainBackward(
        _ pars: UnsafeBufferPointer<Double>, _ inputs: ModelInputs, tape: Tape, dLambda: UnsafeBufferPointer<Double>,
        dPars: UnsafeMutableBufferPointer<Double>, dNominal: UnsafeMutableBufferPointer<Double>?,
        dModifierData: UnsafeMutableBufferPointer<Double>?, usesModelInputs: Bool = false
    ) {
        let kCount = whole.multiplicative.count, n = elementCount
        let parts = runParts
        var dBase = [Double](repeating: 0, count: n)
        var dFactors = [Double](repeating: 0, count: kCount * n)
        // Every partition but the first accumulates its parameter gradient separately (summed below).
        var extra = [Double](repeating: 0, count: (parts.count - 1) * parameterCount)
        withArguments(inputs, pars, usesModelInputs: usesModelInputs) { x in
            dBase.withUnsafeMutableBufferPointer { db in
                dFactors.withUnsafeMutableBufferPointer { df in
                    extra.withUnsafeMutableBufferPointer { extra in
                        tape.base.withUnsafeBufferPointer { base in
                            tape.factors.withUnsafeBufferPointer { f in
                                nonisolated(unsafe) let (x, db, df, extra, base, f) = (x, db, df, extra, base, f)
                                nonisolated(unsafe) let (dPars, dNominal, dModifierData, dLambda) = (dPars, dNominal, dModifierData, dLambda)
                                forEachPartition(parts.count) { p in
                                    let part = parts[p]
                                    // df[k·n + e] = ∂L/∂ν_e · base_e · ∏_{j≠k} F_j[e], by prefix and suffix products.
                                    for row in part.rows {
                                        var bin = row.mainStart
                                        for e in row.elements {
                                            var prefix = dLambda[bin]
                                            bin += 1
                                            for k in 0..<kCount {
                                                df[k * n + e] = prefix
                                                prefix *= f[k * n + e]
                                            }
                                            db[e] = prefix
                                            var suffix = base[e]
                                            for k in stride(from: kCount - 1, through: 0, by: -1) {
                                                df[k * n + e] *= suffix
                                                suffix *= f[k * n + e]
                                            }
                                        }
                                    }
                                    let gp = p == 0 ? dPars : UnsafeMutableBufferPointer(rebasing: extra[((p - 1) * parameterCount)..<(p * parameterCount)])
                                    let grads = KernelGradients(pars: gp, nominal: dNominal, modifierData: dModifierData)
                                    for k in part.additive { k.backward(x, adjoint: UnsafeBufferPointer(db), into: grads) }
                                    if let dn = dNominal { for row in part.rows { for e in row.elements { dn[e] += db[e] } } }
                                    for (k, kernel) in part.multiplicative.enumerated() {
                                        kernel.backward(x, adjoint: UnsafeBufferPointer(rebasing: df[(k * n)..<((k + 1) * n)]), into: grads)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        for p in 1..<max(parts.count, 1) {
            for i in 0..<parameterCount { dPars[i] += extra[(p - 1) * parameterCount + i] }
        }
    }

    // MARK: constraint widths

    /// σ / τ of every constrained component for `inputs`.
    func widths(_ inputs: ModelInputs) -> [Double] {
        var w = constraint.constantWidth
        withArguments(inputs) { x in
            w.withUnsafeMutableBufferPointer { wp in
                for k in whole.additive + whole.multiplicative { k.widths(x, into: wp) }
            }
        }
        return w
    }

    func widthsBackward(
        _ inputs: ModelInputs, dWidths: UnsafeBufferPointer<Double>, dNominal: UnsafeMutableBufferPointer<Double>,
        dModifierData: UnsafeMutableBufferPointer<Double>
    ) {
        withArguments(inputs) { x in
            var unused = [Double](repeating: 0, count: parameterCount)
            unused.withUnsafeMutableBufferPointer { dp in
                let grads = KernelGradients(pars: dp, nominal: dNominal, modifierData: dModifierData)
                for k in whole.additive + whole.multiplicative { k.widthsBackward(x, adjoint: dWidths, into: grads) }
            }
        }
    }

    func withArguments<R>(
        _ inputs: ModelInputs, _ pars: UnsafeBufferPointer<Double> = UnsafeBufferPointer(start: nil, count: 0),
        usesModelInputs: Bool = false, _ body: (KernelArguments) -> R
    ) -> R {
        inputs.nominal.withUnsafeBufferPointer { nominal in
            inputs.modifierData.withUnsafeBufferPointer { modData in
                body(KernelArguments(pars: pars, nominal: nominal, modifierData: modData, usesModelInputs: usesModelInputs))
            }
        }
    }

    // MARK: likelihood terms

    /// Σ_b ln Pois(n_b | λ_b) with pyhf's continuous Poisson; optionally ∂/∂λ and ∂/∂n.
    func mainLogpdf(
        _ lambda: UnsafeBufferPointer<Double>, _ data: UnsafeBufferPointer<Double>,
        dLambda: UnsafeMutableBufferPointer<Double>? = nil, dData: UnsafeMutableBufferPointer<Double>? = nil
    ) -> Double {
        var sum = 0.0
        for b in 0..<mainBinCount {
            let n = data[b], l = lambda[b]
            sum += poissonLogpdf(n, l)
            if let dl = dLambda { dl[b] = n == 0 ? -1 : n / l - 1 }
            if let dd = dData { dd[b] = Foundation.log(l) - digamma(n + 1) }
        }
        return sum
    }

    /// Σ Gaussian and Poisson constraint terms; optionally their gradients.
    func constraintLogpdf(
        _ pars: UnsafeBufferPointer<Double>, _ data: UnsafeBufferPointer<Double>, _ widths: UnsafeBufferPointer<Double>,
        dPars: UnsafeMutableBufferPointer<Double>? = nil, dData: UnsafeMutableBufferPointer<Double>? = nil,
        dWidths: UnsafeMutableBufferPointer<Double>? = nil
    ) -> Double {
        var normal = 0.0, poisson = 0.0
        constraint.parameter.withUnsafeBufferPointer { parIndex in
            constraint.isPoisson.withUnsafeBufferPointer { isPoisson in
                for k in 0..<parIndex.count {
                    let p = parIndex[k], theta = pars[p], a = data[mainBinCount + k], w = widths[k]
                    if isPoisson[k] {
                        let rate = theta * w
                        poisson += poissonLogpdf(a, rate)
                        let dRate = a == 0 ? -1 : a / rate - 1
                        dPars?[p] += dRate * w
                        dWidths?[k] += dRate * theta
                        if let dd = dData { dd[mainBinCount + k] += Foundation.log(rate) - digamma(a + 1) }
                    } else {
                        let z = (a - theta) / (2.0.squareRoot() * w)
                        normal += -Foundation.log(w * (2 * Double.pi).squareRoot()) - z * z
                        let r = (a - theta) / (w * w)
                        dPars?[p] += r
                        dWidths?[k] += -1 / w + (a - theta) * r / w
                        dData?[mainBinCount + k] -= r
                    }
                }
            }
        }
        return normal + poisson
    }

    /// Expected auxdata: θ for Gaussian components, τ·γ for Poisson ones.
    func expectedAux(_ pars: UnsafeBufferPointer<Double>, _ widths: UnsafeBufferPointer<Double>) -> [Double] {
        constraint.parameter.indices.map { k in
            let theta = pars[constraint.parameter[k]]
            return constraint.isPoisson[k] ? theta * widths[k] : theta
        }
    }
}

/// pyhf's `xlogy(n, λ) − λ − lgamma(n + 1)`.
@inline(__always)
func poissonLogpdf(_ n: Double, _ lambda: Double) -> Double {
    (n == 0 ? 0 : n * Foundation.log(lambda)) - lambda - logGamma(n + 1)
}

/// ln Γ(x) (thread-safe).
@inline(__always)
func logGamma(_ x: Double) -> Double {
    var sign: Int32 = 0
    return lgamma_r(x, &sign)
}

/// ψ(x), the digamma function, for x > 0 (recurrence up to 6, then the asymptotic series).
func digamma(_ x: Double) -> Double {
    var x = x, result = 0.0
    while x < 6 {
        result -= 1 / x
        x += 1
    }
    let f = 1 / (x * x)
    let series = f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132)))))
    return result + Foundation.log(x) - 0.5 / x - series
}

