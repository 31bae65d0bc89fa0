import Analysis
import ArgumentParser
import Foundation
import HEPKitSupport
import HistFactory
import Inference
import Plots

// `hepkit plot yields / pulls / correlation / ranking / templates / limit / scan / grid`: the
// figures physicists read a fit by (cabinetry's `visualize`, pyhf's Brazil band), computed with
// Inference and drawn with Plots. Every file is written whole or not at all.

struct PlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Draw a workspace's yields, pulls, correlations, impacts, templates, limits, scans or a grid's exclusion.",
        discussion: """
            Figures are SVG (or PNG with --format png, through rsvg-convert) in --output-dir (default: plots), one \
            file per figure, each written atomically; the paths written are printed. The drawn numbers are also in \
            the elements' data-* attributes.
            """,
        subcommands: [
            PlotYieldsCommand.self, PlotPullsCommand.self, PlotCorrelationCommand.self, PlotRankingCommand.self,
            PlotTemplatesCommand.self, PlotLimitCommand.self, PlotScanCommand.self, PlotGridCommand.self,
        ])
}

/// Where and in which format figures are written.
struct PlotOutputOptions: ParsableArguments {
    enum Format: String, ExpressibleByArgument, CaseIterable { case svg, png }

    @Option(name: .customLong("output-dir"), help: "The folder the figures are written to (created if missing).")
    var outputDirectory = "plots"

    @Option(help: "svg, or png (rendered by rsvg-convert, which must be on PATH).")
    var format = Format.svg

    /// Writes `svg` as `name`.svg/.png in the output folder; returns the path. `name` must come
    /// from ``SafeName``-checked parts.
    @discardableResult
    func write(_ svg: String, name: String) throws -> String {
        do {
            try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        } catch {
            // Foundation's message on Linux names no cause; the usual one is a file in the way.
            let blocked = sequence(first: outputDirectory) { ($0 as NSString).deletingLastPathComponent }.prefix { !$0.isEmpty && $0 != "/" }
                .first { var folder: ObjCBool = false; return FileManager.default.fileExists(atPath: $0, isDirectory: &folder) && !folder.boolValue }
            throw CommandError("cannot create the output folder '\(outputDirectory)'" + (blocked.map { ": '\($0)' is a file" } ?? ""))
        }
        let path = (outputDirectory as NSString).appendingPathComponent("\(try SafeName.check(name, what: "figure name")).\(format.rawValue)")
        let bytes = format == .svg ? Data(svg.utf8) : try PNGRenderer.render(svg)
        do { try AtomicFile.write(bytes, to: path) } catch { throw CommandError(error.description) }
        print(path)
        return path
    }
}

/// SVG → PNG through librsvg's `rsvg-convert` (Debian: librsvg2-bin) at twice the SVG's pixel size.
enum PNGRenderer {
    static func render(_ svg: String) throws -> Data {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        guard let tool = path.split(separator: ":").map({ "\($0)/rsvg-convert" }).first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw CommandError("--format png needs rsvg-convert on PATH (Debian/Ubuntu: apt-get install librsvg2-bin); use --format svg")
        }
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("hepkit-plot-\(UUID().uuidString).svg")
        try Data(svg.utf8).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["--format", "png", "--zoom", "2", input.path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let png = out.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, png.starts(with: [0x89, 0x50, 0x4e, 0x47]) else {
            throw CommandError("rsvg-convert failed (status \(process.terminationStatus)): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return png
    }
}

/// The workspace a figure is drawn from.
struct PlotWorkspaceOptions: ParsableArguments {
    @Argument(help: "The pyhf JSON workspace ('-' for standard input).")
    var workspace: String

    @Option(help: "The measurement to use (default: the first).")
    var measurement: String?

    @OptionGroup var execution: ExecutionOptions

    func load() throws -> (document: WorkspaceDocument, likelihood: HistFactoryLikelihood) {
        let document = try WorkspaceDocument(parsing: try readInput(workspace), source: inputName(workspace))
        let model = try document.model(measurement: measurement, patches: [])
        return (document, try HistFactoryLikelihood(model: model, observedMain: try document.data(model, includeAuxdata: false)))
    }

    /// Runs `body`; errors name the workspace.
    func naming(_ body: () throws -> Void) throws {
        try reportingErrors {
            do { try body() } catch let error as InferenceError { throw CommandError("\(inputName(workspace)): \(error)") }
        }
    }

    func warn(_ warnings: [String]) {
        for warning in warnings { FileHandle.standardError.write(Data("hepkit: warning: \(inputName(workspace)): \(warning)\n".utf8)) }
    }
}

/// `CHANNEL=e0,e1,…`: a channel's bin edges (pyhf workspaces carry none).
struct ChannelEdges: ExpressibleByArgument {
    var channel: String, edges: [Double]
    init?(argument: String) {
        let parts = argument.split(separator: "=", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        let values = parts[1].split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard values.count >= 2, values.allSatisfy({ $0?.isFinite == true }) else { return nil }
        edges = values.map { $0! }
        guard zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }) else { return nil }
        channel = String(parts[0])
    }
}

enum FitStage: String, ExpressibleByArgument, CaseIterable { case prefit, postfit }

/// The binning of a workspace built from an analysis config: each region's edges (parameters at
/// their initial values or `--set` values, as `hepkit build` fills them) and its observable.
struct ConfigBinningOptions: ParsableArguments {
    @Option(help: "The analysis config the workspace was built from: its regions' bin edges and observables label the channels.")
    var config: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("With --config: a parameter's value for the edges (repeatable; default: its init).", valueName: "name=value"))
    var settings: [ParameterSetting] = []

