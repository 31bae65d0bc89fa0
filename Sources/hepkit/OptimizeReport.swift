import Analysis
import Foundation
import HEPKitSupport
import HistFactory
import Plots

// `hepkit optimize`'s figures: optimization.svg (the objective on a log axis, soft per step and
// hard at the optimum, then each parameter in its own units against step) and report.html, one
// self-contained page with those figures, every region's histograms before and after with the
// bin edges and cut values marked, and the final numbers; its figures are also written as files.

extension OptimizationReport {
    /// The objective against step: the soft objective per step and the hard one at the optimum,
    /// on a log axis when every value is positive (CLs spans decades).
    func objectiveFigure() -> TrajectoryFigure {
        let steps = trajectory.map { Double($0.step) }, soft = trajectory.map(\.objective)
        let positive = (soft + [hardObjective]).filter(\.isFinite).allSatisfy { $0 > 0 }
        var figure = TrajectoryFigure(
            title: "Objective: \(analysis.objective.rawValue)", yLabel: objectiveLabel, steps: steps,
            series: [.init(name: "soft (relaxed cuts and edges)", values: soft)], logY: positive)
        if trajectory.allSatisfy({ $0.validationObjective != nil }) {
            figure.series.append(.init(name: "validation", values: trajectory.map { $0.validationObjective! }, dash: "8 5"))
        }
        figure.finalPoints = [("hard cuts at the optimum", hardObjective)]
        return figure
    }

    /// What the objective's axis shows, for the built-in objectives; another's name.
    var objectiveLabel: String {
        switch analysis.objective {
        case .cls: "expected CLs at μ = 1"
        case .discovery: "expected discovery Z"
        case .poiUncertainty: "expected σ(μ)"
        default: analysis.objective.rawValue
        }
    }

    /// Parameter `k` in its own units against step, its bounds shaded.
    func parameterFigure(_ k: Int) -> TrajectoryFigure {
        let p = analysis.parameters[k]
        var figure = TrajectoryFigure(
            title: p.name, yLabel: withUnit(p.name, p.unit), steps: trajectory.map { Double($0.step) },
            series: [.init(name: "\(p.name) [\(Axes.label(p.bounds.lowerBound)), \(Axes.label(p.bounds.upperBound))] → \(Axes.label(optimum[k]))",
                           values: trajectory.map { $0.parameters[k] })],
            logY: false)
        figure.bounds = p.bounds
        return figure
    }

    /// `optimization.svg`: the objective figure above one figure per parameter.
    func plotSVG() -> String {
        SVGDocument.stacked([objectiveFigure().svg()] + analysis.parameters.indices.map { parameterFigure($0).svg() })
    }

    /// The bin edges of `region` at θ.
    private func edges(_ region: ResolvedAnalysis.Region, at theta: [Double]) -> [Double] {
        region.edges.map { edge in
            switch edge {
            case .value(let x): return x
            case .parameter(let i): return theta[i]
            }
        }
    }

    /// Region `r`'s per-sample histograms of `workspace` (filled at θ) with every bin edge marked
    /// (edges that are parameters labelled with their values) and the cut values in the note.
    func regionFigure(_ r: Int, workspace: Workspace, theta: [Double], stage: String) -> HistogramOverlayFigure {
        let region = analysis.regions[r]
        let binEdges = edges(region, at: theta)
        let channel = workspace.channels.first { $0.name == region.name }
        let lines = (channel?.samples ?? []).enumerated().map { k, sample in
            HistogramOverlayFigure.Line(name: sample.name, counts: sample.data, color: Style.color(k))
        }
        let edgeParameters = Set(region.edges.compactMap { if case .parameter(let i) = $0 { i } else { nil } })
        let cuts = analysis.parameters.indices.filter { !edgeParameters.contains($0) && (region.selections.first??.source ?? "").contains(analysis.parameters[$0].name) }
        let note = cuts.map { "\(analysis.parameters[$0].name) = \(withUnit(Axes.label(theta[$0]), analysis.parameters[$0].unit, bracketed: false))" }.joined(separator: ", ")
        var figure = HistogramOverlayFigure(
            title: "\(region.name): \(stage)", note: note.isEmpty ? nil : note, xLabel: withUnit(region.observables.first?.source ?? "observable", region.unit),
            edges: binEdges, lines: lines)
        figure.markers = zip(region.edges, binEdges).map { edge, value in
            if case .parameter(let i) = edge {
                return .init(position: value, label: "\(analysis.parameters[i].name) = \(Axes.label(value))", color: Style.palette[2])
            }
            // Fixed edges are read off the axis: a dotted line, no label.
            return .init(position: value, label: "", color: "#888888", dash: "2 4")
        }
        return figure
    }

