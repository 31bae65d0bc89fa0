import Analysis
import ArgumentParser
import Foundation
import HEPKitSupport
import HistFactory
import Inference

// `hepkit fit / cls / upperlimit / significance / ranking`: drop-ins for pyhf's commands where pyhf
// has them (same options, same JSON keys, `json.dumps(indent=4, sort_keys=True)` layout).

/// Options shared by the inference commands (as pyhf's).
struct WorkspaceOptions: ParsableArguments {
    @Argument(help: "The pyhf JSON workspace ('-' for standard input).")
    var workspace: String = "-"

    @Option(help: "The measurement to use (default: the first).")
    var measurement: String?

    @Option(name: [.short, .customLong("patch")], help: "A JSON Patch applied to the workspace before building the model (repeatable).")
    var patch: [String] = []

    @Option(name: .customLong("output-file"), help: "Write the JSON result here instead of standard output.")
    var outputFile: String?

    @OptionGroup var execution: ExecutionOptions
    @OptionGroup var pyhf: PyhfOptions

    /// The likelihood (pyhf `Workspace.model(measurement_name=, patches=)`) and its observed data.
    func likelihood() throws -> HistFactoryLikelihood {
        try likelihood(of: try WorkspaceDocument(parsing: try readInput(workspace), source: inputName(workspace)))
    }

    /// The likelihood of `document` with the measurement and patches of these options.
    func likelihood(of document: WorkspaceDocument) throws -> HistFactoryLikelihood {
        let patches = try patch.map { path in
            let json: JSONValue
            do { json = try JSONValue(parsing: try readInput(path)) } catch let error as JSONSyntaxError {
                throw CommandError("invalid JSON in patch '\(path)': \(error)")
            }
            do { return try JSONPatch(json) } catch { throw CommandError("invalid JSON Patch '\(path)': \(error)") }
        }
        let model = try document.model(measurement: measurement, patches: patches)
        return try HistFactoryLikelihood(model: model, observedMain: try document.data(model, includeAuxdata: false))
    }


    /// Runs a command body; an inference error is reported with the workspace it came from.
    func naming(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as InferenceError {
            throw CommandError("\(inputName(workspace)): \(error)")
        }
    }

    /// Prints `value` as pyhf does (`json.dumps(indent=4, sort_keys=True)`) to standard output, or
    /// writes it atomically to the output file. `warnings` (rule 3: a result that stands but is
    /// doubtful is flagged) go to standard error and, for an object, into a `warnings` key.
    func emit(_ value: JSONValue, warnings: [String] = []) throws {
        try writeOutput(flagged(value, warnings: warnings).pythonJSON(indent: 4), to: outputFile)
    }

    /// `value` with its `warnings` printed to standard error and, for an object, in a `warnings` key.
    func flagged(_ value: JSONValue, warnings: [String]) -> JSONValue {
        hepkit.flagged(value, warnings: warnings, source: inputName(workspace))
    }
}

/// `value` with its `warnings` printed to standard error (naming `source`) and, for an object, in
/// a `warnings` key.
func flagged(_ value: JSONValue, warnings: [String], source: String) -> JSONValue {
    guard !warnings.isEmpty else { return value }
    for warning in warnings {
        FileHandle.standardError.write(Data("hepkit: warning: \(source): \(warning)\n".utf8))
    }
    guard case .object(var object) = value else { return value }
    object["warnings"] = .array(warnings.map(JSONValue.string))
    return .object(object)
}

/// A JSON number (NaN/Infinity written as Python's json module does).
func number(_ x: Double) -> JSONValue { .number(JSONNumber(x)) }

/// A JSON array of numbers.
func numbers(_ xs: [Double]) -> JSONValue { .array(xs.map(number)) }

/// Progress lines on standard error with the elapsed time: every message on a terminal; in a
/// batch log (no terminal) at most one line every 10 s, so long toys, limits and rankings show
/// they are alive without flooding the log.
func progressLog() -> ProgressReporter {
    let log = ProgressLog(everyMessage: isatty(2) != 0)
    return ProgressReporter { log.write($0) }
}

/// The state behind ``progressLog()``: when the last line was written.
private final class ProgressLog: @unchecked Sendable {
    static let interval: TimeInterval = 10
    let everyMessage: Bool
    let start = Date()
    private var last: Date?
    private let lock = NSLock()

