import Foundation
import HEPKitSupport
import HistFactory
import ROOTIO

/// Why a workspace could not be converted to HistFactory XML.
public struct XMLExportError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A pyhf workspace as HistFactory XML: a combination file, one file per channel, the DTD and a
/// ROOT file of histograms — the layout of `pyhf json2xml`, which ROOT's `hist2workspace` reads
/// and `pyhf xml2json` turns back into the workspace.
///
/// ```swift
/// let export = try HistFactoryXMLExport(workspace, layout: .init(outputDirectory: "xml"))
/// try export.write()
/// ```
///
/// Differences from pyhf 0.7.6's `json2xml`, each one so the round trip holds: `LumiRelErr` is the
/// relative error σ/lumi (pyhf writes σ, which its own reader multiplies by lumi again); fixed
/// parameters keep their initial values (`ParamSetting Val=`), and so do free non-normfactor
/// parameters with `inits`; a channel without observations has no `Data` element (pyhf crashes);
/// the channel files find the DTD from any `specroot` depth. What XML cannot express (bounds of
/// constrained parameters, staterror names other than `staterror_<channel>`, normfactor settings
/// that differ between measurements, fixed per-bin parameters) is listed in ``notes``.
public struct HistFactoryXMLExport: Sendable {
    /// Where the files go and how the XML names them (`pyhf json2xml`'s options).
    public struct Layout: Sendable {
        public var outputDirectory: String
        public var specRoot: String
        public var dataRoot: String
        public var resultPrefix: String

        public init(outputDirectory: String = ".", specRoot: String = "config", dataRoot: String = "data",
                    resultPrefix: String = "FitConfig") {
            self.outputDirectory = outputDirectory
            self.specRoot = specRoot
            self.dataRoot = dataRoot
            self.resultPrefix = resultPrefix
        }
    }

    public let layout: Layout
    /// `{resultPrefix}.xml`: the `Combination` with its measurements.
    public let combination: String
    /// Per channel: the file name (under `specRoot`) and the `Channel` document.
    public let channels: [(fileName: String, text: String)]
    /// The histograms, written to `{dataRoot}/data.root`.
    public let histograms: ROOTWriter
    /// Settings of the workspace that HistFactory XML cannot express (the round trip loses them).
    public let notes: [String]

    public static let dataFileName = "data.root"

    public init(_ workspace: Workspace, layout: Layout = Layout()) throws(XMLExportError) {
        self.layout = layout
        for (part, what) in [(layout.resultPrefix, "--resultprefix")] {
            do { _ = try SafeName.check(part, what: what) } catch { throw XMLExportError(error.description) }
        }
        for channel in workspace.channels {
            do { _ = try SafeName.check(channel.name, what: "channel name") } catch { throw XMLExportError(error.description) }
        }
        let dataPath = Self.join(layout.outputDirectory, layout.dataRoot, Self.dataFileName)
        let absoluteData = URL(fileURLWithPath: dataPath).standardizedFileURL.path
        var builder = Builder(workspace: workspace, inputFile: absoluteData)
        let specDepth = layout.specRoot.split(separator: "/").filter { $0 != "." }.count
        let dtdFromChannel = String(repeating: "../", count: specDepth) + HistFactorySchema.fileName
        var channelFiles: [(String, String)] = []
        var inputs: [XMLElement] = []
        for channel in workspace.channels {
            let element = try builder.channel(channel)
            let fileName = "\(layout.resultPrefix)_\(channel.name).xml"
            channelFiles.append((fileName, element.document(doctypeSystem: dtdFromChannel)))
            inputs.append(XMLElement("Input", text: Self.join(layout.outputDirectory, layout.specRoot, fileName)))
        }
        var measurements: [XMLElement] = []
        for measurement in workspace.measurements { measurements.append(builder.measurement(measurement)) }
        let combination = XMLElement("Combination", [("OutputFilePrefix", Self.join(layout.outputDirectory, layout.specRoot, layout.resultPrefix))],
                                     children: inputs + measurements)
        self.combination = combination.document(doctypeSystem: HistFactorySchema.fileName)
        self.channels = channelFiles
        self.histograms = builder.writer
        self.notes = builder.notes
    }

