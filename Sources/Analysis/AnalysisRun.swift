import Foundation
import HistFactory
import Inference

/// An analysis ready to fill: the config resolved against its ntuples and every file read once.
/// What `hepkit build` and `hepkit optimize` start from.
public struct LoadedAnalysis: Sendable {
    public let analysis: ResolvedAnalysis
    public let histograms: AnalysisHistograms

    /// Loads the config at `url`, resolves it (relative files start at its directory), applies
    /// `settings` (`--set name=value`) and reads the events.
    ///
    /// - Throws: ``ConfigError`` naming the place in the config, or the reading error of a file.
    public init(config url: URL, settings: [String: Double] = [:]) throws {
        analysis = try BuildRecipe.load(config: url, settings: settings).analysis
        histograms = try AnalysisHistograms(analysis: analysis, events: AnalysisEvents(loading: analysis))
    }
}

extension LoadedAnalysis {
    /// Runs the config's optimisation from the initial θ and builds the workspace at the optimum.
    ///
    /// - Parameter progress: called after every step's evaluation.
    public func optimize(progress: ((AnalysisOptimizer.Step) -> Void)? = nil) throws -> OptimizationReport {
        let function = try AnalysisObjectiveFunction(
            histograms: histograms, objective: analysis.objective.implementation, kernel: analysis.optimizer.histogram)
        let optimizer = AnalysisOptimizer(function: function, settings: analysis.optimizer)
        let (trajectory, optimum) = try optimizer.run(from: analysis.initialParameters, progress: progress)
        let workspace = try histograms.hardWorkspace(at: optimum)
        return OptimizationReport(
            analysis: analysis, trajectory: trajectory, optimum: optimum, workspace: workspace,
            hardObjective: try function.objective.value(on: workspace))
    }
}

extension AnalysisObjective {
    /// The objective's value on a workspace (its Asimov data at nominal nuisance parameters).
    public func value(on workspace: Workspace) throws -> Double {
        let likelihood = try HistFactoryLikelihood(workspace: workspace)
        let model = likelihood.model
        var parameters = model.suggestedInit
        parameters[try Fitter(likelihood).requirePOI()] = asimovSignalStrength
        let data = model.expectedData(parameters)
        return try evaluate(ImplicitGradients(fitter: Fitter(likelihood), data: data)).value
    }
}

/// Writes `data` to `url` through a temporary file in the same directory and a rename, so readers
/// never see a partial file.
public func writeAtomically(_ data: Data, to url: URL) throws {
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
    do {
        try data.write(to: temporary)
    } catch {
        throw WriteError(path: url.path, reason: (error as NSError).localizedDescription)
    }
    // rename(2) replaces an existing file atomically (FileManager.replaceItemAt fails on Linux here).
    guard rename(temporary.path, url.path) == 0 else {
        let reason = String(cString: strerror(errno))
        try? FileManager.default.removeItem(at: temporary)
        throw WriteError(path: url.path, reason: reason)
    }
}

/// A file could not be written.
public struct WriteError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "cannot write '\(path)': \(reason)" }
}

/// JSON as written by `build` and `optimize`: sorted keys, indented.
public func analysisJSON<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(value) + Data("\n".utf8)
}

/// What `hepkit optimize` writes: the trajectory, the optimum and the workspace at it.
public struct OptimizationReport: Sendable {
    public let analysis: ResolvedAnalysis
    public let trajectory: [AnalysisOptimizer.Step]
    public let optimum: [Double]
    /// The workspace built with hard cuts at the optimum.
    public let workspace: Workspace
    /// The objective on ``workspace``.
    public let hardObjective: Double

    public init(analysis: ResolvedAnalysis, trajectory: [AnalysisOptimizer.Step], optimum: [Double], workspace: Workspace, hardObjective: Double) {
        self.analysis = analysis
        self.trajectory = trajectory
        self.optimum = optimum
        self.workspace = workspace
        self.hardObjective = hardObjective
    }