    /// Per region name, its edges and observable; empty without --config.
    func binnings() throws -> [String: (edges: [Double], observable: String)] {
        guard let config else {
            if !settings.isEmpty { throw ValidationError("--set needs --config") }
            return [:]
        }
        let analysis = try AnalysisConfig.load(contentsOf: URL(fileURLWithPath: config))
        var values = Dictionary(analysis.parameters.map { ($0.name, $0.initial) }) { first, _ in first }
        for setting in settings {
            guard values[setting.name] != nil else { throw CommandError("--set \(setting.name): no parameter '\(setting.name)' in \(config)") }
            values[setting.name] = setting.value
        }
        var binnings: [String: (edges: [Double], observable: String)] = [:]
        for region in analysis.regions {
            let edges = try region.edges.map { edge -> Double in
                switch edge {
                case .value(let x): return x
                case .parameter(let name):
                    guard let value = values[name] else { throw CommandError("\(config): region '\(region.name)': no parameter '\(name)' for an edge") }
                    return value
                }
            }
            guard zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw CommandError("\(config): region '\(region.name)': the edges \(edges) do not increase")
            }
            binnings[region.name] = (edges, withUnit(region.observable, region.unit))
        }
        return binnings
    }
}

extension ParameterState {
    static func of(_ stage: FitStage, _ likelihood: HistFactoryLikelihood, options: PlotWorkspaceOptions) throws -> ParameterState {
        switch stage {
        case .prefit: return .prefit(likelihood)
        case .postfit:
            let (state, warnings) = try postfit(likelihood)
            options.warn(warnings)
            return state
        }
    }
}

