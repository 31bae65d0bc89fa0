/// A location inside a JSON document, printed the way pyhf prints schema error paths:
/// `channels[2].samples[0].modifiers[3].data`.
public struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    public enum Component: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    public private(set) var components: [Component]

    public init(_ components: [Component] = []) { self.components = components }

    public static let root = JSONPath()

    public func appending(_ key: String) -> JSONPath { JSONPath(components + [.key(key)]) }
    public func appending(_ index: Int) -> JSONPath { JSONPath(components + [.index(index)]) }

    public static func / (lhs: JSONPath, rhs: String) -> JSONPath { lhs.appending(rhs) }
    public static func / (lhs: JSONPath, rhs: Int) -> JSONPath { lhs.appending(rhs) }

    public var description: String {
        guard !components.isEmpty else { return "(root)" }
        var text = ""
        for component in components {
            switch component {
            case .key(let key): text += text.isEmpty ? key : "." + key
            case .index(let i): text += "[\(i)]"
            }
        }
        return text
    }
}

/// One problem found while validating a document: where, what was expected, what was found.
public struct ValidationIssue: Sendable, Equatable, CustomStringConvertible {
    public let path: JSONPath
    public let expected: String
    public let found: String

    public init(_ path: JSONPath, expected: String, found: String) {
        self.path = path
        self.expected = expected
        self.found = found
    }

    public var description: String { "\(path): expected \(expected), found \(found)" }
}
