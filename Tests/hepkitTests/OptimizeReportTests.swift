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
        let files = Dictionary(uniqueKeysWithValues: try report.reportFiles(initialWorkspace: initial).map { ($0.name, String(decoding: $0.data, as: UTF8.self)) })
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

        // One page, every figure inline, nothing fetched.
        let page = try #require(files["report.html"])
        #expect(page.components(separatedBy: "<svg ").count - 1 == files.keys.filter { $0.hasSuffix(".svg") }.count)
        #expect(!page.contains("<script") && !page.contains("<link") && !page.contains("<img"))
        #expect(page.contains("<td>cut_met</td>"))
    }
}