    init(everyMessage: Bool) { self.everyMessage = everyMessage }

    func write(_ message: String) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard everyMessage || last.map({ now.timeIntervalSince($0) >= Self.interval }) ?? true else { return }
        last = now
        FileHandle.standardError.write(Data(String(format: "[%.1f s] %@\n", now.timeIntervalSince(start), message).utf8))
    }
}

struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit", abstract: "Maximum-likelihood fit of a workspace (pyhf fit).")

    @OptionGroup var options: WorkspaceOptions
    @Flag(help: "Also report the twice negative log-likelihood at the best fit.") var value = false
    @Flag(help: "Also report Hessian uncertainties ('uncertainties', per parameter set).") var uncertainties = false
    @Flag(help: "Print minimiser statistics on standard error: status, EDM, iterations, evaluations.") var verbose = false
    @Flag(help: "Also report the correlation matrix of the free parameters ('correlation': names and rows).") var correlation = false
    @Option(
        name: .customLong("minos"), parsing: .upToNextOption,
        help: "Also report MINOS-like profile-likelihood errors ('minos': [lower, upper] relative to the best fit) of these parameters.")
    var minos: [String] = []

    func run() throws {
        try reportingErrors { try options.naming {
            let likelihood = try options.likelihood()
            let fitter = Fitter(likelihood)
            let minosIndices = try minos.map { name in
                guard let index = likelihood.parameterNames.firstIndex(of: name) else {
                    throw CommandError("--minos: no parameter named '\(name)' (scalar parameters are named as in 'hepkit inspect', e.g. staterror_SR[0])")
                }
                return index
            }
            var warnings = try fitter.requireFittable().map(\.description)
            let started = Date()
            let fit = try fitter.fit(data: likelihood.observedData)
            let edm = fitter.estimatedDistanceToMinimum(fit, data: likelihood.observedData)
            if !fit.converged {
                warnings.append("the fit did not converge (\(fit.iterations) iterations, \(fit.evaluations) evaluations, EDM \(edm)); the parameters are the last point reached")
            }
            if verbose {
                let line = "hepkit: status \(fit.converged ? "converged" : "NOT converged"), EDM \(edm), projected gradient \(fit.projectedGradientNorm), "
                    + "\(fit.iterations) iterations, \(fit.evaluations) evaluations, \(Date().timeIntervalSince(started)) s\n"
                FileHandle.standardError.write(Data(line.utf8))
            }
            let model = likelihood.model
            func perSet(_ values: [Double]) -> JSONValue {
                .object(JSONObject(model.parameterSets.map { ($0.name, numbers(Array(values[$0.slice]))) }))
            }
            var result: [(String, JSONValue)] = [("mle_parameters", perSet(fit.parameters))]
            if value { result.append(("twice_nll", number(fit.twiceNLL))) }
            if uncertainties {
                // With pyhf's minuit optimizer, the errors MINUIT's HESSE reports (bounded
                // parameters through its internal coordinates; finite at a bound).
                let errors = options.pyhf.optimizer == .minuit
                    ? fitter.minuitUncertainties(at: fit.parameters, data: likelihood.observedData)
                    : fitter.uncertainties(at: fit.parameters, data: likelihood.observedData)
                if !errors.hessianPositiveDefinite {
                    warnings.append("the Hessian at the best fit is not positive definite; the uncertainties come from a regularised inverse")
                }
                result.append(("uncertainties", perSet(errors.errors)))
            }
            if correlation {
                let matrix = fitter.uncertainties(at: fit.parameters, data: likelihood.observedData).correlation
                let free = (0..<likelihood.parameterCount).filter { !fitter.fixedParameters[$0] }
                result.append(("correlation", .object(JSONObject([
                    ("parameters", .array(free.map { .string(likelihood.parameterNames[$0]) })),
                    ("matrix", .array(free.map { i in numbers(free.map { j in matrix[i, j] }) })),
                ]))))
            }
            if !minosIndices.isEmpty {
                var intervals: [(String, JSONValue)] = []
                for (name, index) in zip(minos, minosIndices) {
                    let interval = try fitter.profileInterval(parameter: index, data: likelihood.observedData, bestFit: fit)
                    let center = fit.parameters[index]
                    intervals.append((name, numbers([interval.lowerBound - center, interval.upperBound - center])))
                }
                result.append(("minos", .object(JSONObject(intervals))))
            }
            try options.emit(.object(JSONObject(result)), warnings: warnings)
        } }
    }
}

