// pyhf's JSON schemas (version 1.0.0: defs.json, workspace.json, model.json, measurement.json,
// patchset.json, jsonpatch.json) as data, with a validator that reports every violation with
// its path instead of stopping at the first one.

/// A JSON Schema (draft-06) subset large enough for pyhf's schema files.
public indirect enum Schema: Sendable {
    /// Anything.
    case any
    case null
    case boolean
    /// Integer or float (not `true`/`false`).
    case number
    case string
    /// A string matching a pattern (the regular expression is given for messages; `matches`
    /// implements it).
    case pattern(String, matches: @Sendable (String) -> Bool)
    /// Exactly this value.
    case constant(JSONValue)
    case array(Schema, minItems: Int = 0)
    /// `anyOf` with number or string.
    case numberOrString
    case object(ObjectSchema)
    /// An object whose shape depends on the string member `key` (pyhf's modifier `anyOf` keyed by
    /// `type`, JSON Patch's `oneOf` keyed by `op`). Gives one precise error instead of one per branch.
    case tagged(key: String, cases: [(tag: String, schema: ObjectSchema)])

    /// Validates `value` and returns every violation found (empty when valid).
    public func validate(_ value: JSONValue, at path: JSONPath = .root) -> [ValidationIssue] {
        var issues: [ValidationIssue] = []
        var components = path.components
        check(value, &components, &issues)
        return issues
    }

    /// `path` is a stack the walk pushes to and pops from: a path value is made only for an issue,
    /// not for each of the millions of nodes of a large workspace.
    fileprivate func check(_ value: JSONValue, _ path: inout [JSONPath.Component], _ issues: inout [ValidationIssue]) {
        func mismatch(_ expected: String) {
            issues.append(ValidationIssue(JSONPath(path), expected: expected, found: Schema.describe(value)))
        }
        switch self {
        case .any:
            break
        case .null:
            if value != .null { mismatch("null") }
        case .boolean:
            if value.boolValue == nil { mismatch("a boolean") }
        case .number:
            if value.numberValue == nil { mismatch("a number") }
        case .string:
            if value.stringValue == nil { mismatch("a string") }
        case .pattern(let regex, let matches):
            guard let s = value.stringValue else { return mismatch("a string matching \(regex)") }
            if !matches(s) { mismatch("a string matching \(regex)") }
        case .constant(let expected):
            if value != expected { mismatch(expected.brief()) }
        case .numberOrString:
            if value.numberValue == nil && value.stringValue == nil { mismatch("a number or a string") }
        case .array(let items, let minItems):
            guard let array = value.arrayValue else { return mismatch(Schema.describeArray(items, minItems)) }
            if array.count < minItems {
                mismatch("an array of at least \(minItems) item\(minItems == 1 ? "" : "s")")
            }
            if case .number = items {
                // Data arrays hold most of a workspace's values: check them without building paths.
                for (i, item) in array.enumerated() where item.numberValue == nil {
                    path.append(.index(i))
                    items.check(item, &path, &issues)
                    path.removeLast()
                }
            } else {
                for (i, item) in array.enumerated() {
                    path.append(.index(i))
                    items.check(item, &path, &issues)
                    path.removeLast()
                }
            }
        case .object(let schema):
            schema.check(value, &path, &issues)
        case .tagged(let key, let cases):
            guard let object = value.objectValue else { return mismatch("an object") }
            let tags = cases.map(\.tag)
            guard let tagValue = object[key] else {
                return issues.append(
                    ValidationIssue(JSONPath(path) / key, expected: "one of \(tags.joined(separator: ", "))", found: "nothing"))
            }
            guard let tag = tagValue.stringValue, let match = cases.first(where: { $0.tag == tag }) else {
                return issues.append(
                    ValidationIssue(
                        JSONPath(path) / key, expected: "one of \(tags.joined(separator: ", "))", found: Schema.describe(tagValue)))
            }
            match.schema.check(value, &path, &issues)
        }
    }

    /// A short description of a value for messages: its type and, for scalars, the value.
    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let b): return "boolean \(b)"
        case .number(let n): return "number \(n)"
        case .string(let s): return "string \(JSONValue.string(s).brief())"
        case .array(let a): return "an array of \(a.count) item\(a.count == 1 ? "" : "s")"
        case .object(let o):
            return o.isEmpty ? "an empty object" : "an object with keys \(o.keys.joined(separator: ", "))"
        }
    }

    private static func describeArray(_ items: Schema, _ minItems: Int) -> String {
        let what: String
        switch items {
        case .number: what = "numbers"
        case .string, .pattern: what = "strings"
        case .array: what = "arrays"
        case .object, .tagged: what = "objects"
        default: what = "values"
        }
        return minItems > 0 ? "a non-empty array of \(what)" : "an array of \(what)"
    }
}

