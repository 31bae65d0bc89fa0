// A validated workspace kept as its JSON document, so that every operation (prune, rename,
// combine, sort, patch) and every digest sees exactly the numbers and strings of the input,
// including the int/float spelling that `pyhf digest` depends on.

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A pyhf workspace document that passed schema and structural validation.
public struct WorkspaceDocument: Sendable, Equatable {
    /// The document (a JSON object following `workspace.json`).
    public let json: JSONValue
    /// The typed view used to build models.
    public let workspace: Workspace

    /// Validates `json` against `workspace.json` and the structural rules; all problems are
    /// reported together. `source` (a file name) is only used in error messages.
    public init(json: JSONValue, source: String? = nil) throws(WorkspaceError) {
        let schemaIssues = PyhfSchema.workspace.validate(json)
        guard schemaIssues.isEmpty else {
            throw .invalidSpecification(source: source, schema: "workspace.json", issues: schemaIssues)
        }
        let workspace: Workspace
        do {
            let bytes = json.pythonJSON(sortKeys: false, ensureASCII: false)
            workspace = try JSONDecoder().decode(Workspace.self, from: Data(bytes.utf8))
        } catch {
            // Unreachable after schema validation; reported rather than trapped.
            throw .invalidSpecification(
                source: source, schema: "workspace.json",
                issues: [ValidationIssue(.root, expected: "a decodable workspace", found: "\(error)")])
        }
        let structural = workspace.structuralIssues()
        guard structural.isEmpty else {
            throw .invalidSpecification(source: source, schema: "workspace", issues: structural)
        }
        self.json = json
        self.workspace = workspace
    }

    /// Parses and validates a JSON text.
    public init(parsing bytes: some Collection<UInt8>, source: String? = nil) throws(WorkspaceError) {
        let json: JSONValue
        do throws(JSONSyntaxError) {
            json = try JSONValue(parsing: bytes)
        } catch {
            throw .invalidJSON(source: source, error)
        }
        try self.init(json: json, source: source)
    }

    public static func == (lhs: WorkspaceDocument, rhs: WorkspaceDocument) -> Bool { lhs.json == rhs.json }

    private var object: JSONObject { json.objectValue! }
    private func list(_ key: String) -> [JSONValue] { object[key]!.arrayValue! }
    private static func name(_ item: JSONValue) -> String { item["name"]!.stringValue! }

    // MARK: Digest

    /// Hex digest of the document exactly as `pyhf digest` / `pyhf.utils.digest` computes it.
    public func digest(_ algorithm: HashAlgorithm = .sha256) -> String {
        algorithm.hexDigest(json.canonicalDigestBytes)
    }

    // MARK: Measurements

    /// Index of a measurement: by name, else by index, else the first one (pyhf's
    /// `get_measurement`).
    public func measurementIndex(named name: String? = nil, index: Int? = nil) throws(WorkspaceError) -> Int {
        let names = workspace.measurements.map(\.name)
        if let name {
            guard let i = names.firstIndex(of: name) else {
                throw .invalidOperation(
                    "no measurement named '\(name)' in the workspace (measurements: \(names.joined(separator: ", ")))")
            }
            return i
        }
        let i = index ?? 0
        guard names.indices.contains(i) else {
            throw .invalidOperation(
                "measurement index \(i) is out of bounds: the workspace has \(names.count) measurement(s)")
        }
        return i
    }

    /// Checks that a model can be built for the measurement (pyhf's model-building errors).
    public func validateModel(measurementIndex: Int) throws(WorkspaceError) {
        let issues = workspace.measurementIssues(at: measurementIndex)
        guard issues.isEmpty else {
            throw .invalidSpecification(
                source: nil, schema: "model for measurement '\(workspace.measurements[measurementIndex].name)'", issues: issues)
        }
    }

    /// Observed main data, channels in the given order (pyhf: `model.config.channels`, i.e.
    /// sorted); auxiliary data are appended by the model layer.
    public func observedData(channels order: [String]? = nil) throws(WorkspaceError) -> [Double] {
        let byName = Dictionary(workspace.observations.map { ($0.name, $0.data) }, uniquingKeysWith: { a, _ in a })
        var data: [Double] = []
        for channel in order ?? workspace.sortedChannelNames {
            guard let values = byName[channel] else {
                throw .invalidOperation("the workspace has no observation for channel '\(channel)'")
            }
            data += values
        }
        return data
    }

    // MARK: Sorting

