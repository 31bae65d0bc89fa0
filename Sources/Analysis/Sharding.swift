import DiffColumns
import Foundation
import HEPKitSupport
import HistFactory

// `hepkit build --shard I/N` and `hepkit merge`: a build split into jobs that each fill the
// histograms of their share of the work items, and the merge that sums the parts in work-item
// order — the order a single-process build sums in — so the merged workspace is byte for byte
// the single build's.

/// What a build's histograms mean besides the ntuples' contents: the config's text, the `--set`
/// values and the branches each tree offered when the config was resolved. A part file carries
/// it, so the merge rebuilds the same ``ResolvedAnalysis`` (and workspace) without the ntuples.
public struct BuildRecipe: Sendable, Equatable, Codable {
    /// The branches of `tree` in `files` as the resolution saw them.
    public struct Branches: Sendable, Equatable, Codable {
        public var tree: String
        public var files: [String]
        public var scalar: [String]
        public var jagged: [String]
    }

    /// The config's path as given (its extension says JSON or YAML; messages name it).
    public var config: String
    public var configText: String
    public var settings: [String: Double]
    /// Where the config's relative file names start.
    public var baseDirectory: String
    /// The branch catalogue answers, in the order the resolution asked.
    public var branches: [Branches]
    /// The histograms read for fixed templates (file as resolved, path in it, what was read), in
    /// the order the resolution asked; nil when there are none.
    public var histograms: [RecordedHistogram]?

    /// A histogram a fixed template was read from.
    public struct RecordedHistogram: Sendable, Equatable, Codable {
        public var file: String
        public var path: String
        public var histogram: InputHistogram
    }

    /// The trained networks the config's network observables use (`build --networks`), or nil
    /// for the config's own networks.
    public var networks: TrainedNetworks?

    enum CodingKeys: String, CodingKey {
        case config, settings, branches, histograms, networks
        case configText = "config_text", baseDirectory = "base_directory"
    }