/// The object part of a schema: known properties, required ones, and whether others are allowed.
public struct ObjectSchema: Sendable {
    public var properties: [(name: String, schema: Schema)]
    public var required: [String]
    public var additionalProperties: Bool
    public var minProperties: Int

    public init(
        _ properties: [(String, Schema)], required: [String], additionalProperties: Bool = false, minProperties: Int = 0
    ) {
        self.properties = properties.map { (name: $0.0, schema: $0.1) }
        self.required = required
        self.additionalProperties = additionalProperties
        self.minProperties = minProperties
    }

    func check(_ value: JSONValue, _ path: inout [JSONPath.Component], _ issues: inout [ValidationIssue]) {
        guard let object = value.objectValue else {
            return issues.append(ValidationIssue(JSONPath(path), expected: "an object", found: Schema.describe(value)))
        }
        for key in required where object[key] == nil {
            issues.append(ValidationIssue(JSONPath(path) / key, expected: "required property '\(key)'", found: "nothing"))
        }
        if object.count < minProperties {
            issues.append(
                ValidationIssue(JSONPath(path), expected: "at least \(minProperties) propert\(minProperties == 1 ? "y" : "ies")",
                    found: Schema.describe(value)))
        }
        for (key, member) in object {
            if let property = properties.first(where: { $0.name == key }) {
                path.append(.key(key))
                property.schema.check(member, &path, &issues)
                path.removeLast()
            } else if !additionalProperties {
                let allowed = properties.map(\.name).joined(separator: ", ")
                issues.append(ValidationIssue(JSONPath(path) / key, expected: "only the properties \(allowed)", found: "unexpected property '\(key)'"))
            }
        }
    }
}

/// pyhf's schema files, version 1.0.0.
public enum PyhfSchema {
    /// The only schema version pyhf 0.7.6 ships.
    public static let version = "1.0.0"

    private static let numbers = Schema.array(.number, minItems: 1)

    public static let parameter = Schema.object(
        ObjectSchema(
            [
                ("name", .string), ("inits", numbers),
                // pyhf's schema puts minItems/maxItems 2 on the numbers, so the pair length is
                // not checked here; the measurement checks reject pairs that are not [lo, hi].
                ("bounds", .array(.array(.number), minItems: 1)),
                ("auxdata", numbers), ("factors", numbers), ("sigmas", numbers), ("fixed", .boolean),
            ], required: ["name"]))

    public static let config = Schema.object(
        ObjectSchema([("poi", .string), ("parameters", .array(parameter))], required: ["poi", "parameters"]))

    public static let measurement = Schema.object(
        ObjectSchema([("name", .string), ("config", config)], required: ["name", "config"]))

    public static let observation = Schema.object(
        ObjectSchema([("name", .string), ("data", numbers)], required: ["name", "data"]))

    /// A modifier: one object shape per `type` of `registry` (each type gives its data's schema).
    public static func modifier(_ registry: ModifierRegistry = .installed) -> Schema { registry.modifierSchema }

    public static func sample(_ registry: ModifierRegistry = .installed) -> Schema {
        .object(
            ObjectSchema(
                [("name", .string), ("data", numbers), ("modifiers", .array(modifier(registry)))],
                required: ["name", "data", "modifiers"]))
    }