    /// pyhf's `Workspace.sorted`: channels, samples, modifiers (by name, type), measurements,
    /// their parameter configurations and observations sorted by name (stable).
    public func sorted() throws(WorkspaceError) -> WorkspaceDocument {
        func byName(_ items: [JSONValue]) -> [JSONValue] {
            items.sortedStably { Self.name($0).pythonPrecedes(Self.name($1)) }
        }
        var spec = object
        spec["channels"] = .array(
            byName(list("channels")).map { channel in
                channel.updating("samples") { samples in
                    .array(
                        byName(samples.arrayValue!).map { sample in
                            sample.updating("modifiers") { modifiers in
                                .array(
                                    modifiers.arrayValue!.sortedStably { a, b in
                                        let (na, nb) = (Self.name(a), Self.name(b))
                                        if na != nb { return na.pythonPrecedes(nb) }
                                        return a["type"]!.stringValue!.pythonPrecedes(b["type"]!.stringValue!)
                                    })
                            }
                        })
                }
            })
        spec["measurements"] = .array(
            byName(list("measurements")).map { measurement in
                measurement.updating("config") { config in
                    config.updating("parameters") { .array(byName($0.arrayValue!)) }
                }
            })
        spec["observations"] = .array(byName(list("observations")))
        return try WorkspaceDocument(json: .object(spec))
    }

    // MARK: Prune and rename

    /// pyhf's `Workspace.prune`: a new workspace without the named items. Pruning a channel drops
    /// its observation; pruning a modifier by name drops its parameter configurations.
    public func pruned(
        modifiers: [String] = [], modifierTypes: [ModifierKind] = [], samples: [String] = [],
        channels: [String] = [], measurements: [String] = []
    ) throws(WorkspaceError) -> WorkspaceDocument {
        try pruneAndRename(
            prune: .init(modifiers: modifiers, modifierTypes: modifierTypes, samples: samples, channels: channels, measurements: measurements),
            rename: .init())
    }

    /// pyhf's `Workspace.rename`: old → new names; observations follow channels, parameter
    /// configurations and the POI follow modifiers.
    public func renamed(
        modifiers: [String: String] = [:], samples: [String: String] = [:], channels: [String: String] = [:],
        measurements: [String: String] = [:]
    ) throws(WorkspaceError) -> WorkspaceDocument {
        try pruneAndRename(
            prune: .init(),
            rename: .init(modifiers: modifiers, samples: samples, channels: channels, measurements: measurements))
    }

    private struct Pruning {
        var modifiers: [String] = []
        var modifierTypes: [ModifierKind] = []
        var samples: [String] = []
        var channels: [String] = []
        var measurements: [String] = []
    }

    private struct Renaming {
        var modifiers: [String: String] = [:]
        var samples: [String: String] = [:]
        var channels: [String: String] = [:]
        var measurements: [String: String] = [:]
    }