    /// Reads the config at `url` and resolves it against the ntuples, recording their branches.
    ///
    /// - Returns: the recipe and the analysis with `settings` applied and its networks replaced
    ///   by `networks` (``ResolvedAnalysis/using(_:)``).
    /// - Throws: ``ConfigError`` naming the place in the config, a file's reading error, or
    ///   ``AnalysisDataError`` for networks that do not match the config's.
    public static func load(
        config url: URL, settings: [String: Double] = [:], networks: TrainedNetworks? = nil
    ) throws -> (recipe: BuildRecipe, analysis: ResolvedAnalysis) {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ConfigError(file: url.path, path: "", message: "cannot read the file (\(error.localizedDescription))")
        }
        final class Recorder: @unchecked Sendable {
            var answers: [Branches] = []
            var histograms: [RecordedHistogram] = []
        }
        let recorder = Recorder(), reader = InputHistogram.Reader()
        var recipe = BuildRecipe(
            config: url.path, configText: text, settings: settings, baseDirectory: url.deletingLastPathComponent().path, branches: [],
            networks: networks)
        let analysis = try recipe.resolve(catalog: { files, tree in
            let shapes = try ROOTColumns.catalog(files: files, tree: tree)
            recorder.answers.append(Branches(
                tree: tree, files: files.map(\.rootLocation), scalar: shapes.filter { $0.value == .scalar }.keys.sorted(),
                jagged: shapes.filter { $0.value == .jagged }.keys.sorted()))
            return shapes
        }, histograms: { file, path in
            let histogram = try reader.read(file: file, path: path)
            recorder.histograms.append(RecordedHistogram(file: file.rootLocation, path: path, histogram: histogram))
            return histogram
        })
        recipe.branches = recorder.answers
        recipe.histograms = recorder.histograms.isEmpty ? nil : recorder.histograms
        return (recipe, analysis)
    }

    /// The analysis, resolved against the recorded branches and histograms (no file is opened).
    public func resolve() throws -> ResolvedAnalysis {
        let recorded = histograms ?? [], config = config
        return try resolve(catalog: { files, tree in
            let paths = files.map(\.rootLocation)
            guard let entry = branches.first(where: { $0.tree == tree && $0.files == paths }) else {
                throw ConfigError(file: config, path: "", message: "the part file records no branches of tree '\(tree)' in \(paths)")
            }
            var shapes: [String: ColumnShape] = [:]
            for name in entry.scalar { shapes[name] = .scalar }
            for name in entry.jagged { shapes[name] = .jagged }
            return shapes
        }, histograms: { file, path in
            guard let entry = recorded.first(where: { $0.file == file.rootLocation && $0.path == path }) else {
                throw ConfigError(file: config, path: "", message: "the part file records no histogram '\(path)' of '\(file.rootLocation)'")
            }
            return entry.histogram
        })
    }

    private func resolve(catalog: @escaping BranchCatalog, histograms: @escaping HistogramCatalog) throws -> ResolvedAnalysis {
        let decoded = try AnalysisConfig.decode(configText, json: URL(fileURLWithPath: config).pathExtension.lowercased() == "json", file: config)
        let resolved: ResolvedAnalysis
        do {
            resolved = try decoded.resolve(baseDirectory: URL(fileURLWithPath: baseDirectory), branches: catalog, histograms: histograms)
                .setting(settings)
        } catch {
            throw ConfigError(file: config, path: error.path, message: error.message)
        }
        guard let networks else { return resolved }
        try networks.check(file: "the trained networks of \(config)")
        return try resolved.using(networks)
    }

    /// `sha256:…` of the config's text, the `--set` values and the trained networks: parts of
    /// one build share it.
    public var configDigest: String {
        let settingLines = settings.sorted { $0.key < $1.key }.map { "--set \($0.key)=\($0.value)\n" }.joined()
        let networkLines = networks.map { $0.networks.map(Self.digestLine).joined() } ?? ""
        return "sha256:" + HashAlgorithm.sha256.hexDigest(Array((configText + "\n" + settingLines + networkLines).utf8))
    }

    /// A trained network in the config digest: its architecture and the exact bits of its numbers,
    /// so parts filled with different weights never merge.
    private static func digestLine(_ entry: TrainedNetworks.Entry) -> String {
        let net = entry.network
        let numbers = (net.weights + net.inputMean + net.inputScale).map { String($0.bitPattern, radix: 16) }
        let architecture = "\(net.layerSizes) \(net.activation.rawValue) \(net.output.rawValue)"
        return "--networks \(entry.name) \(entry.inputs) \(architecture) \(numbers.joined(separator: ","))\n"
    }
}

/// The work items of a build and how it was configured: what every shard and the merge agree on.
public struct BuildJob: Sendable {
    public let recipe: BuildRecipe
    public let analysis: ResolvedAnalysis
    /// Every work item of the build, in summation order.
    public let items: [WorkItem]

    /// Resolves the config at `url` with `settings` (and trained `networks`) and lists the work
    /// items (file metadata only).
    public init(
        config url: URL, settings: [String: Double] = [:], networks: TrainedNetworks? = nil, entriesPerItem: Int64 = WorkItem.defaultEntries
    ) throws {
        (recipe, analysis) = try BuildRecipe.load(config: url, settings: settings, networks: networks)
        items = try analysis.workItems(entriesPerItem: entriesPerItem)
    }

    /// Reads the items of `shard` and fills their histograms at the analysis's initial parameters.
    ///
    /// - Throws: ``AnalysisDataError`` for a config with networks but no trained ones: the
    ///   untrained networks' inputs are standardised on all events, which no shard holds.
    public func part(_ shard: Shard) throws -> BuildPart {
        guard analysis.networks.isEmpty || recipe.networks != nil else {
            throw AnalysisDataError(message: "\(recipe.config): a build in shards of a config with networks needs their trained weights "
                + "(--networks network.json): the untrained networks' inputs are standardised on all events, which no shard holds")
        }
        let mine = shard.items(of: items)
        let histograms = try AnalysisHistograms(analysis: analysis, events: AnalysisEvents(loading: analysis, items: mine.map { items[$0] }))
        let filled = try histograms.fillHardPerItem(at: analysis.initialParameters)
        let layout = analysis.histogramLayout
        var partItems: [BuildPart.Item] = []
        var position: [EventSource: Int] = [:]  // per source: how many of its loaded items came before
        for index in mine {
            let item = items[index]
            let j = position[item.source, default: 0]
            position[item.source] = j + 1
            partItems.append(BuildPart.Item(
                index: index, source: item.source.description, file: analysis.file(of: item).rootLocation,
                entries: [item.entries.lowerBound, item.entries.upperBound],
                histograms: layout.indices.filter { layout[$0].source == item.source }.map {
                    BuildPart.Histogram(key: $0, counts: filled[$0][j].counts, sumw2: filled[$0][j].sumw2)
                }))
        }
        return BuildPart(
            shard: shard.index, shards: shard.count, configDigest: recipe.configDigest,
            inputsDigest: BuildPart.inputsDigest(items: items, recipe: recipe, keys: layout.map(\.key)),
            itemCount: items.count, recipe: recipe, histograms: layout.map { analysis.label(of: $0.key) }, items: partItems)
    }