struct CLsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cls", abstract: "CLs hypothesis test at one POI value (pyhf cls).")

    enum Calculator: String, ExpressibleByArgument, CaseIterable { case asymptotics, toybased }

    @OptionGroup var options: WorkspaceOptions
    @Option(name: .customLong("test-poi"), parsing: .unconditional, help: "The POI value tested.") var testPOI = 1.0
    @Option(name: .customLong("test-stat"), help: "Test statistic.") var testStat = TestStatistic.qtilde
    @Option(help: "Asymptotic formulae or pseudo-experiments.") var calctype = Calculator.asymptotics
    @Option(help: "Pseudo-experiments per hypothesis (toybased).") var ntoys = 2000
    @Option(help: "Random seed (toybased).") var seed: UInt64 = 0
    @OptionGroup var grid: PatchsetGridOptions

    func validate() throws {
        if grid.shard != nil && grid.patchset == nil && calctype != .toybased {
            throw ValidationError("--shard needs --patchset (a share of the patches) or --calctype toybased (a share of the toys)")
        }
    }

    func run() throws {
        try reportingErrors { try options.naming {
            let settings: [Any] = [testPOI, testStat.rawValue, calctype, ntoys, seed]
            if let shard = grid.shard?.shard, grid.patchset == nil {
                return try writeToyPart(shard, settings: settings)
            }
            if try grid.run("cls", options: options, settings: settings, { let (value, warnings) = try result($0); return options.flagged(value, warnings: warnings) }) { return }
            let (value, warnings) = try result(options.likelihood())
            try options.emit(value, warnings: warnings)
        } }
    }

    /// The result for one workspace, and the warnings that flag it.
    func result(_ likelihood: HistFactoryLikelihood) throws -> (value: JSONValue, warnings: [String]) {
        let result = try hypothesisTest(likelihood, statistic: testStat, calculator: calctype, poiValue: testPOI, toys: ntoys, seed: seed)
        return (Self.json(result), result.warnings)
    }

    /// What `cls` prints for `result` (pyhf's `CLs_obs` and `CLs_exp`).
    static func json(_ result: HypothesisTestResult) -> JSONValue {
        ["CLs_obs": number(result.clsObserved), "CLs_exp": numbers(result.clsExpected)]
    }

    /// `--calctype toybased --shard I/N`: this job's share of the toys, as a part file for `hepkit merge`.
    func writeToyPart(_ shard: Shard, settings: [Any]) throws {
        let document = try WorkspaceDocument(parsing: try readInput(options.workspace), source: inputName(options.workspace))
        let likelihood = try options.likelihood(of: document)
        let calculator = ToyCalculator(
            fitter: Fitter(likelihood), data: likelihood.observedData, testStatistic: testStat, toys: ntoys, seed: seed)
        let statistics = try calculator.toyStatistics(testPOI, toys: shard.range(of: ntoys), progress: progressLog())
        let part = ToyPart(
            statistics, shard: shard, workspaceDigest: "sha256:" + document.digest(.sha256), optionsDigest: try options.optionsDigest(settings))
        try writeOutput(try part.json(), to: options.outputFile)
    }
}

/// The hypothesis test `hepkit cls` runs: any statistic, either calculator.
func hypothesisTest(
    _ likelihood: some Likelihood, statistic: TestStatistic, calculator: CLsCommand.Calculator, poiValue: Double,
    toys: Int = 2000, seed: UInt64 = 0
) throws -> HypothesisTestResult {
    let fitter = Fitter(likelihood)
    switch calculator {
    case .asymptotics:
        return try AsymptoticCalculator(fitter: fitter, data: likelihood.observedData, testStatistic: statistic).hypotest(poiValue)
    case .toybased:
        return try ToyCalculator(fitter: fitter, data: likelihood.observedData, testStatistic: statistic, toys: toys, seed: seed)
            .hypotest(poiValue, progress: progressLog())
    }
}

extension TestStatistic: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument) }
    public static var allValueStrings: [String] { allCases.map(\.rawValue) }
}