    private func pruneAndRename(prune: Pruning, rename: Renaming) throws(WorkspaceError) -> WorkspaceDocument {
        let ws = workspace
        let modifierPairs = ws.sortedModifiers
        let presentTypes = Set(modifierPairs.map(\.kind))
        for kind in prune.modifierTypes where !presentTypes.contains(kind) {
            throw .invalidOperation("\(kind.rawValue) is not one of the modifier types in this workspace.")
        }
        let checks: [(names: [String], present: Set<String>, what: String)] = [
            (prune.modifiers + rename.modifiers.keys.sorted(), Set(modifierPairs.map(\.name)), "modifiers"),
            (prune.samples + rename.samples.keys.sorted(), Set(ws.sortedSampleNames), "samples"),
            (prune.channels + rename.channels.keys.sorted(), Set(ws.channels.map(\.name)), "channels"),
            (prune.measurements + rename.measurements.keys.sorted(), Set(ws.measurements.map(\.name)), "measurements"),
        ]
        for check in checks {
            for name in check.names where !check.present.contains(name) {
                throw .invalidOperation("\(name) is not one of the \(check.what) in this workspace.")
            }
        }
        let pruneModifiers = Set(prune.modifiers), pruneTypes = Set(prune.modifierTypes.map(\.rawValue))
        let pruneSamples = Set(prune.samples), pruneChannels = Set(prune.channels)
        let pruneMeasurements = Set(prune.measurements)
        func renamed(_ item: JSONValue, _ map: [String: String]) -> JSONValue {
            let old = Self.name(item)
            return item.updating("name") { _ in .string(map[old] ?? old) }
        }

        let channels: [JSONValue] = list("channels").filter { !pruneChannels.contains(Self.name($0)) }.map { channel in
            let samples: [JSONValue] = channel["samples"]!.arrayValue!.filter { !pruneSamples.contains(Self.name($0)) }.map {
                sample in
                let modifiers = sample["modifiers"]!.arrayValue!.filter {
                    !pruneModifiers.contains(Self.name($0)) && !pruneTypes.contains($0["type"]!.stringValue!)
                }.map { renamed($0, rename.modifiers) }
                return .object(
                    JSONObject([
                        ("name", .string(rename.samples[Self.name(sample)] ?? Self.name(sample))), ("data", sample["data"]!),
                        ("modifiers", .array(modifiers)),
                    ]))
            }
            return .object(
                JSONObject([("name", .string(rename.channels[Self.name(channel)] ?? Self.name(channel))), ("samples", .array(samples))]))
        }
        let measurements: [JSONValue] = list("measurements").filter { !pruneMeasurements.contains(Self.name($0)) }.map {
            measurement in
            let config = measurement["config"]!
            let parameters = config["parameters"]!.arrayValue!.filter { !pruneModifiers.contains(Self.name($0)) }
                .map { renamed($0, rename.modifiers) }
            let poi = config["poi"]!.stringValue!
            return .object(
                JSONObject([
                    ("name", .string(rename.measurements[Self.name(measurement)] ?? Self.name(measurement))),
                    (
                        "config",
                        .object(JSONObject([("parameters", .array(parameters)), ("poi", .string(rename.modifiers[poi] ?? poi))]))
                    ),
                ]))
        }
        let observations = list("observations").filter { !pruneChannels.contains(Self.name($0)) }.map { renamed($0, rename.channels) }
        return try WorkspaceDocument(
            json: .object(
                JSONObject([
                    ("channels", .array(channels)), ("measurements", .array(measurements)),
                    ("observations", .array(observations)), ("version", object["version"]!),
                ])))
    }

    // MARK: Combine

    /// How `combine` treats items (channels, observations, measurements) with the same name.
    public enum Join: String, Sendable, CaseIterable {
        /// No common names allowed.
        case none
        /// Identical items are kept once; different items with the same name are an error, except
        /// measurements with the same POI, whose parameter configurations are merged.
        case outer
        /// Left items win (unsafe: conflicts are silently resolved).
        case leftOuter = "left outer"
        /// Right items win, and come first.
        case rightOuter = "right outer"
    }

    /// pyhf's `Workspace.combine`.
    public static func combine(
        _ left: WorkspaceDocument, _ right: WorkspaceDocument, join: Join = .none, mergeChannels: Bool = false
    ) throws(WorkspaceError) -> WorkspaceDocument {
        if mergeChannels && join == .none {
            throw .invalidOperation(
                "You can only merge channels using the 'outer', 'left outer', or 'right outer' join operations; not none")
        }
        let (lv, rv) = (left.object["version"]!, right.object["version"]!)
        guard lv == rv else {
            throw .invalidOperation("Workspaces of different versions cannot be combined: \(lv.brief()) != \(rv.brief())")
        }
        func commonNames(_ a: [JSONValue], _ b: [JSONValue]) -> [String] {
            let names = Set(a.map(name))
            var seen = Set<String>()
            return b.map(name).filter { names.contains($0) && seen.insert($0).inserted }
        }
        func repeatedNames(_ items: [JSONValue]) -> [String] {
            var counts: [String: Int] = [:]
            var order: [String] = []
            for n in items.map(name) {
                if counts[n] == nil { order.append(n) }
                counts[n, default: 0] += 1
            }
            return order.filter { counts[$0]! > 1 }
        }
        func check(_ what: String, _ l: [JSONValue], _ r: [JSONValue], _ joined: [JSONValue]) throws(WorkspaceError) {
            if join == .none, case let common = commonNames(l, r), !common.isEmpty {
                throw .invalidOperation(
                    "Workspaces cannot have any \(what) in common with the same name: \(common.joined(separator: ", ")). You can also try a different join operation: none, outer, left outer, right outer.")
            }
            if join == .outer, what != "measurements", case let repeated = repeatedNames(joined), !repeated.isEmpty {
                throw .invalidOperation(
                    "Workspaces cannot have \(what) in common with incompatible structure: \(repeated.joined(separator: ", ")). You can also try a different join operation: none, outer, left outer, right outer.")
            }
        }

        let (lc, rc) = (left.list("channels"), right.list("channels"))
        let channels = joinItems(join, lc, rc, deepMergeKey: mergeChannels ? "samples" : nil)
        try check("channels", lc, rc, channels)
        let (lo, ro) = (left.list("observations"), right.list("observations"))
        let observations = joinItems(join, lo, ro)
        try check("observations", lo, ro, observations)
        let (lm, rm) = (left.list("measurements"), right.list("measurements"))
        var measurements = joinItems(join, lm, rm)
        try check("measurements", lm, rm, measurements)
        if join == .outer { measurements = try mergeMeasurements(measurements) }
        return try WorkspaceDocument(
            json: .object(
                JSONObject([
                    ("channels", .array(channels)), ("measurements", .array(measurements)),
                    ("observations", .array(observations)), ("version", lv),
                ])))
    }