    /// Writes every file, each whole or not at all: the combination and DTD in the output folder,
    /// the channels under `specRoot`, the histograms under `dataRoot` (folders created as needed).
    public func write() throws(XMLExportError) {
        let specFolder = Self.join(layout.outputDirectory, layout.specRoot)
        let dataFolder = Self.join(layout.outputDirectory, layout.dataRoot)
        do {
            for folder in [layout.outputDirectory, specFolder, dataFolder] {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
        } catch {
            throw XMLExportError("cannot create the output folders: \(error.localizedDescription)")
        }
        do {
            try histograms.write(to: Self.join(dataFolder, Self.dataFileName))
        } catch {
            throw XMLExportError(error.description)
        }
        var files = [(Self.join(layout.outputDirectory, "\(layout.resultPrefix).xml"), combination),
                     (Self.join(layout.outputDirectory, HistFactorySchema.fileName), HistFactorySchema.dtd)]
        files += channels.map { (Self.join(specFolder, $0.fileName), $0.text) }
        for (path, text) in files {
            do { try AtomicFile.write(Data(text.utf8), to: path) } catch { throw XMLExportError(error.description) }
        }
    }

    /// Joins path parts as Python's `pathlib` prints them: `.` and empty parts vanish, no doubled `/`.
    static func join(_ parts: String...) -> String {
        var path = ""
        for part in parts {
            let trimmed = String(part.reversed().drop { $0 == "/" }.reversed())
            if part.hasPrefix("/") && path.isEmpty { path = "/" }
            for component in trimmed.split(separator: "/") where component != "." {
                path += (path.isEmpty || path.hasSuffix("/") ? "" : "/") + component
            }
        }
        return path.isEmpty ? "." : path
    }
}

/// Builds the XML elements and fills the histogram file, collecting what cannot be expressed.
private struct Builder {
    let workspace: Workspace
    let inputFile: String
    var writer = ROOTWriter(fileName: HistFactoryXMLExport.dataFileName)
    var notes: [String] = []
    private var written: Set<String> = []
    /// Modifier type of each parameter name (for the `alpha_`/`gamma_` prefixes of `ParamSetting`).
    private let kinds: [String: ModifierKind]

    init(workspace: Workspace, inputFile: String) {
        self.workspace = workspace
        self.inputFile = inputFile
        var kinds: [String: ModifierKind] = [:]
        for channel in workspace.channels {
            for sample in channel.samples {
                for modifier in sample.modifiers { kinds[modifier.name] = modifier.kind }
            }
        }
        self.kinds = kinds
        for (index, measurement) in workspace.measurements.enumerated().dropFirst() {
            let first = workspace.measurements[0]
            for name in kinds.filter({ $0.value == .normfactor }).keys.sorted() {
                let a = first.config.parameters.first { $0.name == name }, b = measurement.config.parameters.first { $0.name == name }
                if a?.inits != b?.inits || a?.bounds != b?.bounds {
                    notes.append("normfactor '\(name)': measurement \(index) '\(measurement.name)' sets other inits/bounds than the first; XML keeps the first's")
                }
            }
        }
    }

    mutating func channel(_ channel: Channel) throws(XMLExportError) -> XMLElement {
        var element = XMLElement("Channel", [("Name", channel.name), ("InputFile", inputFile)])
        if let observation = workspace.observations.first(where: { $0.name == channel.name }) {
            let name = try histogram(channel.name, "data", data: observation.data)
            element.children.append(XMLElement("Data", [("HistoName", name), ("InputFile", inputFile)]))
        } else {
            notes.append("channel '\(channel.name)' has no observations: no Data element")
        }
        for sample in channel.samples { element.children.append(try self.sample(sample, in: channel)) }
        return element
    }

