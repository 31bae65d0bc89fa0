import Foundation
import HEPKitSupport

// Building a `Model` from a workspace: pyhf 0.7.6's walk order, parameter-set placement and
// measurement overrides (reference §2), with every inconsistency a `ModelError`.

extension Model {
    /// Builds the model of `workspace` for a measurement (by name; the first one if `nil`).
    ///
    /// - Parameters:
    ///   - poi: overrides the measurement's POI name; `""` means no POI.
    ///   - interpolation: interpolation code per modifier type (default: normsys code 4, histosys code 4p).
    ///   - modifierTypes: the modifier types known to the builder.
    public init(
        workspace: Workspace, measurement: String? = nil, poi: String? = nil,
        interpolation: InterpolationSettings = .pyhfDefault, modifierTypes: ModifierRegistry = .installed
    ) throws {
        try self.init(
            workspace: workspace, measurement: measurement, poi: poi, interpolation: interpolation, modifierTypes: modifierTypes,
            concurrencyThreshold: Self.concurrencyThreshold)
    }

    /// Builds a model from a pyhf model spec (`{"channels": …, "parameters": …}`, what `pyhf.Model`
    /// takes) with the POI named `poi` (`""`: none). Errors name paths relative to that spec.
    public init(
        channels: [Channel], parameters: [ParameterConfig] = [], poi: String,
        interpolation: InterpolationSettings = .pyhfDefault, modifierTypes: ModifierRegistry = .installed
    ) throws {
        let structure = try ModelStructure(
            workspace: Workspace(channels: channels, observations: [], measurements: []), registry: modifierTypes)
        try self.init(
            structure: structure, configs: parameters, configPath: "parameters", poi: poi, interpolation: interpolation,
            registry: modifierTypes, concurrencyThreshold: Self.concurrencyThreshold)
    }

    /// Models whose kernels touch fewer values than this per evaluation run on one core: below it,
    /// dispatching to a second core costs more than it saves.
    static let concurrencyThreshold = 100_000

    init(
        workspace: Workspace, measurement: String?, poi: String?, interpolation: InterpolationSettings,
        modifierTypes: ModifierRegistry, concurrencyThreshold: Int
    ) throws {
        let (mIndex, m) = try Self.selectMeasurement(workspace, measurement)
        let structure = try ModelStructure(workspace: workspace, registry: modifierTypes)
        try self.init(
            structure: structure, configs: m.config.parameters, configPath: "measurements[\(mIndex)].config.parameters",
            poi: poi ?? m.config.poi, interpolation: interpolation, registry: modifierTypes,
            concurrencyThreshold: concurrencyThreshold)
    }

    static func selectMeasurement(_ ws: Workspace, _ name: String?) throws -> (Int, Measurement) {
        if let name {
            guard let i = ws.measurements.firstIndex(where: { $0.name == name }) else {
                throw ModelError(
                    .invalidMeasurement, path: "measurements",
                    "no measurement named '\(name)' (have: \(ws.measurements.map(\.name).joined(separator: ", ")))")
            }
            return (i, ws.measurements[i])
        }
        guard let first = ws.measurements.first else {
            throw ModelError(.invalidMeasurement, path: "measurements", "the workspace has no measurement")
        }
        return (0, first)
    }

