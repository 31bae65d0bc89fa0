/// `shapefactor`: one unconstrained factor per bin (init 1, bounds [0, 10]); component j multiplies
/// bin j of every sample carrying the name, so all occurrences must have the same number of bins.
public struct ShapeFactor: ModifierType {
    public init() {}
    public var typeName: String { "shapefactor" }
    public var dataFormat: ModifierDataFormat { .null }

    public func flattenData(_ modifier: Modifier, sampleData: [Double], path: String) throws -> [Double] {
        try modifier.requireNoData(path: path)
        return []
    }

    public func parameterSet(named name: String, occurrences: [ModifierOccurrence], inputs: ModelInputs) throws
        -> ParameterSetDefaults
    {
        let n = occurrences[0].elements.count
        for o in occurrences where o.elements.count != n {
            // pyhf sizes the set from the first occurrence and silently misapplies longer ones.
            throw ModelError(
                .invalidModel, path: o.path,
                "shapefactor '\(name)' is shared by channels with different bin counts (\(n) in '\(occurrences[0].channel)', \(o.elements.count) in '\(o.channel)')")
        }
        return .freeFactor(count: n, isScalar: false)
    }

    public func makeKernel(_ sets: [PlacedModifierSet], interpolation: InterpolationCode?, inputs: ModelInputs) throws
        -> any YieldKernel
    {
        ShapeFactorKernel(
            factors: PerBinFactors(
                sets.flatMap { set in set.occurrences.map { ($0.elements, Array(set.slice.prefix($0.elements.count))) } }))
    }
}

struct ShapeFactorKernel: YieldKernel {
    let factors: PerBinFactors
    var composition: YieldComposition { .multiplicative }
    func restricted(to elements: Range<Int>) -> (any YieldKernel)? { ShapeFactorKernel(factors: factors.restricted(to: elements)) }
    func forward(_ x: KernelArguments, into out: UnsafeMutableBufferPointer<Double>) { factors.forward(x, into: out) }
    func curvature(_ x: KernelArguments, into terms: inout CurvatureTerms) -> Bool { factors.curvature(x, into: &terms) }
    func backward(_ x: KernelArguments, adjoint: UnsafeBufferPointer<Double>, into grads: KernelGradients) {
        factors.backward(x, adjoint: adjoint, into: grads)
    }
}