    /// pyhf's `_join_items`: primary items, then secondary items by the join rule; with a deep
    /// merge key, same-named items get the secondary's new sub-items (left outer join).
    private static func joinItems(_ join: Join, _ left: [JSONValue], _ right: [JSONValue], deepMergeKey: String? = nil)
        -> [JSONValue]
    {
        let (primary, secondary) = join == .rightOuter ? (right, left) : (left, right)
        var joined = primary
        let keys = primary.map(name)
        for item in secondary {
            let itemName = name(item)
            if let deepMergeKey, let i = keys.firstIndex(of: itemName) {
                let merged = joinItems(.leftOuter, joined[i][deepMergeKey]!.arrayValue!, item[deepMergeKey]!.arrayValue!)
                joined[i] = joined[i].updating(deepMergeKey) { _ in .array(merged) }
            } else if join == .none || (join == .outer && !primary.contains(item))
                || ((join == .leftOuter || join == .rightOuter) && !keys.contains(itemName))
            {
                joined.append(item)
            }
        }
        return joined
    }

    /// Outer join of measurements: same-named measurements must share the POI; their parameter
    /// configurations are outer-joined and must not conflict.
    private static func mergeMeasurements(_ measurements: [JSONValue]) throws(WorkspaceError) -> [JSONValue] {
        var order: [String] = []
        var groups: [String: [JSONValue]] = [:]
        for m in measurements {
            if groups[name(m)] == nil { order.append(name(m)) }
            groups[name(m), default: []].append(m)
        }
        let incompatible = order.filter { Set(groups[$0]!.map { $0["config"]!["poi"]!.stringValue! }).count > 1 }
        if !incompatible.isEmpty {
            throw .invalidOperation(
                "Workspaces cannot have the same measurements with incompatible POI: \(incompatible.joined(separator: ", ")).")
        }
        var result: [JSONValue] = []
        for measurementName in order {
            let group = groups[measurementName]!
            guard group.count > 1 else {
                result.append(group[0])
                continue
            }
            let parameterLists = group.map { $0["config"]!["parameters"]!.arrayValue! }
            let parameters = parameterLists.dropFirst().reduce(parameterLists[0]) { joinItems(.outer, $0, $1) }
            var counts: [String: Int] = [:]
            var conflicting: [String] = []
            for p in parameters.map(name) {
                counts[p, default: 0] += 1
                if counts[p] == 2 { conflicting.append(p) }
            }
            if !conflicting.isEmpty {
                throw .invalidOperation(
                    "Workspaces cannot have a measurement (\(measurementName)) with incompatible parameter configs: \(conflicting.joined(separator: ", ")). You can also try a different join operation: none, outer, left outer, right outer.")
            }
            result.append(
                .object(
                    JSONObject([
                        ("name", .string(measurementName)),
                        (
                            "config",
                            .object(JSONObject([("poi", group[0]["config"]!["poi"]!), ("parameters", .array(parameters))]))
                        ),
                    ])))
        }
        return result
    }
}

extension JSONValue {
    /// A copy of this object with member `key` replaced by `transform(old value)` (in place).
    func updating(_ key: String, _ transform: (JSONValue) -> JSONValue) -> JSONValue {
        guard var object = objectValue, let old = object[key] else { return self }
        object[key] = transform(old)
        return .object(object)
    }
}

extension Array {
    /// A stable sort (Python's `list.sort` is stable; Swift's `sort` is not guaranteed to be).
    func sortedStably(by areInIncreasingOrder: (Element, Element) -> Bool) -> [Element] {
        enumerated().sorted { a, b in
            if areInIncreasingOrder(a.element, b.element) { return true }
            if areInIncreasingOrder(b.element, a.element) { return false }
            return a.offset < b.offset
        }.map(\.element)
    }
}
