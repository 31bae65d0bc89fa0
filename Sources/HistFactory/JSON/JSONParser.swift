// A strict RFC 8259 parser producing `JSONValue` with Python `json.loads` number semantics.

/// A syntax error in a JSON text, with its position.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset of the problem.
    public let offset: Int
    /// 1-based line and column of the problem.
    public let line: Int
    public let column: Int
    public let message: String
    /// Where in the document the problem is (the member or element being read), e.g.
    /// `observations[0].data` for a repeated `"data"` key; the root for top-level problems.
    public internal(set) var path: JSONPath = .root

    public var description: String {
        let place = path.components.isEmpty ? "" : " (\(path))"
        return "invalid JSON at line \(line), column \(column)\(place): \(message)"
    }

    /// The same error one level further out: `component` is prepended to the path.
    fileprivate func inside(_ component: JSONPath.Component) -> JSONSyntaxError {
        var copy = self
        copy.path = JSONPath([component] + path.components)
        return copy
    }
}

extension JSONValue {
    /// Parses a complete JSON text (UTF-8). Integers are kept exactly as written; numbers with a
    /// fraction or exponent become `Double`. `NaN`/`Infinity` and out-of-range floats are errors.
    public init(parsing bytes: some Collection<UInt8>) throws(JSONSyntaxError) {
        func parse(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONSyntaxError> {
            var parser = JSONParser(buffer)
            do throws(JSONSyntaxError) {
                return .success(try parser.parseDocument())
            } catch {
                return .failure(error)
            }
        }
        // Contiguous input (an array, a file's bytes) is read in place, not copied first.
        let result = bytes.withContiguousStorageIfAvailable(parse) ?? Array(bytes).withUnsafeBufferPointer(parse)
        self = try result.get()
    }

    /// Parses a JSON text given as a string.
    public init(parsing text: String) throws(JSONSyntaxError) {
        try self.init(parsing: Array(text.utf8))
    }
}

private struct JSONParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var depth = 0
    /// Deeper documents are rejected instead of exhausting the stack.
    static let maxDepth = 512
    /// Python's `int()` refuses longer digit strings (`sys.get_int_max_str_digits()`), so
    /// `json.loads` (and pyhf) rejects such a document; so do we, before converting the digits.
    static let maxIntegerDigits = 4300
    /// Objects up to this size are checked for a repeated key by a scan; larger ones use a set so
    /// that a huge object is not quadratic.
    private static let linearKeyCheckLimit = 16

    init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func parseDocument() throws(JSONSyntaxError) -> JSONValue {
        // A UTF-8 byte order mark is not JSON; Python's json.loads rejects it too.
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard position == bytes.count else { throw error("extra data after the JSON value") }
        return value
    }

