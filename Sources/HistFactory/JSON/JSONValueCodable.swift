// `JSONValue` through `Codable`, so that the typed workspace (decoded with `JSONDecoder`) can hand a
// modifier's `data` to its type's `ModifierDataFormat` whatever its shape.

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? c.decode(Double.self) {
            // JSONDecoder does not say how a number was spelled; integral values stay floats.
            self = .number(JSONNumber(n))
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            // JSONDecoder does not keep member order: members come in Python's string order.
            let members = try c.decode([String: JSONValue].self)
            self = .object(JSONObject(members.sorted { $0.key.pythonPrecedes($1.key) }.map { ($0.key, $0.value) }))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .number(let n):
            if let i = n.int { try c.encode(i) } else { try c.encode(n.double) }
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(Dictionary(o.entries.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last }))
        }
    }
}
