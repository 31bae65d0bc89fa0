// The one way HEPKit writes a workspace: the typed `Workspace` (as `hepkit build` makes it) becomes
// the same JSON document model the workspace operations print, so `build`, `optimize`, `sort`,
// `prune`, `combine` and `patchset apply` all spell numbers and order keys as pyhf does.

extension Workspace {
    /// The workspace as a JSON document in pyhf's layout. Every number is a Python `float`, as pyhf
    /// writes histogram contents (`1.0`, `0.1`, `1e-05`).
    public var jsonValue: JSONValue {
        func numbers(_ values: [Double]) -> JSONValue { .array(values.map { .number(JSONNumber($0)) }) }
        let channels: [JSONValue] = channels.map { channel in
            [
                "name": .string(channel.name),
                "samples": .array(
                    channel.samples.map { sample in
                        [
                            "name": .string(sample.name), "data": numbers(sample.data),
                            "modifiers": .array(sample.modifiers.map(\.jsonValue)),
                        ]
                    }),
            ]
        }
        let measurements: [JSONValue] = measurements.map { m in
            [
                "name": .string(m.name),
                "config": ["poi": .string(m.config.poi), "parameters": .array(m.config.parameters.map(\.jsonValue))],
            ]
        }
        return [
            "channels": .array(channels),
            "observations": .array(observations.map { ["name": .string($0.name), "data": numbers($0.data)] }),
            "measurements": .array(measurements),
            "version": .string(version),
        ]
    }

    /// The text HEPKit writes for a workspace file: `json.dumps(workspace, indent=4, sort_keys=True)`,
    /// exactly as `hepkit sort` (and `pyhf sort`) print a document.
    public var pyhfText: String { jsonValue.pythonJSON(indent: 4) }
}

extension Modifier {
    /// `{"name": …, "type": …, "data": …}`, the data spelled by the modifier's type.
    public var jsonValue: JSONValue { ["name": .string(name), "type": .string(kind.rawValue), "data": dataJSON()] }
}

extension ParameterConfig {
    /// The configuration with only the keys that are set, as pyhf's schema has them.
    public var jsonValue: JSONValue {
        func numbers(_ values: [Double]) -> JSONValue { .array(values.map { .number(JSONNumber($0)) }) }
        var object = JSONObject()
        object["name"] = .string(name)
        if let inits { object["inits"] = numbers(inits) }
        if let bounds { object["bounds"] = .array(bounds.map(numbers)) }
        if let fixed { object["fixed"] = .bool(fixed) }
        if let auxdata { object["auxdata"] = numbers(auxdata) }
        if let sigmas { object["sigmas"] = numbers(sigmas) }
        if let factors { object["factors"] = numbers(factors) }
        return .object(object)
    }
}