    private func named(_ values: [Double]) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: zip(analysis.parameters.map(\.name), values))
    }

    struct TrajectoryFile: Encodable {
        struct Entry: Encodable {
            var step: Int
            var relaxation: Double
            var parameters: [String: Double]
            var objective: Double
            var gradient: [String: Double]
        }
        var objective: String
        var parameterNames: [String]
        var steps: [Entry]
        enum CodingKeys: String, CodingKey { case objective, parameterNames = "parameter_names", steps }
    }

    struct OptimumFile: Encodable {
        var objective: String
        var parameters: [String: Double]
        var softObjective: Double?
        var hardObjective: Double
        var steps: Int
        enum CodingKeys: String, CodingKey {
            case objective, parameters, steps
            case softObjective = "soft_objective", hardObjective = "hard_objective"
        }
    }

    /// `trajectory.json`: per step θ, the relaxation factor, the objective and its gradient.
    public func trajectoryJSON() throws -> Data {
        try analysisJSON(TrajectoryFile(
            objective: analysis.objective.rawValue, parameterNames: analysis.parameters.map(\.name),
            steps: trajectory.map {
                .init(step: $0.step, relaxation: $0.relaxation, parameters: named($0.parameters), objective: $0.objective,
                      gradient: named($0.gradient))
            }))
    }

    /// `optimum.json`: θ at the end, the last soft objective and the objective with hard cuts there.
    public func optimumJSON() throws -> Data {
        try analysisJSON(OptimumFile(
            objective: analysis.objective.rawValue, parameters: named(optimum), softObjective: trajectory.last?.objective,
            hardObjective: hardObjective, steps: trajectory.count))
    }

    /// `workspace.json`.
    public func workspaceJSON() throws -> Data { try analysisJSON(workspace) }

    /// Writes `trajectory.json`, `optimum.json`, `optimization.svg` and `workspace.json` to
    /// `directory` (created if needed), each atomically.
    public func write(to directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw WriteError(path: directory.path, reason: (error as NSError).localizedDescription)
        }
        try writeAtomically(try trajectoryJSON(), to: directory.appendingPathComponent("trajectory.json"))
        try writeAtomically(try optimumJSON(), to: directory.appendingPathComponent("optimum.json"))
        try writeAtomically(Data(plotSVG().utf8), to: directory.appendingPathComponent("optimization.svg"))
        try writeAtomically(try workspaceJSON(), to: directory.appendingPathComponent("workspace.json"))
    }

    /// `optimization.svg`: the objective (top) and each parameter within its bounds (bottom) against step.
    public func plotSVG() -> String {
        var plot = SVGPlot(width: 720, height: 560)
        let steps = trajectory.map { Double($0.step) }
        plot.panel(
            title: "objective (\(analysis.objective.rawValue)), soft", top: 40, height: 200,
            series: [("objective", steps, trajectory.map(\.objective))], yLabel: "objective")
        let parameters = analysis.parameters.enumerated().map { k, p in
            ("\(p.name) [\(format(p.bounds.lowerBound)), \(format(p.bounds.upperBound))] → \(format(optimum[k]))", steps,
             trajectory.map { ($0.parameters[k] - p.bounds.lowerBound) / (p.bounds.upperBound - p.bounds.lowerBound) })
        }
        plot.panel(title: "parameters within their bounds", top: 300, height: 200, series: parameters, yLabel: "fraction", fixedRange: 0...1)
        return plot.rendered()
    }
}

func format(_ x: Double) -> String { String(format: "%.4g", x) }

/// A minimal line-plot writer (no dependencies): panels of polylines sharing the x axis.
struct SVGPlot {
    let width: Double, height: Double
    private var body: [String] = []
    static let colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    mutating func panel(
        title: String, top: Double, height: Double, series: [(String, [Double], [Double])], yLabel: String,
        fixedRange: ClosedRange<Double>? = nil
    ) {
        let left = 70.0, right = width - 20
        let xs = series.flatMap(\.1), ys = series.flatMap(\.2).filter(\.isFinite)
        let xMin = xs.min() ?? 0, xMax = max(xs.max() ?? 1, xMin + 1)
        var yMin = fixedRange?.lowerBound ?? ys.min() ?? 0, yMax = fixedRange?.upperBound ?? ys.max() ?? 1
        if yMax - yMin < 1e-12 * max(1, abs(yMax)) {
            yMin -= 0.5
            yMax += 0.5
        }
        func px(_ x: Double) -> Double { left + (x - xMin) / (xMax - xMin) * (right - left) }
        func py(_ y: Double) -> Double { top + height - (y - yMin) / (yMax - yMin) * height }
        body.append(#"<text x="\#(left)" y="\#(top - 8)" font-size="14">\#(escape(title))</text>"#)
        body.append(#"<rect x="\#(left)" y="\#(top)" width="\#(right - left)" height="\#(height)" fill="none" stroke="dimgray"/>"#)
        for i in 0...4 {
            let y = yMin + Double(i) / 4 * (yMax - yMin), x = xMin + Double(i) / 4 * (xMax - xMin)
            body.append(#"<text x="\#(left - 6)" y="\#(py(y) + 4)" font-size="11" text-anchor="end">\#(format(y))</text>"#)
            body.append(#"<text x="\#(px(x))" y="\#(top + height + 15)" font-size="11" text-anchor="middle">\#(format(x))</text>"#)
        }
        body.append(#"<text x="\#((left + right) / 2)" y="\#(top + height + 30)" font-size="12" text-anchor="middle">step</text>"#)
        body.append(#"<text x="16" y="\#(top + height / 2)" font-size="12" text-anchor="middle" transform="rotate(-90 16 \#(top + height / 2))">\#(escape(yLabel))</text>"#)
        for (k, (_, x, y)) in series.enumerated() {
            let points = zip(x, y).filter { $0.1.isFinite }.map { "\(px($0.0)),\(py($0.1))" }.joined(separator: " ")
            body.append(#"<polyline fill="none" stroke="\#(Self.colors[k % Self.colors.count])" stroke-width="1.5" points="\#(points)"/>"#)
        }
        guard series.count > 1 else { return }
        // The legend goes over the lines on a translucent box, so both stay readable.
        body.append(#"<rect x="\#(left + 4)" y="\#(top + 4)" width="230" height="\#(14 * Double(series.count) + 6)" fill="white" fill-opacity="0.8"/>"#)
        for (k, (name, _, _)) in series.enumerated() {
            let color = Self.colors[k % Self.colors.count], ly = top + 16 + 14 * Double(k)
            body.append(#"<line x1="\#(left + 8)" y1="\#(ly - 4)" x2="\#(left + 28)" y2="\#(ly - 4)" stroke="\#(color)" stroke-width="2"/>"#)
            body.append(#"<text x="\#(left + 32)" y="\#(ly)" font-size="11">\#(escape(name))</text>"#)
        }
    }

    func rendered() -> String {
        (["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"sans-serif\">",
          "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"] + body + ["</svg>", ""]).joined(separator: "\n")
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
