import DiffColumns
import Foundation
import HEPKitSupport
import HistFactory
import ROOTIO
import Testing
@testable import Analysis

/// A folder of its own for a config and the ROOT files it names.
struct ScratchAnalysis {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("hepkit-histinputs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// Writes `config` as `analysis.yml` and returns its URL.
    func config(_ text: String) throws -> URL {
        let url = folder.appendingPathComponent("analysis.yml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// Writes histograms (`path in file` → histogram) to `name` in the folder.
    func rootFile(_ name: String, _ histograms: [(String, Histogram)]) throws {
        var writer = ROOTWriter(fileName: name)
        for (path, histogram) in histograms {
            let parts = path.split(separator: "/")
            var h = histogram
            h.name = String(parts.last!)
            try writer.write(h, in: parts.dropLast().joined(separator: "/"))
        }
        try writer.write(to: folder.appendingPathComponent(name).path)
    }

    /// The analysis of `config` (resolved against the files).
    func resolve(_ config: String) throws -> ResolvedAnalysis {
        let url = try self.config(config)
        return try BuildRecipe.load(config: url).analysis
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}

/// A 1D histogram over `edges` with `counts` and `sumw2` (no flow contents unless given).
func histogram1D(
    _ edges: [Double], _ counts: [Double], sumw2: [Double]? = nil, storage: Histogram.StorageType = .double,
    underflow: Double = 0, overflow: Double = 0
) -> Histogram {
    Histogram(
        name: "h", axes: [.init(edges: edges)], storage: storage, contentsWithFlow: [underflow] + counts + [overflow],
        sumw2WithFlow: sumw2.map { [0] + $0 + [0] })
}

@Suite struct HistogramInputTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../fixtures")
        .standardizedFileURL
    static let split = fixtures.appendingPathComponent("batch/split")

    /// A pyhf workspace's channels as HEPKit decodes them, modifiers sorted by name and type
    /// (pyhf's `xml2json` keeps the XML's order, an analysis puts the POI first).
    static func channels(_ workspace: Workspace) -> [Channel] {
        workspace.channels.map { channel in
            var c = channel
            c.samples = channel.samples.map { sample in
                var s = sample
                s.modifiers.sort { ($0.name, "\($0.kind)") < ($1.name, "\($1.kind)") }
                return s
            }
            return c
        }
    }

    static func pyhf(_ path: String) throws -> Workspace {
        try JSONDecoder().decode(Workspace.self, from: Data(contentsOf: fixtures.appendingPathComponent("histfactory-xml/expected/" + path)))
    }

    /// pyhf's `xml2json` of `shared_nuispar_across_types/example_notshared.xml` (OverallSys and
    /// HistoSys on TH1F histograms) is what an analysis taking the same histograms builds.
    @Test func histosysAndNormsysEqualPyhfXML2JSON() throws {
        let scratch = try ScratchAnalysis()
        defer { scratch.remove() }
        let data = Self.fixtures.appendingPathComponent("histfactory-xml/shared_nuispar_across_types/data/data.root").path
        let analysis = try scratch.resolve("""
            samples:
              - {name: signal, histogram: "\(data):sig", signal: true}
              - {name: background, histogram: "\(data):nom"}
            regions:
              - {name: channel1, edges: [-0.5, 0.5, 1.5]}
            systematics:
              - {name: firstsyst, type: normsys, samples: [background], lo: 0.95, hi: 1.05}
              - {name: secondsyst, type: histosys, samples: [background], histogram_up: "\(data):hup", histogram_down: "\(data):hdn"}
            poi: SigXsecOverSM
            """)
        let built = try AnalysisHistograms(analysis: analysis, events: AnalysisEvents(loading: analysis)).hardWorkspace(at: [])
        let expected = try Self.pyhf("shared_nuispar_across_types/example_notshared.json")
        #expect(Self.channels(built) == Self.channels(expected))
        // The Asimov background is the fixed background.
        #expect(built.observations[0].data == [12, 13])
    }

    /// pyhf's `xml2json` of `xmlimport_input/config/example.xml`: normsys, lumi and a staterror
    /// from the histogram's errors (background2; background1's staterror there comes from a
    /// separate histogram of relative errors, which analyses do not read).
    @Test func normsysLumiStaterrorEqualPyhfXML2JSON() throws {
        let scratch = try ScratchAnalysis()
        defer { scratch.remove() }
        let data = Self.fixtures.appendingPathComponent("histfactory-xml/xmlimport_input/data/example.root").path
        let analysis = try scratch.resolve("""
            samples:
              - {name: signal, histogram: "\(data):signal", signal: true}
              - {name: background1, histogram: "\(data):background1"}
              - {name: background2, histogram: "\(data):background2"}
            regions:
              - {name: channel1, edges: [1, 1.5, 2]}
            systematics:
              - {name: syst1, type: normsys, samples: [signal], lo: 0.95, hi: 1.05}
              - {name: lumi, type: lumi, samples: [background1, background2], uncertainty: 0.1}
              - {name: staterror, type: staterror, samples: [background2]}
              - {name: syst2, type: normsys, samples: [background1], lo: 0.95, hi: 1.05}
              - {name: syst3, type: normsys, samples: [background2], lo: 0.95, hi: 1.05}
            poi: SigXsecOverSM
            """)
        let built = try AnalysisHistograms(analysis: analysis, events: AnalysisEvents(loading: analysis)).hardWorkspace(at: [])
        var expected = Self.channels(try Self.pyhf("xmlimport_input/example.json"))
        expected[0].samples[1].modifiers.removeAll { $0.kind == .staterror }
        #expect(Self.channels(built) == expected)
        let lumi = built.measurements[0].config.parameters.first { $0.name == "lumi" }
        #expect(lumi?.sigmas == [0.1] && lumi?.auxdata == [1])
    }

    // MARK: Mixed with ntuple-filled samples

    static let ntupleConfig = """
        samples:
          - {name: signal, files: [\(split.path)/signal_0.root], tree: events, weight: weight, signal: true}
          - name: background
            files: [\(split.path)/background_0.root, \(split.path)/background_1.root, \(split.path)/background_2.root]
            tree: events
            weight: weight
        regions:
          - {name: SR, selection: "met > cut_met && jet_pt[0] > cut_jet", observable: mass, edges: [80, 105, 145, 170]}
        parameters:
          - {name: cut_met, init: 20, bounds: [0, 150], relaxation: 5}
          - {name: cut_jet, init: 30, bounds: [25, 160], relaxation: 5}
        systematics:
          - {name: bkg_norm, type: normsys, samples: [background], lo: 0.9, hi: 1.1}
          - {name: shape, type: histosys, weight_up: weight_up, weight_down: weight_down}
          - {name: mcstat, type: staterror}
          - {name: lumi, type: lumi, uncertainty: 0.02}
        optimizer: {steps: 4, learning_rate: 2}
        """

    /// The same analysis with the background's templates read from `hists.root` (the shape
    /// systematic keeps its weights for the signal: one nuisance parameter for both).
    static let mixedConfig = ntupleConfig
        .replacingOccurrences(
            of: """
              - name: background
                files: [\(split.path)/background_0.root, \(split.path)/background_1.root, \(split.path)/background_2.root]
                tree: events
                weight: weight
            """,
            with: """
              - {name: background, histogram: "hists.root:{region}/{sample}/nominal"}
            """)
        .replacingOccurrences(
            of: "weight_up: weight_up, weight_down: weight_down}",
            with: "weight_up: weight_up, weight_down: weight_down, histogram_up: \"hists.root:SR/background/shape_up\", "
                + "histogram_down: \"hists.root:SR/background/shape_down\"}")

    /// Writes the background's hard templates of the all-ntuple build as TH1D (with Σw²) into
    /// `hists.root`, and returns that build's workspace.
    static func writeBackgroundTemplates(into scratch: ScratchAnalysis) throws -> Workspace {
        let loaded = try LoadedAnalysis(config: scratch.config(ntupleConfig))
        let theta = loaded.analysis.initialParameters
        let filled = try loaded.histograms.fillHard(at: theta)
        var histograms: [(String, Histogram)] = []
        for (key, contents) in zip(loaded.histograms.keys, filled) where key.sample == 1 {
            let name: String
            switch key.variation {
            case .nominal: name = "nominal"
            case .up: name = "shape_up"
            case .down: name = "shape_down"
            }
            histograms.append(("SR/background/\(name)", histogram1D([80, 105, 145, 170], contents.counts, sumw2: contents.sumw2)))
        }
        #expect(histograms.count == 3)
        try scratch.rootFile("hists.root", histograms)
        return try loaded.histograms.hardWorkspace(at: theta)
    }

    /// Histograms equal to what the ntuples give make the same workspace, bit for bit.
    @Test func fixedTemplatesEqualToTheFillGiveTheSameWorkspace() throws {
        let scratch = try ScratchAnalysis()
        defer { scratch.remove() }
        let reference = try Self.writeBackgroundTemplates(into: scratch)
        let mixed = try LoadedAnalysis(config: scratch.config(Self.mixedConfig))
        #expect(mixed.analysis.fixedTemplates.count == 3)
        // Only the signal is filled from events.
        #expect(mixed.histograms.keys.allSatisfy { $0.sample == 0 })
        #expect(mixed.analysis.samples[1].files.isEmpty)
        let built = try mixed.histograms.checkedHardWorkspace(at: mixed.analysis.initialParameters)
        #expect(try stableJSON(built) == stableJSON(reference))
        #expect(mixed.analysis.fixedTemplateNotes == [
            "region 'SR', sample 'background', nominal: fixed (from hists.root:SR/background/nominal)",
            "region 'SR', sample 'background', shape up: fixed (from hists.root:SR/background/shape_up)",
            "region 'SR', sample 'background', shape down: fixed (from hists.root:SR/background/shape_down)",
        ])
        // The histogram file of `build --histograms` holds the fixed templates too, titled so.
        let (_, writer) = try mixed.histograms.checkedHardWorkspaceAndHistograms(at: mixed.analysis.initialParameters)
        let out = scratch.folder.appendingPathComponent("out.root").path
        try writer.rootFile().write(to: out)
        let read = try ROOTFile(path: out).histogram("SR/background/nominal")
        #expect(read.values == built.channels[0].samples[1].data)
        #expect(read.title == "SR nominal, fixed (from hists.root:SR/background/nominal)")
    }

    /// `build --shard I/N` + `merge` adds the fixed templates once (not per part or work item),
    /// and the merge reads them from the parts' recipe, not from the file.
    @Test(arguments: [1, 2, 3, 5])
    func shardsAddFixedTemplatesOnce(shards: Int) throws {
        let scratch = try ScratchAnalysis()
        defer { scratch.remove() }
        let reference = try Self.writeBackgroundTemplates(into: scratch)
        let url = try scratch.config(Self.mixedConfig)
        let job = try BuildJob(config: url, entriesPerItem: 1000)
        #expect(!job.items.contains { $0.source == .sample(1) })
        let parts = try (0..<shards).map {
            ("part.\($0).json", try JSONDecoder().decode(BuildPart.self, from: try job.part(Shard(index: $0, count: shards)).json()))
        }
        try FileManager.default.removeItem(at: scratch.folder.appendingPathComponent("hists.root"))
        let merged = try BuildPart.merge(parts)
        // The single process of the same work items (the signal's sums in the same order).
        #expect(try stableJSON(merged) == stableJSON(try job.workspace()))
        #expect(merged.channels[0].samples[1] == reference.channels[0].samples[1])
    }

    /// Parts whose fixed templates differ (another hists.root) are not merged.
    @Test func partsWithOtherFixedTemplatesAreRefused() throws {
        let scratch = try ScratchAnalysis()
        defer { scratch.remove() }
        _ = try Self.writeBackgroundTemplates(into: scratch)
        let url = try scratch.config(Self.mixedConfig)
        let first = try BuildJob(config: url, entriesPerItem: 1000).part(Shard(index: 0, count: 2))
        try scratch.rootFile("hists.root", ["nominal", "shape_up", "shape_down"].map {
            ("SR/background/\($0)", histogram1D([80, 105, 145, 170], [1, 2, 3]))
        })
        let second = try BuildJob(config: url, entriesPerItem: 1000).part(Shard(index: 1, count: 2))
        do {
            _ = try BuildPart.merge([("a.json", first), ("b.json", second)])
            Issue.record("parts with other fixed templates were merged")
        } catch {
            #expect("\(error)".contains("inputs digest"), "\(error)")
        }
    }

    /// Under MPI (ranks played by threads) the fixed templates are constants of every rank's
    /// model, not summed over the ranks: the run is the single process's, bit for bit.
    @Test func sharedEventsAddFixedTemplatesOnce() throws {
        let scratch = try ScratchAnalysis()
        defer { scratch.remove() }
        _ = try Self.writeBackgroundTemplates(into: scratch)
        let url = try scratch.config(Self.mixedConfig)
        let single = try LoadedAnalysis(config: url).optimize()
        for report in try EventSharingTests.optimize(ranks: 2, config: url) {
            #expect(report.trajectory == single.trajectory)
            #expect(report.workspace == single.workspace)
        }
    }

    /// The objective's gradient flows through the filled signal only: it matches central
    /// differences of the soft pipeline, the fixed templates have no place in the differentiated
    /// histograms, and the optimiser still moves the cuts.
    @Test func optimizeDifferentiatesTheFilledSamplesOnly() throws {
        let scratch = try ScratchAnalysis()
        defer { scratch.remove() }
        _ = try Self.writeBackgroundTemplates(into: scratch)
        let loaded = try LoadedAnalysis(config: scratch.config(Self.mixedConfig))
        let function = try AnalysisObjectiveFunction(histograms: loaded.histograms, objective: ExpectedCLsObjective(), kernel: .kde)
        for key in loaded.analysis.fixedTemplates.keys { #expect(function.histograms.positions(of: key) == nil) }
        let theta = [45.0, 60]
        let (value, gradient) = try function.valueAndGradient(at: theta, relaxation: 0.5)
        #expect(value.isFinite && value > 0)
        for k in theta.indices {
            let h = 0.01
            var up = theta, down = theta
            up[k] += h
            down[k] -= h
            let numeric = (try function.valueAndGradient(at: up, relaxation: 0.5).value
                - function.valueAndGradient(at: down, relaxation: 0.5).value) / (2 * h)
            #expect(gradient[k] != 0)
            #expect(abs(gradient[k] - numeric) <= 1e-4 * abs(numeric) + 1e-9, "d/d\(loaded.analysis.parameters[k].name): \(gradient[k]) vs \(numeric)")
        }
        let report = try loaded.optimize()
        #expect(report.optimum != loaded.analysis.initialParameters)
        // The fixed background is in the optimum's workspace as read.
        #expect(report.workspace.channels[0].samples[1].data == loaded.analysis.fixedTemplates[HistogramKey(region: 0, sample: 1, variation: .nominal)]!.contents.counts)
    }

    // MARK: Reading

    /// TH1F, TH1I and TH1D are read; flow bins are ignored; without Σw² the contents are the variances.
    @Test(arguments: Histogram.StorageType.allCases)
    func readsEveryTH1StorageWithoutFlowBins(storage: Histogram.StorageType) throws {
        let scratch = try ScratchAnalysis()
        defer { scratch.remove() }
        try scratch.rootFile("h.root", [
            ("plain", histogram1D([0, 1, 3], [4, 9], storage: storage, underflow: 100, overflow: 200)),
            ("weighted", histogram1D([0, 1, 3], [4, 9], sumw2: [2, 5], storage: storage)),
        ])
        let file = scratch.folder.appendingPathComponent("h.root")
        let plain = try InputHistogram.read(file: file, path: "plain")
        #expect(plain.className == "TH1" + storage.rawValue)
        #expect(plain.edges == [0, 1, 3] && plain.counts == [4, 9] && plain.sumw2 == [4, 9])
        let weighted = try InputHistogram.read(file: file, path: "weighted")
        #expect(weighted.counts == [4, 9] && weighted.sumw2 == [2, 5])
        // A uniform axis: numpy.linspace's edges.
        try scratch.rootFile("u.root", [("uniform", Histogram(
            name: "u", axes: [.init(binCount: 3, low: 0, high: 0.3)], storage: storage, contentsWithFlow: [0, 1, 2, 3, 0]))])
        let uniform = try InputHistogram.Reader().read(file: scratch.folder.appendingPathComponent("u.root"), path: "uniform")
        #expect(uniform.edges == [0, 0.09999999999999999, 0.19999999999999998, 0.3] && uniform.counts == [1, 2, 3])
    }

    // MARK: Errors

    /// A one-region, one-histogram-sample config around `sample` and `extra` lines.
    static func config(sample: String = "{name: bkg, histogram: \"h.root:bkg\"}", edges: String = "[0, 1, 3]", extra: String = "") -> String {
        """
        samples:
          - {name: sig, histogram: "h.root:sig", signal: true}
          - \(sample)
        regions:
          - {name: SR, edges: \(edges)}
        \(extra)
        """
    }

    func error(_ config: String, files: [(String, Histogram)] = HistogramInputTests.defaultFiles) throws -> ConfigError {
        let scratch = try ScratchAnalysis()
        defer { scratch.remove() }
        try scratch.rootFile("h.root", files)
        do {
            _ = try scratch.resolve(config)
        } catch let error as ConfigError {
            return error
        }
        Issue.record("no error for \(config)")
        return ConfigError(path: "", message: "")
    }

    static let defaultFiles: [(String, Histogram)] = [
        ("sig", histogram1D([0, 1, 3], [1, 2])), ("bkg", histogram1D([0, 1, 3], [5, 6])),
        ("up", histogram1D([0, 1, 3], [6, 7])), ("down", histogram1D([0, 1, 3], [4, 5])),
        ("h2", Histogram(name: "h2", axes: [.init(edges: [0, 1, 3]), .init(edges: [0, 1])], contentsWithFlow: Array(repeating: 1, count: 12))),
    ]

    @Test func mismatchedEdgesNameTheHistogramAndBothBinnings() throws {
        let e = try error(Self.config(edges: "[0, 1, 2]"))
        #expect(e.path == "samples[0].histogram")
        #expect(e.message == "'h.root:sig' has 2 bins with edges [0.0, 1.0, 3.0], but region 'SR' has 2 bins with edges [0.0, 1.0, 2.0]")
        let count = try error(Self.config(edges: "[0, 1, 3, 4]"))
        #expect(count.message.contains("has 2 bins with edges [0.0, 1.0, 3.0], but region 'SR' has 3 bins"))
    }

    @Test func edgesWithinRoundingAreAccepted() throws {
        let scratch = try ScratchAnalysis()
        defer { scratch.remove() }
        try scratch.rootFile("h.root", [("sig", histogram1D([0, 0.1 + 0.2, 3], [1, 2])), ("bkg", histogram1D([0, 0.3, 3], [5, 6]))])
        let analysis = try scratch.resolve(Self.config(edges: "[0, 0.3, 3]"))
        #expect(analysis.fixedTemplates.count == 2)
    }

    @Test func missingHistogramFileAndWrongTypeAreNamed() throws {
        let missing = try error(Self.config(sample: "{name: bkg, histogram: \"h.root:nothere\"}"))
        #expect(missing.path == "samples[1].histogram")
        #expect(missing.message.hasPrefix("'h.root:nothere': ") && missing.message.contains("nothere"))
        let file = try error(Self.config(sample: "{name: bkg, histogram: \"other.root:bkg\"}"))
        #expect(file.path == "samples[1].histogram")
        #expect(file.message.hasPrefix("'other.root:bkg': cannot read '") && file.message.contains("No such file"))
        let twoD = try error(Self.config(sample: "{name: bkg, histogram: \"h.root:h2\"}"))
        #expect(twoD.message == "'h.root:h2': 'h2' is a TH2D, not a one-dimensional histogram (TH1D, TH1F, TH1I, …)")
        let folder = try error(Self.config(sample: "{name: bkg, histogram: \".root:bkg\"}"))
        #expect(folder.message.contains("cannot read"))
        let syntax = try error(Self.config(sample: "{name: bkg, histogram: \"h.root\"}"))
        #expect(syntax.message == "'h.root' is not FILE.root:PATH (the histogram's path in the ROOT file follows the colon)")
    }

    @Test func aFIFOIsNotOpened() throws {
        let scratch = try ScratchAnalysis()
        defer { scratch.remove() }
        let fifo = scratch.folder.appendingPathComponent("pipe.root").path
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: HistogramInputError("'\(fifo)' is not a regular file")) {
            try InputHistogram.read(file: URL(fileURLWithPath: fifo), path: "h")
        }
    }

    @Test func histosysTemplatesAndTheirSources() throws {
        let histosys = "systematics:\n  - {name: s, type: histosys, samples: [bkg], histogram_up: \"h.root:up\", histogram_down: \"h.root:down\"}"
        let scratch = try ScratchAnalysis()
        defer { scratch.remove() }
        try scratch.rootFile("h.root", Self.defaultFiles)
        let analysis = try scratch.resolve(Self.config(extra: histosys))
        #expect(analysis.fixedTemplates[HistogramKey(region: 0, sample: 1, variation: .up(systematic: 0))]?.contents.counts == [6, 7])
        #expect(analysis.fixedTemplates[HistogramKey(region: 0, sample: 1, variation: .down(systematic: 0))]?.contents.counts == [4, 5])
        // Without `samples`, the histograms would be both samples' templates: {sample} is needed.
        let shared = try error(Self.config(extra: histosys.replacingOccurrences(of: "samples: [bkg], ", with: "")))
        #expect(shared.path == "systematics[0].histogram_up")
        #expect(shared.message.contains("would be the template of every sample: use {sample} in it"))
        // A histogram sample's histosys needs histograms.
        let weights = try error(Self.config(extra: "systematics:\n  - {name: s, type: histosys, samples: [bkg], weight_up: '2', weight_down: '1'}"))
        #expect(weights.path == "systematics[0].samples")
        #expect(weights.message == "sample 'bkg' is read from a histogram: give its templates with histogram_up/histogram_down")
    }

    @Test func ntupleSamplesTakeNoHistogramOnlyHistosys() throws {
        let config = """
            samples:
              - {name: sig, files: [\(Self.split.path)/signal_0.root], tree: events, weight: weight, signal: true}
              - {name: bkg, histogram: "h.root:bkg"}
            regions:
              - {name: SR, observable: mass, edges: [0, 1, 3]}
            systematics:
              - {name: s, type: histosys, histogram_up: "h.root:{sample}", histogram_down: "h.root:{sample}"}
            """
        let e = try error(config)
        #expect(e.path == "systematics[0].samples")
        #expect(e.message.hasPrefix("sample 'sig' is filled from ntuples: histogram_up/histogram_down apply to samples read from histograms"))
        let noObservable = try error(config.replacingOccurrences(of: "observable: mass, ", with: ""))
        #expect(noObservable.path == "regions[0].observable")
        #expect(noObservable.message == "required: sample 'sig' is filled from ntuples")
    }

    /// Edges that optimize would move cannot bin a fixed histogram.
    @Test func parameterEdgesAreRefusedWithFixedSamples() throws {
        let e = try error(Self.config(
            edges: "[0, e1, 3], bandwidth: 0.1", extra: "parameters:\n  - {name: e1, init: 1, bounds: [0.5, 2], relaxation: 0.1}"))
        #expect(e.path == "regions[0].edges[1]")
        #expect(e.message.hasPrefix("edge 'e1' is a parameter, but sample 'sig' is read from a histogram whose bins cannot move"))
    }

    @Test func locationsAreCheckedBeforeUse() throws {
        let two = """
            samples:
              - {name: sig, histogram: "h.root:sig", signal: true}
            regions:
              - {name: SR, edges: [0, 1, 3]}
              - {name: CR, edges: [0, 1, 3]}
            """
        let noRegion = try error(two)
        #expect(noRegion.path == "samples[0].histogram")
        #expect(noRegion.message.contains("would be the template of every region: use {region} in it or a mapping"))
        let mapping = try error(two.replacingOccurrences(of: "histogram: \"h.root:sig\"", with: "histogram: {SR: \"h.root:sig\", XR: \"h.root:sig\"}"))
        #expect(mapping.path == "samples[0].histogram.XR" && mapping.message == "unknown region 'XR'")
        let missing = try error(two.replacingOccurrences(of: "histogram: \"h.root:sig\"", with: "histogram: {SR: \"h.root:sig\"}"))
        #expect(missing.message == "no location for region 'CR'")
        let unknown = try error(two.replacingOccurrences(of: "h.root:sig", with: "h.root:{region}/{channel}"))
        #expect(unknown.message.contains("unknown placeholder"))
        // A name that would add a path component is refused.
        let unsafe = try error(two.replacingOccurrences(of: "h.root:sig", with: "{region}.root:sig").replacingOccurrences(of: "name: SR", with: "name: \"..\""))
        #expect(unsafe.message.contains("cannot stand for {region}"))
        let both = try error(Self.config(sample: "{name: bkg, histogram: \"h.root:bkg\", files: [a.root]}"))
        #expect(both.path == "samples[1].files" && both.message == "'files' does not apply to a sample read from a histogram")
    }

    @Test func nonFiniteContentsAreRefused() throws {
        let e = try error(Self.config(), files: [("sig", histogram1D([0, 1, 3], [1, .nan])), ("bkg", histogram1D([0, 1, 3], [1, 2]))])
        #expect(e.path == "samples[0].histogram")
        #expect(e.message == "'h.root:sig': bin 2 has content nan and sumw2 nan (finite, sumw2 ≥ 0 expected)")
    }
}