    /// The cuts of `region`'s selection: comparisons of a parameter with an expression of the
    /// events alone (`met > cut_met`), each with that expression's source.
    func selectionCuts(region r: Int) -> [(parameter: Int, variable: String)] {
        guard let selection = analysis.regions[r].selections.compactMap({ $0 }).first else { return [] }
        let names = analysis.parameters.map(\.name)
        func source(_ e: Analysis.Expression) -> String {
            String(String.UnicodeScalarView(selection.source.unicodeScalars.dropFirst(e.span.lowerBound).prefix(e.span.count)))
        }
        func mentionsParameter(_ e: Analysis.Expression) -> Bool {
            switch e.node {
            case .number: return false
            case .name(let name): return names.contains(name)
            case .unary(_, let a), .index(let a, _): return mentionsParameter(a)
            case .binary(_, let a, let b), .select(let a, let b): return mentionsParameter(a) || mentionsParameter(b)
            case .call(_, let arguments): return arguments.contains(where: mentionsParameter)
            }
        }
        var cuts: [(Int, String)] = []
        func walk(_ e: Analysis.Expression) {
            switch e.node {
            case .binary(let op, let a, let b) where [BinaryOperator.less, .lessEqual, .greater, .greaterEqual].contains(op):
                for (side, other) in [(a, b), (b, a)] {
                    if case .name(let name) = side.node, let index = names.firstIndex(of: name), !mentionsParameter(other) {
                        cuts.append((index, source(other)))
                    }
                }
            case .binary(_, let a, let b): walk(a); walk(b)
            case .unary(_, let a), .index(let a, _): walk(a)
            case .call(_, let arguments): arguments.forEach(walk)
            // A cut inside a mask selects objects, not events: no per-event variable to plot.
            case .number, .name, .select: break
            }
        }
        walk(selection.syntax)
        return cuts
    }

    /// The distribution of a cut's variable per sample before any selection, weighted, with the
    /// cut at the initial θ and at the optimum: where the optimiser moved it.
    ///
    /// - Parameter options: the config's expression options (`out_of_range_default`), so the
    ///   variable is computed as the selection computes it.
    func cutFigure(
        region r: Int, parameter k: Int, variable: String, histograms: AnalysisHistograms, options: ExpressionOptions
    ) throws -> HistogramOverlayFigure {
        let events = histograms.events
        var valuesPerSample: [[Double]] = [], weightsPerSample: [[Double]] = []
        for (s, sample) in analysis.samples.enumerated() {
            // A sample read from histograms has no events to show.
            guard !sample.isFixed else {
                valuesPerSample.append([])
                weightsPerSample.append([])
                continue
            }
            let table = events.samples[s]
            let shapes = Dictionary(uniqueKeysWithValues: table.columns.map { ($0.key, $0.value.shape) })
            let expression = try CompiledExpression(
                variable, environment: ExpressionEnvironment(branches: shapes, parameters: analysis.parameters.map(\.name)), options: options,
                expecting: .number)
            valuesPerSample.append(try expression.evaluate(on: table, parameters: optimum))
            weightsPerSample.append(try sample.weight.evaluate(on: table, parameters: optimum))
        }
        let start = trajectory.first?.parameters[k] ?? analysis.parameters[k].initial
        let all = valuesPerSample.flatMap { $0 }.filter(\.isFinite).sorted()
        let low = all.isEmpty ? 0 : all[all.count / 200], high = all.isEmpty ? 1 : all[(all.count * 199) / 200]
        let range = Ticks.rounded(min(low, start, optimum[k])...max(high, start, optimum[k], low + 1e-9), target: 8)
        let bins = 40, width = (range.upperBound - range.lowerBound) / Double(bins)
        let edges = (0...bins).map { range.lowerBound + Double($0) * width }
        let lines = analysis.samples.indices.filter { !analysis.samples[$0].isFixed }.map { s -> HistogramOverlayFigure.Line in
            var counts = [Double](repeating: 0, count: bins)
            for (x, w) in zip(valuesPerSample[s], weightsPerSample[s]) where x.isFinite && w.isFinite && range.contains(x) {
                counts[min(bins - 1, Int((x - range.lowerBound) / width))] += w
            }
            return .init(name: analysis.samples[s].name, counts: counts, color: Style.color(s))
        }
        let name = analysis.parameters[k].name
        var figure = HistogramOverlayFigure(
            title: "\(analysis.regions[r].name): \(variable)", note: "all events, before the selection", xLabel: withUnit(variable, analysis.parameters[k].unit),
            edges: edges, lines: lines)
        figure.markers = [
            .init(position: start, label: "\(name) = \(Axes.label(start)) (initial)", color: "#777777"),
            .init(position: optimum[k], label: "\(name) = \(Axes.label(optimum[k])) (optimum)", color: Style.palette[2], dash: nil),
        ]
        let positive = lines.flatMap(\.counts).filter { $0 > 0 }
        figure.logY = (positive.max() ?? 1) / (positive.min() ?? 1) > 100
        return figure
    }

