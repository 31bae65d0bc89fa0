import Foundation
import HistFactory
import Inference
import Plots
import Testing
@testable import hepkit

/// `hepkit plot`: the numbers in the figures (their elements' data-* attributes and sizes) are
/// the numbers the fit, ranking, limit and grid commands compute.
@Suite(.serialized) struct PlotCommandTests {
    let oneBin = "fixtures/pyhf/validation_1bin_shapesys.json"

    /// A fresh folder for a test's figures.
    func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("hepkit-plot-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Runs `hepkit plot …` and returns the SVG text of `file` in the output folder.
    func plot(_ arguments: [String], file: String) throws -> String {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try HEPKitProcess.run(["plot"] + arguments + ["--output-dir", directory])
        #expect(run.status == 0, "\(run.stderr)")
        return try String(contentsOfFile: "\(directory)/\(file)", encoding: .utf8)
    }

    func elements(_ svg: String, with key: String) -> [[String: String]] { SVGData.elements(in: svg, with: key) }

    func value(_ s: String?) -> Double { Double(s ?? "") ?? .nan }

    func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool { abs(a - b) <= tolerance * max(1, abs(b)) }

    func likelihood(_ path: String) throws -> HistFactoryLikelihood {
        let document = try WorkspaceDocument(parsing: Array(try Data(contentsOf: HEPKitProcess.repository.appendingPathComponent(path))))
        let model = try document.model(measurement: nil, patches: [])
        return try HistFactoryLikelihood(model: model, observedMain: try document.data(model, includeAuxdata: false))
    }

    @Test func prefitYieldsBandAndGarwoodBars() throws {
        let svg = try plot(["yields", oneBin], file: "yields_singlechannel_prefit.svg")
        let bars = Dictionary(uniqueKeysWithValues: elements(svg, with: "data-sample").map { ($0["data-sample"]!, value($0["data-value"])) })
        #expect(bars == ["signal": 10, "background": 50])
        // Data 55 with the 68.27% Garwood interval (scipy.stats.chi2.ppf, as mplhep draws it).
        let data = try #require(elements(svg, with: "data-lower").first)
        #expect(value(data["data-value"]) == 55)
        #expect(close(value(data["data-lower"]), 47.60642044730562) && close(value(data["data-upper"]), 63.46116562362433))
        // Pre-fit band: the shapesys uncertainty, 7 events, about the total of 60 (mu has no pre-fit width).
        let band = try #require(elements(svg, with: "data-high").first { $0["data-sample"] == nil && $0["data-bin"] == "0" && $0["data-low"] != nil })
        #expect(close(value(band["data-low"]), 53) && close(value(band["data-high"]), 67))
        #expect(close(value(elements(svg, with: "data-ratio").first?["data-ratio"]), 55.0 / 60))
    }

    @Test func configGivesTheBuiltWorkspacesEdgesAndObservable() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let workspace = "\(directory)/ws.json"
        let config = "fixtures/example/analysis.yml"
        #expect(try HEPKitProcess.run(["build", config, "--set", "edge1=110", "-o", workspace]).status == 0)
        let svg = try plot(["yields", workspace, "--config", config, "--set", "edge1=110"], file: "yields_SR_prefit.svg")
        let bins = SVGData.elements(in: svg, with: "data-from").filter { $0["data-sample"] == "background" }
        #expect(bins.map { [value($0["data-from"]), value($0["data-to"])] } == [[80, 110], [110, 145], [145, 170]])
        #expect(svg.contains(">mass [GeV]</text>"))  // the observable with the config's unit
        let wrong = try HEPKitProcess.run(["plot", "yields", workspace, "--config", config, "--set", "edge2=100", "--output-dir", directory])
        #expect(wrong.status == 1 && wrong.stderr.contains("region 'SR': the edges [80.0, 105.0, 100.0, 170.0] do not increase"))
    }

