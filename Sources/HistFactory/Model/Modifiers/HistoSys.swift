/// `histosys`: a Gaussian-constrained α adding an interpolated shift between the templates
/// `lo_data` (α = −1) and `hi_data` (α = +1); pyhf's default interpolation is code 4p.
public struct HistoSys: ModifierType {
    public init() {}
    public var typeName: String { "histosys" }
    public var defaultInterpolation: InterpolationCode? { .code4p }

    public func flattenData(_ modifier: Modifier, sampleData: [Double], path: String) throws -> [Double] {
        guard case .histosys(let hi, let lo) = modifier.data else {
            throw ModelError(
                .invalidModifier, path: path + ".data", "histosys modifier '\(modifier.name)' needs data {\"hi_data\": [...], \"lo_data\": [...]}")
        }
        for (key, values) in [("hi_data", hi), ("lo_data", lo)] where values.count != sampleData.count {
            throw ModelError(
                .invalidModifier, path: path + ".data.\(key)",
                "histosys modifier '\(modifier.name)' has data shape inconsistent with the sample: expected \(sampleData.count) values, found \(values.count)")
        }
        return hi + lo
    }

    public func parameterSet(named name: String, occurrences: [ModifierOccurrence], inputs: ModelInputs) throws
        -> ParameterSetDefaults
    { .unitGaussian }

    public func makeKernel(_ sets: [PlacedModifierSet], interpolation: InterpolationCode?, inputs: ModelInputs) throws
        -> any YieldKernel
    {
        HistoSysKernel(code: interpolation ?? .code4p, entries: scalarEntries(sets))
    }
}

/// Adds Δ(α; lo, ν⁰, hi) per bin; `hi` at `data..<data+n`, `lo` at `data+n..<data+2n`.
struct HistoSysKernel: YieldKernel {
    let code: InterpolationCode
    let entries: [ScalarFactorEntry]

    var composition: YieldComposition { .additive }

    func restricted(to elements: Range<Int>) -> (any YieldKernel)? {
        HistoSysKernel(code: code, entries: entries.filter { elements.contains($0.elements.lowerBound) })
    }

    func forward(_ x: KernelArguments, into out: UnsafeMutableBufferPointer<Double>) {
        for en in entries {
            let alpha = x.pars[en.parameter]
            let n = en.elements.count, e0 = en.elements.lowerBound, hi = en.data, lo = en.data + n
            let nom = x.nominal.baseAddress! + e0, out = out.baseAddress! + e0
            let hiData = x.modifierData.baseAddress! + hi, loData = x.modifierData.baseAddress! + lo
            // The default code gets branch-free inner loops (α-only terms hoisted), in pyhf's arithmetic.
            if code == .code4p {
                if alpha > 1 {
                    for k in 0..<n { out[k] += alpha * (hiData[k] - nom[k]) }
                } else if alpha < -1 {
                    for k in 0..<n { out[k] += alpha * (nom[k] - loData[k]) }
                } else {
                    let a2 = alpha * alpha
                    let tmp3 = a2 * (a2 * (a2 * 3.0 - 10.0) + 15.0)
                    for k in 0..<n {
                        let up = hiData[k] - nom[k], dn = nom[k] - loData[k]
                        out[k] += tmp3 * (0.0625 * (up - dn)) + alpha * (0.5 * (up + dn))
                    }
                }
            } else {
                for k in 0..<n { out[k] += code.delta(alpha, lo: loData[k], nominal: nom[k], hi: hiData[k]) }
            }
        }
    }

    func backward(_ x: KernelArguments, adjoint: UnsafeBufferPointer<Double>, into grads: KernelGradients) {
        for en in entries {
            let alpha = x.pars[en.parameter]
            let n = en.elements.count, e0 = en.elements.lowerBound, hi = en.data, lo = en.data + n
            let nom = x.nominal.baseAddress! + e0, adj = adjoint.baseAddress! + e0
            let hiData = x.modifierData.baseAddress! + hi, loData = x.modifierData.baseAddress! + lo
            var dAlpha = 0.0
            if code.isMultiplicative {
                for k in 0..<n {
                    let g = adj[k]
                    let d = code.deltaWithDerivatives(alpha, lo: loData[k], nominal: nom[k], hi: hiData[k])
                    dAlpha += g * d.dAlpha
                    grads.nominal?[e0 + k] += g * d.dNominal
                    grads.modifierData?[hi + k] += g * d.dHi
                    grads.modifierData?[lo + k] += g * d.dLo
                }
            } else {
                // Additive codes are linear in (lo, ν⁰, hi) at fixed α: Δ = wL·lo + wN·ν⁰ + wH·hi, and
                // ∂Δ/∂α likewise with weights w'. Unit templates give the six weights once per entry.
                let l = code.deltaWithDerivatives(alpha, lo: 1, nominal: 0, hi: 0)
                let m = code.deltaWithDerivatives(alpha, lo: 0, nominal: 1, hi: 0)
                let h = code.deltaWithDerivatives(alpha, lo: 0, nominal: 0, hi: 1)
                for k in 0..<n { dAlpha += adj[k] * (l.dAlpha * loData[k] + m.dAlpha * nom[k] + h.dAlpha * hiData[k]) }
                if let gn = grads.nominal { for k in 0..<n { gn[e0 + k] += adj[k] * m.dNominal } }
                if let gd = grads.modifierData {
                    for k in 0..<n {
                        gd[hi + k] += adj[k] * h.dHi
                        gd[lo + k] += adj[k] * l.dLo
                    }
                }
            }
            grads.pars[en.parameter] += dAlpha
        }
    }
}