struct PlotYieldsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "yields", abstract: "Per channel: stacked samples, data, the total uncertainty band and the data/model ratio.")

    @OptionGroup var options: PlotWorkspaceOptions
    @Option(help: "Yields and band at the initial parameters (prefit) or at the best fit with its covariance (postfit).")
    var fit = FitStage.prefit
    @Flag(help: "A logarithmic y axis.") var log = false
    @Option(help: ArgumentHelp("A channel's bin edges (repeatable; default: bin numbers).", valueName: "CHANNEL=e0,e1,…"))
    var edges: [ChannelEdges] = []
    @Option(name: .customLong("x-label"), help: "The x-axis label (with its unit), e.g. 'm [GeV]'.") var xLabel: String?
    @OptionGroup var binning: ConfigBinningOptions
    @OptionGroup var output: PlotOutputOptions

    func run() throws {
        try options.naming {
            let (_, likelihood) = try options.load()
            let model = likelihood.model
            for given in edges where !model.channels.contains(given.channel) {
                throw CommandError("--edges: no channel '\(given.channel)' in \(inputName(options.workspace)) (channels: \(model.channels.joined(separator: ", ")))")
            }
            let fromConfig = try binning.binnings()
            let state = try ParameterState.of(fit, likelihood, options: options)
            let split = SampleYields(model)
            let perSample = split.perSample(state.values)
            let total = model.expectedActualData(state.values)
            try requireSplitMatches(perSample, total)
            let sigma = split.totalStandardDeviation(state)
            for (c, channel) in model.channels.enumerated() {
                let bins = model.channelBins[c]
                let given = edges.first { $0.channel == channel }.map { ($0.edges, "--edges \(channel)") }
                    ?? fromConfig[channel].map { ($0.edges, "the config's region '\(channel)'") }
                let binEdges = try given.map { given in
                    guard given.0.count == bins.count + 1 else {
                        throw CommandError("\(given.1): \(given.0.count) edges for \(bins.count) bins (need \(bins.count + 1))")
                    }
                    return given.0
                } ?? (0...bins.count).map(Double.init)
                var figure = StackedHistogramFigure(
                    title: channel, note: fit == .prefit ? "Pre-fit" : "Post-fit",
                    xLabel: xLabel ?? fromConfig[channel]?.observable ?? (given == nil ? "bin" : "observable"), edges: binEdges,
                    components: model.samples.indices.compactMap { s in
                        let counts = Array(perSample[s][bins])
                        return counts.allSatisfy({ $0 == 0 }) ? nil : .init(name: model.samples[s], counts: counts)
                    })
                let observed = Array(likelihood.observedMain[bins])
                let intervals = observed.map(poissonInterval)
                figure.data = (observed, intervals.map(\.lower), intervals.map(\.upper))
                figure.band = (bins.map { total[$0] - sigma[$0] }, bins.map { total[$0] + sigma[$0] })
                figure.bandLabel = fit == .prefit ? "Pre-fit uncertainty" : "Post-fit uncertainty"
                figure.logY = log
                figure.binNumbers = given == nil
                try output.write(figure.svg(), name: "yields_\(try SafeName.check(channel, what: "channel name"))_\(fit.rawValue)")
            }
        }
    }

    /// The per-sample split must add up to the model's total (it does for pyhf's composition
    /// ν = ∏ factors · (ν⁰ + Σ additive); a custom additive modifier type would break it).
    private func requireSplitMatches(_ perSample: [[Double]], _ total: [Double]) throws {
        for (bin, value) in total.enumerated() {
            let sum = perSample.reduce(0) { $0 + $1[bin] }
            guard abs(sum - value) <= 1e-9 * max(1, abs(value)) else {
                throw CommandError("the samples' yields (\(sum)) do not add up to the total (\(value)) in main bin \(bin); cannot split the stack")
            }
        }
    }
}

/// The constrained, free, non-POI parameters with their pulls and post-fit/pre-fit width ratios.
private func pulls(_ likelihood: HistFactoryLikelihood, post: ParameterState) -> [PullsFigure.Entry] {
    let prefit = likelihood.prefitUncertainties
    return likelihood.parameterNames.indices.compactMap { i in
        guard i != likelihood.poiIndex, !likelihood.fixedParameters[i], let width = prefit[i], width > 0 else { return nil }
        return PullsFigure.Entry(name: likelihood.parameterNames[i], pull: (post.values[i] - likelihood.initialParameters[i]) / width,
                                 error: post.errors[i] / width)
    }
}

struct PlotPullsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pulls", abstract: "Post-fit pulls of the constrained nuisance parameters.")

    @OptionGroup var options: PlotWorkspaceOptions
    @OptionGroup var output: PlotOutputOptions

    func run() throws {
        try options.naming {
            let (_, likelihood) = try options.load()
            let post = try ParameterState.of(.postfit, likelihood, options: options)
            let entries = pulls(likelihood, post: post)
            guard !entries.isEmpty else { throw CommandError("\(inputName(options.workspace)): no constrained nuisance parameters to pull") }
            try output.write(PullsFigure(title: "Pulls", note: "Post-fit", entries: entries).svg(), name: "pulls")
        }
    }
}

struct PlotCorrelationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "correlation", abstract: "The post-fit correlation matrix of the free parameters.")

    @OptionGroup var options: PlotWorkspaceOptions
    @Option(help: "Keep only parameters with a correlation of at least this magnitude to another one.") var threshold = 0.0
    @OptionGroup var output: PlotOutputOptions

    func run() throws {
        try options.naming {
            let (_, likelihood) = try options.load()
            let post = try ParameterState.of(.postfit, likelihood, options: options)
            let n = likelihood.parameterCount
            let free = (0..<n).filter { !likelihood.fixedParameters[$0] }
            let kept = free.filter { i in free.contains { j in j != i && abs(post.correlation[i * n + j]) >= threshold } }
            guard !kept.isEmpty else { throw CommandError("no parameter has a correlation of magnitude ≥ \(threshold) to another") }
            let figure = CorrelationFigure(
                title: "Correlation", note: "Post-fit", names: kept.map { likelihood.parameterNames[$0] },
                values: kept.flatMap { i in kept.map { j in post.correlation[i * n + j] } })
            try output.write(figure.svg(), name: "correlation")
        }
    }
}