    @Test func postfitBandIsTheCorrelatedPropagationOfTheFit() throws {
        let svg = try plot(["yields", oneBin, "--fit", "postfit"], file: "yields_singlechannel_postfit.svg")
        let l = try likelihood(oneBin)
        let fitter = Fitter(l)
        let fit = try fitter.fit(data: l.observedData)
        let u = fitter.uncertainties(at: fit.parameters, data: l.observedData)
        let mu = l.parameterNames.firstIndex(of: "mu")!, gamma = l.parameterNames.firstIndex(of: "uncorr_bkguncrt[0]")!
        // The yield 10·μ + 50·γ is linear: its variance is exactly aᵀ C a.
        let variance = 100 * u.covariance[mu, mu] + 2500 * u.covariance[gamma, gamma] + 2 * 10 * 50 * u.covariance[mu, gamma]
        let total = 10 * fit.parameters[mu] + 50 * fit.parameters[gamma]
        let bars = Dictionary(uniqueKeysWithValues: elements(svg, with: "data-sample").map { ($0["data-sample"]!, $0) })
        #expect(close(value(bars["signal"]?["data-value"]), 10 * fit.parameters[mu], 1e-6))
        #expect(close(value(bars["background"]?["data-high"]) + value(bars["signal"]?["data-high"]) - value(bars["signal"]?["data-low"]), total, 1e-6))
        let band = try #require(elements(svg, with: "data-high").first { $0["data-sample"] == nil && $0["data-low"] != nil && $0["fill"] != nil && $0["data-bin"] == "0" })
        #expect(close(value(band["data-high"]) - value(band["data-low"]), 2 * variance.squareRoot(), 1e-6))
        #expect(u.correlation[mu, gamma] < -0.1, "the test needs a correlation to matter")
    }

