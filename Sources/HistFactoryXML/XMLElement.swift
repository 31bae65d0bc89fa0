/// One element of a parsed XML document: its tag, attributes (in document order), text and children.
///
/// Only what HistFactory configurations use is kept: comments, processing instructions and the
/// document type declaration are skipped, and text is the concatenation of the element's own
/// character data (as `xml.etree`'s `text` up to the first child, plus later runs, which
/// HistFactory never uses).
public struct XMLElement: Sendable, Equatable {
    /// The element's tag name.
    public var tag: String
    /// Attributes in document order (names are unique: a repeated name is a parse error).
    public var attributes: [(name: String, value: String)]
    /// Character data directly inside the element, entities resolved.
    public var text: String
    /// Child elements in document order.
    public var children: [XMLElement]
    /// The 1-based line of the element's start tag, for error messages.
    public var line: Int

    public init(tag: String, attributes: [(name: String, value: String)] = [], text: String = "",
                children: [XMLElement] = [], line: Int = 0) {
        self.tag = tag
        self.attributes = attributes
        self.text = text
        self.children = children
        self.line = line
    }

    /// The value of the attribute `name`, if present.
    public subscript(attribute name: String) -> String? {
        attributes.first { $0.name == name }?.value
    }

    /// The direct children with tag `tag` (`xml.etree`'s `findall(tag)`).
    public func children(_ tag: String) -> [XMLElement] { children.filter { $0.tag == tag } }

    /// Every descendant in document order, depth first, excluding the element itself
    /// (`xml.etree`'s `iter()` without its first item).
    public var descendants: [XMLElement] {
        var result: [XMLElement] = []
        func visit(_ element: XMLElement) {
            for child in element.children {
                result.append(child)
                visit(child)
            }
        }
        visit(self)
        return result
    }

    public static func == (lhs: XMLElement, rhs: XMLElement) -> Bool {
        lhs.tag == rhs.tag && lhs.text == rhs.text && lhs.children == rhs.children && lhs.line == rhs.line
            && lhs.attributes.map(\.name) == rhs.attributes.map(\.name)
            && lhs.attributes.map(\.value) == rhs.attributes.map(\.value)
    }
}