    private mutating func sample(_ sample: Sample, in channel: Channel) throws(XMLExportError) -> XMLElement {
        let normalized = sample.modifiers.contains { $0.kind == .lumi }
        var modifiers: [XMLElement] = []
        for modifier in sample.modifiers {
            if let element = try self.modifier(modifier, sample: sample, channel: channel) { modifiers.append(element) }
        }
        let name = try histogram(channel.name, sample.name, data: sample.data)
        return XMLElement("Sample", [("Name", sample.name), ("HistoName", name), ("InputFile", inputFile),
                                     ("NormalizeByTheory", normalized ? "True" : "False")], children: modifiers)
    }

    private mutating func modifier(_ modifier: Modifier, sample: Sample, channel: Channel) throws(XMLExportError) -> XMLElement? {
        let where_ = "channel '\(channel.name)', sample '\(sample.name)', modifier '\(modifier.name)'"
        switch (modifier.kind, modifier.data) {
        case (.lumi, _):
            return nil
        case (.normsys, .normsys(let hi, let lo)):
            return XMLElement("OverallSys", [("Name", modifier.name), ("High", repr(hi)), ("Low", repr(lo))])
        case (.histosys, .histosys(let hiData, let loData)):
            let low = try histogram(channel.name, sample.name, modifier.name, suffix: "Low", data: loData)
            let high = try histogram(channel.name, sample.name, modifier.name, suffix: "High", data: hiData)
            return XMLElement("HistoSys", [("Name", modifier.name), ("HistoNameLow", low), ("HistoNameHigh", high)])
        case (.normfactor, _):
            var value = 1.0, low = 0.0, high = 10.0
            if let config = workspace.measurements.first?.config.parameters.first(where: { $0.name == modifier.name }) {
                value = config.inits?.first ?? value
                if let bounds = config.bounds?.first, bounds.count == 2 { (low, high) = (bounds[0], bounds[1]) }
            }
            return XMLElement("NormFactor", [("Name", modifier.name), ("Val", repr(value)), ("Low", repr(low)), ("High", repr(high))])
        case (.staterror, .perBin(let errors)):
            if modifier.name != "staterror_\(channel.name)" {
                notes.append("\(where_): XML names every staterror 'staterror_\(channel.name)'")
            }
            let name = try histogram(channel.name, sample.name, modifier.name, data: relative(errors, sample.data))
            return XMLElement("StatError", [("Activate", "True"), ("HistoName", name)])
        case (.shapesys, .perBin(let errors)):
            let name = try histogram(channel.name, sample.name, modifier.name, data: relative(errors, sample.data))
            return XMLElement("ShapeSys", [("Name", modifier.name), ("ConstraintType", "Poisson"), ("HistoName", name)])
        case (.shapefactor, _):
            return XMLElement("ShapeFactor", [("Name", modifier.name)])
        default:
            throw XMLExportError("\(where_): HistFactory XML has no element for modifier type '\(modifier.kind.rawValue)'")
        }
    }

    /// Per-bin uncertainties relative to the nominal (0 where the nominal is 0, as HistFactory reads them).
    private func relative(_ errors: [Double], _ nominal: [Double]) -> [Double] {
        zip(errors, nominal).map { $1 == 0 ? 0 : $0 / $1 }
    }

    /// Writes `hist{channel}_{sample}[_{modifier}]{suffix}` with bins 0…n (pyhf's names); returns the name.
    private mutating func histogram(_ parts: String..., suffix: String = "", data: [Double]) throws(XMLExportError) -> String {
        let name = "hist" + parts.filter { !$0.isEmpty }.joined(separator: "_") + suffix
        guard written.insert(name).inserted else {
            throw XMLExportError("two histograms would be named '\(name)' (a sample named 'data', or names joined by '_' that collide)")
        }
        let histogram = Histogram(name: name, axes: [.init(binCount: max(data.count, 1), low: 0, high: Double(max(data.count, 1)))],
                                  contentsWithFlow: [0] + (data.isEmpty ? [0] : data) + [0])
        do { try writer.write(histogram) } catch { throw XMLExportError(error.description) }
        return name
    }

