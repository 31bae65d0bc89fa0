// Writing HistFactory XML files: attributes keep their order (the files read like ROOT's and
// pyhf's), text and attribute values are escaped.

extension XMLElement {
    /// An element to write; an element without text or children is written self-closed.
    init(_ tag: String, _ attributes: [(String, String)] = [], text: String? = nil, children: [XMLElement] = []) {
        self.init(tag: tag, attributes: attributes.map { (name: $0.0, value: $0.1) }, text: text ?? "", children: children)
    }

    /// The document: the `DOCTYPE` line naming `dtd`, a blank line, the element indented by two spaces a level.
    func document(doctypeSystem dtd: String) -> String {
        var out = "<!DOCTYPE \(tag) SYSTEM '\(dtd)'>\n\n"
        render(into: &out, level: 0)
        return out
    }

    private func render(into out: inout String, level: Int) {
        let indent = String(repeating: "  ", count: level)
        out += indent + "<" + tag
        for (key, value) in attributes { out += " \(key)=\"\(Self.escape(value, attribute: true))\"" }
        if children.isEmpty, text.isEmpty {
            out += " />\n"
        } else if children.isEmpty {
            out += ">" + Self.escape(text, attribute: false) + "</\(tag)>\n"
        } else {
            out += ">\n"
            for child in children { child.render(into: &out, level: level + 1) }
            out += indent + "</\(tag)>\n"
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
