// Workspace documents and pyhf's workspace operations (pyhf 0.7.6 `Workspace`: prune, rename,
// combine, sorted, digest, measurement selection).
//
// Operations work on the JSON document rather than on the typed `Workspace`, because their output
// (printed by the CLI, hashed by `digest`) must keep every number spelled as in the input.

public import HEPKitSupport

/// A validated pyhf workspace: the JSON document as read and its typed form.
///
/// Construction checks pyhf's `workspace.json` schema (every violation reported at once) and the
/// measurement-independent model-building rules (duplicate channels, samples or modifiers, bin
/// counts, modifier data shapes), so every document can be summarised and operated on.
/// `modelIssues()` adds the per-measurement checks of building each `Model`.
public struct WorkspaceDocument: Sendable, Equatable {
    /// The document; numbers keep their int/float spelling.
    public let json: JSONValue
    /// The typed workspace.
    public let workspace: Workspace
    /// The modifier types the document was validated with; its models use them too.
    public let modifierTypes: ModifierRegistry
    /// The measurement-independent part of every model (built once, by validation).
    let structure: ModelStructure

    /// Validates `json` and decodes it. `source` (a file name) is used in error messages.
    /// `modifierTypes` are the modifier types the workspace may use (an unknown `type` is a
    /// schema violation naming its path).
    public init(_ json: JSONValue, source: String? = nil, modifierTypes: ModifierRegistry = .installed) throws(WorkspaceError) {
        let issues = PyhfSchema.workspace(modifierTypes).validate(json)
        guard issues.isEmpty else {
            throw .invalidSpecification(source: source, schema: "workspace.json", issues: issues)
        }
        let workspace = Workspace(validated: json, modifierTypes: modifierTypes)
        self.modifierTypes = modifierTypes
        do {
            structure = try ModelStructure(workspace: workspace, registry: modifierTypes)
        } catch let error as ModelError {
            throw .invalidSpecification(source: source, schema: "workspace.json", issues: [ValidationIssue(error)])
        } catch {
            throw .invalidSpecification(
                source: source, schema: "workspace.json", issues: [ValidationIssue(.root, expected: "a valid workspace", found: "\(error)")])
        }
        self.json = json
        self.workspace = workspace
    }

    /// Parses and validates a JSON text.
    public init(parsing bytes: some Collection<UInt8>, source: String? = nil, modifierTypes: ModifierRegistry = .installed)
        throws(WorkspaceError)
    {
        let json: JSONValue
        do { json = try JSONValue(parsing: bytes) } catch { throw .invalidJSON(source: source, error) }
        try self.init(json, source: source, modifierTypes: modifierTypes)
    }

    public static func == (lhs: WorkspaceDocument, rhs: WorkspaceDocument) -> Bool { lhs.json == rhs.json }

    // MARK: Summary (pyhf's `_ChannelSummaryMixin`)

    /// Channel names, sorted.
    public var channels: [String] { workspace.channels.map(\.name).pythonSortedUnique() }

    /// Sample names over all channels, sorted.
    public var samples: [String] { workspace.channels.flatMap { $0.samples.map(\.name) }.pythonSortedUnique() }

    /// The distinct `(name, type)` modifier pairs, sorted by name then type.
    public var modifiers: [(name: String, type: String)] {
        var seen = Set<[String]>()
        var pairs: [(name: String, type: String)] = []
        for channel in workspace.channels {
            for sample in channel.samples {
                for m in sample.modifiers where seen.insert([m.name, m.kind.rawValue]).inserted {
                    pairs.append((m.name, m.kind.rawValue))
                }
            }
        }
        return pairs.sorted { $0.name == $1.name ? $0.type.pythonPrecedes($1.type) : $0.name.pythonPrecedes($1.name) }
    }

