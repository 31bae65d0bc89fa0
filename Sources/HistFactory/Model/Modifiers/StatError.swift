/// `staterror`: one Gaussian-constrained γ per bin of every channel where the name appears (not shared
/// by bin index across channels). σ_b = √(Σ_s (δ_sb/N_b)²) with N_b = Σ_s ν_sb over the samples carrying
/// the name; bins with σ = 0 are fixed and get σ = 1. Sets are ordered by name (as pyhf).
public struct StatError: ModifierType {
    public init() {}
    public var typeName: String { "staterror" }
    public var dataFormat: ModifierDataFormat { .perBin }
    public var parameterSetOrder: ParameterSetOrder { .name }

    public func flattenData(_ modifier: Modifier, sampleData: [Double], path: String) throws -> [Double] {
        try modifier.perBinData(sampleData: sampleData, path: path)
    }

    /// Occurrences grouped by channel (in sorted channel order), checking every sample carries the
    /// name in the same channels.
    static func channels(of name: String, _ occurrences: [ModifierOccurrence]) throws -> [[ModifierOccurrence]] {
        var groups: [[ModifierOccurrence]] = []
        for o in occurrences {
            if let last = groups.last?.first, last.channelIndex == o.channelIndex {
                groups[groups.count - 1].append(o)
            } else {
                groups.append([o])
            }
        }
        var channelsOfSample: [String: [Int]] = [:]
        for o in occurrences { channelsOfSample[o.sample, default: []].append(o.channelIndex) }
        let reference = channelsOfSample[occurrences[0].sample]!
        for o in occurrences where channelsOfSample[o.sample]! != reference {
            throw ModelError(
                .invalidModel, path: o.path,
                "staterror '\(name)' must be carried by the same channels for every sample: sample '\(occurrences[0].sample)' has it in \(reference.count) channel(s), sample '\(o.sample)' in \(channelsOfSample[o.sample]!.count)")
        }
        return groups
    }

    /// σ per bin of one channel group, before zero σ are replaced by 1.
    static func sigma(_ group: [ModifierOccurrence], bin k: Int, nominal: [Double], data: [Double]) -> Double {
        var total = 0.0
        for o in group { total += nominal[o.elements.lowerBound + k] }
        guard total > 0 else { return 0 }
        var r = 0.0
        for o in group {
            let q = data[o.data.lowerBound + k] / total
            r += q * q
        }
        return r.squareRoot()
    }

    public func parameterSet(named name: String, occurrences: [ModifierOccurrence], inputs: ModelInputs) throws
        -> ParameterSetDefaults
    {
        var sigmas: [Double] = []
        for group in try Self.channels(of: name, occurrences) {
            for k in 0..<group[0].elements.count {
                sigmas.append(Self.sigma(group, bin: k, nominal: inputs.nominal, data: inputs.modifierData))
            }
        }
        let fixed = sigmas.map { $0 == 0 }
        let n = sigmas.count
        return ParameterSetDefaults(
            count: n, isScalar: false, inits: Array(repeating: 1, count: n), bounds: Array(repeating: 1e-10...10, count: n), fixed: fixed,
            constraint: .normal, auxdata: Array(repeating: 1, count: n), widths: sigmas.map { $0 == 0 ? 1 : $0 },
            widthsFromInputs: true, allowedKeys: [.inits, .bounds, .fixed, .auxdata, .sigmas])
    }

    public func makeKernel(_ sets: [PlacedModifierSet], interpolation: InterpolationCode?, inputs: ModelInputs) throws
        -> any YieldKernel
    {
        var items: [(elements: Range<Int>, parameters: [Int])] = []
        var terms: [StatErrorKernel.SigmaTerm] = []
        var contributions: [StatErrorKernel.Contribution] = []
        for set in sets {
            var component = 0
            for group in try Self.channels(of: set.name, set.occurrences) {
                let n = group[0].elements.count
                for o in group { items.append((o.elements, Array(set.slice.dropFirst(component).prefix(n)))) }
                if set.widthsFromInputs, let c = set.constraintSlice {
                    for k in 0..<n {
                        let start = contributions.count
                        for o in group {
                            contributions.append(.init(nominal: o.elements.lowerBound + k, delta: o.data.lowerBound + k))
                        }
                        terms.append(.init(width: c.lowerBound + component + k, contributions: start..<contributions.count))
                    }
                }
                component += n
            }
        }
        return StatErrorKernel(factors: PerBinFactors(items), terms: terms, contributions: contributions)
    }
}

struct StatErrorKernel: YieldKernel {
    /// The samples adding to one bin's σ.
    struct Contribution: Sendable {
        var nominal: Int
        var delta: Int
    }

    /// σ of one constrained component, from `contributions[range]`.
    struct SigmaTerm: Sendable {
        var width: Int
        var contributions: Range<Int>
    }

    let factors: PerBinFactors
    let terms: [SigmaTerm]
    let contributions: [Contribution]

    var composition: YieldComposition { .multiplicative }
    func restricted(to elements: Range<Int>) -> (any YieldKernel)? {
        StatErrorKernel(factors: factors.restricted(to: elements), terms: [], contributions: [])
    }
    func forward(_ x: KernelArguments, into out: UnsafeMutableBufferPointer<Double>) { factors.forward(x, into: out) }
    func curvature(_ x: KernelArguments, into terms: inout CurvatureTerms) -> Bool { factors.curvature(x, into: &terms) }
    func backward(_ x: KernelArguments, adjoint: UnsafeBufferPointer<Double>, into grads: KernelGradients) {
        factors.backward(x, adjoint: adjoint, into: grads)
    }

    /// (N, σ) of one term; σ = 0 marks a bin whose width stays the constant 1.
    @inline(__always)
    private func sigma(_ t: SigmaTerm, _ x: KernelArguments) -> (total: Double, sigma: Double) {
        var total = 0.0
        for c in contributions[t.contributions] { total += x.nominal[c.nominal] }
        guard total > 0 else { return (total, 0) }
        var r = 0.0
        for c in contributions[t.contributions] {
            let q = x.modifierData[c.delta] / total
            r += q * q
        }
        return (total, r.squareRoot())
    }

    func widths(_ x: KernelArguments, into widths: UnsafeMutableBufferPointer<Double>) {
        for t in terms {
            let s = sigma(t, x).sigma
            if s > 0 { widths[t.width] = s }
        }
    }

    func widthsBackward(_ x: KernelArguments, adjoint: UnsafeBufferPointer<Double>, into grads: KernelGradients) {
        for t in terms {
            let (total, s) = sigma(t, x)
            guard s > 0 else { continue }
            let g = adjoint[t.width]
            // σ = √(Σ δ²)/N: ∂σ/∂δ_s = δ_s/(N²σ), ∂σ/∂ν_s = −σ/N.
            for c in contributions[t.contributions] {
                grads.modifierData?[c.delta] += g * x.modifierData[c.delta] / (total * total * s)
                grads.nominal?[c.nominal] -= g * s / total
            }
        }
    }
}
