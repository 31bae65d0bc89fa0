import _Differentiation

/// Which interpolation code each modifier type uses, by type name.
public struct InterpolationSettings: Sendable, Equatable {
    /// Explicit codes; a type not listed uses its `ModifierType.defaultInterpolation`
    /// (normsys code 4, histosys code 4p — pyhf's `Model` defaults).
    public var codes: [String: InterpolationCode]

    public init(_ codes: [String: InterpolationCode] = [:]) { self.codes = codes }

    /// pyhf's defaults: normsys code 4, histosys code 4p.
    public static let pyhfDefault = InterpolationSettings()

    /// pyhf's `modifier_settings=` semantics: the given dictionary replaces the defaults, and a type
    /// missing from it falls back to its class default (normsys code 1, histosys code 0). pyhf's ROOT
    /// validation uses `pyhfModifierSettings(["normsys": .code1])`.
    public static func pyhfModifierSettings(_ codes: [String: InterpolationCode]) -> InterpolationSettings {
        InterpolationSettings(["normsys": .code1, "histosys": .code0].merging(codes) { $1 })
    }
}

/// One parameter set (pyhf `paramset`) and its place in the parameter vector.
public struct ParameterSet: Sendable, Equatable {
    public var name: String
    /// Components in the parameter vector.
    public var slice: Range<Int>
    /// Scalar sets are named `name`; others `name[i]`.
    public var isScalar: Bool
    public var inits: [Double]
    public var bounds: [ClosedRange<Double>]
    public var fixed: [Bool]
    /// `nil` for unconstrained sets (normfactor, shapefactor).
    public var constraint: ConstraintKind?
    /// Auxiliary data (empty if unconstrained).
    public var auxdata: [Double]
    /// Gaussian widths σ (`.normal` sets, else empty).
    public var sigmas: [Double]
    /// Poisson rate factors τ (`.poisson` sets, else empty).
    public var factors: [Double]
    /// The modifier types using the set (two for a normsys+histosys pair with one name).
    public var modifierTypes: [String]

    /// Number of components.
    public var count: Int { slice.count }
}

/// A pyhf HistFactory model (pyhf 0.7.6 semantics): parameter layout, expected data and the full
/// likelihood, differentiable with respect to the parameters, the data and the `ModelInputs`.
///
/// Build it with `init(workspace:measurement:poi:interpolation:modifierTypes:)`. Evaluation
/// functions take the parameter vector in `parameterNames` order and data = main bins (channels
/// sorted by name) followed by auxdata, exactly as `pyhf.Model.logpdf`. Vector lengths are
/// preconditions; check untrusted vectors with `validate(pars:data:)` first.
public struct Model: Sendable {
    /// Channel names, sorted (pyhf order), and each channel's bins in the main data vector.
    public let channels: [String]
    public let channelBins: [Range<Int>]
    /// All sample names, sorted.
    public let samples: [String]
    /// Parameter sets in pyhf `par_order`.
    public let parameterSets: [ParameterSet]
    /// Flattened parameter names (`mu`, `staterror_SR[0]`, …), one per component.
    public let parameterNames: [String]
    /// pyhf `suggested_init()`, `suggested_bounds()`, `suggested_fixed()`.
    public let suggestedInit: [Double]
    public let suggestedBounds: [ClosedRange<Double>]
    public let suggestedFixed: [Bool]
    /// Index of the parameter of interest in the parameter vector, and its name; `nil` without a POI.
    public let poiIndex: Int?
    public let poiName: String?
    /// Names of the constrained parameter sets in auxdata order (pyhf `auxdata_order`).
    public let auxdataOrder: [String]
    /// pyhf `config.auxdata` for the model's own inputs.
    public let auxdata: [Double]
    /// Number of main-data bins (all channels).
    public let mainBinCount: Int
    /// The numeric inputs the model was built from, and where each value comes from.
    public let inputs: ModelInputs
    public let inputLayout: InputLayout
    /// Interpolation code used by each interpolating modifier type present.
    public let interpolationCodes: [String: InterpolationCode]

    let engine: Engine
    /// `constraintWidths(inputs: inputs)`, computed once.
    let cachedWidths: [Double]

    /// Number of parameters.
    public var parameterCount: Int { suggestedInit.count }
    /// Length of the full data vector (main bins + auxdata).
    public var dataCount: Int { mainBinCount + auxdata.count }

    /// The parameter set called `name`.
    public func parameterSet(named name: String) -> ParameterSet? { parameterSets.first { $0.name == name } }

    /// Checks vector lengths (pyhf `InvalidPdfParameters` / `InvalidPdfData`).
    public func validate(pars: [Double], data: [Double]? = nil) throws(ModelError) {
        guard pars.count == parameterCount else {
            throw ModelError(.invalidPdfParameters, path: "", "expected \(parameterCount) parameters, found \(pars.count)")
        }
        if let data, data.count != dataCount {
            throw ModelError(.invalidPdfData, path: "", "expected \(dataCount) data values (\(mainBinCount) main + \(auxdata.count) aux), found \(data.count)")
        }
    }

    /// Observed data of `workspace` in this model's channel order, followed by `auxdata` if asked
    /// (pyhf `Workspace.data(model)`). Throws if a channel has no observation or the wrong length.
    public func observedData(_ workspace: Workspace, includeAuxdata: Bool = true) throws(ModelError) -> [Double] {
        var out: [Double] = []
        out.reserveCapacity(dataCount)
        for (c, name) in channels.enumerated() {
            guard let i = workspace.observations.firstIndex(where: { $0.name == name }) else {
                throw ModelError(.invalidPdfData, path: "observations", "no observation for channel '\(name)'")
            }
            let data = workspace.observations[i].data
            guard data.count == channelBins[c].count else {
                throw ModelError(
                    .invalidPdfData, path: "observations[\(i)].data",
                    "channel '\(name)' has \(channelBins[c].count) bins but its observation has \(data.count) values")
            }
            out += data
        }
        if includeAuxdata { out += auxdata }
        return out
    }

    /// pyhf's Asimov data for parameters `pars` (usually a fit): the expected main data followed by the
    /// expected auxdata (Gaussian: θ, Poisson: τ·γ), i.e. `expectedData(pars)`.
    @differentiable(reverse, wrt: pars)
    public func asimovData(pars: [Double]) -> [Double] { expectedData(pars, includeAuxdata: true) }
}