struct PlotRankingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ranking", abstract: "Pre- and post-fit impacts of the nuisance parameters on the POI, with their pulls.")

    @OptionGroup var options: PlotWorkspaceOptions
    @Option(help: "Show the N most important parameters.") var top = 20
    @OptionGroup var output: PlotOutputOptions

    func validate() throws { if top < 1 { throw ValidationError("--top must be at least 1") } }

    func run() throws {
        try options.naming {
            let (_, likelihood) = try options.load()
            let fitter = Fitter(likelihood)
            options.warn(try fitter.requireSignal().map(\.description))
            let impacts = try fitter.ranking(data: likelihood.observedData, progress: progressLog())
            options.warn(impacts.flatMap { impact in impact.failures.map { "parameter '\(impact.name)': \($0)" } })
            let entries = impacts.prefix(top).map { impact in
                let width = impact.prefitUncertainty ?? .nan
                return RankingFigure.Entry(
                    name: impact.name, prefitUp: impact.prefitUncertainty == nil ? nil : impact.prefitUp,
                    prefitDown: impact.prefitUncertainty == nil ? nil : impact.prefitDown,
                    postfitUp: impact.postfitUp, postfitDown: impact.postfitDown,
                    pull: (impact.bestFit - likelihood.initialParameters[impact.index]) / width,
                    pullError: impact.postfitUncertainty / width)
            }
            guard !entries.isEmpty else { throw CommandError("\(inputName(options.workspace)): no nuisance parameters to rank") }
            let poi = likelihood.model.poiName ?? "μ"
            try output.write(RankingFigure(title: "Impact on \(poi)", note: "Top \(entries.count)", poi: poi, entries: Array(entries)).svg(), name: "ranking")
        }
    }
}

struct PlotTemplatesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "templates", abstract: "Nominal and up/down templates of every histosys, normsys, shapesys and staterror modifier.")

    @OptionGroup var options: PlotWorkspaceOptions
    @OptionGroup var binning: ConfigBinningOptions
    @OptionGroup var output: PlotOutputOptions

    func run() throws {
        try options.naming {
            let (document, _) = try options.load()
            let fromConfig = try binning.binnings()
            var written = 0
            for channel in document.workspace.channels {
                for sample in channel.samples {
                    for modifier in sample.modifiers {
                        let up: [Double], down: [Double]
                        switch modifier.data {
                        case .histosys(let hi, let lo): (up, down) = (hi, lo)
                        case .normsys(let hi, let lo): (up, down) = (sample.data.map { $0 * hi }, sample.data.map { $0 * lo })
                        // shapesys and staterror: the nominal ± the per-bin absolute uncertainty.
                        case .perBin(let sigma) where sigma.count == sample.data.count:
                            (up, down) = (zip(sample.data, sigma).map { $0 + $1 }, zip(sample.data, sigma).map { $0 - $1 })
                        default: continue
                        }
                        let binning = fromConfig[channel.name].flatMap { $0.edges.count == sample.data.count + 1 ? $0 : nil }
                        var figure = HistogramOverlayFigure(
                            title: "\(channel.name): \(sample.name)", note: "\(modifier.name) (\(modifier.kind.rawValue))",
                            xLabel: binning?.observable ?? "bin", edges: binning?.edges ?? (0...sample.data.count).map(Double.init),
                            lines: [.init(name: "Nominal", counts: sample.data, color: Style.ink),
                                    .init(name: "\(modifier.name) up", counts: up, color: Style.palette[2]),
                                    .init(name: "\(modifier.name) down", counts: down, color: Style.palette[0], dash: "8 5")])
                        figure.ratioLabel = "Variation / Nominal"
                        figure.binNumbers = binning == nil
                        let name = try [channel.name, sample.name, modifier.name].map { try SafeName.check($0, what: "name") }.joined(separator: "_")
                        try output.write(figure.svg(), name: "template_\(name)")
                        written += 1
                    }
                }
            }
            if written == 0 { throw CommandError("\(inputName(options.workspace)): no histosys, normsys, shapesys or staterror modifiers: no templates to draw") }
        }
    }
}

