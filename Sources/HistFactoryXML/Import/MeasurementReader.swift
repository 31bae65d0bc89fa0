import Foundation
import HistFactory

/// One entry of a measurement's `parameters` list; absent fields are absent keys.
struct ParameterConfig: Equatable {
    var name: String
    var bounds: [Double]?
    var inits: Double?
    var fixed: Bool?
    var auxdata: Double?
    var sigmas: Double?

    init(name: String) { self.name = name }

    var json: JSONValue {
        var object: [(String, JSONValue)] = [("name", .string(name))]
        if let auxdata { object.append(("auxdata", [.number(JSONNumber(auxdata))])) }
        if let bounds { object.append(("bounds", [.array(bounds.map { .number(JSONNumber($0)) })])) }
        if let fixed { object.append(("fixed", .bool(fixed))) }
        if let inits { object.append(("inits", [.number(JSONNumber(inits))])) }
        if let sigmas { object.append(("sigmas", [.number(JSONNumber(sigmas))])) }
        return .object(JSONObject(object))
    }

    /// One configuration per name, in order of first appearance; differing configurations of
    /// one name are an error (pyhf's `dedupe_parameters`).
    static func deduplicated(_ configs: [ParameterConfig], file: String) throws(XMLImportError) -> [ParameterConfig] {
        var result: [ParameterConfig] = []
        for config in configs {
            if let existing = result.first(where: { $0.name == config.name }) {
                guard existing == config else {
                    throw XMLImportError(file: file, reason: "cannot import workspace due to incompatible parameter configurations for \(config.name)")
                }
            } else {
                result.append(config)
            }
        }
        return result
    }
}

/// Reads the `<Measurement>` elements of the top-level file (pyhf's `process_measurements`).
struct MeasurementReader {
    let file: String
    let notes: ((String) -> Void)?

    func measurements(_ top: XMLElement, parameterConfigs: [ParameterConfig]) throws(XMLImportError) -> [JSONValue] {
        guard top.tag == "Combination" else {
            throw XMLImportError(file: file, element: top.label, reason: "the root element is not <Combination>")
        }
        var result: [JSONValue] = []
        for measurement in top.children("Measurement") {
            result.append(try read(measurement, parameterConfigs: parameterConfigs))
        }
        return result
    }

    private func read(_ measurement: XMLElement, parameterConfigs: [ParameterConfig]) throws(XMLImportError) -> JSONValue {
        let lumiValue = try floatAttribute(measurement, "Lumi", file: file)
        let lumiError = lumiValue * (try floatAttribute(measurement, "LumiRelErr", file: file))
        let name = try requiredAttribute(measurement, "Name", file: file)
        guard let poi = measurement.children("POI").first else {
            throw XMLImportError(file: file, element: measurement.label, reason: "measurement \(name) is missing its POI (<POI>)")
        }
        var lumi = ParameterConfig(name: "lumi")
        lumi.auxdata = lumiValue
        lumi.bounds = [lumiValue - 5.0 * lumiError, lumiValue + 5.0 * lumiError]
        lumi.inits = lumiValue
        lumi.sigmas = lumiError
        // Insertion-ordered as pyhf's dict: a ParamSetting moves its parameter to the end.
        var configs = parameterConfigs
        for setting in measurement.children("ParamSetting") {
            var fixed: Bool?
            var inits: Double?
            if let const = setting[attribute: "Const"], !const.isEmpty { fixed = const == "True" }
            if let value = setting[attribute: "Val"], !value.isEmpty { inits = try floatAttribute(setting, "Val", file: file) }
            let text = setting.text.trimmingCharacters(in: .whitespacesAndNewlines)
            for rootName in text.split(separator: " ") {
                let parameter = try Self.parameterName(String(rootName), setting: setting, file: file)
                if parameter == "lumi" {
                    lumi.fixed = fixed ?? lumi.fixed
                    lumi.inits = inits ?? lumi.inits
                } else {
                    var config = configs.firstIndex { $0.name == parameter }.map { configs.remove(at: $0) } ?? ParameterConfig(name: parameter)
                    config.fixed = fixed ?? config.fixed
                    config.inits = inits ?? config.inits
                    configs.append(config)
                }
            }
        }
        for constraint in measurement.children("ConstraintTerm") {
            notes?("\(file): \(constraint.label): ConstraintTerm \(constraint[attribute: "Type"] ?? "") for \(constraint.text) cannot be expressed in a pyhf workspace; the parameter keeps its Gaussian constraint (as pyhf writes it)")
        }
        return [
            "name": .string(name),
            "config": [
                "poi": .string(poi.text.trimmingCharacters(in: .whitespacesAndNewlines)),
                "parameters": .array(([lumi] + configs).map(\.json)),
            ],
        ]
    }

    /// The pyhf parameter a ROOT parameter name means (`alpha_X` → `X`, `Lumi` → `lumi`); the
    /// per-bin `gamma_X_N` parameters cannot be set one by one in a pyhf workspace.
    static func parameterName(_ rootName: String, setting: XMLElement, file: String) throws(XMLImportError) -> String {
        if rootName.hasPrefix("gamma_") {
            throw XMLImportError(file: file, element: setting.label,
                                 reason: "pyhf does not support setting non-scalar parameters (\"gammas\") constant, such as for \(rootName)")
        }
        if rootName.hasPrefix("alpha_") {
            let name = String(rootName.dropFirst(6))
            guard !name.isEmpty else { throw XMLImportError(file: file, element: setting.label, reason: "confusing parameter name \(rootName)") }
            return name
        }
        return rootName == "Lumi" ? "lumi" : rootName
    }
}
