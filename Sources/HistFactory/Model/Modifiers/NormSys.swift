/// `normsys`: a Gaussian-constrained α scaling the sample by an interpolated factor between
/// `lo` (α = −1) and `hi` (α = +1); pyhf's default interpolation is code 4.
public struct NormSys: ModifierType {
    public init() {}
    public var typeName: String { "normsys" }
    public var defaultInterpolation: InterpolationCode? { .code4 }

    public func flattenData(_ modifier: Modifier, sampleData: [Double], path: String) throws -> [Double] {
        guard case .normsys(let hi, let lo) = modifier.data else {
            throw ModelError(.invalidModifier, path: path + ".data", "normsys modifier '\(modifier.name)' needs data {\"hi\": number, \"lo\": number}")
        }
        return [hi, lo]
    }

    public func parameterSet(named name: String, occurrences: [ModifierOccurrence], inputs: ModelInputs) throws
        -> ParameterSetDefaults
    { .unitGaussian }

    public func makeKernel(_ sets: [PlacedModifierSet], interpolation: InterpolationCode?, inputs: ModelInputs) throws
        -> any YieldKernel
    {
        let entries = scalarEntries(sets)
        let code = interpolation ?? .code4
        var table: [Double] = []
        if code == .code4 {
            // Code-4 polynomial coefficients and logs of the model's own hi/lo, so the common
            // evaluation needs no logarithms.
            for en in entries {
                let hi = inputs.modifierData[en.data], lo = inputs.modifierData[en.data + 1]
                let c = Interpolators.code4Coefficients(loRatio: lo, hiRatio: hi)
                table += [c.0, c.1, c.2, c.3, c.4, c.5]
            }
        }
        return ScalarFactorKernel(factor: NormSysFactor(code: code, code4Table: table), entries: entries)
    }
}

/// f(α; hi, lo) with `hi` at `data[offset]` and `lo` at `data[offset + 1]`.
struct NormSysFactor: ScalarFactor {
    let code: InterpolationCode
    /// Six code-4 coefficients per entry slot, for the model's own inputs (empty for other codes).
    let code4Table: [Double]

    @inline(__always)
    private func tabulated(_ x: KernelArguments) -> Bool { x.usesModelInputs && !code4Table.isEmpty }

    @inline(__always)
    func value(_ theta: Double, _ x: KernelArguments, _ entry: ScalarFactorEntry) -> Double {
        let hi = x.modifierData[entry.data], lo = x.modifierData[entry.data + 1]
        guard tabulated(x), theta > -1, theta < 1 else { return code.factor(theta, lo: lo, hi: hi) }
        return code4Table.withUnsafeBufferPointer { t in
            let c = t.baseAddress! + 6 * entry.slot, a = theta
            return 1 + a * (c[0] + a * (c[1] + a * (c[2] + a * (c[3] + a * (c[4] + a * c[5])))))
        }
    }

    @inline(__always)
    func partials(_ theta: Double, _ x: KernelArguments, _ entry: ScalarFactorEntry) -> (value: Double, dTheta: Double) {
        let hi = x.modifierData[entry.data], lo = x.modifierData[entry.data + 1]
        guard tabulated(x), theta > -1, theta < 1 else {
            let d = code.factorWithDerivatives(theta, lo: lo, hi: hi)
            return (d.value, d.dAlpha)
        }
        return code4Table.withUnsafeBufferPointer { t in
            let c = t.baseAddress! + 6 * entry.slot, a = theta
            let value = 1 + a * (c[0] + a * (c[1] + a * (c[2] + a * (c[3] + a * (c[4] + a * c[5])))))
            let slope = c[0] + a * (2 * c[1] + a * (3 * c[2] + a * (4 * c[3] + a * (5 * c[4] + a * 6 * c[5]))))
            return (value, slope)
        }
    }

    func accumulateDataGradient(
        _ theta: Double, _ x: KernelArguments, _ entry: ScalarFactorEntry, scale: Double, into grad: UnsafeMutableBufferPointer<Double>
    ) {
        let d = code.factorWithDerivatives(theta, lo: x.modifierData[entry.data + 1], hi: x.modifierData[entry.data])
        grad[entry.data] += scale * d.dHi
        grad[entry.data + 1] += scale * d.dLo
    }
}
