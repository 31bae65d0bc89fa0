/// `lumi`: one Gaussian-constrained scalar named `lumi` multiplying the sample. pyhf has no defaults:
/// the measurement must give `inits`, `bounds` and `auxdata` (and `sigmas`, else σ = 1).
public struct Lumi: ModifierType {
    public init() {}
    public var typeName: String { "lumi" }
    public var dataFormat: ModifierDataFormat { .null }
    /// pyhf names the luminosity modifier `lumi` and nothing else.
    public var nameSchema: Schema { .constant("lumi") }

    public func flattenData(_ modifier: Modifier, sampleData: [Double], path: String) throws -> [Double] {
        guard modifier.name == "lumi" else {
            throw ModelError(.invalidModifier, path: path + ".name", "a lumi modifier must be named 'lumi', found '\(modifier.name)'")
        }
        try modifier.requireNoData(path: path)
        return []
    }

    public func parameterSet(named name: String, occurrences: [ModifierOccurrence], inputs: ModelInputs) throws
        -> ParameterSetDefaults
    {
        ParameterSetDefaults(
            count: 1, isScalar: true, inits: nil, bounds: nil, fixed: [false], constraint: .normal, auxdata: nil, widths: [1],
            allowedKeys: [.inits, .bounds, .fixed, .auxdata, .sigmas])
    }

    public func makeKernel(_ sets: [PlacedModifierSet], interpolation: InterpolationCode?, inputs: ModelInputs) throws
        -> any YieldKernel
    {
        ScalarFactorKernel(factor: IdentityFactor(), entries: scalarEntries(sets))
    }
}
