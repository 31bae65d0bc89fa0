import DiffColumns
import Foundation
import HEPKitSupport
import ROOTIO

// Templates read from ROOT histograms (cabinetry's `histograms` input mode): a sample's nominal
// histogram of each region, and the up/down templates of its histosys systematics, taken as they
// are from a file another framework wrote. They are fixed: no cut or edge of the analysis moves
// them, the soft fill carries them as constants (no gradient), and they are added to the
// workspace once, never per work item, shard or process.

/// Where a histogram-input template is, as the config writes it: one location for every region
/// (`inputs/hists.root:{region}/ttbar`), or one per region (`{SR: "a.root:SR/ttbar", CR: ...}`).
///
/// A location is `FILE.root:PATH/IN/FILE`; `{region}` and `{sample}` in it stand for the region's
/// and the sample's names.
public enum HistogramSource: Sendable, Equatable, Decodable {
    case pattern(String)
    case perRegion([String: String])

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let text = try? c.decode(String.self) {
            self = .pattern(text)
        } else if let map = try? c.decode([String: String].self) {
            self = .perRegion(map)
        } else {
            throw DecodingError.typeMismatch(
                String.self, .init(codingPath: decoder.codingPath,
                                   debugDescription: "expected 'FILE.root:PATH' or a mapping of region names to 'FILE.root:PATH'"))
        }
    }
}

/// What an analysis takes from a ROOT histogram: its bin edges and, without flow bins, its
/// contents and sums of squared weights.
public struct InputHistogram: Sendable, Equatable, Codable {
    /// `TH1D`, `TH1F`, …
    public var className: String
    public var edges: [Double]
    public var counts: [Double]
    /// `fSumw2`, or the contents (Poisson errors, as ROOT's `GetBinError`) when it is not stored.
    public var sumw2: [Double]

    public init(className: String, edges: [Double], counts: [Double], sumw2: [Double]) {
        self.className = className
        self.edges = edges
        self.counts = counts
        self.sumw2 = sumw2
    }

    /// Reads the one-dimensional histogram at `path` in the ROOT file `file` (ROOTIO).
    ///
    /// - Throws: ``HistogramInputError`` for a missing or non-regular file, a missing object, or an
    ///   object that is not a one-dimensional histogram of counts.
    public static func read(file: URL, path: String) throws -> InputHistogram {
        try read(path, in: open(file))
    }

    /// Opens `file`, refusing what is not a regular file before ROOTIO reads it.
    static func open(_ file: URL) throws -> ROOTFile {
        if file.isFileURL {
            // A FIFO named in a config must not block the resolution.
            var info = stat()
            guard stat(file.path, &info) == 0 else {
                throw HistogramInputError("cannot read '\(file.path)' (\(String(cString: strerror(errno))))")
            }
            guard info.st_mode & S_IFMT == S_IFREG else { throw HistogramInputError("'\(file.path)' is not a regular file") }
        }
        do {
            return try ROOTFile(path: file.rootLocation)
        } catch {
            throw HistogramInputError(error.description)
        }
    }

    static func read(_ path: String, in file: ROOTFile) throws -> InputHistogram {
        let histogram: Histogram
        do {
            histogram = try file.histogram(path)
        } catch {
            throw HistogramInputError(error.description)
        }
        guard histogram.dimension == 1, histogram.className.hasPrefix("TH1") else {
            throw HistogramInputError("'\(path)' is a \(histogram.className), not a one-dimensional histogram (TH1D, TH1F, TH1I, …)")
        }
        let counts = histogram.values
        return InputHistogram(
            className: histogram.className, edges: histogram.axes[0].edges, counts: counts, sumw2: histogram.sumw2 ?? counts.map(abs))
    }
}

extension InputHistogram {
    /// Reads histograms opening each file once: an analysis may take thousands of templates
    /// from one file, and opening it reads its keys list.
    public final class Reader {
        private var files: [URL: ROOTFile] = [:]

        public init() {}