    /// The workspace a single-process build writes (every item filled, summed in item order).
    public func workspace() throws -> Workspace {
        try AnalysisHistograms(analysis: analysis, events: AnalysisEvents(loading: analysis, items: items))
            .hardWorkspace(at: analysis.initialParameters)
    }
}

extension ResolvedAnalysis {
    /// `SR/signal/nominal`, `SR/background/shape up`: a histogram's name in part files.
    func label(of key: HistogramKey) -> String {
        let prefix = "\(regions[key.region].name)/\(samples[key.sample].name)/"
        switch key.variation {
        case .nominal: return prefix + "nominal"
        case .up(let k): return prefix + "\(systematics[k].name) up"
        case .down(let k): return prefix + "\(systematics[k].name) down"
        }
    }
}

/// The first lines of every part file: what kind of job wrote it and which shard it is.
public struct PartHeader: Sendable, Codable, Equatable {
    public static let formatName = "hepkit-part"
    public static let currentVersion = 1

    public var format: String
    public var version: Int
    /// `build`, `cls`, `upperlimit` or `cls-toys`.
    public var kind: String
    public var shard: Int
    public var shards: Int

    /// The header of the current format.
    public init(kind: String, shard: Shard) {
        self.init(format: Self.formatName, version: Self.currentVersion, kind: kind, shard: shard.index, shards: shard.count)
    }

    public init(format: String, version: Int, kind: String, shard: Int, shards: Int) {
        self.format = format
        self.version = version
        self.kind = kind
        self.shard = shard
        self.shards = shards
    }
}

/// What one shard of `hepkit build --shard I/N` writes: per work item it filled, the histogram
/// sums and sums of squares of every histogram of the item's events. The format is in docs/batch.md.
public struct BuildPart: Sendable, Codable, Equatable {
    public struct Histogram: Sendable, Codable, Equatable {
        /// Index into ``BuildPart/histograms``.
        public var key: Int
        public var counts: [Double]
        public var sumw2: [Double]
    }

    public struct Item: Sendable, Codable, Equatable {
        /// The item's place in the build's summation order.
        public var index: Int
        /// ``EventSource`` text: `sample 0`, `systematic 2 up`.
        public var source: String
        public var file: String
        /// First entry and end (exclusive).
        public var entries: [Int64]
        public var histograms: [Histogram]
    }

    public var format = PartHeader.formatName
    public var version = PartHeader.currentVersion
    public var kind = "build"
    public var shard: Int
    public var shards: Int
    public var configDigest: String
    public var inputsDigest: String
    /// Work items of the whole build (all shards).
    public var itemCount: Int
    public var recipe: BuildRecipe
    /// The histogram names (`region/sample/variation`) in fill order.
    public var histograms: [String]
    public var items: [Item]

    enum CodingKeys: String, CodingKey {
        case format, version, kind, shard, shards, recipe, histograms, items
        case configDigest = "config_digest", inputsDigest = "inputs_digest", itemCount = "item_count"
    }

