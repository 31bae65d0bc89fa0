/// A syntax error in an XML document, with the 1-based line where it was found.
public struct XMLSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var reason: String

    public var description: String { "line \(line): \(reason)" }
}

/// A small, bounded, non-validating XML parser for HistFactory configurations.
///
/// FoundationXML is not part of the static build, and a configuration file comes from users, so
/// this parser is deliberately limited: UTF-8 only, no entity declarations (the document type
/// declaration is skipped and an internal subset declaring entities is refused, so no entity
/// expansion and no external entity is ever read), only the five predefined entities and
/// character references, nesting at most ``maximumDepth`` deep and at most ``maximumElements``
/// elements in a document of at most ``maximumSize`` bytes.
public struct XMLParser {
    /// The largest document accepted (HistFactory configurations are a few kilobytes).
    public static let maximumSize = 64 << 20
    /// The deepest element nesting accepted.
    public static let maximumDepth = 128
    /// The most elements accepted in one document.
    public static let maximumElements = 1_000_000

    private let bytes: [UInt8]
    private var position = 0
    private var line = 1
    private var elementCount = 0

    /// Parses `bytes` and returns the root element.
    public static func parse(_ bytes: [UInt8]) throws(XMLSyntaxError) -> XMLElement {
        guard bytes.count <= maximumSize else {
            throw XMLSyntaxError(line: 1, reason: "document of \(bytes.count) bytes exceeds the limit of \(maximumSize)")
        }
        var parser = XMLParser(bytes: bytes)
        return try parser.document()
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    // MARK: - Document structure

    private mutating func document() throws(XMLSyntaxError) -> XMLElement {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        try skipMisc()
        guard position < bytes.count else { throw error("no root element") }
        let root = try element(depth: 1)
        try skipMisc()
        guard position == bytes.count else { throw error("content after the root element") }
        return root
    }

    /// Whitespace, comments, processing instructions and the document type declaration.
    private mutating func skipMisc() throws(XMLSyntaxError) {
        while true {
            skipWhitespace()
            if starts("<?") {
                try skip(past: "?>", what: "processing instruction")
            } else if starts("<!--") {
                try skip(past: "-->", what: "comment")
            } else if starts("<!DOCTYPE") {
                try skipDoctype()
            } else {
                return
            }
        }
    }

    private mutating func skipDoctype() throws(XMLSyntaxError) {
        position += 9
        var quote: UInt8?
        while position < bytes.count {
            let byte = bytes[position]
            if let q = quote {
                if byte == q { quote = nil }
            } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                quote = byte
            } else if byte == UInt8(ascii: "[") {
                // An internal subset may declare entities; expanding them is how "billion laughs"
                // and external-entity attacks work, and HistFactory never needs one.
                throw error("a document type declaration with an internal subset ([...]) is not supported")
            } else if byte == UInt8(ascii: ">") {
                position += 1
                return
            }
            advance()
        }
        throw error("unterminated document type declaration")
    }

    private mutating func element(depth: Int) throws(XMLSyntaxError) -> XMLElement {
        guard depth <= Self.maximumDepth else { throw error("elements nested deeper than \(Self.maximumDepth)") }
        elementCount += 1
        guard elementCount <= Self.maximumElements else { throw error("more than \(Self.maximumElements) elements") }
        let startLine = line
        try expect(UInt8(ascii: "<"))
        var result = XMLElement(tag: try name(), line: startLine)
        while true {
            let hadSpace = skipWhitespace()
            guard position < bytes.count else { throw error("unterminated start tag <\(result.tag)>") }
            if starts("/>") {
                position += 2
                return result
            }
            if bytes[position] == UInt8(ascii: ">") {
                position += 1
                break
            }
            guard hadSpace else { throw error("expected whitespace, '>' or '/>' in <\(result.tag)>") }
            let attributeName = try name()
            skipWhitespace()
            try expect(UInt8(ascii: "="))
            skipWhitespace()
            let value = try quotedValue()
            guard result[attribute: attributeName] == nil else {
                throw error("attribute \(attributeName) repeated in <\(result.tag)>")
            }
            result.attributes.append((attributeName, value))
        }
        try content(of: &result, depth: depth)
        return result
    }

