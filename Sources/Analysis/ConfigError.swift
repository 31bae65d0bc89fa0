/// A problem with an analysis config, located by its path in the config
/// (`regions[0].selection`, `parameters[2].bounds`).
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The config file, when known.
    public var file: String?
    /// The place in the config, e.g. `samples[1].files[0]`; empty for the whole document.
    public var path: String
    /// What is wrong there.
    public var message: String

    /// An error at `path`.
    public init(file: String? = nil, path: String, message: String) {
        self.file = file
        self.path = path
        self.message = message
    }

    public var description: String {
        let location = [file, path.isEmpty ? nil : path].compactMap { $0 }.joined(separator: ": ")
        return location.isEmpty ? message : "\(location): \(message)"
    }
}

/// A config path under construction (`samples` → `samples[0]` → `samples[0].files`).
struct ConfigPath: CustomStringConvertible {
    var text: String

    static let root = ConfigPath(text: "")

    func key(_ name: String) -> ConfigPath { ConfigPath(text: text.isEmpty ? name : "\(text).\(name)") }
    func index(_ i: Int) -> ConfigPath { ConfigPath(text: "\(text)[\(i)]") }
    func error(_ message: String) -> ConfigError { ConfigError(path: text, message: message) }

    var description: String { text }

    /// The path of a Decodable coding path.
    init(codingPath: [any CodingKey]) {
        var path = ConfigPath.root
        for key in codingPath {
            path = key.intValue.map { path.index($0) } ?? path.key(key.stringValue)
        }
        self = path
    }

    init(text: String) { self.text = text }
}

/// Any key of a keyed container (to list what a config mapping actually contains).
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

extension Decoder {
    /// Fails on keys that `Keys` does not know, so a misspelt option is an error rather than
    /// silently ignored.
    func rejectUnknownKeys<Keys: CodingKey & CaseIterable>(_ keys: Keys.Type) throws {
        let container = try self.container(keyedBy: AnyCodingKey.self)
        let known = Keys.allCases.map(\.stringValue)
        for key in container.allKeys where !known.contains(key.stringValue) {
            let hint = closestName(to: key.stringValue, among: known).map { "did you mean '\($0)'?" }
                ?? "expected one of \(known.joined(separator: ", "))"
            throw DecodingError.dataCorrupted(DecodingError.Context(
                codingPath: codingPath + [key], debugDescription: "unknown key '\(key.stringValue)' (\(hint))"))
        }
    }
}

extension ConfigError {
    /// The config error for a decoding failure, located by its coding path.
    init(_ error: DecodingError, file: String?) {
        func located(_ context: DecodingError.Context, _ message: String) -> ConfigError {
            ConfigError(file: file, path: ConfigPath(codingPath: context.codingPath).text, message: message)
        }
        switch error {
        case .typeMismatch(let type, let context):
            self = located(context, "expected \(Self.describe(type))")
        case .valueNotFound(let type, let context):
            self = located(context, "expected \(Self.describe(type)), found nothing")
        case .keyNotFound(let key, let context):
            self = located(context, "missing required key '\(key.stringValue)'")
        case .dataCorrupted(let context):
            self = located(context, context.debugDescription)
        @unknown default:
            self = ConfigError(file: file, path: "", message: "\(error)")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        let name = String(describing: type)
        // Yams reports its own node types (Node.Sequence, Node.Mapping) for structural mismatches.
        switch type {
        case is Double.Type, is Int.Type: return "a number"
        case is String.Type: return "a string"
        case is Bool.Type: return "true or false"
        case _ where name.hasPrefix("Array") || name.contains("Sequence"): return "a list"
        case _ where name.hasPrefix("Dictionary") || name.contains("Mapping"): return "a mapping"
        default: return "a \(name)"
        }
    }
}
