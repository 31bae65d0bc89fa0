/// A HistFactory XML configuration that cannot be converted: names the XML file, the element (with
/// its line) and what is wrong, e.g. `config/example_channel.xml: <OverallSys> (line 24): attribute
/// High is missing`.
public struct XMLImportError: Error, Sendable, CustomStringConvertible {
    /// The XML file (or ROOT file, for histogram errors) as the user named it.
    public var file: String
    /// The element being read, as `<Tag Name="...">` with its line, if known.
    public var element: String?
    /// What went wrong.
    public var reason: String

    public init(file: String, element: String? = nil, reason: String) {
        self.file = file
        self.element = element
        self.reason = reason
    }

    public var description: String {
        [file, element].compactMap { $0 }.joined(separator: ": ") + ": " + reason
    }
}

extension XMLElement {
    /// How errors name this element: `<Sample Name="signal"> (line 12)`.
    var label: String {
        let name = self[attribute: "Name"].map { " Name=\"\($0)\"" } ?? ""
        return "<\(tag)\(name)> (line \(line))"
    }
}
