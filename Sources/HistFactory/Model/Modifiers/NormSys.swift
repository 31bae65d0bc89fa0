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

    public func makeKernel(_ sets: [PlacedModifierSet], interpolation: InterpolationCode?) throws -> any YieldKernel {
        ScalarFactorKernel(factor: NormSysFactor(code: interpolation ?? .code4), entries: scalarEntries(sets))
    }
}

/// f(α; hi, lo) with `hi` at `data[offset]` and `lo` at `data[offset + 1]`.
struct NormSysFactor: ScalarFactor {
    let code: InterpolationCode

    @inline(__always)
    func value(_ theta: Double, _ data: UnsafeBufferPointer<Double>, at offset: Int) -> Double {
        code.factor(theta, lo: data[offset + 1], hi: data[offset])
    }

    @inline(__always)
    func partials(_ theta: Double, _ data: UnsafeBufferPointer<Double>, at offset: Int) -> (value: Double, dTheta: Double) {
        let d = code.factorWithDerivatives(theta, lo: data[offset + 1], hi: data[offset])
        return (d.value, d.dAlpha)
    }

    func accumulateDataGradient(
        _ theta: Double, _ data: UnsafeBufferPointer<Double>, at offset: Int, scale: Double,
        into grad: UnsafeMutableBufferPointer<Double>
    ) {
        let d = code.factorWithDerivatives(theta, lo: data[offset + 1], hi: data[offset])
        grad[offset] += scale * d.dHi
        grad[offset + 1] += scale * d.dLo
    }
}