    /// `sha256:…` of the whole build's work items (sources, file indices, entry ranges), the
    /// branches the config was resolved against and the histograms: equal for shards that split
    /// the same input the same way, wherever the files are mounted.
    static func inputsDigest(items: [WorkItem], recipe: BuildRecipe, keys: [HistogramKey]) -> String {
        var text = items.map { "\($0.source)|\($0.file)|\($0.entries.lowerBound)|\($0.entries.upperBound)\n" }.joined()
        for entry in recipe.branches {
            text += "\(entry.tree)|\(entry.files.count)|\(entry.scalar.joined(separator: ","))|\(entry.jagged.joined(separator: ","))\n"
        }
        // The fixed templates' numbers (not their files' places): shards must agree on them.
        for entry in recipe.histograms ?? [] {
            let h = entry.histogram
            text += "histogram|\(entry.path)|\((h.edges + h.counts + h.sumw2).map { String($0.bitPattern, radix: 16) }.joined(separator: ","))\n"
        }
        text += keys.map { "\($0)\n" }.joined()
        return "sha256:" + HashAlgorithm.sha256.hexDigest(Array(text.utf8))
    }

    /// The part file's bytes (sorted keys, indented; numbers round-trip exactly).
    public func json() throws -> Data {
        try stableJSON(self)
    }

    /// Sums the parts of one build in work-item order into the workspace the single-process build
    /// writes.
    ///
    /// - Parameter parts: each part with the file it came from (for messages).
    /// - Throws: ``MergeError`` for missing or duplicate shards, parts of another build or
    ///   shard count, overlapping or missing work items.
    public static func merge(_ parts: [(file: String, part: BuildPart)]) throws -> Workspace {
        let ordered = try ShardSet.check(parts.map { ($0.file, $0.part.header, ["config digest": $0.part.configDigest, "inputs digest": $0.part.inputsDigest]) })
        let first = parts[ordered[0]]
        let analysis = try first.part.recipe.resolve()
        let layout = analysis.histogramLayout
        guard layout.map({ analysis.label(of: $0.key) }) == first.part.histograms else {
            throw MergeError("\(first.file): the histograms listed do not match its config's")
        }
        for p in parts where p.part.itemCount != first.part.itemCount {
            throw MergeError("\(p.file) lists \(p.part.itemCount) work items, \(first.file) \(first.part.itemCount)")
        }
        let items = try ShardSet.collect(
            ordered.flatMap { i in parts[i].part.items.map { (index: $0.index, file: parts[i].file, value: $0) } },
            count: first.part.itemCount, noun: "work item") { " (\($0.file) entries \($0.entries))" }
        var filled = [[BinContents]](repeating: [], count: layout.count)
        for (item, file) in items {
            guard let source = EventSource(item.source) else { throw MergeError("\(file): unknown event source '\(item.source)'") }
            let expected = layout.indices.filter { layout[$0].source == source }
            guard item.histograms.map(\.key) == expected else {
                throw MergeError("\(file): work item \(item.index) does not hold the histograms of \(item.source)")
            }
            for h in item.histograms {
                let bins = analysis.regions[layout[h.key].key.region].edges.count - 1
                guard h.counts.count == bins, h.sumw2.count == bins else {
                    throw MergeError("\(file): work item \(item.index), histogram '\(first.part.histograms[h.key])' has \(h.counts.count) counts and \(h.sumw2.count) sumw2 for \(bins) bins")
                }
                filled[h.key].append(BinContents(counts: h.counts, sumw2: h.sumw2))
            }
        }
        let totals = zip(layout, filled).map { entry, items in
            BinContents(summing: items, binCount: analysis.regions[entry.key.region].edges.count - 1)
        }
        let index = Dictionary(uniqueKeysWithValues: layout.enumerated().map { ($1.key, $0) })
        return analysis.workspace { totals[index[$0]!] }
    }

    var header: PartHeader { PartHeader(format: format, version: version, kind: kind, shard: shard, shards: shards) }
}

/// A part file read from `data`; a malformed one is a ``MergeError`` naming the file and the place.
public func decodePart<T: Decodable>(_ type: T.Type, from data: Data, file: String) throws(MergeError) -> T {
    do {
        return try JSONDecoder().decode(type, from: data)
    } catch let error as DecodingError {
        throw MergeError("\(file) is not a HEPKit part file: \(ConfigError(error, file: nil))")
    } catch {
        throw MergeError("\(file) is not a HEPKit part file: \(error)")
    }
}

