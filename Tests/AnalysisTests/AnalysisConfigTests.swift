import Foundation
import Testing
@testable import Analysis

@Suite struct AnalysisConfigTests {
    static let yaml = """
        samples:
          - name: signal
            files: [signal.root]
            tree: events
            weight: weight
            signal: true
          - name: background
            files: [background.root, /data/background2.root]
            tree: events
            weight: weight * 1.1
        regions:
          - name: SR
            selection: met > cut_met && jet_pt[0] > cut_jet
            observable: mass
            edges: [50, edge1, edge2, 200]
            bandwidth: 4
          - name: CR
            selection: met < 50
            observable: met
            edges: [0, 25, 50]
        parameters:
          - {name: cut_met, init: 60, bounds: [20, 150], relaxation: 5}
          - {name: cut_jet, init: 40, bounds: [20, 100], relaxation: 4}
          - {name: edge1, init: 100, bounds: [60, 120], relaxation: 2}
          - {name: edge2, init: 140, bounds: [125, 190], relaxation: 2}
        systematics:
          - {name: bkg_norm, type: normsys, samples: [background], lo: 0.9, hi: 1.1}
          - {name: weight_var, type: histosys, weight_up: weight_up, weight_down: weight_down}
          - {name: jes, type: histosys, samples: [signal], branches_up: {jet_pt: jet_pt_up}, branches_down: {jet_pt: jet_pt_down}}
          - {name: generator, type: histosys, samples: [background], files_up: [bkg_alt.root], files_down: [bkg_alt2.root]}
          - {name: mcstat, type: staterror}
          - {name: lumi, type: lumi, uncertainty: 0.02}
        poi: mu
        objective: cls
        optimizer: {steps: 40, learning_rate: 0.1, relaxation_start: 1, relaxation_end: 0.1, histogram: sigmoid}
        """

    static let branches: [String: ColumnShape] = [
        "weight": .scalar, "weight_up": .scalar, "weight_down": .scalar, "met": .scalar, "mass": .scalar,
        "jet_pt": .jagged, "jet_pt_up": .jagged, "jet_pt_down": .jagged,
    ]

    /// Every file has the standard branches except `broken.root` (unreadable) and `flat.root`
    /// (jet_pt is a scalar there).
    static func catalog(_ files: [URL], _ tree: String) throws -> [String: ColumnShape] {
        if let broken = files.first(where: { $0.lastPathComponent == "broken.root" }) {
            throw ConfigError(path: "", message: "cannot open \(broken.lastPathComponent)")
        }
        guard tree == "events" else { throw ColumnError(message: "no tree '\(tree)'") }
        var b = branches
        if files.contains(where: { $0.lastPathComponent == "flat.root" }) { b["jet_pt"] = .scalar }
        return b
    }

    func resolve(_ text: String, json: Bool = false) throws(ConfigError) -> ResolvedAnalysis {
        try AnalysisConfig.decode(text, json: json, file: "analysis.yml")
            .resolve(baseDirectory: URL(fileURLWithPath: "/work/example"), branches: Self.catalog)
    }

    func error(_ text: String) -> ConfigError? {
        do {
            _ = try resolve(text)
            return nil
        } catch {
            return error
        }
    }

    /// The example with one line replaced.
    func variant(_ old: String, _ new: String) -> String {
        precondition(Self.yaml.contains(old), "test edits a line that is not there: \(old)")
        return Self.yaml.replacingOccurrences(of: old, with: new)
    }

    @Test func completeExampleResolves() throws {
        let analysis = try resolve(Self.yaml)
        #expect(analysis.parameters.map(\.name) == ["cut_met", "cut_jet", "edge1", "edge2"])
        #expect(analysis.initialParameters == [60, 40, 100, 140])
        #expect(analysis.parameters[0].bounds == 20...150)
        #expect(analysis.samples.map(\.isSignal) == [true, false])
        #expect(analysis.samples[1].files.map(\.path) == ["/work/example/background.root", "/data/background2.root"])
        #expect(analysis.samples[1].weight.source == "weight * 1.1")
        #expect(analysis.regions[0].edges == [.value(50), .parameter(2), .parameter(3), .value(200)])
        #expect(analysis.regions[0].selections[0]?.parameters == ["cut_met", "cut_jet"])
        #expect(analysis.regions[1].bandwidth == nil)
        #expect(analysis.systematics.map(\.samples) == [[1], [0, 1], [0], [1], [0, 1], [0, 1]])
        #expect(analysis.optimizer.steps == 40 && analysis.optimizer.histogram == .sigmoid)
        #expect(analysis.objective == .cls)
        guard case .histoSys(.files(let up, _)) = analysis.systematics[3].kind else {
            Issue.record("expected a files histosys")
            return
        }
        #expect(up.map(\.path) == ["/work/example/bkg_alt.root"])
    }