    mutating func measurement(_ measurement: HistFactory.Measurement) -> XMLElement {
        var lumi = 1.0, lumiError = 0.0
        var fixedByValue: [(value: Double?, names: [String])] = []
        var freeInits: [(value: Double, name: String)] = []
        for parameter in measurement.config.parameters {
            let kind = kinds[parameter.name]
            guard kind != nil || parameter.name == "lumi" else {
                // pyhf ignores the setting; written as XML, a reader would apply it to whatever the
                // name means there (pyhf's xml2json turns `alpha_x` into the parameter `x`).
                notes.append("measurement '\(measurement.name)', parameter '\(parameter.name)': no modifier of the workspace has this name (pyhf ignores the setting); not written")
                continue
            }
            if parameter.name == "lumi" {
                lumi = parameter.auxdata?.first ?? 1
                lumiError = parameter.sigmas?.first ?? 0
                // XML readers derive lumi's bounds (±5σ) and initial value (the nominal lumi)
                let derived = [[lumi - 5 * lumiError, lumi + 5 * lumiError]]
                if let bounds = parameter.bounds, bounds != derived {
                    notes.append("measurement '\(measurement.name)': XML sets lumi's bounds to lumi ± 5σ = \(derived[0]), not \(bounds[0])")
                }
                if let inits = parameter.inits, inits != [lumi] {
                    notes.append("measurement '\(measurement.name)': XML starts lumi at its nominal \(lumi), not \(inits[0])")
                }
            }
            if parameter.bounds != nil, kind != .normfactor, parameter.name != "lumi" {
                notes.append("measurement '\(measurement.name)', parameter '\(parameter.name)': XML cannot set bounds of a constrained parameter")
            }
            let xmlName: String
            switch kind {
            case _ where parameter.name == "lumi": xmlName = "Lumi"
            case .normsys?, .histosys?: xmlName = "alpha_" + parameter.name
            case .shapesys?, .staterror?, .shapefactor?:
                if parameter.fixed == true {
                    notes.append("measurement '\(measurement.name)', parameter '\(parameter.name)': XML cannot fix per-bin parameters")
                }
                continue
            default: xmlName = parameter.name
            }
            if parameter.fixed == true {
                let value = kind == .normfactor || parameter.name == "lumi" ? nil : parameter.inits?.first
                if let index = fixedByValue.firstIndex(where: { $0.value == value }) {
                    fixedByValue[index].names.append(xmlName)
                } else {
                    fixedByValue.append((value, [xmlName]))
                }
            } else if let value = parameter.inits?.first, kind != .normfactor, parameter.name != "lumi" {
                freeInits.append((value, xmlName))
            }
        }
        var element = XMLElement("Measurement", [("Name", measurement.name), ("Lumi", repr(lumi)),
                                                 ("LumiRelErr", repr(lumi == 0 ? lumiError : lumiError / lumi)), ("ExportOnly", "True")],
                                 children: [XMLElement("POI", text: measurement.config.poi)])
        for (value, names) in fixedByValue {
            var attributes = [("Const", "True")]
            if let value { attributes.append(("Val", repr(value))) }
            element.children.append(XMLElement("ParamSetting", attributes, text: names.joined(separator: " ")))
        }
        for (value, name) in freeInits {
            element.children.append(XMLElement("ParamSetting", [("Val", repr(value))], text: name))
        }
        return element
    }

    private func repr(_ value: Double) -> String { PythonFloat.repr(value) }
}
