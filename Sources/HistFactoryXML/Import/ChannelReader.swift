import HistFactory

/// Reads one `<Channel>` file: its data, samples and their modifiers (pyhf's `process_channel`).
struct ChannelReader {
    /// The channel file as named in the top-level XML (for error messages).
    let file: String
    let templates: TemplateReader
    let progress: ((String) -> Void)?
    let notes: ((String) -> Void)?
    /// The NormFactor configurations met so far, in document order.
    private(set) var parameterConfigs: [ParameterConfig] = []

    init(file: String, templates: TemplateReader, progress: ((String) -> Void)?, notes: ((String) -> Void)?) {
        self.file = file
        self.templates = templates
        self.progress = progress
        self.notes = notes
    }

    /// The histogram defaults a `<Channel>` passes to its `<Data>` and `<Sample>` elements.
    private struct Defaults {
        var inputFile: String
        var histoPath: String
    }

    mutating func read(_ channel: XMLElement) throws(XMLImportError) -> (name: String, data: [Double], samples: [JSONValue]) {
        guard channel.tag == "Channel" else {
            throw XMLImportError(file: file, element: channel.label, reason: "the root element is not <Channel>")
        }
        let defaults = Defaults(inputFile: channel[attribute: "InputFile"] ?? "", histoPath: channel[attribute: "HistoPath"] ?? "")
        let name = try requiredAttribute(channel, "Name", file: file)
        guard let dataElement = channel.children("Data").first else {
            throw XMLImportError(file: file, element: channel.label, reason: "channel \(name) is missing data (<Data>)")
        }
        let data = try readData(dataElement, defaults)
        noteUnrepresentable(channel)
        var samples: [JSONValue] = []
        for sample in channel.children("Sample") {
            progress?("  - sample \(sample[attribute: "Name"] ?? "None")")
            samples.append(try readSample(sample, defaults, channel: name))
        }
        return (name, data, samples)
    }

    private func readData(_ element: XMLElement, _ defaults: Defaults) throws(XMLImportError) -> [Double] {
        let inputFile = element[attribute: "InputFile"] ?? defaults.inputFile
        let histoName = try requiredAttribute(element, "HistoName", file: file)
        guard !inputFile.isEmpty, !histoName.isEmpty else {
            throw XMLImportError(file: file, element: element.label, reason: "a channel without observed data (no InputFile or HistoName) cannot be converted")
        }
        return try template(element, file: inputFile, path: element[attribute: "HistoPath"] ?? defaults.histoPath, name: histoName).values
    }

    private mutating func readSample(_ sample: XMLElement, _ defaults: Defaults, channel: String) throws(XMLImportError) -> JSONValue {
        let inputFile = sample[attribute: "InputFile"] ?? defaults.inputFile
        let histoPath = sample[attribute: "HistoPath"] ?? defaults.histoPath
        let nominal = try template(sample, file: inputFile, path: histoPath, name: try requiredAttribute(sample, "HistoName", file: file))
        let sampleName = try requiredAttribute(sample, "Name", file: file)
        var modifiers: [JSONValue] = []
        if (sample[attribute: "NormalizeByTheory"] ?? "False") == "True" {
            modifiers.append(["name": "lumi", "type": "lumi", "data": nil])
        }
        // pyhf walks every descendant (`Element.iter()`), not only the children.
        for tag in sample.descendants {
            if let modifier = try modifier(tag, nominal: nominal, inputFile: inputFile, channel: channel) {
                modifiers.append(modifier)
            }
        }
        return ["name": .string(sampleName), "data": XMLImporter.numbers(nominal.values), "modifiers": .array(modifiers)]
    }

