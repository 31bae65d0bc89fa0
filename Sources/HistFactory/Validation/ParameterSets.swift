// What each modifier type requires of its parameter set, and the parameter sets a workspace
// declares. Everything type-specific lives in the `ModifierKind` extension below, so a new
// modifier type is described in one place.

/// How a parameter set is constrained (pyhf's paramset classes, spelled as `pyhf inspect` does).
public enum ParameterConstraint: String, Sendable, Codable {
    case unconstrained
    case normal = "constrained_by_normal"
    case poisson = "constrained_by_poisson"
}

/// Keys of a measurement's parameter configuration.
public enum ParameterConfigKey: String, Sendable, CaseIterable {
    case inits, bounds, fixed, auxdata, sigmas, factors
}

/// How many components a modifier type's parameter set has.
public enum ParameterSetSize: Sendable {
    /// One scalar.
    case scalar
    /// One per bin of the (single) sample carrying it.
    case binsOfSample
    /// One per bin of the channel where it first appears; shared by bin index across channels.
    case binsOfChannel
    /// One per bin of every channel where any sample carries it.
    case binsOfAllChannels
}

extension ModifierKind {
    /// The constraint term of this type's parameters (pyhf 0.7.6 defaults).
    public var constraint: ParameterConstraint {
        switch self {
        case .normfactor, .shapefactor: return .unconstrained
        case .normsys, .histosys, .lumi, .staterror: return .normal
        case .shapesys: return .poisson
        }
    }

    /// The size rule of this type's parameter set.
    public var parameterSetSize: ParameterSetSize {
        switch self {
        case .normfactor, .normsys, .histosys, .lumi: return .scalar
        case .shapesys: return .binsOfSample
        case .shapefactor: return .binsOfChannel
        case .staterror: return .binsOfAllChannels
        }
    }

    /// Configuration keys a measurement may set for this type (others are a model-building error).
    public var allowedConfigKeys: Set<ParameterConfigKey> {
        switch self {
        case .normfactor, .shapefactor: return [.inits, .bounds, .fixed]
        case .normsys, .histosys: return [.inits, .bounds, .fixed, .auxdata]
        case .lumi, .staterror: return [.inits, .bounds, .fixed, .auxdata, .sigmas]
        case .shapesys: return [.inits, .bounds, .fixed, .auxdata, .factors]
        }
    }

    /// Configuration keys that must be given because the type has no defaults (pyhf's lumi).
    public var requiredConfigKeys: Set<ParameterConfigKey> {
        self == .lumi ? [.inits, .bounds, .auxdata] : []
    }

    /// Whether a parameter set may be shared between this type and `other` under one name:
    /// only normsys and histosys (HistFactory's OverallSys + HistoSys correlation).
    public func canShareName(with other: ModifierKind) -> Bool {
        self == other || Set([self, other]) == [.normsys, .histosys]
    }
}

/// A parameter set declared by the workspace's modifiers.
public struct ParameterSetInfo: Sendable, Equatable {
    public let name: String
    /// The modifier types using this name, sorted.
    public let kinds: [ModifierKind]
    /// Number of components.
    public let size: Int
    public var constraint: ParameterConstraint { kinds[0].constraint }
    /// Configuration keys allowed for this set.
    public var allowedConfigKeys: Set<ParameterConfigKey> { kinds[0].allowedConfigKeys }
}

extension Workspace {
    /// Number of bins of each channel: the length of its first sample (pyhf's rule).
    public var channelBins: [String: Int] {
        var bins: [String: Int] = [:]
        for channel in channels where bins[channel.name] == nil { bins[channel.name] = channel.samples.first?.data.count ?? 0 }
        return bins
    }

    /// Channel names sorted as pyhf sorts them (by code point).
    public var sortedChannelNames: [String] {
        Array(Set(channels.map(\.name))).sorted { $0.pythonPrecedes($1) }
    }

    /// Sample names over all channels, sorted as pyhf sorts them.
    public var sortedSampleNames: [String] {
        Array(Set(channels.flatMap { $0.samples.map(\.name) })).sorted { $0.pythonPrecedes($1) }
    }

    /// Unique `(name, type)` modifier pairs, sorted by name then type (pyhf's `ws.modifiers`).
    public var sortedModifiers: [(name: String, kind: ModifierKind)] {
        var seen = Set<String>()
        var result: [(name: String, kind: ModifierKind)] = []
        for channel in channels {
            for sample in channel.samples {
                for modifier in sample.modifiers where seen.insert(modifier.name + "\u{0}" + modifier.kind.rawValue).inserted {
                    result.append((modifier.name, modifier.kind))
                }
            }
        }
        return result.sorted { $0.name == $1.name ? $0.kind < $1.kind : $0.name.pythonPrecedes($1.name) }
    }

    /// The parameter sets declared by the modifiers, sorted by name. Sizes follow pyhf: taken from
    /// the first occurrence in pyhf's walk order (sorted channels, sorted samples).
    /// Assumes `structuralIssues()` is empty.
    public var parameterSets: [ParameterSetInfo] {
        let bins = channelBins
        var kinds: [String: Set<ModifierKind>] = [:]
        var size: [String: Int] = [:]
        var staterrorChannels: [String: Set<String>] = [:]
        let byName = Dictionary(channels.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for channelName in sortedChannelNames {
            let channel = byName[channelName]!
            for sample in channel.samples.sorted(by: { $0.name.pythonPrecedes($1.name) }) {
                for modifier in sample.modifiers {
                    kinds[modifier.name, default: []].insert(modifier.kind)
                    switch modifier.kind.parameterSetSize {
                    case .scalar: size[modifier.name] = size[modifier.name] ?? 1
                    case .binsOfSample: size[modifier.name] = size[modifier.name] ?? sample.data.count
                    case .binsOfChannel: size[modifier.name] = size[modifier.name] ?? bins[channelName]!
                    case .binsOfAllChannels: staterrorChannels[modifier.name, default: []].insert(channelName)
                    }
                }
            }
        }
        for (name, channelNames) in staterrorChannels {
            size[name] = channelNames.reduce(0) { $0 + bins[$1]! }
        }
        return kinds.keys.sorted { $0.pythonPrecedes($1) }.map { name in
            ParameterSetInfo(name: name, kinds: kinds[name]!.sorted(), size: size[name]!)
        }
    }
}