    init(
        structure s: ModelStructure, configs: [ParameterConfig], configPath: String, poi: String,
        interpolation: InterpolationSettings, registry: ModifierRegistry, concurrencyThreshold: Int
    ) throws {
        // 1. Parameter sets: types in name order, names in the type's order; shared names keep their first place.
        var drafts: [SetDraft] = []
        var placed: [String: Int] = [:]
        var total = 0
        for typeName in s.occurrences.keys.sorted() {
            let type = registry.types[typeName]!
            let byName = s.occurrences[typeName]!
            let names = type.parameterSetOrder == .name ? byName.keys.sorted() : s.firstAppearance[typeName]!
            for name in names {
                let occ = byName[name]!
                let defaults = try type.parameterSet(named: name, occurrences: occ, inputs: s.inputs)
                if let i = placed[name] {
                    guard drafts[i].defaults.isCompatible(with: defaults) else {
                        throw ModelError(
                            .invalidNameReuse, path: occ[0].path,
                            "'\(name)' is used by modifier types \(drafts[i].types.joined(separator: ", ")) and \(typeName), whose parameter sets differ")
                    }
                    drafts[i].types.append(typeName)
                    drafts[i].occurrences[typeName] = occ
                } else {
                    placed[name] = drafts.count
                    drafts.append(SetDraft(name: name, slice: total..<(total + defaults.count), defaults: defaults, types: [typeName], occurrences: [typeName: occ]))
                    total += defaults.count
                }
            }
        }
        guard total > 0 else { throw ModelError(.invalidModel, path: "channels", "no parameters specified for the model") }

        // 2. Measurement overrides.
        var seen: Set<String> = []
        for (j, config) in configs.enumerated() {
            let path = "\(configPath)[\(j)]"
            guard seen.insert(config.name).inserted else {
                throw ModelError(.invalidModel, path: path, "multiple parameter configurations for '\(config.name)'")
            }
            // pyhf ignores configurations of names that are not parameters.
            if let i = placed[config.name] { try drafts[i].apply(config, path: path) }
        }

        // 3. Flatten into the public layout and the engine's constraint arrays.
        var sets: [ParameterSet] = []
        var names: [String] = [], inits: [Double] = [], bounds: [ClosedRange<Double>] = [], fixed: [Bool] = []
        var auxOrder: [String] = [], aux: [Double] = []
        var constraint = ConstraintLayout()
        var constraintSlices: [String: Range<Int>] = [:]
        for d in drafts {
            guard let dInits = d.inits, let dBounds = d.bounds, let dAux = d.auxdata ?? (d.constraint == nil ? [] : nil) else {
                throw ModelError(
                    .invalidModel, path: configPath,
                    "parameter '\(d.name)' (\(d.types.joined(separator: "+"))) has no default inits/bounds/auxdata: the measurement must configure them")
            }
            names += d.defaults.isScalar ? [d.name] : (0..<d.defaults.count).map { "\(d.name)[\($0)]" }
            inits += dInits
            bounds += dBounds
            fixed += d.fixed
            if let kind = d.constraint {
                auxOrder.append(d.name)
                let start = aux.count
                aux += dAux
                constraintSlices[d.name] = start..<aux.count
                for k in 0..<d.defaults.count {
                    constraint.parameter.append(d.slice.lowerBound + k)
                    constraint.isPoisson.append(kind == .poisson)
                    constraint.constantWidth.append(d.widths[k])
                    constraint.auxFromWidth.append(d.auxFromWidths)
                }
            }
            sets.append(
                ParameterSet(
                    name: d.name, slice: d.slice, isScalar: d.defaults.isScalar, inits: dInits, bounds: dBounds, fixed: d.fixed,
                    constraint: d.constraint, auxdata: d.constraint == nil ? [] : dAux,
                    sigmas: d.constraint == .normal ? d.widths : [], factors: d.constraint == .poisson ? d.widths : [],
                    modifierTypes: d.types))
        }

        // 4. POI.
        let poiPath = configPath.hasSuffix(".parameters") ? String(configPath.dropLast("parameters".count)) + "poi" : "poi"
        var poiIndex: Int? = nil
        if !poi.isEmpty {
            guard let i = placed[poi] else {
                throw ModelError(.invalidModel, path: poiPath, "the parameter of interest '\(poi)' is not a parameter of the model")
            }
            guard drafts[i].defaults.count == 1 else {
                throw ModelError(.invalidModel, path: poiPath, "the parameter of interest '\(poi)' has \(drafts[i].defaults.count) components; it must be a scalar")
            }
            poiIndex = drafts[i].slice.lowerBound
        }

        // 5. Kernels, one per modifier type present, in type-name order.
        var additive: [any YieldKernel] = [], multiplicative: [any YieldKernel] = []
        var codes: [String: InterpolationCode] = [:]
        for typeName in s.occurrences.keys.sorted() {
            let type = registry.types[typeName]!
            let code = interpolation.codes[typeName] ?? type.defaultInterpolation
            if type.defaultInterpolation != nil { codes[typeName] = code }
            let placedSets = drafts.filter { $0.types.contains(typeName) }.map {
                PlacedModifierSet(
                    name: $0.name, slice: $0.slice, constraintSlice: constraintSlices[$0.name], widthsFromInputs: $0.widthsFromInputs,
                    occurrences: $0.occurrences[typeName]!)
            }
            let kernel = try type.makeKernel(placedSets, interpolation: code, inputs: s.inputs)
            switch kernel.composition {
            case .additive: additive.append(kernel)
            case .multiplicative: multiplicative.append(kernel)
            }
        }

        channels = s.channels
        channelBins = s.channelBins
        samples = s.samples
        parameterSets = sets
        parameterNames = names
        suggestedInit = inits
        suggestedBounds = bounds
        suggestedFixed = fixed
        self.poiIndex = poiIndex
        poiName = poiIndex == nil ? nil : poi
        auxdataOrder = auxOrder
        auxdata = aux
        mainBinCount = s.channelBins.last?.upperBound ?? 0
        inputs = s.inputs
        inputLayout = s.layout
        interpolationCodes = codes
        let whole = Engine.Partition(rows: s.rows, additive: additive, multiplicative: multiplicative)
        engine = Engine(
            whole: whole, partitions: Self.partitions(whole, s, threshold: concurrencyThreshold), elementCount: s.inputs.nominal.count,
            mainBinCount: mainBinCount, parameterCount: total, constraint: constraint)
        cachedWidths = engine.widths(s.inputs)
    }
}

