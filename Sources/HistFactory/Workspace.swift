// Typed value model of a pyhf JSON workspace (schema 1.0.0).
//
// These types are what the model builder consumes. They decode with `JSONDecoder` and encode back
// with every number unchanged (Swift's `Double` parsing is correctly rounded and its shortest
// representation round-trips). The int-vs-float spelling of numbers, which `pyhf digest` depends
// on, is not part of these types: it lives in `JSONValue`, the lossless document layer that the
// workspace operations and digests work on.

/// A pyhf workspace: channels with their samples, observed data per channel, and measurements.
public struct Workspace: Codable, Sendable, Equatable {
    /// The channels (regions), in file order.
    public var channels: [Channel]
    /// Observed event counts, one entry per channel (matched by name).
    public var observations: [Observation]
    /// Measurements: a POI plus parameter configurations; the first one is the default.
    public var measurements: [Measurement]
    /// Schema version; pyhf knows only `"1.0.0"`.
    public var version: String

    public init(channels: [Channel], observations: [Observation], measurements: [Measurement], version: String = "1.0.0") {
        self.channels = channels
        self.observations = observations
        self.measurements = measurements
        self.version = version
    }
}

/// A channel (region) holding samples that share its binning.
public struct Channel: Codable, Sendable, Equatable {
    public var name: String
    public var samples: [Sample]

    public init(name: String, samples: [Sample]) {
        self.name = name
        self.samples = samples
    }
}

/// A sample: nominal yields per bin and the modifiers acting on them.
public struct Sample: Codable, Sendable, Equatable {
    public var name: String
    /// Nominal expected yield per bin.
    public var data: [Double]
    public var modifiers: [Modifier]

    public init(name: String, data: [Double], modifiers: [Modifier] = []) {
        self.name = name
        self.data = data
        self.modifiers = modifiers
    }
}

/// A modifier's `type` string. The seven HistFactory types of pyhf have names here; any other
/// type is one registered in a `ModifierRegistry`.
public struct ModifierKind: RawRepresentable, Hashable, Sendable, Codable, Comparable, ExpressibleByStringLiteral {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    public static let histosys: ModifierKind = "histosys"
    public static let lumi: ModifierKind = "lumi"
    public static let normfactor: ModifierKind = "normfactor"
    public static let normsys: ModifierKind = "normsys"
    public static let shapefactor: ModifierKind = "shapefactor"
    public static let shapesys: ModifierKind = "shapesys"
    public static let staterror: ModifierKind = "staterror"

    /// Python string order of the JSON spelling, as pyhf sorts `(name, type)` pairs.
    public static func < (lhs: ModifierKind, rhs: ModifierKind) -> Bool { lhs.rawValue.pythonPrecedes(rhs.rawValue) }
}

/// The `data` payload of a modifier, as its type's `ModifierDataFormat` decoded it.
public enum ModifierData: Sendable, Equatable {
    /// `null`: normfactor, lumi, shapefactor.
    case none
    /// normsys: multiplicative factors at α = +1 (`hi`) and α = −1 (`lo`).
    case normsys(hi: Double, lo: Double)
    /// histosys: absolute templates at α = +1 (`hi_data`) and α = −1 (`lo_data`).
    case histosys(hiData: [Double], loData: [Double])
    /// shapesys, staterror: absolute per-bin uncertainties.
    case perBin([Double])
    /// The data of a type outside the seven, as written (checked against its type's schema).
    case json(JSONValue)
}

/// A modifier attached to a sample: a named parameter (set) of a given type plus its data.
public struct Modifier: Codable, Sendable, Equatable {
    public var name: String
    public var kind: ModifierKind
    public var data: ModifierData

    public init(name: String, kind: ModifierKind, data: ModifierData = .none) {
        self.name = name
        self.kind = kind
        self.data = data
    }

    private enum CodingKeys: String, CodingKey { case name, type, data }

    /// Decodes with the installed registry's type (its schema, then its data format).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        kind = try c.decode(ModifierKind.self, forKey: .type)
        let json = try c.decodeIfPresent(JSONValue.self, forKey: .data) ?? .null
        guard let type = ModifierRegistry.installed.types[kind.rawValue] else {
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown modifier type '\(kind.rawValue)'")
        }
        let issues = type.dataFormat.schema.validate(json, at: JSONPath.root / "data")
        guard issues.isEmpty else {
            throw DecodingError.dataCorruptedError(
                forKey: .data, in: c, debugDescription: issues.map(\.description).joined(separator: "; "))
        }
        data = type.dataFormat.decode(json)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(kind, forKey: .type)
        try c.encode(dataJSON(), forKey: .data)
    }

    /// The JSON of `data`, spelled by the modifier's type (`registry`); the data of an unknown type
    /// is written as it was read.
    public func dataJSON(_ registry: ModifierRegistry = .installed) -> JSONValue {
        if case .json(let value) = data { return value }
        return registry.types[kind.rawValue]?.dataFormat.encode(data) ?? .null
    }
}

/// Observed data of one channel.
public struct Observation: Codable, Sendable, Equatable {
    /// Name of the channel this observation belongs to.
    public var name: String
    public var data: [Double]

    public init(name: String, data: [Double]) {
        self.name = name
        self.data = data
    }
}

/// A measurement: the parameter of interest and overrides of parameter defaults.
public struct Measurement: Codable, Sendable, Equatable {
    public var name: String
    public var config: MeasurementConfig

    public init(name: String, config: MeasurementConfig) {
        self.name = name
        self.config = config
    }
}

/// The `config` of a measurement.
public struct MeasurementConfig: Codable, Sendable, Equatable {
    /// Name of the parameter of interest; `""` means "no POI".
    public var poi: String
    public var parameters: [ParameterConfig]

    public init(poi: String, parameters: [ParameterConfig] = []) {
        self.poi = poi
        self.parameters = parameters
    }
}

/// User overrides for one parameter set. Absent keys keep pyhf's defaults; each present list
/// replaces the default wholesale and must have one entry per component of the set.
public struct ParameterConfig: Codable, Sendable, Equatable {
    public var name: String
    public var inits: [Double]?
    /// `[[lo, hi], ...]`, one pair per component.
    public var bounds: [[Double]]?
    public var fixed: Bool?
    public var auxdata: [Double]?
    /// Gaussian widths (lumi, staterror).
    public var sigmas: [Double]?
    /// Poisson rate factors (shapesys).
    public var factors: [Double]?

    public init(
        name: String, inits: [Double]? = nil, bounds: [[Double]]? = nil, fixed: Bool? = nil,
        auxdata: [Double]? = nil, sigmas: [Double]? = nil, factors: [Double]? = nil
    ) {
        self.name = name
        self.inits = inits
        self.bounds = bounds
        self.fixed = fixed
        self.auxdata = auxdata
        self.sigmas = sigmas
        self.factors = factors
    }
}
