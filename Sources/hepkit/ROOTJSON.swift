/// A minimal JSON value for the ROOT commands' output (`ls --json`, `hist`, `stats --json`):
/// numbers in their shortest exact form (a `Float` as the shortest text that reads back as the
/// same `Float`), non-finite numbers as the strings `"nan"`, `"inf"`, `"-inf"`.
enum ROOTJSON: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case float(Float)
    case double(Double)
    case string(String)
    case array([ROOTJSON])
    case object([(String, ROOTJSON)])

    /// The JSON text.
    var rendered: String {
        var out = ""
        render(into: &out)
        return out
    }

    func render(into out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .uint(let u): out += String(u)
        case .float(let f): JSONText.number(f, into: &out)
        case .double(let d): JSONText.number(d, into: &out)
        case .string(let s): JSONText.quote(s, into: &out)
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                item.render(into: &out)
            }
            out += "]"
        case .object(let fields):
            out += "{"
            for (i, (key, value)) in fields.enumerated() {
                if i > 0 { out += "," }
                JSONText.quote(key, into: &out)
                out += ":"
                value.render(into: &out)
            }
            out += "}"
        }
    }
}