    @Test func rankingDrawsTheRankingCommandsImpacts() throws {
        let workspace = "fixtures/pyhf/validation_2bin_2channel_coupledhistosys.json"
        let svg = try plot(["ranking", workspace, "--top", "3"], file: "ranking.svg")
        let run = try HEPKitProcess.run(["ranking", workspace])
        let impacts = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [[String: Any]])
        let bars = elements(svg, with: "data-impact")
        #expect(Set(bars.map { $0["data-name"]! }) == Set(impacts.prefix(3).map { $0["name"] as! String }))
        for impact in impacts.prefix(3) {
            let name = impact["name"] as! String
            let post = impact["postfit_impact"] as! [Double]
            let drawn = Dictionary(uniqueKeysWithValues: bars.filter { $0["data-name"] == name }.map { ($0["data-impact"]!, value($0["data-value"])) })
            #expect(close(drawn["postfit-up"] ?? .nan, post[0], 1e-6) && close(drawn["postfit-down"] ?? .nan, post[1], 1e-6))
            if let pre = impact["prefit_impact"] as? [Double] {
                #expect(close(drawn["prefit-up"] ?? .nan, pre[0], 1e-6) && close(drawn["prefit-down"] ?? .nan, pre[1], 1e-6))
            }
        }
    }

    @Test func limitCurvesAreTheCLsOfTheScan() throws {
        let svg = try plot(["limit", oneBin, "--scan", "0:2:5"], file: "limit.svg")
        let curves = Dictionary(uniqueKeysWithValues: elements(svg, with: "data-curve").map { ($0["data-curve"]!, $0) })
        let xs = curves["observed"]!["data-x"]!.split(separator: " ").map { Double($0)! }
        let observed = curves["observed"]!["data-y"]!.split(separator: " ").map { Double($0)! }
        #expect(xs == [0, 0.5, 1, 1.5, 2])
        let cls = try HEPKitProcess.json(try HEPKitProcess.run(["cls", oneBin, "--test-poi", "1.5"]).stdout)
        #expect(close(observed[3], cls["CLs_obs"] as! Double, 1e-6))
        let median = curves["expected"]!["data-y"]!.split(separator: " ").map { Double($0)! }
        #expect(close(median[3], (cls["CLs_exp"] as! [Double])[2], 1e-6))
        let limit = try HEPKitProcess.json(try HEPKitProcess.run(["upperlimit", oneBin, "--scan", "0:2:5"]).stdout)
        let drawn = elements(svg, with: "data-limit").map { value($0["data-limit"]) }
        #expect(drawn.count == 2)
        #expect(close(drawn[0], limit["obs"] as! Double, 1e-9) && close(drawn[1], (limit["exp"] as! [Double])[2], 1e-9))
    }

    @Test func pullsAreTheFitsShiftsInPrefitWidths() throws {
        let svg = try plot(["pulls", oneBin], file: "pulls.svg")
        let fit = try HEPKitProcess.json(try HEPKitProcess.run(["fit", oneBin, "--uncertainties"]).stdout)
        let gamma = ((fit["mle_parameters"] as! [String: Any])["uncorr_bkguncrt"] as! [Double])[0]
        let error = ((fit["uncertainties"] as! [String: Any])["uncorr_bkguncrt"] as! [Double])[0]
        let width = 7.0 / 50  // the shapesys pre-fit width 1/√τ, τ = (50/7)²
        let point = try #require(elements(svg, with: "data-pull").first)
        #expect(point["data-name"] == "uncorr_bkguncrt[0]")
        #expect(close(value(point["data-pull"]), (gamma - 1) / width, 1e-6) && close(value(point["data-error"]), error / width, 1e-6))
    }

    @Test func gridPointsAreTheMergedResults() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let merged = "\(directory)/grid.json"
        #expect(try HEPKitProcess.run(["merge", "fixtures/batch/grid-part.0.json", "-o", merged]).status == 0)
        let svg = try plot(["grid", merged], file: "grid.svg")
        let table = try HEPKitProcess.json(try String(contentsOfFile: merged, encoding: .utf8))
        let patches = table["patches"] as! [[String: Any]]
        let drawn = Dictionary(uniqueKeysWithValues: elements(svg, with: "data-observed").map { ($0["data-name"]!, $0) })
        #expect(drawn.count == patches.count)
        for patch in patches {
            // The fixture writes one value as a string ("2"), as patchset metadata may.
            let result = patch["result"] as! [String: Any], values = (patch["values"] as! [Any]).map { Double("\($0)")! }
            let point = try #require(drawn[patch["name"] as! String])
            #expect(value(point["data-observed"]) == result["CLs_obs"] as! Double)
            #expect(value(point["data-expected"]) == (result["CLs_exp"] as! [Double])[2])
            #expect(value(point["data-x"]) == values[0] && value(point["data-y"]) == values[1])
        }
    }

    @Test func gridContoursFollowTheLevelAndAMissingGridIsSaid() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // CLs = m1 / 1000 on a 3 × 2 grid: the 0.05 contour is the line m1 = 50.
        var patches: [[String: Any]] = []
        for m1 in [0.0, 100, 200] {
            for m2 in [10.0, 20] {
                patches.append(["name": "p_\(Int(m1))_\(Int(m2))", "values": [m1, m2], "result": ["CLs_obs": m1 / 1000, "CLs_exp": [0, 0, m1 / 2000, 0, 0]]])
            }
        }
        let table = "\(directory)/grid.json"
        try JSONSerialization.data(withJSONObject: ["labels": ["m1", "m2"], "patches": patches]).write(to: URL(fileURLWithPath: table))
        let svg = try plot(["grid", table], file: "grid.svg")
        let contours = Dictionary(uniqueKeysWithValues: elements(svg, with: "data-contour").map { ($0["data-contour"]!, $0["data-segments"]!) })
        #expect(contours["observed"] == "50.0,10.0,50.0,20.0")
        #expect(contours["expected"] == "100.0,10.0,100.0,20.0")
        // Three points on a diagonal are no grid: the figure is drawn, and the missing contour explained.
        let run = try HEPKitProcess.run(["plot", "grid", "fixtures/plots/grid.json", "--output-dir", directory])
        #expect(run.status == 0)
        #expect(run.stderr.contains("no exclusion contour drawn: the points do not fill a rectangular grid (3 × 3 values, 3 points)"))
    }

    @Test func scanCrossingsAreTheProfileInterval() throws {
        let svg = try plot(["scan", oneBin, "--parameter", "mu", "--scan", "0:3:7"], file: "scan_mu.svg")
        let l = try likelihood(oneBin)
        let fitter = Fitter(l)
        let best = try fitter.fit(data: l.observedData)
        let mu = l.parameterNames.firstIndex(of: "mu")!
        let interval = try fitter.profileInterval(parameter: mu, data: l.observedData, bestFit: best)
        let crossings = Dictionary(uniqueKeysWithValues: elements(svg, with: "data-crossing").map { ($0["data-crossing"]!, value($0["data-value"])) })
        #expect(close(crossings["1σ high"] ?? .nan, interval.upperBound, 1e-6))
        let curve = try #require(elements(svg, with: "data-curve").first)
        let deltas = curve["data-y"]!.split(separator: " ").map { Double($0)! }
        let atTwo = try fitter.fit(data: l.observedData, holding: [mu: 2]).twiceNLL - best.twiceNLL
        #expect(close(deltas[4], atTwo, 1e-6))
    }

    @Test func templatesAreTheWorkspaceVariations() throws {
        let workspace = "fixtures/pyhf/validation_2bin_2channel_coupledhistosys.json"
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try HEPKitProcess.run(["plot", "templates", workspace, "--output-dir", directory])
        #expect(run.status == 0)
        let document = try WorkspaceDocument(parsing: Array(try Data(contentsOf: HEPKitProcess.repository.appendingPathComponent(workspace))))
        var checked = 0
        for channel in document.workspace.channels {
            for sample in channel.samples {
                for modifier in sample.modifiers {
                    guard case .histosys(let hi, let lo) = modifier.data else { continue }
                    let svg = try String(contentsOfFile: "\(directory)/template_\(channel.name)_\(sample.name)_\(modifier.name).svg", encoding: .utf8)
                    let lines = Dictionary(uniqueKeysWithValues: elements(svg, with: "data-values").map { ($0["data-name"]!, $0["data-values"]!) })
                    func values(_ name: String) -> [Double] { (lines[name] ?? "").split(separator: " ").map { Double($0)! } }
                    #expect(values("Nominal") == sample.data && values("\(modifier.name) up") == hi && values("\(modifier.name) down") == lo)
                    checked += 1
                }
            }
        }
        #expect(checked > 0)
    }

    @Test func pngNeedsRsvgConvertAndSaysSo() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try HEPKitProcess.run(["plot", "pulls", oneBin, "--format", "png", "--output-dir", directory], environment: ["PATH": "/nonexistent"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("--format png needs rsvg-convert on PATH"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func anOutputFolderBlockedByAFileIsNamed() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data().write(to: URL(fileURLWithPath: "\(directory)/file"))
        let run = try HEPKitProcess.run(["plot", "pulls", oneBin, "--output-dir", "\(directory)/file/figures"])
        #expect(run.status == 1)
        #expect(run.stderr == "hepkit: cannot create the output folder '\(directory)/file/figures': '\(directory)/file' is a file\n")
    }

    static let hasRenderer = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        .contains { FileManager.default.isExecutableFile(atPath: "\($0)/rsvg-convert") }

    @Test(.enabled(if: hasRenderer, "rsvg-convert (librsvg2-bin) renders PNG"))
    func pngIsTheRenderedFigure() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = try HEPKitProcess.run(["plot", "yields", oneBin, "--format", "png", "--output-dir", directory])
        #expect(run.status == 0 && run.stdout == "\(directory)/yields_singlechannel_prefit.png\n")
        let png = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/yields_singlechannel_prefit.png"))
        #expect(png.starts(with: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
        // Twice the SVG's 820 px width (the IHDR chunk's big-endian width).
        #expect(png.count > 24 && png[16..<20].reduce(0) { $0 << 8 | Int($1) } == 1640)
    }

    @Test func unsafeChannelNamesNeverBecomePaths() throws {
        let directory = try folder()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var text = try String(contentsOfFile: oneBin, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"singlechannel\"", with: "\"../escape\"")
        let workspace = "\(directory)/ws.json"
        try text.write(toFile: workspace, atomically: true, encoding: .utf8)
        let run = try HEPKitProcess.run(["plot", "yields", workspace, "--output-dir", "\(directory)/out"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("channel name '../escape' contains '/'"))
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/escape_prefit.svg"))
    }
}
