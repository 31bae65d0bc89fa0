/// Why ``ROOTWriter`` refused an object or could not write a file.
public enum ROOTWriteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The object is inconsistent (array lengths, names, axes), named in the message.
    case invalid(String)
    /// The object is valid but this writer does not write it (a class, a size past its limits).
    case unsupported(String)
    /// The file could not be written.
    case output(path: String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let why): "cannot write: \(why)"
        case .unsupported(let why): "cannot write: \(why)"
        case let .output(path, reason): "cannot write '\(path)': \(reason)"
        }
    }
}
