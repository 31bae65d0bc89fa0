// Serialisation identical to Python's `json.dumps`, which `pyhf digest` hashes and every pyhf
// command prints.

/// Python's `repr(float)`.
public enum PythonFloat {
    /// Shortest round-trip digits; fixed notation when the decimal exponent is in [-4, 16), else
    /// `d.ddde±XX`; integral values keep a trailing `.0`. Non-finite values print as Python's
    /// `json.dumps` does (`NaN`, `Infinity`, `-Infinity`).
    public static func repr(_ value: Double) -> String {
        var out: [UInt8] = []
        write(value, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `repr(value)` to `out` (the writer's hot path: one temporary string per number).
    static func write(_ value: Double, into out: inout [UInt8]) {
        if value.isNaN { return out.append(contentsOf: "NaN".utf8) }
        if value.isInfinite { return out.append(contentsOf: (value < 0 ? "-Infinity" : "Infinity").utf8) }
        if value == 0 { return out.append(contentsOf: (value.sign == .minus ? "-0.0" : "0.0").utf8) }
        if value < 0 { out.append(UInt8(ascii: "-")) }
        // Swift's description has the shortest round-trip digits, as Python's repr; only the
        // layout differs, so take the digits and the exponent from it.
        var text = value.magnitude.description
        text.withUTF8 { text in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: text.count) { digits in
                var count = 0, pointAt = -1, exponent = 0, i = 0
                while i < text.count {
                    let c = text[i]
                    if c == UInt8(ascii: ".") {
                        pointAt = count
                    } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                        var j = i + 1, negative = false
                        if j < text.count, text[j] == UInt8(ascii: "-") || text[j] == UInt8(ascii: "+") {
                            negative = text[j] == UInt8(ascii: "-")
                            j += 1
                        }
                        while j < text.count { exponent = exponent * 10 + Int(text[j] &- UInt8(ascii: "0")); j += 1 }
                        if negative { exponent = -exponent }
                        break
                    } else {
                        digits[count] = c
                        count += 1
                    }
                    i += 1
                }
                let integerDigits = pointAt >= 0 ? pointAt : count
                var first = 0
                while first < count, digits[first] == UInt8(ascii: "0") { first += 1 }
                var end = count
                while end > first, digits[end - 1] == UInt8(ascii: "0") { end -= 1 }
                let significant = UnsafeBufferPointer(rebasing: digits[first..<end])
                let decimalExponent = exponent + integerDigits - first - 1
                layout(significant, decimalExponent, into: &out)
            }
        }
    }

    /// Python's layout of significant digits `d1 d2 ...` times 10^(exponent − count + 1).
    private static func layout(_ digits: UnsafeBufferPointer<UInt8>, _ exponent: Int, into out: inout [UInt8]) {
        if exponent >= -4 && exponent < 16 {
            if exponent < 0 {
                out.append(contentsOf: "0.".utf8)
                out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -exponent - 1))
                out.append(contentsOf: digits)
            } else if digits.count <= exponent + 1 {
                out.append(contentsOf: digits)
                out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: exponent + 1 - digits.count))
                out.append(contentsOf: ".0".utf8)
            } else {
                out.append(contentsOf: digits[..<(exponent + 1)])
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[(exponent + 1)...])
            }
        } else {
            out.append(digits[0])
            if digits.count > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            let e = abs(exponent)
            out.append(contentsOf: ((exponent < 0 ? "e-" : "e+") + (e < 10 ? "0" : "") + String(e)).utf8)
        }
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
        case .number(let n):
            if let integer = n.integerText { append(integer) } else { PythonFloat.write(n.double, into: &output) }
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
                } else if v < 0x80 {
                    output.append(UInt8(truncatingIfNeeded: v))
                } else {
                    UTF8.encode(scalar) { output.append($0) }
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
