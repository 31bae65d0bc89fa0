import Foundation

/// `normsys`: a Gaussian-constrained α scaling the sample by an interpolated factor between
/// `lo` (α = −1) and `hi` (α = +1); pyhf's default interpolation is code 4.
public struct NormSys: ModifierType {
    public init() {}
    public var typeName: String { "normsys" }
    public var dataFormat: ModifierDataFormat { .hiLo }
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
        // In row order (stable, as the kernel orders them), so that the table below is read sequentially.
        let entries = scalarEntries(sets).enumerated().sorted {
            ($0.element.elements.lowerBound, $0.offset) < ($1.element.elements.lowerBound, $1.offset)
        }.map(\.element)
        let code = interpolation ?? .code4
        var table: [Double] = []
        if code == .code4 {
            // Code-4 polynomial coefficients and logs of the model's own hi/lo, so that evaluation and
            // gradients inside |α| < 1 need no logarithms.
            for en in entries {
                let hi = inputs.modifierData[en.data], lo = inputs.modifierData[en.data + 1]
                let c = Interpolators.code4Coefficients(loRatio: lo, hiRatio: hi)
                table += [c.0, c.1, c.2, c.3, c.4, c.5, log(hi), log(lo)]
            }
        }
        return ScalarFactorKernel(factor: NormSysFactor(code: code, code4Table: table), entries: entries)
    }
}

/// f(α; hi, lo) with `hi` at `data[offset]` and `lo` at `data[offset + 1]`.
struct NormSysFactor: ScalarFactor {
    let code: InterpolationCode
    /// Per entry slot the six code-4 coefficients, ln hi and ln lo, for the model's own inputs (empty
    /// for other codes); one slot fills one cache line.
    let code4Table: [Double]

    var dataCount: Int { 2 }

    @inline(__always)
    private func tabulated(_ x: KernelArguments) -> Bool { x.usesModelInputs && !code4Table.isEmpty }

    @inline(__always)
    func value(_ theta: Double, _ x: KernelArguments, _ entry: ScalarFactorEntry) -> Double {
        let hi = x.modifierData[entry.data], lo = x.modifierData[entry.data + 1]
        guard tabulated(x), theta > -1, theta < 1 else { return code.factor(theta, lo: lo, hi: hi) }
        return code4Table.withUnsafeBufferPointer { t in
            let c = t.baseAddress! + 8 * entry.slot, a = theta
            return 1 + a * (c[0] + a * (c[1] + a * (c[2] + a * (c[3] + a * (c[4] + a * c[5])))))
        }
    }

    @inline(__always)
    func secondDerivative(_ theta: Double, _ x: KernelArguments, _ entry: ScalarFactorEntry) -> Double {
        let hi = x.modifierData[entry.data], lo = x.modifierData[entry.data + 1]
        guard tabulated(x), theta > -1, theta < 1 else { return code.factorSecondDerivative(theta, lo: lo, hi: hi) }
        return code4Table.withUnsafeBufferPointer { t in
            let c = t.baseAddress! + 8 * entry.slot
            return Interpolators.code4PolynomialSecondDerivative(theta, (c[0], c[1], c[2], c[3], c[4], c[5]))
        }
    }

    @inline(__always)
    func partials(_ theta: Double, _ x: KernelArguments, _ entry: ScalarFactorEntry, withData: Bool) -> ScalarPartials {
        let hi = x.modifierData[entry.data], lo = x.modifierData[entry.data + 1]
        guard tabulated(x), theta > -1, theta < 1 else {
            let d = code.factorWithDerivatives(theta, lo: lo, hi: hi)
            return ScalarPartials(value: d.value, dTheta: d.dAlpha, dData0: d.dHi, dData1: d.dLo)
        }
        return code4Table.withUnsafeBufferPointer { t in
            let c = t.baseAddress! + 8 * entry.slot, a = theta
            let value = 1 + a * (c[0] + a * (c[1] + a * (c[2] + a * (c[3] + a * (c[4] + a * c[5])))))
            let slope = c[0] + a * (2 * c[1] + a * (3 * c[2] + a * (4 * c[3] + a * (5 * c[4] + a * 6 * c[5]))))
            var p = ScalarPartials(value: value, dTheta: slope)
            if withData {
                let (h, l) = Interpolators.code4DataCoefficients(logLo: c[7], logHi: c[6])
                p.dData0 = a * (h.0 + a * (h.1 + a * (h.2 + a * (h.3 + a * (h.4 + a * h.5)))))
                p.dData1 = a * (l.0 + a * (l.1 + a * (l.2 + a * (l.3 + a * (l.4 + a * l.5)))))
            }
            return p
        }
    }
}