extension Model {
    /// Splits the model into contiguous channel groups of similar cost, one per thread of the budget, if it is large
    /// enough and every kernel can be restricted; otherwise no partitions (serial evaluation).
    static func partitions(_ whole: Engine.Partition, _ s: ModelStructure, threshold: Int) -> [Engine.Partition] {
        var cost = s.channelElements.map(\.count)
        for byName in s.occurrences.values {
            for occurrences in byName.values { for o in occurrences { cost[o.channelIndex] += o.elements.count } }
        }
        let total = cost.reduce(0, +)
        let parts = min(ThreadBudget.threadCount, cost.count)
        guard parts >= 2, total >= threshold else { return [] }
        var groups: [Range<Int>] = []
        var start = 0, accumulated = 0
        for c in cost.indices {
            accumulated += cost[c]
            let needed = parts - 1 - groups.count, left = cost.count - (c + 1)
            if needed > 0, left > 0, accumulated * parts >= total * (groups.count + 1) || left == needed {
                groups.append(start..<(c + 1))
                start = c + 1
            }
        }
        groups.append(start..<cost.count)
        var result: [Engine.Partition] = []
        for g in groups {
            let elements = s.channelElements[g.lowerBound].lowerBound..<s.channelElements[g.upperBound - 1].upperBound
            var additive: [any YieldKernel] = [], multiplicative: [any YieldKernel] = []
            for k in whole.additive {
                guard let r = k.restricted(to: elements) else { return [] }
                additive.append(r)
            }
            for k in whole.multiplicative {
                guard let r = k.restricted(to: elements) else { return [] }
                multiplicative.append(r)
            }
            let rows = whole.rows.filter { elements.contains($0.elements.lowerBound) }
            result.append(Engine.Partition(rows: rows, additive: additive, multiplicative: multiplicative))
        }
        return result
    }
}

