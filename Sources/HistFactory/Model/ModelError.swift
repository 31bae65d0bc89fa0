/// An error building or evaluating a `Model`; names the JSON path and what was wrong.
public struct ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The pyhf exception class this corresponds to.
    public enum Kind: String, Sendable, Equatable {
        /// pyhf `InvalidModel`: inconsistent sizes, missing configuration, no parameters, …
        case invalidModel
        /// pyhf `InvalidModifier`: modifier data of the wrong shape or length, unknown type.
        case invalidModifier
        /// pyhf `InvalidNameReuse`: one name used by modifier types with different parameter sets.
        case invalidNameReuse
        /// pyhf `InvalidMeasurement`: no such measurement.
        case invalidMeasurement
        /// pyhf `InvalidPdfParameters`: parameter vector of the wrong length.
        case invalidPdfParameters
        /// pyhf `InvalidPdfData`: data vector of the wrong length, or a missing observation.
        case invalidPdfData
    }

    /// Which pyhf exception this corresponds to.
    public var kind: Kind
    /// JSON path of the offending item, e.g. `channels[2].samples[0].modifiers[3].data`.
    public var path: String
    /// What was expected and what was found.
    public var message: String

    /// An error of `kind` at the JSON `path`.
    public init(_ kind: Kind, path: String, _ message: String) {
        self.kind = kind
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? "\(kind.rawValue): \(message)" : "\(kind.rawValue) at \(path): \(message)" }
}
