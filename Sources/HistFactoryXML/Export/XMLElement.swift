/// A minimal XML element for writing HistFactory files: attributes keep their order (the files
/// read like ROOT's and pyhf's), text and attribute values are escaped.
struct XMLElement: Sendable, Equatable {
    var name: String
    var attributes: [(String, String)] = []
    var text: String?
    var children: [XMLElement] = []

    init(_ name: String, _ attributes: [(String, String)] = [], text: String? = nil, children: [XMLElement] = []) {
        self.name = name
        self.attributes = attributes
        self.text = text
        self.children = children
    }

    static func == (lhs: XMLElement, rhs: XMLElement) -> Bool {
        lhs.name == rhs.name && lhs.attributes.map { [$0.0, $0.1] } == rhs.attributes.map { [$0.0, $0.1] }
            && lhs.text == rhs.text && lhs.children == rhs.children
    }

    /// The document: the `DOCTYPE` line naming `dtd`, a blank line, the element indented by two spaces a level.
    func document(doctypeSystem dtd: String) -> String {
        var out = "<!DOCTYPE \(name) SYSTEM '\(dtd)'>\n\n"
        render(into: &out, level: 0)
        return out
    }

    private func render(into out: inout String, level: Int) {
        let indent = String(repeating: "  ", count: level)
        out += indent + "<" + name
        for (key, value) in attributes { out += " \(key)=\"\(Self.escape(value, attribute: true))\"" }
        if children.isEmpty, text == nil {
            out += " />\n"
        } else if children.isEmpty {
            out += ">" + Self.escape(text ?? "", attribute: false) + "</\(name)>\n"
        } else {
            out += ">\n"
            for child in children { child.render(into: &out, level: level + 1) }
            out += indent + "</\(name)>\n"
        }
    }

    static func escape(_ s: String, attribute: Bool) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "\n" where attribute: out += "&#10;"
            case "\t" where attribute: out += "&#9;"
            default: out.append(c)
            }
        }
        return out
    }
}