struct PlotLimitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "limit", abstract: "Observed and expected CLs against the POI with the ±1σ/±2σ bands (the Brazil band).")

    @OptionGroup var options: PlotWorkspaceOptions
    @Option(help: "The POI values 'lo:hi:n'.") var scan: ScanGrid
    @Option(help: "CLs level (0.05 for 95% CL).") var level = 0.05
    @Flag(help: "A logarithmic CLs axis.") var log = false
    @OptionGroup var output: PlotOutputOptions

    func run() throws {
        try options.naming {
            let (_, likelihood) = try options.load()
            let limits = try Fitter(likelihood).upperLimitScan(
                data: likelihood.observedData, values: scan.values, options: UpperLimitOptions(level: level), progress: progressLog())
            guard limits.failures.isEmpty else { throw CommandError("\(inputName(options.workspace)): " + limits.failures.joined(separator: "; ")) }
            options.warn(limits.warnings)
            let poi = likelihood.model.poiName ?? "μ"
            var figure = LimitFigure(
                title: "CLs scan", note: "\(Ticks.label(100 * (1 - level)))% CL upper limit", poi: poi, values: limits.scan.map(\.poiValue),
                observed: limits.scan.map(\.clsObserved), expected: limits.scan.map(\.clsExpected), level: level)
            figure.observedLimit = limits.observed.isFinite ? limits.observed : nil
            figure.expectedLimit = limits.expected.count == 5 && limits.expected[2].isFinite ? limits.expected[2] : nil
            figure.logY = log
            try output.write(figure.svg(), name: "limit")
        }
    }
}

struct PlotScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan", abstract: "Profile-likelihood scan of one parameter with its 1σ and 2σ crossings.")

    @OptionGroup var options: PlotWorkspaceOptions
    @Option(help: "The parameter scanned (default: the POI).") var parameter: String?
    @Option(help: "The values 'lo:hi:n' (default: 21 values over the best fit ± 3 Hessian σ, within the bounds).") var scan: ScanGrid?
    @OptionGroup var output: PlotOutputOptions

    func run() throws {
        try options.naming {
            let (_, likelihood) = try options.load()
            let names = likelihood.parameterNames
            guard let index = parameter.map({ names.firstIndex(of: $0) }) ?? likelihood.poiIndex else {
                throw CommandError("\(inputName(options.workspace)): no parameter '\(parameter ?? "POI")' (parameters: \(names.joined(separator: ", ")))")
            }
            guard !likelihood.fixedParameters[index] else { throw CommandError("parameter '\(names[index])' is fixed: nothing to scan") }
            let fitter = Fitter(likelihood)
            let data = likelihood.observedData
            let best = try fitter.fit(data: data)
            guard best.converged else { throw CommandError("\(inputName(options.workspace)): the best fit did not converge") }
            let bounds = likelihood.parameterBounds[index], center = best.parameters[index]
            let values = scan?.values ?? {
                let sigma = max(fitter.uncertainties(at: best.parameters, data: data).errors[index], 1e-3)
                let low = max(bounds.lowerBound, center - 3 * sigma), high = min(bounds.upperBound, center + 3 * sigma)
                return (0..<21).map { low + (high - low) * Double($0) / 20 }
            }()
            let outcomes = parallelMap(values.count) { k in try fitter.fit(data: data, holding: [index: values[k]], start: best.parameters) }
            var deltas: [Double] = []
            for (value, outcome) in zip(values, outcomes) {
                let fit = try outcome.get()
                guard fit.converged else { throw CommandError("the fit with \(names[index]) = \(value) did not converge") }
                deltas.append(fit.twiceNLL - best.twiceNLL)
            }
            var figure = ScanFigure(title: "Likelihood scan", note: names[index], parameter: names[index], values: values, deltas: deltas)
            func crossings(_ rise: Double) -> (Double?, Double?) {
                guard let interval = try? fitter.profileInterval(parameter: index, data: data, bestFit: best, deltaTwiceNLL: rise) else { return (nil, nil) }
                // An end at the parameter's bound is not a crossing.
                return (interval.lowerBound > bounds.lowerBound ? interval.lowerBound : nil, interval.upperBound < bounds.upperBound ? interval.upperBound : nil)
            }
            figure.oneSigma = crossings(1)
            figure.twoSigma = crossings(4)
            figure.bestFit = center
            try output.write(figure.svg(), name: "scan_\(try SafeName.check(names[index], what: "parameter name"))")
        }
    }
}

