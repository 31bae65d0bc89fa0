// Serialisation identical to Python's `json.dumps`, which `pyhf digest` hashes and every pyhf
// command prints.

/// Python's `repr(float)`.
public enum PythonFloat {
    /// Shortest round-trip digits; fixed notation when the decimal exponent is in [-4, 16), else
    /// `d.ddde±XX`; integral values keep a trailing `.0`. Non-finite values print as Python's
    /// `json.dumps` does (`NaN`, `Infinity`, `-Infinity`).
    public static func repr(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        if value == 0 { return value.sign == .minus ? "-0.0" : "0.0" }
        // Swift's description yields the shortest round-trip digits (as Python's repr does);
        // only the layout differs, so take the digits and exponent from it.
        let (negative, digits, exponent) = decompose(value)
        var out = negative ? "-" : ""
        if exponent >= -4 && exponent < 16 {
            if exponent < 0 {
                out += "0." + String(repeating: "0", count: -exponent - 1) + digits
            } else if digits.count <= exponent + 1 {
                out += digits + String(repeating: "0", count: exponent + 1 - digits.count) + ".0"
            } else {
                let split = digits.index(digits.startIndex, offsetBy: exponent + 1)
                out += digits[..<split] + "." + digits[split...]
            }
        } else {
            out += String(digits.first!)
            if digits.count > 1 { out += "." + digits.dropFirst() }
            let e = abs(exponent)
            out += (exponent < 0 ? "e-" : "e+") + (e < 10 ? "0" : "") + String(e)
        }
        return out
    }

    /// Splits a finite non-zero value into sign, significant digits (no leading/trailing zeros)
    /// and the decimal exponent of the first digit.
    private static func decompose(_ value: Double) -> (Bool, String, Int) {
        let text = Array(value.magnitude.description.utf8)
        var mantissa: [UInt8] = []
        var pointOffset: Int?
        var exponent = 0
        var i = 0
        while i < text.count {
            let c = text[i]
            if c == UInt8(ascii: ".") {
                pointOffset = mantissa.count
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                exponent = Int(String(decoding: text[(i + 1)...], as: UTF8.self))!
                break
            } else {
                mantissa.append(c)
            }
            i += 1
        }
        let integerDigits = pointOffset ?? mantissa.count
        let leadingZeros = mantissa.prefix { $0 == UInt8(ascii: "0") }.count
        var digits = Array(mantissa.dropFirst(leadingZeros))
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        let decimalExponent = exponent + integerDigits - leadingZeros - 1
        return (value < 0, String(decoding: digits, as: UTF8.self), decimalExponent)
    }
}

extension JSONValue {
    /// The exact text of Python's `json.dumps(value, indent=indent, sort_keys=sortKeys,
    /// ensure_ascii=ensureASCII)` with default separators (`", "`, `": "`; `","` at line ends
    /// when indenting).
    public func pythonJSON(indent: Int? = nil, sortKeys: Bool = true, ensureASCII: Bool = true) -> String {
        var writer = PythonJSONWriter(indent: indent, sortKeys: sortKeys, ensureASCII: ensureASCII)
        writer.write(self, level: 0)
        return String(decoding: writer.output, as: UTF8.self)
    }

    /// The UTF-8 bytes pyhf hashes for a digest: `json.dumps(obj, sort_keys=True, ensure_ascii=False)`.
    public var canonicalDigestBytes: [UInt8] {
        var writer = PythonJSONWriter(indent: nil, sortKeys: true, ensureASCII: false)
        writer.write(self, level: 0)
        return writer.output
    }
}

private struct PythonJSONWriter {
    let indent: Int?
    let sortKeys: Bool
    let ensureASCII: Bool
    var output: [UInt8] = []

    init(indent: Int?, sortKeys: Bool, ensureASCII: Bool) {
        self.indent = indent
        self.sortKeys = sortKeys
        self.ensureASCII = ensureASCII
        output.reserveCapacity(1 << 12)
    }

    mutating func append(_ s: String) { output.append(contentsOf: s.utf8) }

    mutating func newline(_ level: Int) {
        guard let indent else { return }
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * level))
    }

    mutating func write(_ value: JSONValue, level: Int) {
        switch value {
        case .null: append("null")
        case .bool(let b): append(b ? "true" : "false")
        case .number(let n): append(n.description)
        case .string(let s): writeString(s)
        case .array(let items):
            guard !items.isEmpty else { return append("[]") }
            output.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { append(indent == nil ? ", " : ",") }
                newline(level + 1)
                write(item, level: level + 1)
            }
            newline(level)
            output.append(UInt8(ascii: "]"))
        case .object(let object):
            guard !object.isEmpty else { return append("{}") }
            output.append(UInt8(ascii: "{"))
            let entries = sortKeys ? object.entries.sorted { $0.key.pythonPrecedes($1.key) } : object.entries
            for (i, entry) in entries.enumerated() {
                if i > 0 { append(indent == nil ? ", " : ",") }
                newline(level + 1)
                writeString(entry.key)
                append(": ")
                write(entry.value, level: level + 1)
            }
            newline(level)
            output.append(UInt8(ascii: "}"))
        }
    }

    mutating func writeString(_ s: String) {
        output.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": append("\\\"")
            case "\\": append("\\\\")
            case "\n": append("\\n")
            case "\r": append("\\r")
            case "\t": append("\\t")
            case "\u{08}": append("\\b")
            case "\u{0C}": append("\\f")
            default:
                let v = scalar.value
                if v < 0x20 || (ensureASCII && v >= 0x7F) {
                    if v > 0xFFFF {
                        let u = v - 0x10000
                        appendUnicodeEscape(0xD800 + (u >> 10))
                        appendUnicodeEscape(0xDC00 + (u & 0x3FF))
                    } else {
                        appendUnicodeEscape(v)
                    }
                } else {
                    output.append(contentsOf: String(scalar).utf8)
                }
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    mutating func appendUnicodeEscape(_ v: UInt32) {
        let hex = String(v, radix: 16)
        append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
    }
}
