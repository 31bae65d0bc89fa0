import Foundation

// The modifier-type extension point.
//
// A modifier type says (1) how an occurrence's JSON data is flattened into `ModelInputs`,
// (2) which parameter set a modifier name creates and its defaults, and (3) how the compiled sets
// act on the expected yields (a `YieldKernel`). The model builder and the likelihood only talk to
// these protocols; adding a type means one new conformance registered in a `ModifierRegistry`.

/// The constraint term of a parameter set.
public enum ConstraintKind: String, Sendable, Equatable, Codable {
    /// Gaussian `N(aux | θ, σ)`.
    case normal
    /// Poisson `Pois(aux | τ·θ)`.
    case poisson
}

/// A key of a measurement's parameter configuration.
public enum ParameterConfigKey: String, Sendable, Hashable, CaseIterable {
    case inits, bounds, fixed, auxdata, sigmas, factors
}

/// How the parameter sets of one modifier type are ordered inside the type (pyhf `par_order`).
public enum ParameterSetOrder: Sendable {
    /// In order of first appearance walking sorted channels, samples and modifiers.
    case firstAppearance
    /// Alphabetically by name (pyhf's staterror).
    case name
}

/// Where one modifier occurrence sits in the model.
public struct ModifierOccurrence: Sendable {
    /// Channel name and its index in the sorted channel list.
    public var channel: String
    public var channelIndex: Int
    /// Sample name.
    public var sample: String
    /// The (channel, sample) bins in `ModelInputs.nominal` (and in the per-sample yields).
    public var elements: Range<Int>
    /// The channel's bins in the main data vector.
    public var mainBins: Range<Int>
    /// This occurrence's values in `ModelInputs.modifierData`.
    public var data: Range<Int>
    /// Positions in the workspace file (channel, sample, modifier), from which `path` is spelled
    /// only when an error needs it: a million-channel model would otherwise hold a million strings.
    var filePosition: (channel: Int, sample: Int, modifier: Int)

    /// JSON path of the modifier, for error messages.
    public var path: String {
        "channels[\(filePosition.channel)].samples[\(filePosition.sample)].modifiers[\(filePosition.modifier)]"
    }
}

/// Defaults of one parameter set, as a modifier type creates them (before measurement overrides).
public struct ParameterSetDefaults: Sendable, Equatable {
    /// Number of scalar components.
    public var count: Int
    /// Whether the set is named without an index (`mu`) rather than per component (`gamma[0]`).
    public var isScalar: Bool
    /// `nil` where pyhf has no default (lumi): the measurement must provide it.
    public var inits: [Double]?
    public var bounds: [ClosedRange<Double>]?
    public var fixed: [Bool]
    public var constraint: ConstraintKind?
    public var auxdata: [Double]?
    /// Constraint widths: σ for `.normal`, τ (`factors`) for `.poisson`; empty if unconstrained.
    public var widths: [Double]
    /// Whether `widths` are recomputed from `ModelInputs` by the type's kernel (staterror, shapesys).
    public var widthsFromInputs: Bool
    /// Whether the default auxdata equals the widths (shapesys: aux = τ).
    public var auxdataIsWidths: Bool
    /// Which measurement configuration keys the type accepts.
    public var allowedKeys: Set<ParameterConfigKey>

    public init(
        count: Int, isScalar: Bool, inits: [Double]?, bounds: [ClosedRange<Double>]?, fixed: [Bool], constraint: ConstraintKind?,
        auxdata: [Double]?, widths: [Double], widthsFromInputs: Bool = false, auxdataIsWidths: Bool = false,
        allowedKeys: Set<ParameterConfigKey>
    ) {
        self.count = count
        self.isScalar = isScalar
        self.inits = inits
        self.bounds = bounds
        self.fixed = fixed
        self.constraint = constraint
        self.auxdata = auxdata
        self.widths = widths
        self.widthsFromInputs = widthsFromInputs
        self.auxdataIsWidths = auxdataIsWidths
        self.allowedKeys = allowedKeys
    }

    /// Whether two types may share one parameter set under this name (pyhf compares the requirements).
    func isCompatible(with other: ParameterSetDefaults) -> Bool {
        count == other.count && isScalar == other.isScalar && inits == other.inits && bounds == other.bounds && fixed == other.fixed
            && constraint == other.constraint && auxdata == other.auxdata && widths == other.widths
    }
}

