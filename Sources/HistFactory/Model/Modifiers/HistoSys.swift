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

    public func makeKernel(_ sets: [PlacedModifierSet], interpolation: InterpolationCode?) throws -> any YieldKernel {
        HistoSysKernel(code: interpolation ?? .code4p, entries: scalarEntries(sets))
    }
}

/// Adds Δ(α; lo, ν⁰, hi) per bin; `hi` at `data..<data+n`, `lo` at `data+n..<data+2n`.
struct HistoSysKernel: YieldKernel {
    let code: InterpolationCode
    let entries: [ScalarFactorEntry]

    var composition: YieldComposition { .additive }

    func forward(_ x: KernelArguments, into out: UnsafeMutableBufferPointer<Double>) {
        for en in entries {
            let alpha = x.pars[en.parameter]
            let n = en.elements.count, e0 = en.elements.lowerBound, hi = en.data, lo = en.data + n
            switch code {
            // The default code gets its own loop so the formula inlines without a per-bin switch.
            case .code4p:
                for k in 0..<n {
                    out[e0 + k] += Interpolators.code4p(alpha, lo: x.modifierData[lo + k], nominal: x.nominal[e0 + k], hi: x.modifierData[hi + k])
                }
            default:
                for k in 0..<n {
                    out[e0 + k] += code.delta(alpha, lo: x.modifierData[lo + k], nominal: x.nominal[e0 + k], hi: x.modifierData[hi + k])
                }
            }
        }
    }

    func backward(_ x: KernelArguments, adjoint: UnsafeBufferPointer<Double>, into grads: KernelGradients) {
        for en in entries {
            let alpha = x.pars[en.parameter]
            let n = en.elements.count, e0 = en.elements.lowerBound, hi = en.data, lo = en.data + n
            var dAlpha = 0.0
            for k in 0..<n {
                let g = adjoint[e0 + k]
                let d = code.deltaWithDerivatives(alpha, lo: x.modifierData[lo + k], nominal: x.nominal[e0 + k], hi: x.modifierData[hi + k])
                dAlpha += g * d.dAlpha
                if let gn = grads.nominal { gn[e0 + k] += g * d.dNominal }
                if let gd = grads.modifierData {
                    gd[hi + k] += g * d.dHi
                    gd[lo + k] += g * d.dLo
                }
            }
            grads.pars[en.parameter] += dAlpha
        }
    }
}