    @Test func parameterOverrides() throws {
        let analysis = try resolve(Self.yaml)
        #expect(try analysis.setting(["cut_met": 80, "edge2": 150]).initialParameters == [80, 40, 100, 150])
        #expect(throws: ConfigError(path: "", message: "--set cut_mett: unknown parameter (did you mean 'cut_met'?)")) {
            try analysis.setting(["cut_mett": 80])
        }
        #expect(throws: ConfigError(path: "", message: "--set edge1: 130.0 is outside the bounds [60.0, 120.0]")) {
            try analysis.setting(["edge1": 130])
        }
    }

    @Test func jsonAndDefaults() throws {
        let json = """
            {"samples": [{"name": "s", "files": ["s.root"], "tree": "events", "signal": true}],
             "regions": [{"name": "SR", "observable": "mass", "edges": [0, 100, 200]}]}
            """
        let analysis = try resolve(json, json: true)
        #expect(analysis.samples[0].weight.source == "1")
        #expect(analysis.regions[0].selections.count == 1 && analysis.regions[0].selections[0] == nil)
        #expect(analysis.poi == "mu" && analysis.objective == .cls && analysis.optimizer == AnalysisConfig.Optimizer())
        #expect(analysis.parameters.isEmpty && analysis.systematics.isEmpty)
    }

    @Test(arguments: [
        // Structure (decoding).
        ("objective: cls", "objective: clss", "objective", "unknown objective 'clss' (expected cls, discovery, poi_uncertainty)"),
        ("    bandwidth: 4", "    bandwith: 4", "regions[0].bandwith", "unknown key 'bandwith' (did you mean 'bandwidth'?)"),
        ("    tree: events\n    weight: weight\n    signal", "    weight: weight\n    signal", "samples[0]", "missing required key 'tree'"),
        ("bounds: [20, 150]", "bounds: twenty", "parameters[0].bounds", "expected a list"),
        ("type: staterror}", "type: staterr}", "systematics[4].type", "unknown systematic type 'staterr' (expected normsys, histosys, staterror or lumi)"),
        ("type: lumi, uncertainty: 0.02}", "type: lumi, uncertainty: 0.02, lo: 1}", "systematics[5].lo", "'lo' does not apply to a lumi"),
        ("weight_up: weight_up, weight_down: weight_down}", "weight_up: weight_up, weight_down: weight_down, files_up: [a.root], files_down: [b.root]}",
         "systematics[1]", "a histosys needs exactly one of weight_up/weight_down, branches_up/branches_down or files_up/files_down"),
        ("histogram: sigmoid}", "histogram: box}", "optimizer.histogram", "unknown histogram 'box' (expected kde or sigmoid)"),
        // Meaning (resolution).
        ("selection: met > cut_met && jet_pt[0] > cut_jet", "selection: met > cutmet && jet_pt[0] > cut_jet", "regions[0].selection",
         "expression 'met > cutmet && jet_pt[0] > cut_jet', column 7 at 'cutmet': unknown branch or parameter 'cutmet' (did you mean 'cut_met'?) (branches of sample 'signal')"),
        ("observable: mass", "observable: mass > 3", "regions[0].observable",
         "expression 'mass > 3', column 1 at 'mass > 3': expected a number, but this is a boolean (branches of sample 'signal')"),
        ("selection: met < 50", "selection: jet_pt < 50", "regions[1].selection",
         "expression 'jet_pt < 50', column 1 at 'jet_pt < 50': the expression gives a jagged array of booleans; reduce it to one value per event with any, all, sum, len, min, max or an index like x[0] (branches of sample 'signal')"),
        ("weight: weight * 1.1", "weight: wieght * 1.1", "samples[1].weight",
         "expression 'wieght * 1.1', column 1 at 'wieght': unknown branch or parameter 'wieght' (did you mean 'weight'?)"),
        ("files: [signal.root]", "files: [broken.root]", "", "cannot open broken.root"),
        ("tree: events\n    weight: weight * 1.1", "tree: evts\n    weight: weight * 1.1", "samples[1].files", "no tree 'evts'"),
        ("edges: [50, edge1, edge2, 200]", "edges: [50, edge1, edge3, 200]", "regions[0].edges[2]", "unknown parameter 'edge3' (did you mean 'edge1'?)"),
        ("edges: [50, edge1, edge2, 200]", "edges: [50, edge2, edge1, 200]", "regions[0].edges[2]",
         "edges must increase; 100.0 follows 140.0 (with parameters at their initial values)"),
        ("edges: [0, 25, 50]", "edges: [0, 10, cut_met]\n    bandwidth: -1", "regions[1].bandwidth", "must be positive, found -1.0"),
        ("{name: edge2, init: 140, bounds: [125, 190]", "{name: edge2, init: 140, bounds: [115, 190]", "regions[0].edges[2]",
         "edge 'edge2' (range 115.0...190.0) can reach edge 'edge1' (range 60.0...120.0); make the parameters' bounds keep the edges apart"),
        ("{name: edge2, init: 140, bounds: [125, 190]", "{name: edge2, init: 140, bounds: [125, 200]", "regions[0].edges[3]",
         "edge 200.0 (range 200.0...200.0) can reach edge 'edge2' (range 125.0...200.0); make the parameters' bounds keep the edges apart"),
        ("    edges: [50, edge1, edge2, 200]\n    bandwidth: 4", "    edges: [50, edge1, edge2, 200]", "regions[0].bandwidth",
         "required because some edges are parameters (the soft histogram's edge width)"),
        ("{name: cut_jet, init: 40, bounds: [20, 100]", "{name: cut_jet, init: 10, bounds: [20, 100]", "parameters[1].init", "10.0 is outside the bounds [20.0, 100.0]"),
        ("bounds: [60, 120]", "bounds: [120, 60]", "parameters[2].bounds", "expected [lower, upper] with lower < upper, found [120.0, 60.0]"),
        ("relaxation: 5}", "relaxation: 0}", "parameters[0].relaxation", "must be positive, found 0.0"),
        ("{name: edge2, init: 140", "{name: edge1, init: 140", "parameters[3].name", "duplicate parameter name 'edge1'"),
        ("{name: cut_met, init: 60", "{name: cut-met, init: 60", "parameters[0].name", "'cut-met' cannot be used in expressions; use letters, digits and '_'"),
        ("samples: [background], lo", "samples: [bkg], lo", "systematics[0].samples[0]", "unknown sample 'bkg'"),
        ("lo: 0.9, hi: 1.1", "lo: -0.9, hi: 1.1", "systematics[0].lo", "must be positive, found -0.9"),
        ("branches_up: {jet_pt: jet_pt_up}", "branches_up: {jet_pt: jet_pt_upp}", "systematics[2].branches_up.jet_pt", "sample 'signal' has no branch 'jet_pt_upp'"),
        ("branches_up: {jet_pt: jet_pt_up}", "branches_up: {jet_pt: met}", "systematics[2].branches_up.jet_pt", "'met' is scalar but 'jet_pt' is not"),
        ("samples: [background], files_up", "samples: [signal, background], files_up", "systematics[3].samples",
         "a histosys from alternative files applies to exactly one sample"),
        ("files_up: [bkg_alt.root]", "files_up: [flat.root]", "systematics[3].files_up",
         "the alternative ntuples lack branch 'jet_pt' (or it has another shape), used by sample 'background'"),
        ("{name: mcstat, type: staterror}", "{name: mcstat, type: staterror}\n  - {name: mcstat2, type: staterror}", "systematics[5].type", "only one staterror is allowed"),
        ("{name: bkg_norm, type", "{name: mu, type", "systematics[0].name", "'mu' is the POI's name"),
        ("poi: mu", "poi: cut_met", "poi", "'cut_met' is also an analysis parameter"),
        ("steps: 40", "steps: 0", "optimizer.steps", "must be at least 1, found 0"),
        ("learning_rate: 0.1", "learning_rate: -0.1", "optimizer.learning_rate", "must be positive, found -0.1"),
        ("poi: mu", "poi: mu\nvalidation: {fraction: 1}", "validation.fraction", "must be between 0 and 1 (exclusive), found 1.0"),
        ("poi: mu", "poi: mu\nvalidation: {fraction: 0.3, early_stopping: 0}", "validation.early_stopping", "must be at least 1 step, found 0"),
        ("poi: mu", "poi: mu\nvalidation: {fraction: 0.3, patience: 3}", "validation.patience", "unknown key 'patience' (expected one of fraction, seed, early_stopping)"),
        ("    signal: true\n", "    signal: false\n", "samples", "no sample is marked 'signal: true' (the POI 'mu' scales the signal samples)"),
    ])
    func badConfigsNameThePlace(old: String, new: String, path: String, message: String) {
        let error = error(variant(old, new))
        #expect(error?.path == path)
        #expect(error?.message == message)
    }

    @Test func syntaxErrorsAreReported() {
        let error = error("samples: [\n  - name")
        #expect(error?.path == "")
        #expect(error?.message.hasPrefix("not valid YAML") == true)
        #expect(error?.description.hasPrefix("analysis.yml: not valid YAML") == true)
        let json = (try? AnalysisConfig.decode("{\"samples\": [}", json: true)) == nil
        #expect(json)
    }

    @Test func missingFileIsAConfigError() {
        #expect(throws: ConfigError.self) {
            try AnalysisConfig.load(contentsOf: URL(fileURLWithPath: "/nonexistent/analysis.yml"))
        }
    }
}