    /// Number of bins of each channel (the length of its first sample).
    public var channelBins: [String: Int] {
        Dictionary(workspace.channels.map { ($0.name, $0.samples.first?.data.count ?? 0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Measurement names in file order.
    public var measurementNames: [String] { workspace.measurements.map(\.name) }

    /// sha256 (or another algorithm's) hex digest, exactly as `pyhf digest` / `pyhf.utils.digest`.
    public func digest(_ algorithm: HashAlgorithm = .sha256) -> String {
        algorithm.hexDigest(json.canonicalDigestBytes)
    }

    // MARK: Measurements and models

    /// pyhf `get_measurement`: by name, else by index, else the first one.
    public func measurement(named name: String? = nil, index: Int? = nil) throws(WorkspaceError) -> Measurement {
        let all = workspace.measurements
        if let name {
            guard let m = all.first(where: { $0.name == name }) else {
                throw .invalidOperation("no measurement by name '\(name)' was found in the workspace (have: \(measurementNames.joined(separator: ", ")))")
            }
            return m
        }
        if let index {
            guard all.indices.contains(index) else {
                throw .invalidOperation("measurement index \(index) out of bounds: the workspace has \(all.count) measurements")
            }
            return all[index]
        }
        return all[0]
    }

    /// pyhf `Workspace.model`: the model of a measurement, after applying `patches` to the model
    /// specification `{"channels": ..., "parameters": <measurement parameters>}`.
    public func model(
        measurement name: String? = nil, patches: [JSONPatch] = [], poi: String? = nil,
        interpolation: InterpolationSettings = .pyhfDefault
    ) throws -> Model {
        let m = try measurement(named: name)
        guard !patches.isEmpty else { return try model(of: m.name, poi: poi, interpolation: interpolation) }
        var spec: JSONValue = [
            "channels": json["channels"] ?? [],
            "parameters": json["measurements"]?.arrayValue?.first { $0["name"]?.stringValue == m.name }?["config"]?["parameters"] ?? [],
        ]
        do {
            for patch in patches { spec = try patch.apply(to: spec) }
        } catch {
            throw WorkspaceError.patchFailed(error)
        }
        let issues = PyhfSchema.model(modifierTypes).validate(spec)
        guard issues.isEmpty else { throw WorkspaceError.invalidSpecification(source: nil, schema: "model.json", issues: issues) }
        let channels = (spec["channels"]?.arrayValue ?? []).map { Channel(validated: $0, modifierTypes: modifierTypes) }
        let parameters = (spec["parameters"]?.arrayValue ?? []).map(ParameterConfig.init(validated:))
        let patched = Workspace(
            channels: channels, observations: workspace.observations,
            measurements: [Measurement(name: m.name, config: MeasurementConfig(poi: m.config.poi, parameters: parameters))],
            version: workspace.version)
        return try Model(workspace: patched, measurement: m.name, poi: poi, interpolation: interpolation, modifierTypes: modifierTypes)
    }

    /// The model of the measurement `name` from the structure validation built.
    func model(of name: String, poi: String? = nil, interpolation: InterpolationSettings = .pyhfDefault) throws -> Model {
        let (index, m) = try Model.selectMeasurement(workspace, name)
        return try Model(
            structure: structure, configs: m.config.parameters, configPath: "measurements[\(index)].config.parameters",
            poi: poi ?? m.config.poi, interpolation: interpolation, registry: modifierTypes, concurrencyThreshold: Model.concurrencyThreshold)
    }

    /// pyhf `Workspace.data`: observations in the model's channel order, then its auxdata if asked.
    public func data(_ model: Model, includeAuxdata: Bool = true) throws(ModelError) -> [Double] {
        try model.observedData(workspace, includeAuxdata: includeAuxdata)
    }

    // MARK: Operations

    /// pyhf `Workspace.prune`: a new workspace without the named items. Every name must exist.
    /// Pruning a channel drops its observation; pruning modifiers by name drops their parameter
    /// configurations too (pruning by type does not).
    public func pruned(
        modifiers: [String] = [], modifierTypes: [String] = [], samples: [String] = [], channels: [String] = [],
        measurements: [String] = []
    ) throws(WorkspaceError) -> WorkspaceDocument {
        try pruneAndRename(
            prune: Selection(modifiers: modifiers, modifierTypes: modifierTypes, samples: samples, channels: channels, measurements: measurements),
            rename: Renaming())
    }

    /// pyhf `Workspace.rename`: maps old names to new ones (later pairs win for a repeated old
    /// name). Renaming a channel renames its observation; renaming a modifier renames its
    /// parameter configurations and the POI.
    public func renamed(
        modifiers: [(String, String)] = [], samples: [(String, String)] = [], channels: [(String, String)] = [],
        measurements: [(String, String)] = []
    ) throws(WorkspaceError) -> WorkspaceDocument {
        func map(_ pairs: [(String, String)]) -> [String: String] { Dictionary(pairs, uniquingKeysWith: { _, last in last }) }
        return try pruneAndRename(
            prune: Selection(),
            rename: Renaming(
                modifiers: map(modifiers), samples: map(samples), channels: map(channels), measurements: map(measurements),
                order: Renaming.Order(modifiers: modifiers.map(\.0), samples: samples.map(\.0), channels: channels.map(\.0), measurements: measurements.map(\.0))))
    }

    private struct Selection {
        var modifiers: [String] = [], modifierTypes: [String] = [], samples: [String] = [], channels: [String] = [], measurements: [String] = []
    }

    private struct Renaming {
        struct Order { var modifiers: [String] = [], samples: [String] = [], channels: [String] = [], measurements: [String] = [] }
        var modifiers: [String: String] = [:], samples: [String: String] = [:], channels: [String: String] = [:], measurements: [String: String] = [:]
        /// Old names in the order given, so errors name the first unknown one as pyhf does.
        var order = Order()
    }

    private func pruneAndRename(prune: Selection, rename: Renaming) throws(WorkspaceError) -> WorkspaceDocument {
        let pairs = modifiers
        let types = Set(pairs.map(\.type)), names = Set(pairs.map(\.name))
        for t in prune.modifierTypes where !types.contains(t) {
            throw .invalidOperation("\(t) is not one of the modifier types in this workspace.")
        }
        for n in prune.modifiers + rename.order.modifiers where !names.contains(n) {
            throw .invalidOperation("\(n) is not one of the modifiers in this workspace.")
        }
        let sampleSet = Set(samples), channelSet = Set(channels), measurementSet = Set(measurementNames)
        for n in prune.samples + rename.order.samples where !sampleSet.contains(n) {
            throw .invalidOperation("\(n) is not one of the samples in this workspace.")
        }
        for n in prune.channels + rename.order.channels where !channelSet.contains(n) {
            throw .invalidOperation("\(n) is not one of the channels in this workspace.")
        }
        for n in prune.measurements + rename.order.measurements where !measurementSet.contains(n) {
            throw .invalidOperation("\(n) is not one of the measurements in this workspace.")
        }
        let pruneModifiers = Set(prune.modifiers), pruneTypes = Set(prune.modifierTypes), pruneSamples = Set(prune.samples)
        let pruneChannels = Set(prune.channels), pruneMeasurements = Set(prune.measurements)

        func renamedName(_ item: JSONValue, _ map: [String: String]) -> JSONValue {
            guard case .object(var o) = item, let name = o["name"]?.stringValue, let new = map[name] else { return item }
            o["name"] = .string(new)
            return .object(o)
        }
        func name(_ item: JSONValue) -> String { item["name"]?.stringValue ?? "" }

        let channels: [JSONValue] = (json["channels"]?.arrayValue ?? []).filter { !pruneChannels.contains(name($0)) }.map { channel in
            let samples: [JSONValue] = (channel["samples"]?.arrayValue ?? []).filter { !pruneSamples.contains(name($0)) }.map { sample in
                let modifiers = (sample["modifiers"]?.arrayValue ?? []).filter {
                    !pruneModifiers.contains(name($0)) && !pruneTypes.contains($0["type"]?.stringValue ?? "")
                }.map { renamedName($0, rename.modifiers) }
                return [
                    "name": .string(rename.samples[name(sample)] ?? name(sample)), "data": sample["data"] ?? [], "modifiers": .array(modifiers),
                ]
            }
            return ["name": .string(rename.channels[name(channel)] ?? name(channel)), "samples": .array(samples)]
        }
        let measurements: [JSONValue] = (json["measurements"]?.arrayValue ?? []).filter { !pruneMeasurements.contains(name($0)) }.map { m in
            let parameters = (m["config"]?["parameters"]?.arrayValue ?? []).filter { !pruneModifiers.contains(name($0)) }
                .map { renamedName($0, rename.modifiers) }
            let poi = m["config"]?["poi"]?.stringValue ?? ""
            return [
                "name": .string(rename.measurements[name(m)] ?? name(m)),
                "config": ["parameters": .array(parameters), "poi": .string(rename.modifiers[poi] ?? poi)],
            ]
        }
        let observations: [JSONValue] = (json["observations"]?.arrayValue ?? []).filter { !pruneChannels.contains(name($0)) }
            .map { renamedName($0, rename.channels) }
        return try WorkspaceDocument(
            [
                "channels": .array(channels), "measurements": .array(measurements), "observations": .array(observations),
                "version": json["version"] ?? .null,
            ], modifierTypes: modifierTypes)
    }

    /// How `combine` joins items with the same name (pyhf's `join`).
    public enum Join: String, Sendable, CaseIterable {
        /// Concatenate; any name in common is an error.
        case none
        /// Keep both sides; identical items once; a name with two different items is an error
        /// (measurements with the same POI are merged).
        case outer
        /// Left items win, right items with new names are appended.
        case leftOuter = "left outer"
        /// Right items win, left items with new names are appended.
        case rightOuter = "right outer"
    }

    /// pyhf `Workspace.combine`: channels, observations and measurements of both workspaces.
    /// With `mergeChannels` (outer joins only), channels of the same name are merged sample-wise.
    public static func combine(
        _ left: WorkspaceDocument, _ right: WorkspaceDocument, join: Join = .none, mergeChannels: Bool = false
    ) throws(WorkspaceError) -> WorkspaceDocument {
        let joins = Join.allCases.map(\.rawValue)
        if mergeChannels && join == .none {
            throw .invalidOperation("You can only merge channels using the 'outer', 'left outer', or 'right outer' join operations; not none")
        }
        let lv = left.json["version"] ?? .null, rv = right.json["version"] ?? .null
        guard lv == rv else {
            throw .invalidOperation("Workspaces of different versions cannot be combined: \(lv.brief()) != \(rv.brief())")
        }
        func items(_ doc: WorkspaceDocument, _ key: String) -> [JSONValue] { doc.json[key]?.arrayValue ?? [] }
        func names(_ items: [JSONValue]) -> [String] { items.map { $0["name"]?.stringValue ?? "" } }
        func commonNames(_ key: String) -> [String] {
            let r = Set(names(items(right, key)))
            return names(items(left, key)).filter { r.contains($0) }.pythonSortedUnique()
        }
        func repeatedNames(_ items: [JSONValue]) -> [String] {
            var count: [String: Int] = [:]
            var order: [String] = []
            for n in names(items) {
                if count[n] == nil { order.append(n) }
                count[n, default: 0] += 1
            }
            return order.filter { count[$0]! > 1 }
        }
        func list(_ names: [String]) -> String { "[" + names.map { "'\($0)'" }.joined(separator: ", ") + "]" }
        func set(_ names: [String]) -> String { "{" + names.map { "'\($0)'" }.joined(separator: ", ") + "}" }
        let hint = " You can also try a different join operation: \(list(joins))."

        let channels = joinItems(join, items(left, "channels"), items(right, "channels"), deepMerge: mergeChannels ? "samples" : nil)
        switch join {
        case .none where !commonNames("channels").isEmpty:
            throw .invalidOperation("Workspaces cannot have any channels in common with the same name: \(set(commonNames("channels"))).\(hint)")
        case .outer where !repeatedNames(channels).isEmpty:
            throw .invalidOperation("Workspaces cannot have channels in common with incompatible structure: \(list(repeatedNames(channels))).\(hint)")
        default: break
        }
        let observations = joinItems(join, items(left, "observations"), items(right, "observations"))
        switch join {
        case .none where !commonNames("observations").isEmpty:
            throw .invalidOperation("Workspaces cannot have any observations in common with the same name: \(set(commonNames("observations"))).\(hint)")
        case .outer where !repeatedNames(observations).isEmpty:
            throw .invalidOperation("Workspaces cannot have observations in common with incompatible structure: \(list(repeatedNames(observations))).\(hint)")
        default: break
        }
        var measurements = joinItems(join, items(left, "measurements"), items(right, "measurements"))
        switch join {
        case .none where !commonNames("measurements").isEmpty:
            throw .invalidOperation("Workspaces cannot have any measurements in common with the same name: \(set(commonNames("measurements"))).\(hint)")
        case .outer:
            var byName: [String: [JSONValue]] = [:]
            var order: [String] = []
            for m in measurements {
                let n = m["name"]?.stringValue ?? ""
                if byName[n] == nil { order.append(n) }
                byName[n, default: []].append(m)
            }
            let badPOI = order.filter { Set(byName[$0]!.map { $0["config"]?["poi"]?.stringValue ?? "" }).count > 1 }
            guard badPOI.isEmpty else {
                throw .invalidOperation("Workspaces cannot have the same measurements with incompatible POI: \(list(badPOI)).")
            }
            var merged: [JSONValue] = []
            for n in order {
                let group = byName[n]!
                guard group.count > 1 else {
                    merged.append(group[0])
                    continue
                }
                // pyhf joins exactly two parameter lists here (one measurement per side).
                let parameters = joinItems(
                    .outer, group[0]["config"]?["parameters"]?.arrayValue ?? [], group[1]["config"]?["parameters"]?.arrayValue ?? [])
                let repeated = repeatedNames(parameters)
                guard repeated.isEmpty else {
                    throw .invalidOperation("Workspaces cannot have a measurement (\(n)) with incompatible parameter configs: \(list(repeated)).\(hint)")
                }
                merged.append(["name": .string(n), "config": ["poi": group[0]["config"]?["poi"] ?? "", "parameters": .array(parameters)]])
            }
            measurements = merged
        default: break
        }
        return try WorkspaceDocument(
            ["channels": .array(channels), "measurements": .array(measurements), "observations": .array(observations), "version": lv],
            modifierTypes: left.modifierTypes)
    }

    /// pyhf's `_join_items`: joins two lists of named objects.
    private static func joinItems(_ join: Join, _ left: [JSONValue], _ right: [JSONValue], deepMerge: String? = nil) -> [JSONValue] {
        let (primary, secondary) = join == .rightOuter ? (right, left) : (left, right)
        var joined = primary
        // Primary positions by name, so joining two workspaces of a million channels is linear
        // (an equal item has an equal name, so `contains` only looks among the same name).
        var positions: [String: [Int]] = [:]
        for (i, item) in primary.enumerated() { positions[item["name"]?.stringValue ?? "", default: []].append(i) }
        for item in secondary {
            let name = item["name"]?.stringValue ?? ""
            let same = positions[name] ?? []
            if let deepMerge, let i = same.first, case .object(var target) = joined[i] {
                let merged = joinItems(.leftOuter, target[deepMerge]?.arrayValue ?? [], item[deepMerge]?.arrayValue ?? [])
                target[deepMerge] = .array(merged)
                joined[i] = .object(target)
            } else if join == .none || (join == .outer && !same.contains { primary[$0] == item }) || (join != .outer && same.isEmpty) {
                joined.append(item)
            }
        }
        return joined
    }

    /// pyhf `Workspace.sorted`: channels, samples, modifiers (by name, then type), measurements,
    /// their parameter configurations and observations sorted by name.
    public func sorted() throws(WorkspaceError) -> WorkspaceDocument {
        func byName(_ items: [JSONValue], _ key: (JSONValue) -> [String] = { [$0["name"]?.stringValue ?? ""] }) -> [JSONValue] {
            // Stable, as Python's sort: ties keep their order. Keys are made once, not per comparison.
            items.indices.map { (key: key(items[$0]), offset: $0) }.sorted { a, b in
                a.key == b.key ? a.offset < b.offset : a.key.lexicographicallyPrecedes(b.key) { $0.pythonPrecedes($1) }
            }.map { items[$0.offset] }
        }
        func updating(_ value: JSONValue, _ key: String, _ transform: ([JSONValue]) -> [JSONValue]) -> JSONValue {
            guard case .object(var o) = value, let items = o[key]?.arrayValue else { return value }
            o[key] = .array(transform(items))
            return .object(o)
        }
        var doc = updating(json, "channels") { channels in
            byName(channels).map { channel in
                updating(channel, "samples") { samples in
                    byName(samples).map { sample in
                        updating(sample, "modifiers") { byName($0) { [$0["name"]?.stringValue ?? "", $0["type"]?.stringValue ?? ""] } }
                    }
                }
            }
        }
        doc = updating(doc, "measurements") { measurements in
            byName(measurements).map { m in
                guard case .object(var o) = m, let config = o["config"] else { return m }
                o["config"] = updating(config, "parameters") { byName($0) }
                return .object(o)
            }
        }
        doc = updating(doc, "observations") { byName($0) }
        return try WorkspaceDocument(doc, modifierTypes: modifierTypes)
    }

    /// The document as pyhf's CLI prints it: `json.dumps(ws, indent=4, sort_keys=True)`.
    public var pyhfText: String { json.pythonJSON(indent: 4) }
}

extension Array where Element == String {
    /// Distinct elements in Python's string order.
    func pythonSortedUnique() -> [String] { Array(Set(self)).sorted { $0.pythonPrecedes($1) } }
}

// Typed values from documents that passed pyhf's schema: the shapes are known, so no re-parsing
// through `JSONDecoder` is needed (that doubles the load time of large workspaces).
extension Workspace {
    init(validated json: JSONValue, modifierTypes: ModifierRegistry) {
        self.init(
            channels: json.members("channels").map { Channel(validated: $0, modifierTypes: modifierTypes) },
            observations: json.members("observations").map { Observation(name: $0.name, data: $0.numbers("data")) },
            measurements: json.members("measurements").map { m in
                Measurement(
                    name: m.name,
                    config: MeasurementConfig(
                        poi: m["config"]?["poi"]?.stringValue ?? "",
                        parameters: (m["config"] ?? .null).members("parameters").map(ParameterConfig.init(validated:))))
            },
            version: json["version"]?.stringValue ?? "")
    }
}

extension Channel {
    init(validated json: JSONValue, modifierTypes: ModifierRegistry) {
        self.init(
            name: json.name,
            samples: json.members("samples").map { s in
                Sample(
                    name: s.name, data: s.numbers("data"),
                    modifiers: s.members("modifiers").map { Modifier(validated: $0, modifierTypes: modifierTypes) })
            })
    }
}

extension Modifier {
    /// A modifier that passed `modifierTypes`' schema: its type exists and decodes the data.
    init(validated json: JSONValue, modifierTypes: ModifierRegistry) {
        let kind = ModifierKind(rawValue: json["type"]?.stringValue ?? "")
        let data = json["data"] ?? .null
        self.init(name: json.name, kind: kind, data: modifierTypes.types[kind.rawValue]?.dataFormat.decode(data) ?? .json(data))
    }
}

extension ParameterConfig {
    init(validated json: JSONValue) {
        func list(_ key: String) -> [Double]? { json[key] == nil ? nil : json.numbers(key) }
        self.init(
            name: json.name, inits: list("inits"), bounds: json["bounds"]?.arrayValue?.map { $0.arrayValue?.map { $0.numberValue?.double ?? .nan } ?? [] },
            fixed: json["fixed"]?.boolValue, auxdata: list("auxdata"), sigmas: list("sigmas"), factors: list("factors"))
    }
}

extension JSONValue {
    fileprivate var name: String { self["name"]?.stringValue ?? "" }
    fileprivate func members(_ key: String) -> [JSONValue] { self[key]?.arrayValue ?? [] }
    fileprivate func numbers(_ key: String) -> [Double] { members(key).map { $0.numberValue?.double ?? .nan } }
}