/// A parameter set while the model is being built.
struct SetDraft {
    var name: String
    var slice: Range<Int>
    var defaults: ParameterSetDefaults
    var types: [String]
    var occurrences: [String: [ModifierOccurrence]]
    var inits: [Double]?
    var bounds: [ClosedRange<Double>]?
    var fixed: [Bool]
    var auxdata: [Double]?
    var widths: [Double]
    var widthsFromInputs: Bool { defaults.widthsFromInputs && !overriddenWidths }
    var auxFromWidths: Bool { defaults.auxdataIsWidths && widthsFromInputs && !overriddenAux }
    var constraint: ConstraintKind? { defaults.constraint }
    private var overriddenWidths = false
    private var overriddenAux = false

    init(name: String, slice: Range<Int>, defaults: ParameterSetDefaults, types: [String], occurrences: [String: [ModifierOccurrence]]) {
        self.name = name
        self.slice = slice
        self.defaults = defaults
        self.types = types
        self.occurrences = occurrences
        inits = defaults.inits
        bounds = defaults.bounds
        fixed = defaults.fixed
        auxdata = defaults.auxdata
        widths = defaults.widths
    }

    /// Applies a measurement's parameter configuration (pyhf: each key replaces the default wholesale).
    mutating func apply(_ c: ParameterConfig, path: String) throws {
        let n = defaults.count
        func check(_ key: ParameterConfigKey, _ count: Int) throws {
            guard defaults.allowedKeys.contains(key) else {
                throw ModelError(
                    .invalidModel, path: "\(path).\(key.rawValue)",
                    "'\(key.rawValue)' does not apply to parameter '\(name)' of type \(types.joined(separator: "+"))")
            }
            guard count == n else {
                throw ModelError(.invalidModel, path: "\(path).\(key.rawValue)", "incorrect number of values (\(count)) for \(key.rawValue) of '\(name)': expected \(n)")
            }
        }
        if let v = c.inits {
            try check(.inits, v.count)
            inits = v
        }
        if let v = c.bounds {
            try check(.bounds, v.count)
            var ranges: [ClosedRange<Double>] = []
            for (k, pair) in v.enumerated() {
                guard pair.count == 2, pair[0] <= pair[1] else {
                    throw ModelError(.invalidModel, path: "\(path).bounds[\(k)]", "bounds must be a pair [lo, hi] with lo <= hi, found \(pair)")
                }
                ranges.append(pair[0]...pair[1])
            }
            bounds = ranges
        }
        if let v = c.fixed {
            try check(.fixed, n)
            fixed = Array(repeating: v, count: n)
        }
        if let v = c.auxdata {
            try check(.auxdata, v.count)
            auxdata = v
            overriddenAux = true
        }
        if let v = c.sigmas {
            try check(.sigmas, v.count)
            widths = v
            overriddenWidths = true
        }
        if let v = c.factors {
            try check(.factors, v.count)
            widths = v
            overriddenWidths = true
        }
    }
}

/// Channels, samples, rows and modifier occurrences of a workspace, in pyhf's canonical order.
struct ModelStructure {
    var channels: [String] = []
    var channelBins: [Range<Int>] = []
    /// Each channel's rows in `ModelInputs.nominal` (contiguous: rows are channel-major).
    var channelElements: [Range<Int>] = []
    var samples: [String] = []
    var rows: [Engine.Row] = []
    var inputs = ModelInputs(nominal: [], modifierData: [])
    var layout = InputLayout(nominal: [], modifierData: [])
    /// type name → modifier name → occurrences in walk order.
    var occurrences: [String: [String: [ModifierOccurrence]]] = [:]
    /// type name → modifier names in order of first appearance.
    var firstAppearance: [String: [String]] = [:]