    private func error(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        let offset = min(offset ?? position, bytes.count)
        var line = 1
        var lineStart = 0
        for i in 0..<offset where bytes[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        return JSONSyntaxError(offset: offset, line: line, column: offset - lineStart + 1, message: message)
    }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    private func describeNext() -> String {
        guard position < bytes.count else { return "end of input" }
        let b = bytes[position]
        return b >= 0x20 && b < 0x7F ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16))"
    }

    private mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
        guard position < bytes.count else { throw error("expected a value, found end of input") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            throw error("NaN and Infinity are not valid JSON numbers")
        default:
            throw error("expected a value, found \(describeNext())")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let count = literal.utf8CodeUnitCount
        let start = position
        guard position + count <= bytes.count else { throw error("invalid literal", at: start) }
        let matches = literal.withUTF8Buffer { lit in
            (0..<count).allSatisfy { bytes[start + $0] == lit[$0] }
        }
        guard matches else { throw error("invalid literal", at: start) }
        position += count
    }

    private mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        if depth > Self.maxDepth { throw error("nesting deeper than \(Self.maxDepth) levels") }
    }

    private mutating func parseObject() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        position += 1
        var object = JSONObject()
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(object)
        }
        var seen: Set<String> = []
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                throw error("expected a string key, found \(describeNext())")
            }
            let keyStart = position
            let key = try parseString()
            // Python keeps the last of repeated keys silently, so a pasted-twice member would
            // change the numbers without a word: a repeated key is an error.
            let isRepeated: Bool
            if object.entries.count < Self.linearKeyCheckLimit {
                isRepeated = object.entries.contains { $0.key == key }
            } else {
                if seen.isEmpty { seen = Set(object.entries.map(\.key)) }
                isRepeated = !seen.insert(key).inserted
            }
            guard !isRepeated else {
                throw error("duplicate key \"\(key)\" in object", at: keyStart).inside(.key(key))
            }
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else {
                throw error("expected ':' after object key, found \(describeNext())").inside(.key(key))
            }
            position += 1
            skipWhitespace()
            let value: JSONValue
            do { value = try parseValue() } catch { throw error.inside(.key(key)) }
            object.entries.append((key, value))
            skipWhitespace()
            guard position < bytes.count else { throw error("unterminated object") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
            } else if bytes[position] == UInt8(ascii: "}") {
                position += 1
                depth -= 1
                return .object(object)
            } else {
                throw error("expected ',' or '}' in object, found \(describeNext())")
            }
        }
    }

    private mutating func parseArray() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        position += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            do { items.append(try parseValue()) } catch { throw error.inside(.index(items.count)) }
            skipWhitespace()
            guard position < bytes.count else { throw error("unterminated array") }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
            } else if bytes[position] == UInt8(ascii: "]") {
                position += 1
                depth -= 1
                return .array(items)
            } else {
                throw error("expected ',' or ']' in array, found \(describeNext())")
            }
        }
    }

    private mutating func parseNumber() throws(JSONSyntaxError) -> JSONNumber {
        let start = position
        func digits(_ p: inout Int) -> Int {
            let s = p
            while p < bytes.count, bytes[p] >= UInt8(ascii: "0"), bytes[p] <= UInt8(ascii: "9") { p += 1 }
            return p - s
        }
        var p = position
        if bytes[p] == UInt8(ascii: "-") { p += 1 }
        let intStart = p
        let intDigits = digits(&p)
        guard intDigits > 0 else { throw error("invalid number", at: start) }
        guard !(intDigits > 1 && bytes[intStart] == UInt8(ascii: "0")) else {
            throw error("numbers may not have leading zeros", at: start)
        }
        var isInteger = true
        if p < bytes.count, bytes[p] == UInt8(ascii: ".") {
            p += 1
            guard digits(&p) > 0 else { throw error("expected digits after '.'", at: start) }
            isInteger = false
        }
        if p < bytes.count, bytes[p] == UInt8(ascii: "e") || bytes[p] == UInt8(ascii: "E") {
            p += 1
            if p < bytes.count, bytes[p] == UInt8(ascii: "+") || bytes[p] == UInt8(ascii: "-") { p += 1 }
            guard digits(&p) > 0 else { throw error("expected digits in exponent", at: start) }
            isInteger = false
        }
        if isInteger && intDigits > Self.maxIntegerDigits {
            throw error("integer of \(intDigits) digits exceeds the limit of \(Self.maxIntegerDigits) digits", at: start)
        }
        position = p
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<p]), as: UTF8.self)
        if isInteger { return JSONNumber(integerText: text) }
        guard let value = Double(text), value.isFinite else {
            throw error("number \(text) is out of the range of a 64-bit float", at: start)
        }
        return JSONNumber(value)
    }

    private mutating func parseString() throws(JSONSyntaxError) -> String {
        let start = position
        position += 1
        // Fast path: no escapes.
        var p = position
        while p < bytes.count {
            let b = bytes[p]
            if b == UInt8(ascii: "\"") {
                let slice = UnsafeBufferPointer(rebasing: bytes[position..<p])
                guard let s = String(validating: slice, as: UTF8.self) else {
                    throw error("string is not valid UTF-8", at: start)
                }
                position = p + 1
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw error("unescaped control character in string", at: p) }
            p += 1
        }
        // Slow path with escapes.
        var scalars = String.UnicodeScalarView()
        var pending: [UInt8] = []
        func flush() throws(JSONSyntaxError) {
            guard !pending.isEmpty else { return }
            guard let s = String(validating: pending, as: UTF8.self) else {
                throw error("string is not valid UTF-8", at: start)
            }
            scalars.append(contentsOf: s.unicodeScalars)
            pending.removeAll(keepingCapacity: true)
        }
        while true {
            guard position < bytes.count else { throw error("unterminated string", at: start) }
            let b = bytes[position]
            position += 1
            switch b {
            case UInt8(ascii: "\""):
                try flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                try flush()
                guard position < bytes.count else { throw error("unterminated string", at: start) }
                let e = bytes[position]
                position += 1
                switch e {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"):
                    let high = try parseHex4()
                    var code = UInt32(high)
                    if (0xD800..<0xDC00).contains(high) {
                        guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                            bytes[position + 1] == UInt8(ascii: "u")
                        else { throw error("unpaired UTF-16 surrogate in string escape", at: position - 6) }
                        position += 2
                        let low = try parseHex4()
                        guard (0xDC00..<0xE000).contains(low) else {
                            throw error("unpaired UTF-16 surrogate in string escape", at: position - 6)
                        }
                        code = 0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(high) {
                        throw error("unpaired UTF-16 surrogate in string escape", at: position - 6)
                    }
                    scalars.append(Unicode.Scalar(code)!)
                default:
                    throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))' in string", at: position - 2)
                }
            default:
                if b < 0x20 { throw error("unescaped control character in string", at: position - 1) }
                pending.append(b)
            }
        }
    }

    private mutating func parseHex4() throws(JSONSyntaxError) -> UInt16 {
        guard position + 4 <= bytes.count else { throw error("incomplete \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let b = bytes[position]
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }
}