        /// ``InputHistogram/read(file:path:)`` through the open files.
        public func read(file: URL, path: String) throws -> InputHistogram {
            let root: ROOTFile
            if let open = files[file] {
                root = open
            } else {
                root = try InputHistogram.open(file)
                files[file] = root
            }
            return try InputHistogram.read(path, in: root)
        }
    }
}

/// A histogram input that cannot be used.
public struct HistogramInputError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Reads a histogram for a fixed template (``InputHistogram/read(file:path:)``, or recorded
/// answers when a merge rebuilds the analysis without the files).
public typealias HistogramCatalog = (_ file: URL, _ path: String) throws -> InputHistogram

/// A template read from a ROOT histogram: fixed contents that no parameter moves.
public struct FixedTemplate: Sendable, Equatable, CustomStringConvertible {
    /// The file as the config names it.
    public var file: String
    /// The histogram's path in the file.
    public var path: String
    public var contents: BinContents

    /// `fixed (from inputs/hists.root:SR/ttbar)`: how outputs and diagnostics name the template.
    public var description: String { "fixed (from \(file):\(path))" }
}

extension ResolvedAnalysis {
    /// Lines saying which templates are fixed, for `build` and `optimize` to print:
    /// `region 'SR', sample 'ttbar', nominal: fixed (from inputs/hists.root:SR/ttbar)`.
    public var fixedTemplateNotes: [String] {
        templateKeys.compactMap { key in
            guard let template = fixedTemplates[key] else { return nil }
            let variation: String
            switch key.variation {
            case .nominal: variation = "nominal"
            case .up(let k): variation = "\(systematics[k].name) up"
            case .down(let k): variation = "\(systematics[k].name) down"
            }
            return "region '\(regions[key.region].name)', sample '\(samples[key.sample].name)', \(variation): \(template)"
        }
    }
}

extension Resolver {
    /// The location `source` gives for `region` and `sample`, split into file and path.
    func location(
        _ source: HistogramSource, region: String, sample: String, many: (regions: Bool, samples: Bool), at path: ConfigPath
    ) throws(ConfigError) -> (file: String, path: String) {
        var text: String
        var place = path
        switch source {
        case .pattern(let pattern):
            if many.regions && !pattern.contains("{region}") {
                throw path.error("'\(pattern)' would be the template of every region: use {region} in it or a mapping of region names to locations")
            }
            text = pattern
        case .perRegion(let map):
            for name in map.keys.sorted() where !config.regions.contains(where: { $0.name == name }) {
                throw path.key(name).error("unknown region '\(name)'")
            }
            guard let found = map[region] else { throw path.error("no location for region '\(region)'") }
            place = path.key(region)
            text = found
        }
        if many.samples && !text.contains("{sample}") {
            throw place.error("'\(text)' would be the template of every sample: use {sample} in it")
        }
        // Names become parts of a path: one path component each.
        for (placeholder, name, what) in [("{region}", region, "region name"), ("{sample}", sample, "sample name")]
        where text.contains(placeholder) {
            do {
                try SafeName.check(name, what: what)
            } catch {
                throw place.error("\(error) cannot stand for \(placeholder)")
            }
            text = text.replacingOccurrences(of: placeholder, with: name)
        }
        if text.contains("{") || text.contains("}") {
            throw place.error("'\(text)': unknown placeholder (expected {region} or {sample})")
        }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
            throw place.error("\(SafeName.quoted(text)) contains a control character")
        }
        // The file is what precedes the last ':' that follows '.root' (a remote URL has its own colons).
        var colon: String.Index?, search = text.endIndex
        while let found = text[..<search].lastIndex(of: ":") {
            if text[..<found].hasSuffix(".root") {
                colon = found
                break
            }
            search = found
        }
        guard let colon, text.index(after: colon) < text.endIndex else {
            throw place.error("'\(text)' is not FILE.root:PATH (the histogram's path in the ROOT file follows the colon)")
        }
        let file = String(text[..<colon]), object = String(text[text.index(after: colon)...])
        return (file, object)
    }

    /// Reads the fixed template at `location` for `region`, checking it against the region's bins.
    func fixedTemplate(
        _ location: (file: String, path: String), region r: Int, at place: ConfigPath
    ) throws(ConfigError) -> FixedTemplate {
        let region = config.regions[r]
        let named = "'\(location.file):\(location.path)'"
        let histogram: InputHistogram
        do {
            histogram = try histogramCatalog(url(location.file), location.path)
        } catch {
            throw place.error("\(named): \(error)")
        }
        // Parameter edges were refused before any histogram is read.
        let expected = region.edges.map { edge in
            if case .value(let v) = edge { v } else { Double.nan }
        }
        guard histogram.edges.count == expected.count,
              zip(histogram.edges, expected).allSatisfy({ a, b in a == b || abs(a - b) <= 1e-9 * max(abs(a), abs(b)) })
        else {
            throw place.error(
                "\(named) has \(histogram.edges.count - 1) bins with edges \(histogram.edges), but region '\(region.name)' has "
                    + "\(expected.count - 1) bins with edges \(expected)")
        }
        guard histogram.counts.count == expected.count - 1, histogram.sumw2.count == expected.count - 1 else {
            throw place.error("\(named) has \(histogram.counts.count) contents for \(expected.count - 1) bins")
        }
        for (b, (count, sumw2)) in zip(histogram.counts, histogram.sumw2).enumerated() {
            guard count.isFinite, sumw2.isFinite, sumw2 >= 0 else {
                throw place.error("\(named): bin \(b + 1) has content \(count) and sumw2 \(sumw2) (finite, sumw2 ≥ 0 expected)")
            }
        }
        return FixedTemplate(
            file: location.file, path: location.path, contents: BinContents(counts: histogram.counts, sumw2: histogram.sumw2))
    }

    /// Every template of a sample read from histograms: its nominal per region, and the up and
    /// down templates of its histosys systematics.
    ///
    /// Refuses parameter edges in the regions (a fixed histogram's bins cannot move with them),
    /// and histogram templates for samples filled from ntuples (they would not follow the cuts).
    func resolveFixedTemplates(
        _ samples: [ResolvedAnalysis.Sample], regions: [ResolvedAnalysis.Region], systematics: [ResolvedAnalysis.Systematic]
    ) throws(ConfigError) -> [HistogramKey: FixedTemplate] {
        let fixedSamples = samples.indices.filter { samples[$0].isFixed }
        guard let firstFixed = fixedSamples.first else { return [:] }
        for (r, region) in regions.enumerated() {
            for (j, edge) in region.edges.enumerated() {
                guard case .parameter = edge else { continue }
                throw root.key("regions").index(r).key("edges").index(j).error(
                    "edge \(config.regions[r].edges[j].text) is a parameter, but sample '\(samples[firstFixed].name)' is read from a "
                        + "histogram whose bins cannot move; use fixed edges in regions with samples read from histograms")
            }
        }
        let many = config.regions.count > 1
        var templates: [HistogramKey: FixedTemplate] = [:]
        for s in fixedSamples {
            guard let source = config.samples[s].histogram else { continue }
            let place = root.key("samples").index(s).key("histogram")
            for (r, region) in config.regions.enumerated() {
                let found = try location(source, region: region.name, sample: samples[s].name, many: (many, false), at: place)
                templates[HistogramKey(region: r, sample: s, variation: .nominal)] = try fixedTemplate(found, region: r, at: place)
            }
        }
        for (k, systematic) in systematics.enumerated() {
            guard let histograms = config.systematics[k].histograms else { continue }
            let place = root.key("systematics").index(k)
            let affected = systematic.samples.filter { samples[$0].isFixed }
            for s in affected {
                for (r, region) in config.regions.enumerated() {
                    for (isUp, source) in [(true, histograms.up), (false, histograms.down)] {
                        let key = place.key(isUp ? "histogram_up" : "histogram_down")
                        let found = try location(
                            source, region: region.name, sample: samples[s].name, many: (many, affected.count > 1), at: key)
                        templates[HistogramKey(region: r, sample: s, variation: isUp ? .up(systematic: k) : .down(systematic: k))] =
                            try fixedTemplate(found, region: r, at: key)
                    }
                }
            }
        }
        return templates
    }
}