/// A parameter set of one modifier type after placement in the parameter vector.
public struct PlacedModifierSet: Sendable {
    public var name: String
    /// Components in the parameter vector.
    public var slice: Range<Int>
    /// Components in the constraint arrays (auxdata, widths); `nil` if unconstrained.
    public var constraintSlice: Range<Int>?
    /// Whether the kernel must compute this set's widths from the inputs (not overridden by the measurement).
    public var widthsFromInputs: Bool
    /// Every occurrence of the modifier, in walk order.
    public var occurrences: [ModifierOccurrence]
}

/// How a modifier type's `data` member is checked, read and written: its schema fragment (pyhf's
/// `defs.json`), the decoding of a value that passed it, and the encoding back.
public struct ModifierDataFormat: Sendable {
    /// The schema of `data`; validation reports violations with their JSON path.
    public var schema: Schema
    /// Decodes a `data` value that passed `schema`.
    public var decode: @Sendable (JSONValue) -> ModifierData
    /// Encodes the data back (`nil` if `data` has another type's shape).
    public var encode: @Sendable (ModifierData) -> JSONValue?

    public init(
        schema: Schema, decode: @escaping @Sendable (JSONValue) -> ModifierData,
        encode: @escaping @Sendable (ModifierData) -> JSONValue?
    ) {
        self.schema = schema
        self.decode = decode
        self.encode = encode
    }

    /// Data kept as written (`ModifierData.json`) after checking it against `schema`: what a type
    /// outside the seven usually wants.
    public static func json(_ schema: Schema) -> ModifierDataFormat {
        ModifierDataFormat(schema: schema, decode: { .json($0) }, encode: { if case .json(let v) = $0 { v } else { nil } })
    }
}

/// A modifier type (normsys, histosys, …): the unit of extension of the model. A type owns its JSON
/// (`dataFormat`, `nameSchema`), its validation against the sample (`flattenData`), its parameter
/// sets and its kernel; registering it in a `ModifierRegistry` is all the rest of HEPKit needs.
public protocol ModifierType: Sendable {
    /// pyhf's `type` string. Parameter sets of different types are ordered by this name (as pyhf).
    var typeName: String { get }
    /// The modifier's `data` member: schema, decoding and encoding.
    var dataFormat: ModifierDataFormat { get }
    /// The schema of the modifier's `name` (any string unless the type restricts it, as `lumi`).
    var nameSchema: Schema { get }
    /// Order of this type's parameter sets among themselves.
    var parameterSetOrder: ParameterSetOrder { get }
    /// The interpolation code used when the settings name none; `nil` if the type does not interpolate.
    var defaultInterpolation: InterpolationCode? { get }

    /// Checks one occurrence's data against its sample and returns the values it stores in
    /// `ModelInputs.modifierData`.
    func flattenData(_ modifier: Modifier, sampleData: [Double], path: String) throws -> [Double]

    /// Defaults of the parameter set `name`, given all its occurrences in walk order.
    func parameterSet(named name: String, occurrences: [ModifierOccurrence], inputs: ModelInputs) throws
        -> ParameterSetDefaults

    /// The kernel applying all parameter sets of this type to the yields. `inputs` are the model's own
    /// inputs, from which the kernel may precompute tables (used when `KernelArguments.usesModelInputs`).
    func makeKernel(_ sets: [PlacedModifierSet], interpolation: InterpolationCode?, inputs: ModelInputs) throws
        -> any YieldKernel
}

extension ModifierType {
    public var nameSchema: Schema { .string }
    public var parameterSetOrder: ParameterSetOrder { .firstAppearance }
    public var defaultInterpolation: InterpolationCode? { nil }
}

/// How a kernel combines with the nominal yields: ν = (∏ multiplicative) · (ν⁰ + Σ additive).
public enum YieldComposition: Sendable {
    case additive
    case multiplicative
}

/// Read-only numeric arguments of a kernel call.
public struct KernelArguments {
    public var pars: UnsafeBufferPointer<Double>
    public var nominal: UnsafeBufferPointer<Double>
    public var modifierData: UnsafeBufferPointer<Double>
    /// Whether `nominal` and `modifierData` are the inputs the kernel was made with, so that tables
    /// precomputed from them are valid.
    public var usesModelInputs: Bool
}