struct PlotGridCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grid",
        abstract: "The exclusion over two signal-model values of a merged patchset grid table (hepkit merge of cls or upperlimit parts).")

    @Argument(help: "The grid table (JSON: labels and patches with values and result).") var grid: String
    @Option(help: "The indices of the two patch values drawn as x and y.") var axes = "0,1"
    @OptionGroup var output: PlotOutputOptions
    @OptionGroup var execution: ExecutionOptions

    func run() throws {
        try reportingErrors {
            let source = inputName(grid)
            let json: Any
            do { json = try JSONSerialization.jsonObject(with: Data(readInput(grid))) } catch let error as CommandError { throw error } catch {
                throw CommandError("\(source): not valid JSON")
            }
            guard let table = json as? [String: Any], let labels = table["labels"] as? [String], let patches = table["patches"] as? [[String: Any]] else {
                throw CommandError("\(source): not a grid table (an object with 'labels' and 'patches')")
            }
            let indices = axes.split(separator: ",").compactMap { Int($0) }
            guard indices.count == 2, indices.allSatisfy({ labels.indices.contains($0) }) else {
                throw CommandError("--axes \(axes): need two indices into the labels \(labels)")
            }
            var points: [ExclusionFigure.Point] = []
            var kind: String?
            for (k, patch) in patches.enumerated() {
                let name = patch["name"] as? String ?? "patch \(k)"
                guard let values = numbers(patch["values"]), values.count == labels.count, let result = patch["result"] as? [String: Any] else {
                    throw CommandError("\(source): patch '\(name)' has no values for every label, or no result")
                }
                // A cls result gives CLs at the tested POI; an upperlimit result the limits (excluded below 1).
                let observed: Double, expected: Double, thisKind: String
                if let obs = numbers([result["CLs_obs"] as Any])?.first, let exp = numbers(result["CLs_exp"]), exp.count == 5 {
                    (observed, expected, thisKind) = (obs, exp[2], "cls")
                } else if let obs = numbers([result["obs"] as Any])?.first, let exp = numbers(result["exp"]), exp.count == 5 {
                    (observed, expected, thisKind) = (obs, exp[2], "upperlimit")
                } else {
                    throw CommandError("\(source): patch '\(name)': the result has neither CLs_obs/CLs_exp nor obs/exp")
                }
                guard kind == nil || kind == thisKind else { throw CommandError("\(source): cls and upperlimit results mixed") }
                kind = thisKind
                guard observed.isFinite, expected.isFinite else { throw CommandError("\(source): patch '\(name)': non-finite result") }
                points.append(.init(name: name, x: values[indices[0]], y: values[indices[1]], observed: observed, expected: expected))
            }
            guard points.count >= 1 else { throw CommandError("\(source): no patches") }
            var figure = ExclusionFigure(title: "Exclusion", note: kind == "cls" ? "CLs" : "upper limit on μ",
                                         xLabel: labels[indices[0]], yLabel: labels[indices[1]], points: points)
            if kind == "upperlimit" { figure.scale = .limits }
            if figure.contour(expected: false).isEmpty && figure.contour(expected: true).isEmpty {
                let xs = Set(points.map(\.x)).count, ys = Set(points.map(\.y)).count
                let why = xs < 2 || ys < 2 || xs * ys > points.count
                    ? "the points do not fill a rectangular grid (\(xs) × \(ys) values, \(points.count) points)"
                    : "no neighbouring points lie on both sides of \(Ticks.label(figure.level))"
                FileHandle.standardError.write(Data("hepkit: warning: \(source): no exclusion contour drawn: \(why)\n".utf8))
            }
            try output.write(figure.svg(), name: "grid")
        }
    }

    /// A JSON array of numbers (integers or not, or numbers written as strings: patchset
    /// metadata values may be either) as doubles; nil for anything else.
    private func numbers(_ json: Any?) -> [Double]? {
        guard let array = json as? [Any] else { return nil }
        let values = array.compactMap { ($0 as? String).flatMap(Double.init) ?? ($0 as? NSNumber)?.doubleValue }
        return values.count == array.count ? values : nil
    }
}