    /// The report's figures, by file name, and the page embedding them. With `events` (the
    /// histograms of a single-process run, holding every event, and the config's expression
    /// options), also the distribution of every cut variable.
    func reportFiles(
        events: (histograms: AnalysisHistograms, options: ExpressionOptions)? = nil
    ) throws -> [(name: String, data: Data)] {
        var files: [(String, String)] = [("objective.svg", objectiveFigure().svg())]
        var page = HTMLReport(title: "hepkit optimize: \(analysis.objective.rawValue)")
        page.heading("Objective")
        page.figure(files[0].1, caption: "The soft objective per step (relaxed cuts and edges) and the objective with hard cuts at the optimum.")
        page.heading("Parameters")
        for k in analysis.parameters.indices {
            let name = "parameter_\(try SafeName.check(analysis.parameters[k].name, what: "parameter name")).svg"
            files.append((name, parameterFigure(k).svg()))
            page.figure(files.last!.1, caption: "\(analysis.parameters[k].name) against step, within its bounds (shaded).")
        }
        page.heading("Regions before and after")
        for r in analysis.regions.indices {
            let region = try SafeName.check(analysis.regions[r].name, what: "region name")
            for (stage, workspace, theta) in [("before", initialWorkspace, analysis.initialParameters), ("after", workspace, optimum)] {
                let name = "region_\(region)_\(stage).svg"
                files.append((name, regionFigure(r, workspace: workspace, theta: theta, stage: stage == "before" ? "initial θ" : "optimum").svg()))
                page.figure(files.last!.1, caption: "\(analysis.regions[r].name) with hard cuts at the \(stage == "before" ? "initial" : "optimal") parameters; dashed lines: bin edges.")
            }
        }
        if let events {
            page.heading("Cuts")
            for r in analysis.regions.indices {
                for cut in selectionCuts(region: r) {
                    let parameter = analysis.parameters[cut.parameter].name
                    let name = "cut_\(try SafeName.check(analysis.regions[r].name, what: "region name"))_\(try SafeName.check(parameter, what: "parameter name")).svg"
                    guard !files.contains(where: { $0.0 == name }) else { continue }
                    files.append((name, try cutFigure(region: r, parameter: cut.parameter, variable: cut.variable, histograms: events.histograms, options: events.options).svg()))
                    page.figure(files.last!.1, caption: "\(cut.variable) of every event per sample (weighted), with the cut \(parameter) at the start and at the optimum.")
                }
            }
        }
        page.heading("Final numbers")
        page.table(header: ["", "start", "optimum", "bounds"], rows: analysis.parameters.enumerated().map { k, p in
            [p.name, Axes.label(trajectory.first?.parameters[k] ?? p.initial), Axes.label(optimum[k]),
             "[\(Axes.label(p.bounds.lowerBound)), \(Axes.label(p.bounds.upperBound))]"]
        } + [
            ["\(analysis.objective.rawValue) (soft)", Axes.label(trajectory.first?.objective ?? .nan), Axes.label(trajectory.last?.objective ?? .nan), ""],
            ["\(analysis.objective.rawValue) (hard cuts)", "", Axes.label(hardObjective), ""],
            ["steps", "", "\(trajectory.count)", ""],
        ])
        return files.map { ($0.0, Data($0.1.utf8)) } + [("report.html", Data(page.rendered().utf8))]
    }
}

/// An axis label with its unit, `mass [GeV]` (or a value with its unit, `71.2 GeV`).
func withUnit(_ label: String, _ unit: String?, bracketed: Bool = true) -> String {
    guard let unit, !unit.isEmpty else { return label }
    return bracketed ? "\(label) [\(unit)]" : "\(label) \(unit)"
}
