/// `shapesys`: one Poisson-constrained γ per bin of one sample (Barlow–Beeston lite). With nominal
/// ν and uncertainty δ, a bin is valid iff ν > 0 and δ > 0; then τ = ν²/δ² (aux data and rate factor),
/// else τ = 1 and γ is fixed. A name may be carried by one sample in one channel only.
public struct ShapeSys: ModifierType {
    public init() {}
    public var typeName: String { "shapesys" }
    public var dataFormat: ModifierDataFormat { .perBin }

    public func flattenData(_ modifier: Modifier, sampleData: [Double], path: String) throws -> [Double] {
        try modifier.perBinData(sampleData: sampleData, path: path)
    }

    public func parameterSet(named name: String, occurrences: [ModifierOccurrence], inputs: ModelInputs) throws
        -> ParameterSetDefaults
    {
        if occurrences.count > 1 {
            let o = occurrences[1]
            throw ModelError(
                .invalidModel, path: o.path,
                "shapesys '\(name)' is already used by sample '\(occurrences[0].sample)' in channel '\(occurrences[0].channel)'; a shapesys name cannot be shared")
        }
        let o = occurrences[0]
        var tau: [Double] = []
        var fixed: [Bool] = []
        for k in 0..<o.elements.count {
            let nu = inputs.nominal[o.elements.lowerBound + k], delta = inputs.modifierData[o.data.lowerBound + k]
            let valid = nu > 0 && delta > 0
            tau.append(valid ? (nu * nu) / (delta * delta) : 1)
            fixed.append(!valid)
        }
        let n = tau.count
        return ParameterSetDefaults(
            count: n, isScalar: false, inits: Array(repeating: 1, count: n), bounds: Array(repeating: 1e-10...10, count: n), fixed: fixed,
            constraint: .poisson, auxdata: tau, widths: tau, widthsFromInputs: true, auxdataIsWidths: true,
            allowedKeys: [.inits, .bounds, .fixed, .auxdata, .factors])
    }

    public func makeKernel(_ sets: [PlacedModifierSet], interpolation: InterpolationCode?, inputs: ModelInputs) throws
        -> any YieldKernel
    {
        var tauTerms: [ShapeSysKernel.TauTerm] = []
        for set in sets where set.widthsFromInputs {
            guard let c = set.constraintSlice else { continue }
            let o = set.occurrences[0]
            for k in 0..<o.elements.count {
                tauTerms.append(.init(width: c.lowerBound + k, nominal: o.elements.lowerBound + k, delta: o.data.lowerBound + k))
            }
        }
        return ShapeSysKernel(
            factors: PerBinFactors(sets.map { ($0.occurrences[0].elements, Array($0.slice)) }), tauTerms: tauTerms)
    }
}

struct ShapeSysKernel: YieldKernel {
    /// τ = ν²/δ² of one bin, written at `widths[width]` when the bin is valid.
    struct TauTerm: Sendable {
        var width: Int
        var nominal: Int
        var delta: Int
    }

    let factors: PerBinFactors
    let tauTerms: [TauTerm]

    var composition: YieldComposition { .multiplicative }
    func restricted(to elements: Range<Int>) -> (any YieldKernel)? {
        ShapeSysKernel(factors: factors.restricted(to: elements), tauTerms: [])
    }
    func forward(_ x: KernelArguments, into out: UnsafeMutableBufferPointer<Double>) { factors.forward(x, into: out) }
    func curvature(_ x: KernelArguments, into terms: inout CurvatureTerms) -> Bool { factors.curvature(x, into: &terms) }
    func backward(_ x: KernelArguments, adjoint: UnsafeBufferPointer<Double>, into grads: KernelGradients) {
        factors.backward(x, adjoint: adjoint, into: grads)
    }

    func widths(_ x: KernelArguments, into widths: UnsafeMutableBufferPointer<Double>) {
        for t in tauTerms {
            let nu = x.nominal[t.nominal], delta = x.modifierData[t.delta]
            // Invalid bins keep τ = 1 (the constant the model pre-fills).
            if nu > 0 && delta > 0 { widths[t.width] = (nu * nu) / (delta * delta) }
        }
    }

    func widthsBackward(_ x: KernelArguments, adjoint: UnsafeBufferPointer<Double>, into grads: KernelGradients) {
        for t in tauTerms {
            let nu = x.nominal[t.nominal], delta = x.modifierData[t.delta]
            guard nu > 0 && delta > 0 else { continue }
            let g = adjoint[t.width], d2 = delta * delta
            grads.nominal?[t.nominal] += g * 2 * nu / d2
            grads.modifierData?[t.delta] -= g * 2 * nu * nu / (d2 * delta)
        }
    }
}