    init(workspace ws: Workspace, registry: ModifierRegistry) throws {
        guard !ws.channels.isEmpty else { throw ModelError(.invalidModel, path: "channels", "the workspace has no channels") }
        var channelIndex: [String: Int] = [:]
        for (i, c) in ws.channels.enumerated() {
            guard channelIndex.updateValue(i, forKey: c.name) == nil else {
                throw ModelError(.invalidModel, path: "channels[\(i)].name", "duplicate channel name '\(c.name)'")
            }
            guard let first = c.samples.first else {
                throw ModelError(.invalidModel, path: "channels[\(i)].samples", "channel '\(c.name)' has no samples")
            }
            var sampleNames: Set<String> = []
            for (j, s) in c.samples.enumerated() {
                guard sampleNames.insert(s.name).inserted else {
                    throw ModelError(.invalidModel, path: "channels[\(i)].samples[\(j)].name", "duplicate sample '\(s.name)' in channel '\(c.name)'")
                }
                guard !s.data.isEmpty else {
                    throw ModelError(.invalidModel, path: "channels[\(i)].samples[\(j)].data", "sample '\(s.name)' has no bins")
                }
                guard s.data.count == first.data.count else {
                    throw ModelError(
                        .invalidModel, path: "channels[\(i)].samples[\(j)].data",
                        "expected \(first.data.count) size sample data (the channel's first sample) but got \(s.data.count)")
                }
            }
        }
        channels = channelIndex.keys.sorted()
        samples = Set(ws.channels.flatMap { $0.samples.map(\.name) }).sorted()

        var mainBin = 0
        for (ci, name) in channels.enumerated() {
            let fileIndex = channelIndex[name]!
            let channel = ws.channels[fileIndex]
            let nbins = channel.samples[0].data.count
            let mainBins = mainBin..<(mainBin + nbins)
            channelBins.append(mainBins)
            mainBin += nbins
            let sampleOrder = channel.samples.indices.sorted { channel.samples[$0].name < channel.samples[$1].name }
            channelElements.append(inputs.nominal.count..<(inputs.nominal.count + nbins * sampleOrder.count))
            for si in sampleOrder {
                let sample = channel.samples[si]
                let elements = inputs.nominal.count..<(inputs.nominal.count + nbins)
                inputs.nominal += sample.data
                rows.append(Engine.Row(elements: elements, mainStart: mainBins.lowerBound))
                layout.nominal.append(.init(channel: name, sample: sample.name, range: elements))
                let modOrder = sample.modifiers.indices.sorted {
                    let a = sample.modifiers[$0], b = sample.modifiers[$1]
                    return (a.name, a.kind.rawValue) < (b.name, b.kind.rawValue)
                }
                for (k, mi) in modOrder.enumerated() {
                    let mod = sample.modifiers[mi]
                    var path: String { "channels[\(fileIndex)].samples[\(si)].modifiers[\(mi)]" }
                    let typeName = mod.kind.rawValue
                    if k > 0, sample.modifiers[modOrder[k - 1]].name == mod.name, sample.modifiers[modOrder[k - 1]].kind == mod.kind {
                        throw ModelError(.invalidModel, path: path, "modifier '\(mod.name)' of type \(typeName) appears twice on sample '\(sample.name)'")
                    }
                    guard let type = registry.types[typeName] else {
                        throw ModelError(.invalidModifier, path: path + ".type", "unknown modifier type '\(typeName)'")
                    }
                    let values = try type.flattenData(mod, sampleData: sample.data, path: path)
                    let data = inputs.modifierData.count..<(inputs.modifierData.count + values.count)
                    inputs.modifierData += values
                    layout.modifierData.append(.init(channel: name, sample: sample.name, modifier: mod.name, type: typeName, range: data))
                    let occurrence = ModifierOccurrence(
                        channel: name, channelIndex: ci, sample: sample.name, elements: elements, mainBins: mainBins, data: data,
                        filePosition: (fileIndex, si, mi))
                    if occurrences[typeName, default: [:]][mod.name] == nil { firstAppearance[typeName, default: []].append(mod.name) }
                    occurrences[typeName, default: [:]][mod.name, default: []].append(occurrence)
                }
            }
        }
    }
}
