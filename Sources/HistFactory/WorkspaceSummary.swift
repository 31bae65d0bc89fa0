/// What `pyhf inspect` reports about a workspace: the JSON result and its text tables.
public struct WorkspaceSummary: Sendable {
    public let channels: [(name: String, bins: Int)]
    public let samples: [String]
    /// Modifier name → type (for a name with two types, the later type in sorted order).
    public let modifiers: [(name: String, kind: ModifierKind)]
    public let parameters: [(name: String, constraint: ParameterConstraint)]
    /// Parameter name, constraint, and the modifier types carrying the name.
    public let systematics: [(name: String, constraint: ParameterConstraint, kinds: [ModifierKind])]
    public let measurements: [(name: String, poi: String, parameters: [String])]
    /// Name of the default (first) measurement.
    public let defaultMeasurement: String

    /// Summarises `document`; like pyhf, this builds (here: validates) the model of the default
    /// measurement, so model-building errors are reported.
    public init(_ document: WorkspaceDocument) throws(WorkspaceError) {
        try document.validateModel(measurementIndex: 0)
        let ws = document.workspace
        let bins = ws.channelBins
        channels = ws.sortedChannelNames.map { ($0, bins[$0]!) }
        samples = ws.sortedSampleNames
        let pairs = ws.sortedModifiers
        var lastKind: [String: ModifierKind] = [:]
        var order: [String] = []
        for pair in pairs {
            if lastKind[pair.name] == nil { order.append(pair.name) }
            lastKind[pair.name] = pair.kind
        }
        modifiers = order.map { ($0, lastKind[$0]!) }
        parameters = ws.parameterSets.map { ($0.name, $0.constraint) }
        systematics = parameters.map { p in (p.name, p.constraint, pairs.filter { $0.name == p.name }.map(\.kind)) }
        measurements = ws.measurements.map { ($0.name, $0.config.poi, $0.config.parameters.map(\.name)) }
        defaultMeasurement = ws.measurements[0].name
    }

    /// The dictionary `pyhf inspect --output-file` writes.
    public var json: JSONValue {
        .object(
            JSONObject([
                ("samples", .array(samples.map(JSONValue.string))),
                ("channels", .array(channels.map { [.string($0.name), JSONValue(integerLiteral: $0.bins)] })),
                ("modifiers", .object(JSONObject(modifiers.map { ($0.name, .string($0.kind.rawValue)) }))),
                ("parameters", .array(parameters.map { [.string($0.name), .string($0.constraint.rawValue)] })),
                (
                    "systematics",
                    .array(
                        systematics.map {
                            [.string($0.name), .string($0.constraint.rawValue), .array($0.kinds.map { .string($0.rawValue) })]
                        })
                ),
                (
                    "measurements",
                    .array(measurements.map { [.string($0.name), .string($0.poi), .array($0.parameters.map(JSONValue.string))] })
                ),
            ]))
    }

    /// The tables `pyhf inspect` prints, character for character.
    public var text: String {
        let maxlen = (channels.map(\.name) + samples + parameters.map(\.name) + measurements.map(\.name))
            .map(\.unicodeScalars.count).max() ?? 0
        var lines: [String] = []
        func right(_ s: String, _ width: Int) -> String { pad(s, width, alignment: .right) }
        lines.append(right("     Summary     ", maxlen + 7) + "  ")
        lines.append(right(String(repeating: "-", count: 18), maxlen + 7) + "  ")
        for (key, count) in [
            ("channels", channels.count), ("samples", samples.count), ("parameters", parameters.count),
            ("modifiers", modifiers.count),
        ] {
            lines.append(right(key, maxlen) + "  " + String(count))
        }
        lines.append("")
        lines.append(right("channels", maxlen) + "  " + pad("nbins", 5, alignment: .center))
        lines.append(right("----------", maxlen) + "  " + pad("-----", 5, alignment: .center))
        for channel in channels { lines.append(right(channel.name, maxlen) + "  " + pad(String(channel.bins), 5, alignment: .center)) }
        lines.append("")
        lines.append(right("samples", maxlen))
        lines.append(right("----------", maxlen))
        for sample in samples { lines.append(right(sample, maxlen)) }
        lines.append("")
        let dashes = "----------"
        lines.append(right("parameters", maxlen) + "  " + pad("constraint", 22, alignment: .left) + "  modifiers")
        lines.append(right(dashes, maxlen) + "  " + pad(dashes, 22, alignment: .left) + "  " + dashes)
        for s in systematics {
            let kinds = Set(s.kinds).map(\.rawValue).sorted().joined(separator: ",")
            lines.append(right(s.name, maxlen) + "  " + pad(s.constraint.rawValue, 22, alignment: .left) + "  " + kinds)
        }
        lines.append("")
        lines.append(right("measurement", maxlen) + "  " + pad("poi", 22, alignment: .center) + "  parameters")
        lines.append(right(dashes, maxlen) + "  " + pad(dashes, 22, alignment: .center) + "  " + dashes)
        for m in measurements {
            let label = (m.name == defaultMeasurement ? "(*) " : "") + m.name
            let parameters = m.parameters.isEmpty ? "(none)" : m.parameters.joined(separator: ",")
            lines.append(right(label, maxlen) + "  " + pad(m.poi, 22, alignment: .center) + "  " + parameters)
        }
        lines.append("")
        return lines.joined(separator: "\n") + "\n"
    }

    private enum Alignment { case left, right, center }

    /// Python's `format(s, '<N' | '>N' | '^N')` (pads, never truncates; centring puts the odd
    /// space on the right).
    private func pad(_ s: String, _ width: Int, alignment: Alignment) -> String {
        let fill = max(0, width - s.unicodeScalars.count)
        switch alignment {
        case .left: return s + String(repeating: " ", count: fill)
        case .right: return String(repeating: " ", count: fill) + s
        case .center:
            let left = fill / 2
            return String(repeating: " ", count: left) + s + String(repeating: " ", count: fill - left)
        }
    }
}
