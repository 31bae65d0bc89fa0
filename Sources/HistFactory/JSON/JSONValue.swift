// A lossless JSON document model with Python `json` semantics.
//
// pyhf works on Python objects made by `json.load`: integers stay `int` (arbitrary precision),
// everything with a fraction or exponent becomes a `float`, and objects keep insertion order.
// Digests and CLI output are `json.dumps` of those objects, so the spelling class of every
// number (int vs float) is part of the data. `JSONValue` keeps exactly that information.

/// A JSON number as Python's `json` module sees it: an exact integer or a binary64 float.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The value as a `Double` (rounded for integers beyond 2^53).
    public let double: Double
    /// Canonical decimal digits (optional leading `-`) when the number is an integer, else `nil`.
    public let integerText: String?

    /// A float, printed by Python as `repr(float)`.
    public init(_ value: Double) {
        double = value
        integerText = nil
    }

    /// An integer, printed without a fraction.
    public init(_ value: Int) {
        double = Double(value)
        integerText = String(value)
    }

    /// An integer from its decimal text (digits with an optional leading `-`, no leading zeros).
    init(integerText text: String) {
        // Python prints int("-0") as "0".
        let canonical = text == "-0" ? "0" : text
        integerText = canonical
        double = Double(canonical) ?? .nan
    }

    /// Whether the number was written without fraction and exponent (a Python `int`).
    public var isInteger: Bool { integerText != nil }

    /// The value as an `Int` when it is an integer that fits.
    public var int: Int? { integerText.flatMap { Int($0) } }

    /// Python's `str()`/`json.dumps` spelling: integer digits, or `repr(float)`.
    public var description: String { integerText ?? PythonFloat.repr(double) }

    /// Python numeric equality: `1 == 1.0`; two integers compare exactly.
    public static func == (lhs: JSONNumber, rhs: JSONNumber) -> Bool {
        if let l = lhs.integerText, let r = rhs.integerText { return l == r }
        return lhs.double == rhs.double
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(double) }
}

/// A JSON object that keeps key order (Python dicts keep insertion order); a repeated key keeps
/// its first position and takes the last value, as `json.loads` does.
public struct JSONObject: Sendable, Equatable, Sequence {
    public internal(set) var entries: [(key: String, value: JSONValue)]

    public init() { entries = [] }

    public init(_ entries: [(String, JSONValue)]) {
        self.entries = []
        self.entries.reserveCapacity(entries.count)
        guard entries.count > 16 else {
            for (key, value) in entries { self[key] = value }
            return
        }
        // Large objects (a modifier table of a million channels) are indexed, not scanned per key.
        var position: [String: Int] = [:]
        position.reserveCapacity(entries.count)
        for (key, value) in entries {
            if let i = position[key] {
                self.entries[i].value = value
            } else {
                position[key] = self.entries.count
                self.entries.append((key, value))
            }
        }
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public var keys: [String] { entries.map(\.key) }

    public func makeIterator() -> IndexingIterator<[(key: String, value: JSONValue)]> { entries.makeIterator() }

    public func index(forKey key: String) -> Int? { entries.firstIndex { $0.key == key } }

    /// Reads, inserts (at the end), replaces (in place) or, with `nil`, removes a member.
    public subscript(key: String) -> JSONValue? {
        get { index(forKey: key).map { entries[$0].value } }
        set {
            switch (index(forKey: key), newValue) {
            case (let i?, let v?): entries[i].value = v
            case (let i?, nil): entries.remove(at: i)
            case (nil, let v?): entries.append((key, v))
            case (nil, nil): break
            }
        }
    }

    /// Python dict equality: same keys with equal values, in any order.
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.entries.allSatisfy { rhs[$0.key] == $0.value }
    }
}

/// A JSON value with Python `json` semantics (see `JSONNumber`, `JSONObject`).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The JSON type name used in error messages (JSON Schema vocabulary).
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number(let n): return n.isInteger ? "integer" : "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }
    public var objectValue: JSONObject? { if case .object(let o) = self { return o } else { return nil } }
    public var numberValue: JSONNumber? { if case .number(let n) = self { return n } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }

    /// Member of an object (`nil` for a missing key or a non-object).
    public subscript(key: String) -> JSONValue? {
        get { objectValue?[key] }
    }

    /// A short rendering for error messages: compact JSON, cut after `limit` characters.
    public func brief(limit: Int = 60) -> String {
        let text = pythonJSON(sortKeys: false, ensureASCII: false)
        return text.count <= limit ? text : String(text.prefix(limit)) + "…"
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public typealias Key = String
    public typealias Value = JSONValue
    public typealias ArrayLiteralElement = JSONValue

    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(floatLiteral value: Double) { self = .number(JSONNumber(value)) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}

extension String {
    /// Python's string order (by Unicode code point), which `sorted()` and `sort_keys` use.
    /// Swift's `<` compares canonically equivalent strings as equal, Python does not.
    public func pythonPrecedes(_ other: String) -> Bool {
        unicodeScalars.lexicographicallyPrecedes(other.unicodeScalars)
    }

    /// Python string equality (code point by code point, no Unicode normalisation).
    public func pythonEquals(_ other: String) -> Bool {
        unicodeScalars.elementsEqual(other.unicodeScalars)
    }
}