    public static func channel(_ registry: ModifierRegistry = .installed) -> Schema {
        .object(ObjectSchema([("name", .string), ("samples", .array(sample(registry), minItems: 1))], required: ["name", "samples"]))
    }

    /// `workspace.json`, with the modifier types of `registry`.
    public static func workspace(_ registry: ModifierRegistry = .installed) -> Schema {
        .object(
            ObjectSchema(
                [
                    ("channels", .array(channel(registry), minItems: 1)), ("measurements", .array(measurement, minItems: 1)),
                    ("observations", .array(observation, minItems: 1)), ("version", .constant(.string(version))),
                ], required: ["channels", "measurements", "observations", "version"]))
    }

    /// `model.json`, with the modifier types of `registry`.
    public static func model(_ registry: ModifierRegistry = .installed) -> Schema {
        .object(ObjectSchema([("channels", .array(channel(registry), minItems: 1)), ("parameters", .array(parameter))], required: ["channels"]))
    }

    /// `jsonpatch.json`: RFC 6902 operations (extra members allowed, as in the schemastore schema).
    public static let jsonPatch = Schema.array(
        .tagged(
            key: "op",
            cases: [
                ("add", ObjectSchema([("path", .string)], required: ["path", "value"], additionalProperties: true)),
                ("remove", ObjectSchema([("path", .string)], required: ["path"], additionalProperties: true)),
                ("replace", ObjectSchema([("path", .string)], required: ["path", "value"], additionalProperties: true)),
                ("move", ObjectSchema([("path", .string), ("from", .string)], required: ["path", "from"], additionalProperties: true)),
                ("copy", ObjectSchema([("path", .string), ("from", .string)], required: ["path", "from"], additionalProperties: true)),
                ("test", ObjectSchema([("path", .string)], required: ["path", "value"], additionalProperties: true)),
            ]))

    private static let identifier = Schema.pattern("^[a-zA-Z0-9_]+$") { s in
        !s.isEmpty && s.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }
    }

    private static func hex(_ count: Int, upper: Bool) -> Schema {
        let regex = upper ? "^[a-fA-F0-9]{\(count)}$" : "^[a-f0-9]{\(count)}$"
        return .pattern(regex) { s in
            s.unicodeScalars.count == count
                && s.unicodeScalars.allSatisfy {
                    ("0"..."9").contains($0) || ("a"..."f").contains($0) || (upper && ("A"..."F").contains($0))
                }
        }
    }

    /// `patchset.json`
    public static let patchSet = Schema.object(
        ObjectSchema(
            [
                (
                    "patches",
                    .array(
                        .object(
                            ObjectSchema(
                                [
                                    ("patch", jsonPatch),
                                    (
                                        "metadata",
                                        .object(
                                            ObjectSchema(
                                                [("name", identifier), ("values", .array(.numberOrString))],
                                                required: ["name", "values"], additionalProperties: true))
                                    ),
                                ], required: ["metadata", "patch"])), minItems: 1)
                ),
                (
                    "metadata",
                    .object(
                        ObjectSchema(
                            [
                                (
                                    "digests",
                                    .object(
                                        ObjectSchema(
                                            [("md5", hex(32, upper: false)), ("sha256", hex(64, upper: true))], required: [],
                                            minProperties: 1))
                                ),
                                ("labels", .array(identifier, minItems: 1)),
                                ("description", .string),
                                (
                                    "references",
                                    .object(
                                        ObjectSchema(
                                            [
                                                (
                                                    "hepdata",
                                                    .pattern("^ins[0-9]{7}$") { s in
                                                        let u = Array(s.unicodeScalars)
                                                        return u.count == 10 && String(String.UnicodeScalarView(u[0..<3])) == "ins"
                                                            && u[3...].allSatisfy { ("0"..."9").contains($0) }
                                                    }
                                                )
                                            ], required: [], minProperties: 1))
                                ),
                            ], required: ["references", "digests", "labels", "description"], additionalProperties: true))
                ),
                ("version", .constant(.string(version))),
            ], required: ["patches", "metadata", "version"]))
}
