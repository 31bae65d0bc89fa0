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

/// One problem found while validating a document: where, and what was wrong.
public struct ValidationIssue: Sendable, Equatable, CustomStringConvertible {
    /// Which check found the problem.
    public enum Rule: Sendable, Equatable {
        /// pyhf's JSON schema.
        case schema
        /// A model-building check (the `Model` builder's error kind, as pyhf's exception classes).
        case model(ModelError.Kind)
    }

    /// Where, e.g. `channels[2].samples[0].modifiers[3].data`.
    public let path: String
    /// What was expected and what was found.
    public let message: String
    public let rule: Rule

    /// A schema violation: `expected` vs `found` at `path`.
    public init(_ path: JSONPath, expected: String, found: String) {
        self.path = path.description
        message = "expected \(expected), found \(found)"
        rule = .schema
    }

    /// A model-building error reported by the `Model` builder.
    public init(_ error: ModelError) {
        path = error.path.isEmpty ? JSONPath.root.description : error.path
        message = error.message
        rule = .model(error.kind)
    }

    public var description: String { "\(path): \(message)" }
}
