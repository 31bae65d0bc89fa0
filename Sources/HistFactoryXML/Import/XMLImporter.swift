import Foundation
import HistFactory

/// Converts a HistFactory XML configuration (a `<Combination>` file, the `<Channel>` files it
/// names and their ROOT histograms) into a pyhf workspace, as `pyhf xml2json` does.
///
/// The result equals pyhf 0.7.6's `readxml.parse` key for key and number for number: the same
/// modifiers (`OverallSys` → normsys, `HistoSys` → histosys, `ShapeSys` → shapesys with absolute
/// uncertainties, `ShapeFactor`, `NormFactor` with its bounds, init and `Const`, `StatError` →
/// `staterror_<channel>`, `NormalizeByTheory` → lumi), the same measurement parameters (lumi first,
/// then the NormFactor configurations, `ParamSetting` overriding them in place order) and the same
/// order of everything. Where pyhf fails on valid input — 2D and 3D histograms — the bins are
/// flattened in ROOT's order (x fastest); what pyhf's JSON cannot express (`StatErrorConfig`,
/// `ConstraintTerm`, Gaussian `ShapeSys`) is reported through ``notes``, as pyhf ignores it too.
public struct XMLImporter {
    /// The file lookup rules (base folder, mounts).
    public let paths: InputPaths
    /// Called with one line per channel and sample read (`--track-progress`).
    public var progress: ((String) -> Void)?
    /// Called with one line for each part of the configuration the workspace cannot express.
    public var notes: ((String) -> Void)?

    public init(paths: InputPaths, progress: ((String) -> Void)? = nil, notes: ((String) -> Void)? = nil) {
        self.paths = paths
        self.progress = progress
        self.notes = notes
    }

    /// The pyhf workspace for the top-level XML file at `path` (opened as given, not via ``paths``).
    public func workspace(topLevel path: String) throws(XMLImportError) -> JSONValue {
        let top = try Self.parseFile(path, as: path)
        let templates = TemplateReader(paths: paths)
        var channels: [JSONValue] = []
        var observations: [JSONValue] = []
        var parameterConfigs: [ParameterConfig] = []
        for input in top.children("Input") where !input.text.isEmpty {
            progress?("Processing \(input.text)")
            let file = try paths.resolve(input.text)
            let channelXML: XMLElement
            do { channelXML = try Self.parseFile(file, as: input.text) } catch {
                // Name where the file was looked for: the XML's path is relative to --basedir.
                throw XMLImportError(file: path, element: input.label, reason: "\(input.text) (\(file)): \(error.reason)")
            }
            var reader = ChannelReader(file: input.text, templates: templates, progress: progress, notes: notes)
            let channel = try reader.read(channelXML)
            channels.append(["name": .string(channel.name), "samples": .array(channel.samples)])
            observations.append(["name": .string(channel.name), "data": Self.numbers(channel.data)])
            parameterConfigs += reader.parameterConfigs
        }
        let measurements = try MeasurementReader(file: path, notes: notes)
            .measurements(top, parameterConfigs: try ParameterConfig.deduplicated(parameterConfigs, file: path))
        return [
            "measurements": .array(measurements),
            "channels": .array(channels),
            "observations": .array(observations),
            "version": "1.0.0",
        ]
    }

    static func parseFile(_ path: String, as name: String) throws(XMLImportError) -> XMLElement {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw XMLImportError(file: name, reason: "cannot read: \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw XMLImportError(file: name, reason: "not a regular file")
        }
        guard info.st_size <= XMLParser.maximumSize else {
            throw XMLImportError(file: name, reason: "\(info.st_size) bytes exceeds the limit of \(XMLParser.maximumSize) for an XML file")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw XMLImportError(file: name, reason: "cannot read")
        }
        do {
            return try XMLParser.parse(Array(data))
        } catch {
            throw XMLImportError(file: name, reason: "XML syntax error at \(error)")
        }
    }

    static func numbers(_ values: [Double]) -> JSONValue { .array(values.map { .number(JSONNumber($0)) }) }
}

/// A float attribute as Python's `float()` reads it (surrounding whitespace allowed).
func floatAttribute(_ element: XMLElement, _ name: String, file: String) throws(XMLImportError) -> Double {
    let text = try requiredAttribute(element, name, file: file)
    guard let value = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
        throw XMLImportError(file: file, element: element.label, reason: "attribute \(name)=\"\(text)\" is not a number")
    }
    return value
}

func requiredAttribute(_ element: XMLElement, _ name: String, file: String) throws(XMLImportError) -> String {
    guard let text = element[attribute: name] else {
        throw XMLImportError(file: file, element: element.label, reason: "attribute \(name) is missing")
    }
    return text
}