    /// Children and text up to and including the end tag.
    private mutating func content(of element: inout XMLElement, depth: Int) throws(XMLSyntaxError) {
        var text: [UInt8] = []
        while true {
            guard position < bytes.count else { throw error("missing end tag </\(element.tag)>") }
            let byte = bytes[position]
            if byte == UInt8(ascii: "<") {
                if starts("</") {
                    position += 2
                    let endName = try name()
                    guard endName == element.tag else {
                        throw error("end tag </\(endName)> does not match <\(element.tag)> of line \(element.line)")
                    }
                    skipWhitespace()
                    try expect(UInt8(ascii: ">"))
                    element.text = try string(text)
                    return
                } else if starts("<!--") {
                    try skip(past: "-->", what: "comment")
                } else if starts("<![CDATA[") {
                    position += 9
                    let start = position
                    try skip(past: "]]>", what: "CDATA section")
                    text.append(contentsOf: bytes[start ..< position - 3])
                } else if starts("<?") {
                    try skip(past: "?>", what: "processing instruction")
                } else if starts("<!") {
                    throw error("unexpected declaration inside <\(element.tag)>")
                } else {
                    element.children.append(try self.element(depth: depth + 1))
                }
            } else if byte == UInt8(ascii: "&") {
                text.append(contentsOf: try reference())
            } else {
                text.append(byte)
                advance()
            }
        }
    }

    // MARK: - Lexical pieces

    private mutating func name() throws(XMLSyntaxError) -> String {
        let start = position
        while position < bytes.count, Self.isNameByte(bytes[position], first: position == start) { position += 1 }
        guard position > start else { throw error("expected a name") }
        return try string(bytes[start ..< position])
    }

    private static func isNameByte(_ byte: UInt8, first: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "a") ... UInt8(ascii: "z"), UInt8(ascii: "A") ... UInt8(ascii: "Z"),
             UInt8(ascii: "_"), UInt8(ascii: ":"), 0x80...: return true
        case UInt8(ascii: "0") ... UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."): return !first
        default: return false
        }
    }

    private mutating func quotedValue() throws(XMLSyntaxError) -> String {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "'") else {
            throw error("expected a quoted attribute value")
        }
        let quote = bytes[position]
        position += 1
        var value: [UInt8] = []
        while true {
            guard position < bytes.count else { throw error("unterminated attribute value") }
            let byte = bytes[position]
            if byte == quote {
                position += 1
                return try string(value)
            } else if byte == UInt8(ascii: "<") {
                throw error("'<' inside an attribute value")
            } else if byte == UInt8(ascii: "&") {
                value.append(contentsOf: try reference())
            } else {
                // Attribute-value normalisation: whitespace characters become spaces.
                value.append(byte == 0x0A || byte == 0x09 || byte == 0x0D ? 0x20 : byte)
                advance()
            }
        }
    }

    /// A predefined entity or character reference, as UTF-8 bytes.
    private mutating func reference() throws(XMLSyntaxError) -> [UInt8] {
        let start = position + 1
        var end = start
        while end < bytes.count, end - start < 12, bytes[end] != UInt8(ascii: ";") { end += 1 }
        guard end < bytes.count, bytes[end] == UInt8(ascii: ";") else { throw error("unterminated '&' reference") }
        let body = try string(bytes[start ..< end])
        position = end + 1
        switch body {
        case "lt": return [UInt8(ascii: "<")]
        case "gt": return [UInt8(ascii: ">")]
        case "amp": return [UInt8(ascii: "&")]
        case "quot": return [UInt8(ascii: "\"")]
        case "apos": return [UInt8(ascii: "'")]
        default:
            let scalar: UInt32?
            if body.hasPrefix("#x") {
                scalar = UInt32(body.dropFirst(2), radix: 16)
            } else if body.hasPrefix("#") {
                scalar = UInt32(body.dropFirst(), radix: 10)
            } else {
                throw error("entity &\(body); is not supported (only the predefined entities and character references)")
            }
            guard let scalar, scalar != 0, let character = Unicode.Scalar(scalar) else {
                throw error("invalid character reference &\(body);")
            }
            return Array(String(Character(character)).utf8)
        }
    }

    @discardableResult
    private mutating func skipWhitespace() -> Bool {
        let start = position
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { advance() }
        return position > start
    }

    private mutating func skip(past terminator: String, what: String) throws(XMLSyntaxError) {
        while position < bytes.count {
            if starts(terminator) {
                position += terminator.utf8.count
                return
            }
            advance()
        }
        throw error("unterminated \(what)")
    }

    private mutating func expect(_ byte: UInt8) throws(XMLSyntaxError) {
        guard position < bytes.count, bytes[position] == byte else {
            throw error("expected '\(Character(Unicode.Scalar(byte)))'")
        }
        position += 1
    }

    private func starts(_ prefix: String) -> Bool {
        let utf8 = prefix.utf8
        guard position + utf8.count <= bytes.count else { return false }
        return bytes[position ..< position + utf8.count].elementsEqual(utf8)
    }

    private mutating func advance() {
        if bytes[position] == 0x0A { line += 1 }
        position += 1
    }

    private func string<C: Collection<UInt8>>(_ utf8: C) throws(XMLSyntaxError) -> String {
        guard let text = String(validating: utf8, as: UTF8.self) else { throw error("invalid UTF-8") }
        return text
    }

    private func error(_ reason: String) -> XMLSyntaxError { XMLSyntaxError(line: line, reason: reason) }
}
