/// `normfactor`: an unconstrained scalar multiplying the sample (init 1, bounds [0, 10]).
public struct NormFactor: ModifierType {
    public init() {}
    public var typeName: String { "normfactor" }
    public var dataFormat: ModifierDataFormat { .null }

    public func flattenData(_ modifier: Modifier, sampleData: [Double], path: String) throws -> [Double] {
        try modifier.requireNoData(path: path)
        return []
    }

    public func parameterSet(named name: String, occurrences: [ModifierOccurrence], inputs: ModelInputs) throws
        -> ParameterSetDefaults
    { .freeFactor(count: 1, isScalar: true) }

    public func makeKernel(_ sets: [PlacedModifierSet], interpolation: InterpolationCode?, inputs: ModelInputs) throws
        -> any YieldKernel
    {
        ScalarFactorKernel(factor: IdentityFactor(), entries: scalarEntries(sets))
    }
}