/// Parts that cannot be merged; the message names the files.
public struct MergeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The checks every merge makes on its set of parts.
public enum ShardSet {
    /// Checks that the parts are one of each shard `0..<N` of one job: same kind and shard count,
    /// equal `digests` (by name), no shard twice, none missing.
    ///
    /// - Returns: the indices of `parts` in shard order.
    /// - Throws: ``MergeError`` naming the offending files or the missing shards.
    public static func check(_ parts: [(file: String, header: PartHeader, digests: [String: String])]) throws -> [Int] {
        guard let first = parts.first else { throw MergeError("no part files to merge") }
        for p in parts {
            guard p.header.format == PartHeader.formatName, p.header.version == PartHeader.currentVersion else {
                throw MergeError("\(p.file) is not a HEPKit part file of version \(PartHeader.currentVersion) (format '\(p.header.format)', version \(p.header.version))")
            }
            guard p.header.kind == first.header.kind else {
                throw MergeError("\(p.file) is a '\(p.header.kind)' part, \(first.file) a '\(first.header.kind)' part")
            }
            guard p.header.shards == first.header.shards else {
                throw MergeError("\(p.file) is shard \(p.header.shard) of \(p.header.shards), \(first.file) shard \(first.header.shard) of \(first.header.shards): different shard counts")
            }
            guard (0..<p.header.shards).contains(p.header.shard) else {
                throw MergeError("\(p.file): shard \(p.header.shard) of \(p.header.shards) is out of range")
            }
            for (name, value) in p.digests.sorted(by: { $0.key < $1.key }) where first.digests[name] != value {
                throw MergeError("\(p.file) has \(name) \(value), \(first.file) \(first.digests[name] ?? "none"): parts of different jobs")
            }
        }
        // Sorted by shard, without an array per shard: a part may claim any shard count.
        let order = parts.indices.sorted { parts[$0].header.shard < parts[$1].header.shard }
        for (a, b) in zip(order, order.dropFirst()) where parts[a].header.shard == parts[b].header.shard {
            throw MergeError("duplicate shard \(parts[b].header.shard) of \(first.header.shards): \(parts[a].file) and \(parts[b].file)")
        }
        let count = first.header.shards
        guard order.count == count else {
            var missing: [ClosedRange<Int>] = [], next = 0
            for shard in order.map({ parts[$0].header.shard }) + [count] {
                if shard > next { missing.append(next...shard - 1) }
                next = shard + 1
            }
            let listed = missing.map { $0.count == 1 ? "\($0.lowerBound)" : $0.count == 2 ? "\($0.lowerBound), \($0.upperBound)" : "\($0.lowerBound)..\($0.upperBound)" }
            throw MergeError("missing shards: \(listed.joined(separator: ", ")) of \(count) (expected part files for shards 0..\(count - 1))")
        }
        return order
    }

    /// The entries numbered `0..<count` that the parts hold, in number order, each with its file.
    ///
    /// - Parameter label: what the messages say after an entry's number.
    /// - Throws: ``MergeError`` for a number out of range, in two parts, or in none.
    public static func collect<T>(
        _ entries: [(index: Int, file: String, value: T)], count: Int, noun: String, label: (T) -> String
    ) throws -> [(value: T, file: String)] {
        guard count >= 0 else { throw MergeError("the parts list \(count) \(noun)s") }
        var owner: [Int: String] = [:]
        for entry in entries {
            guard (0..<count).contains(entry.index) else {
                throw MergeError("\(entry.file): \(noun) \(entry.index) is outside 0..<\(count)")
            }
            if let other = owner[entry.index] {
                throw MergeError("overlapping parts: \(noun) \(entry.index)\(label(entry.value)) is in \(other) and \(entry.file)")
            }
            owner[entry.index] = entry.file
        }
        let sorted = entries.sorted { $0.index < $1.index }
        guard sorted.count == count else {
            let missing = sorted.indices.first { sorted[$0].index != $0 } ?? sorted.count
            throw MergeError("\(noun) \(missing) is in no part (\(count - sorted.count) of \(count) missing)")
        }
        return sorted.map { ($0.value, $0.file) }
    }
}