/// `lo:hi:n` — `n` evenly spaced POI values from `lo` to `hi` (`np.linspace`).
struct ScanGrid: ExpressibleByArgument {
    var values: [Double]
    init?(argument: String) {
        let parts = argument.split(separator: ":")
        guard parts.count == 3, let lo = Double(parts[0]), let hi = Double(parts[1]), let n = Int(parts[2]), n >= 2, lo < hi else { return nil }
        values = (0..<n).map { lo + (hi - lo) * Double($0) / Double(n - 1) }
    }
}

struct UpperLimitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upperlimit", abstract: "Observed and expected CLs upper limits on the POI.")

    @OptionGroup var options: WorkspaceOptions
    @Option(help: "CLs level (0.05 for 95% CL).") var level = 0.05
    @Option(help: "Scan 'lo:hi:n' and interpolate instead of root finding.") var scan: ScanGrid?
    @Option(name: .customLong("test-stat"), help: "Test statistic (one-sided: q or qtilde).") var testStat = TestStatistic.qtilde
    @OptionGroup var grid: PatchsetGridOptions

    func validate() throws {
        if grid.shard != nil && grid.patchset == nil {
            throw ValidationError("--shard needs --patchset: a sharded upperlimit runs a share of a patchset's patches")
        }
    }

    func run() throws {
        try reportingErrors { try options.naming {
            let settings: [Any] = [level, scan?.values ?? [], testStat.rawValue]
            if try grid.run("upperlimit", options: options, settings: settings, { let (value, warnings) = try result($0); return options.flagged(value, warnings: warnings) }) { return }
            let (value, warnings) = try result(options.likelihood())
            try options.emit(value, warnings: warnings)
        } }
    }

    /// The limits for one workspace, and the warnings that flag them.
    func result(_ likelihood: HistFactoryLikelihood) throws -> (value: JSONValue, warnings: [String]) {
        let fitter = Fitter(likelihood)
        var settings = UpperLimitOptions(level: level)
        settings.testStatistic = testStat
        let progress = progressLog()
        let limits = try scan.map { try fitter.upperLimitScan(data: likelihood.observedData, values: $0.values, options: settings, progress: progress) }
            ?? fitter.upperLimit(data: likelihood.observedData, options: settings, progress: progress)
        guard limits.failures.isEmpty else {
            throw CommandError("\(inputName(options.workspace)): no upper limit: " + limits.failures.joined(separator: "; "))
        }
        return (["obs": number(limits.observed), "exp": numbers(limits.expected)], limits.warnings)
    }
}

struct SignificanceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "significance", abstract: "Observed and expected discovery significance (q0, asymptotic).")

    @OptionGroup var options: WorkspaceOptions

    func run() throws {
        try reportingErrors { try options.naming {
            let likelihood = try options.likelihood()
            let s = try Fitter(likelihood).discoverySignificance(data: likelihood.observedData)
            try options.emit([
                "p0_obs": number(s.observedPValue), "Z_obs": number(s.observedSignificance),
                "p0_exp": numbers(s.expectedPValues), "Z_exp": numbers(s.expectedSignificances),
            ], warnings: s.warnings)
        } }
    }
}

struct RankingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ranking", abstract: "Pre- and post-fit impacts of the nuisance parameters on the POI, ranked.")

    @OptionGroup var options: WorkspaceOptions

    func run() throws {
        try reportingErrors { try options.naming {
            let likelihood = try options.likelihood()
            let fitter = Fitter(likelihood)
            let defects = try fitter.requireSignal()
            let impacts = try fitter.ranking(data: likelihood.observedData, progress: progressLog())
            // A failed refit leaves its impact NaN: flagged per entry and on standard error.
            let warnings = defects.map(\.description) + impacts.flatMap { impact in impact.failures.map { "parameter '\(impact.name)': \($0)" } }
            try options.emit(.array(impacts.map { impact in
                var entry: [(String, JSONValue)] = [
                    ("name", .string(impact.name)), ("bestfit", number(impact.bestFit)),
                    ("uncertainty", number(impact.postfitUncertainty)),
                    // An unconstrained parameter has no pre-fit width, so no pre-fit impact: null, not NaN.
                    ("prefit_impact", impact.prefitUncertainty == nil ? .null : numbers([impact.prefitUp, impact.prefitDown])),
                    ("postfit_impact", numbers([impact.postfitUp, impact.postfitDown])),
                ]
                if !impact.failures.isEmpty { entry.append(("failures", .array(impact.failures.map(JSONValue.string)))) }
                return .object(JSONObject(entry))
            }), warnings: warnings)
        } }
    }
}