/// Gradient accumulators of a kernel call; `nil` ones are not wanted.
public struct KernelGradients {
    public var pars: UnsafeMutableBufferPointer<Double>
    public var nominal: UnsafeMutableBufferPointer<Double>?
    public var modifierData: UnsafeMutableBufferPointer<Double>?
}

/// The compiled action of one modifier type on the per-sample yields (one value per
/// `ModelInputs.nominal` entry), with its hand-written reverse derivative.
public protocol YieldKernel: Sendable {
    var composition: YieldComposition { get }

    /// Additive: adds the shifts into `out`. Multiplicative: multiplies the factors into `out`
    /// (which starts at 1 and belongs to this kernel alone).
    func forward(_ x: KernelArguments, into out: UnsafeMutableBufferPointer<Double>)

    /// Accumulates into `grads` the gradient given `adjoint` = ∂L/∂(this kernel's output per element).
    func backward(_ x: KernelArguments, adjoint: UnsafeBufferPointer<Double>, into grads: KernelGradients)

    /// Writes the constraint widths computed from the inputs (sets with `widthsFromInputs`).
    func widths(_ x: KernelArguments, into widths: UnsafeMutableBufferPointer<Double>)

    /// Accumulates the gradient of the widths written by `widths(_:into:)`, given ∂L/∂widths.
    func widthsBackward(_ x: KernelArguments, adjoint: UnsafeBufferPointer<Double>, into grads: KernelGradients)

    /// The same kernel acting only on `elements` (whole rows), for running disjoint parts of a large
    /// model concurrently; it need not compute widths. `nil` (the default) keeps the model serial.
    func restricted(to elements: Range<Int>) -> (any YieldKernel)?

    /// Appends to `terms` how every parameter acts on each element to second order (see
    /// ``CurvatureTerms``), for the exact Hessian; returns false (the default) if the kernel cannot,
    /// and the model's Hessian then falls back to finite differences of the gradient.
    func curvature(_ x: KernelArguments, into terms: inout CurvatureTerms) -> Bool
}

extension YieldKernel {
    public func curvature(_ x: KernelArguments, into terms: inout CurvatureTerms) -> Bool { false }
    public func widths(_ x: KernelArguments, into widths: UnsafeMutableBufferPointer<Double>) {}
    public func widthsBackward(_ x: KernelArguments, adjoint: UnsafeBufferPointer<Double>, into grads: KernelGradients) {}
    public func restricted(to elements: Range<Int>) -> (any YieldKernel)? { nil }
}

/// The modifier types a workspace may use, by `typeName`: the schema of a modifier, the decoding of
/// its data and the model builder all come from here.
public struct ModifierRegistry: Sendable {
    public private(set) var types: [String: any ModifierType]

    public init(_ types: [any ModifierType]) {
        self.types = [:]
        for t in types { register(t) }
    }

    /// Adds or replaces a type.
    public mutating func register(_ type: any ModifierType) { types[type.typeName] = type }

    /// The seven HistFactory types of pyhf.
    public static let histFactory = ModifierRegistry([
        HistoSys(), Lumi(), NormFactor(), NormSys(), ShapeFactor(), ShapeSys(), StatError(),
    ])

    /// The registry every entry point uses unless given another (documents, models, the CLI, the
    /// likelihood and analysis workspaces): the seven types plus whatever a program `install`s.
    public static var installed: ModifierRegistry { installedTypes.withLock { $0 } }

    /// Adds (or replaces) a type in the `installed` registry, for the whole process; do it at start-up.
    public static func install(_ type: any ModifierType) { installedTypes.withLock { $0.register(type) } }

    private static let installedTypes = Locked(histFactory)

    /// The schema of one modifier object: one shape per registered type, keyed by `type`.
    var modifierSchema: Schema {
        .tagged(
            key: "type",
            cases: types.keys.sorted().map { name in
                let type = types[name]!
                return (
                    name,
                    ObjectSchema(
                        [("name", type.nameSchema), ("type", .constant(.string(name))), ("data", type.dataFormat.schema)],
                        required: ["name", "type", "data"])
                )
            })
    }
}

/// A value behind a lock (the installed registry is read by every document and written at start-up).
private final class Locked<Value: Sendable>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) { self.value = value }

    func withLock<R>(_ body: (inout Value) -> R) -> R {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