    private mutating func modifier(_ tag: XMLElement, nominal: Template, inputFile: String, channel: String) throws(XMLImportError) -> JSONValue? {
        func name() throws(XMLImportError) -> JSONValue { .string(try requiredAttribute(tag, "Name", file: file)) }
        switch tag.tag {
        case "OverallSys":
            let lo = try floatAttribute(tag, "Low", file: file), hi = try floatAttribute(tag, "High", file: file)
            return ["name": try name(), "type": "normsys", "data": ["lo": .number(JSONNumber(lo)), "hi": .number(JSONNumber(hi))]]
        case "NormFactor":
            var config = ParameterConfig(name: try requiredAttribute(tag, "Name", file: file))
            config.bounds = [try floatAttribute(tag, "Low", file: file), try floatAttribute(tag, "High", file: file)]
            config.inits = try floatAttribute(tag, "Val", file: file)
            if let const = tag[attribute: "Const"], !const.isEmpty { config.fixed = const == "True" }
            parameterConfigs.append(config)
            return ["name": try name(), "type": "normfactor", "data": nil]
        case "HistoSys":
            let lo = try template(tag, file: tag[attribute: "HistoFileLow"] ?? inputFile, path: tag[attribute: "HistoPathLow"] ?? "",
                                  name: try requiredAttribute(tag, "HistoNameLow", file: file))
            let hi = try template(tag, file: tag[attribute: "HistoFileHigh"] ?? inputFile, path: tag[attribute: "HistoPathHigh"] ?? "",
                                  name: try requiredAttribute(tag, "HistoNameHigh", file: file))
            try requireBins(lo.values, like: nominal, tag)
            try requireBins(hi.values, like: nominal, tag)
            return ["name": try name(), "type": "histosys",
                    "data": ["lo_data": XMLImporter.numbers(lo.values), "hi_data": XMLImporter.numbers(hi.values)]]
        case "StatError":
            guard try requiredAttribute(tag, "Activate", file: file) == "True" else { return nil }
            var errors = nominal.errors
            if let histoName = tag[attribute: "HistoName"], !histoName.isEmpty {
                // A relative uncertainty per bin.
                let relative = try template(tag, file: tag[attribute: "HistoFile"] ?? inputFile, path: tag[attribute: "HistoPath"] ?? "", name: histoName)
                try requireBins(relative.values, like: nominal, tag)
                errors = zip(relative.values, nominal.values).map { $0 * $1 }
            }
            guard !errors.isEmpty else { throw XMLImportError(file: file, element: tag.label, reason: "cannot determine the stat error (no bins)") }
            return ["name": .string("staterror_\(channel)"), "type": "staterror", "data": XMLImporter.numbers(errors)]
        case "ShapeSys":
            if (tag[attribute: "ConstraintType"] ?? "Poisson") != "Poisson" {
                notes?("\(file): \(tag.label): ConstraintType \(tag[attribute: "ConstraintType"] ?? "") is written as pyhf's shapesys (Poisson), as pyhf does")
            }
            let relative = try template(tag, file: tag[attribute: "InputFile"] ?? inputFile, path: tag[attribute: "HistoPath"] ?? "",
                                        name: try requiredAttribute(tag, "HistoName", file: file))
            try requireBins(relative.values, like: nominal, tag)
            // pyhf's shapesys holds absolute uncertainties; the XML gives relative ones.
            return ["name": try name(), "type": "shapesys", "data": XMLImporter.numbers(zip(nominal.values, relative.values).map { $0 * $1 })]
        case "ShapeFactor":
            return ["name": try name(), "type": "shapefactor", "data": nil]
        default:
            notes?("\(file): \(tag.label): not a modifier pyhf's JSON has; ignored (as pyhf does)")
            return nil
        }
    }

    /// Channel-level settings that pyhf's JSON has no place for; pyhf drops them silently.
    private func noteUnrepresentable(_ channel: XMLElement) {
        for config in channel.children("StatErrorConfig") {
            let type = config[attribute: "ConstraintType"] ?? "Gaussian"
            let threshold = config[attribute: "RelErrorThreshold"] ?? "0"
            if type != "Gaussian" || (Double(threshold) ?? 0) != 0 {
                notes?("\(file): \(config.label): ConstraintType=\(type) RelErrorThreshold=\(threshold) cannot be expressed in a pyhf workspace; staterror is Gaussian on every bin (as pyhf writes it)")
            }
        }
    }

    private func template(_ element: XMLElement, file rootFile: String, path: String, name: String) throws(XMLImportError) -> Template {
        do {
            return try templates.template(file: rootFile, path: path, name: name)
        } catch {
            throw XMLImportError(file: file, element: element.label, reason: error.description)
        }
    }

    private func requireBins(_ values: [Double], like nominal: Template, _ element: XMLElement) throws(XMLImportError) {
        guard values.count == nominal.values.count else {
            throw XMLImportError(file: file, element: element.label,
                                 reason: "histogram has \(values.count) bins where the sample's nominal has \(nominal.values.count)")
        }
    }
}
