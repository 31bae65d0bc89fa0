// `pyhf inspect`: a summary of a workspace as text tables and as a JSON document.

/// The summary `pyhf inspect` prints for a workspace (its default model supplies the parameters).
public struct WorkspaceInspection: Sendable {
    /// Channel names (sorted) with their bin counts.
    public var channels: [(name: String, bins: Int)]
    /// Sample names, sorted.
    public var samples: [String]
    /// Modifier name → type (for a name used by two types, the later type in sorted order, as pyhf's `dict`).
    public var modifiers: [(name: String, type: String)]
    /// Parameter sets of the default model, sorted by name, with their constraint kind.
    public var parameters: [(name: String, constraint: String)]
    /// Per parameter set, the modifier types using the name.
    public var systematics: [(name: String, constraint: String, types: [String])]
    /// Measurements in file order: name, POI, names of the configured parameters.
    public var measurements: [(name: String, poi: String, parameters: [String])]
    /// Name of the default (first) measurement.
    public var defaultMeasurement: String

    /// Summarises `document`, building the model of its default measurement.
    public init(_ document: WorkspaceDocument) throws {
        let bins = document.channelBins
        channels = document.channels.map { ($0, bins[$0] ?? 0) }
        samples = document.samples
        let pairs = document.modifiers
        var byName: [(name: String, type: String)] = []
        for pair in pairs {
            if let last = byName.last, last.name == pair.name { byName[byName.count - 1] = pair } else { byName.append(pair) }
        }
        modifiers = byName
        let model = try document.model()
        parameters = model.parameterSets.map { set in
            let constraint: String
            switch set.constraint {
            case nil: constraint = "unconstrained"
            case .normal?: constraint = "constrained_by_normal"
            case .poisson?: constraint = "constrained_by_poisson"
            }
            return (set.name, constraint)
        }.sorted { $0.name.pythonPrecedes($1.name) }
        var typesByName: [String: [String]] = [:]
        for pair in pairs { typesByName[pair.name, default: []].append(pair.type) }
        systematics = parameters.map { p in (p.name, p.constraint, typesByName[p.name] ?? []) }
        measurements = document.workspace.measurements.map { ($0.name, $0.config.poi, $0.config.parameters.map(\.name)) }
        defaultMeasurement = try document.measurement().name
    }

    /// The JSON document `pyhf inspect --output-file` writes.
    public var json: JSONValue {
        [
            "channels": .array(channels.map { [.string($0.name), .number(JSONNumber($0.bins))] }),
            "samples": .array(samples.map { .string($0) }),
            "modifiers": .object(JSONObject(modifiers.map { ($0.name, .string($0.type)) })),
            "parameters": .array(parameters.map { [.string($0.name), .string($0.constraint)] }),
            "systematics": .array(systematics.map { [.string($0.name), .string($0.constraint), .array($0.types.map { .string($0) })] }),
            "measurements": .array(measurements.map { [.string($0.name), .string($0.poi), .array($0.parameters.map { .string($0) })] }),
        ]
    }

    /// The text tables `pyhf inspect` prints (each line ends with a newline, as `click.echo`).
    public var text: String {
        func width(_ s: String) -> Int { s.unicodeScalars.count }
        func right(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(0, n - width(s))) + s }
        func left(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - width(s))) }
        func center(_ s: String, _ n: Int) -> String {
            let pad = max(0, n - width(s))
            return String(repeating: " ", count: pad / 2) + s + String(repeating: " ", count: pad - pad / 2)
        }
        let maxlen = ([channels.map(\.name), samples, parameters.map(\.name), measurements.map(\.name)].joined().map(width)).max() ?? 0
        var lines: [String] = []
        lines.append(right("     Summary     ", maxlen + 7) + "  ")
        lines.append(right(String(repeating: "-", count: 18), maxlen + 7) + "  ")
        for (key, count) in [("channels", channels.count), ("samples", samples.count), ("parameters", parameters.count), ("modifiers", modifiers.count)] {
            lines.append(right(key, maxlen) + "  " + String(count))
        }
        lines.append("")
        lines.append(right("channels", maxlen) + "  " + center("nbins", 5))
        lines.append(right("----------", maxlen) + "  " + center("-----", 5))
        for c in channels { lines.append(right(c.name, maxlen) + "  " + center(String(c.bins), 5)) }
        lines.append("")
        lines.append(right("samples", maxlen))
        lines.append(right("----------", maxlen))
        for s in samples { lines.append(right(s, maxlen)) }
        lines.append("")
        lines.append(right("parameters", maxlen) + "  " + left("constraint", 22) + "  " + "modifiers")
        lines.append(right("----------", maxlen) + "  " + left("----------", 22) + "  " + "----------")
        for s in systematics {
            lines.append(right(s.name, maxlen) + "  " + left(s.constraint, 22) + "  " + Array(Set(s.types)).sorted { $0.pythonPrecedes($1) }.joined(separator: ","))
        }
        lines.append("")
        lines.append(right("measurement", maxlen) + "  " + center("poi", 22) + "  " + "parameters")
        lines.append(right("----------", maxlen) + "  " + center("----------", 22) + "  " + "----------")
        for m in measurements {
            let name = (m.name == defaultMeasurement ? "(*) " : "") + m.name
            lines.append(right(name, maxlen) + "  " + center(m.poi, 22) + "  " + (m.parameters.isEmpty ? "(none)" : m.parameters.joined(separator: ",")))
        }
        lines.append("")
        return lines.map { $0 + "\n" }.joined()
    }
}
