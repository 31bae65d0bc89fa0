import Analysis
import Foundation
import HistFactory
import Plots
import Testing
@testable import hepkit

/// `hepkit optimize`'s report: its figures show the trajectory, the optimum, the hard objective
/// and the histograms of the workspaces at the initial θ and at the optimum.
@Suite(.serialized) struct OptimizeReportTests {
    @Test func reportFiguresCarryTheRunsNumbers() throws {
        let scratch = try AnalysisCommandTests.Scratch(steps: 3)
        defer { scratch.remove() }
        let loaded = try LoadedAnalysis(config: scratch.config)
        let report = try loaded.optimize()
        let initial = try loaded.histograms.hardWorkspace(at: loaded.analysis.initialParameters)
        #expect(report.initialWorkspace.pyhfText == initial.pyhfText)
        // histograms.root comes from the fill of workspace.json
        for channel in report.workspace.channels {
            for sample in channel.samples {
                let entry = try #require(report.histograms.entries.first { $0.folder == "\(channel.name)/\(sample.name)" && $0.histogram.name == "nominal" })
                #expect(Array(entry.histogram.contentsWithFlow.dropFirst().dropLast()) == sample.data)
            }
        }
        let files = Dictionary(uniqueKeysWithValues: try report.reportFiles(events: (loaded.histograms, ExpressionOptions())).map { ($0.name, String(decoding: $0.data, as: UTF8.self)) })
        let analysis = report.analysis

        // The objective: the soft value of every step, and the hard value at the optimum.
        let objective = try #require(files["objective.svg"])
        let soft = try #require(SVGData.elements(in: objective, with: "data-series").first { $0["tag"] == "polyline" })
        #expect(SVGData.numbers(soft["data-y"]) == report.trajectory.map(\.objective))
        #expect(SVGData.numbers(soft["data-x"]) == report.trajectory.map { Double($0.step) })
        let hard = try #require(SVGData.elements(in: objective, with: "data-series").first { $0["tag"] == "circle" })
        #expect(Double(hard["data-value"] ?? "") == report.hardObjective)

        // Each parameter in its own units.
        for (k, parameter) in analysis.parameters.enumerated() {
            let svg = try #require(files["parameter_\(parameter.name).svg"])
            let line = try #require(SVGData.elements(in: svg, with: "data-series").first)
            #expect(SVGData.numbers(line["data-y"]) == report.trajectory.map { $0.parameters[k] })
        }

        // The region before and after: the workspaces' histograms on the edges at θ, the
        // parameter edges marked where they are.
        for (stage, workspace, theta) in [("before", initial, analysis.initialParameters), ("after", report.workspace, report.optimum)] {
            let svg = try #require(files["region_SR_\(stage).svg"])
            let lines = SVGData.elements(in: svg, with: "data-values")
            let channel = try #require(workspace.channels.first { $0.name == "SR" })
            #expect(lines.count == channel.samples.count)
            for sample in channel.samples {
                let line = try #require(lines.first { $0["data-name"] == sample.name })
                #expect(SVGData.numbers(line["data-values"]) == sample.data)
                #expect(SVGData.numbers(line["data-edges"]) == [80, theta[2], theta[3], 170])
            }
            let markers = SVGData.elements(in: svg, with: "data-marker").filter { $0["data-marker"]?.hasPrefix("edge") == true }
            #expect(Set(markers.compactMap { Double($0["data-value"] ?? "") }) == [theta[2], theta[3]])
        }

        // The selection's cuts, each on its variable's distribution at the start and at the optimum;
        // the counts are the weighted events of each sample inside the plotted range.
        for (k, variable) in [(0, "met"), (1, "jet_pt[0]")] {
            let svg = try #require(files["cut_SR_\(analysis.parameters[k].name).svg"])
            let markers = SVGData.elements(in: svg, with: "data-marker").compactMap { Double($0["data-value"] ?? "") }
            #expect(markers == [report.trajectory[0].parameters[k], report.optimum[k]])
            let lines = SVGData.elements(in: svg, with: "data-values")
            #expect(lines.map { $0["data-name"] } == analysis.samples.map(\.name))
            for (s, line) in lines.enumerated() {
                let edges = try #require(SVGData.numbers(line["data-edges"])), counts = try #require(SVGData.numbers(line["data-values"]))
                let table = loaded.histograms.events.samples[s]
                let x = try #require(table.columns[variable == "met" ? "met" : "jet_pt"])
                let weights = try analysis.samples[s].weight.evaluate(on: table, parameters: report.optimum)
                // The branch itself (met), or the first jet of each event (jet_pt[0], 0 without jets:
                // the config's out_of_range_default).
                let values: [Double] = variable == "met" ? x.values : (0..<table.eventCount).map { i in
                    let offsets = x.offsets!
                    return offsets[i + 1] > offsets[i] ? x.values[offsets[i]] : 0
                }
                let inside = zip(values, weights).filter { $0.0 >= edges.first! && $0.0 <= edges.last! }.reduce(0) { $0 + $1.1 }
                #expect(abs(counts.reduce(0, +) - inside) <= 1e-9 * max(1, abs(inside)))
            }
        }

        // One page, every figure inline, nothing fetched.
        let page = try #require(files["report.html"])
        #expect(page.components(separatedBy: "<svg ").count - 1 == files.keys.filter { $0.hasSuffix(".svg") }.count)
        #expect(!page.contains("<script") && !page.contains("<link") && !page.contains("<img"))
        #expect(page.contains("<td>cut_met</td>"))

        // The config's units label the axes.
        #expect(files["parameter_cut_met.svg"]?.contains(">cut_met [GeV]<") == true)
        #expect(files["region_SR_after.svg"]?.contains(">mass [GeV]<") == true)
        #expect(files["cut_SR_cut_met.svg"]?.contains(">met [GeV]<") == true)
    }
}
