import DiffColumns
import Foundation
import Yams

/// An analysis as the user writes it (YAML or JSON): samples, regions, parameters, systematics,
/// the objective and the optimiser settings. Decoding checks the structure (unknown keys, types);
/// ``AnalysisConfig/resolve(branches:)`` checks the meaning (names, expressions, bounds).
public struct AnalysisConfig: Sendable, Equatable, Decodable {
    /// One sample: a set of ntuples with a weight, or fixed templates read from ROOT histograms.
    public struct Sample: Sendable, Equatable, Decodable {
        public var name: String
        /// ROOT files, relative to the config file's directory unless absolute (empty for a
        /// histogram sample).
        public var files: [String]
        /// The tree in each file (empty for a histogram sample).
        public var tree: String
        /// Per-event weight expression (`1` by default).
        public var weight: String
        /// Whether the POI's normfactor scales this sample.
        public var signal: Bool
        /// Where the sample's nominal histogram of each region is (instead of `files` and `tree`).
        public var histogram: HistogramSource?

        enum CodingKeys: String, CodingKey, CaseIterable { case name, files, tree, weight, signal, histogram }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            signal = try c.decodeIfPresent(Bool.self, forKey: .signal) ?? false
            histogram = try c.decodeIfPresent(HistogramSource.self, forKey: .histogram)
            if histogram != nil {
                // A histogram is the template: there are no events to read or weight.
                for key in [CodingKeys.files, .tree, .weight] where c.contains(key) {
                    throw DecodingError.dataCorrupted(.init(
                        codingPath: c.codingPath + [key],
                        debugDescription: "'\(key.stringValue)' does not apply to a sample read from a histogram"))
                }
                files = []
                tree = ""
                weight = "1"
            } else {
                files = try c.decode([String].self, forKey: .files)
                tree = try c.decode(String.self, forKey: .tree)
                weight = try c.decodeIfPresent(String.self, forKey: .weight) ?? "1"
            }
        }
    }

    /// A bin edge: a number or the name of a parameter.
    public enum Edge: Sendable, Equatable, Decodable {
        case value(Double)
        case parameter(String)

        /// The edge as written.
        var text: String {
            switch self {
            case .value(let v): "\(v)"
            case .parameter(let name): "'\(name)'"
            }
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let value = try? c.decode(Double.self) {
                self = .value(value)
            } else if let name = try? c.decode(String.self) {
                self = .parameter(name)
            } else {
                throw DecodingError.typeMismatch(
                    Double.self, .init(codingPath: decoder.codingPath, debugDescription: "an edge is a number or a parameter name"))
            }
        }
    }

    /// A region (a pyhf channel): a selection, an observable and its binning.
    public struct Region: Sendable, Equatable, Decodable {
        public var name: String
        /// Boolean expression selecting the events (all events when absent).
        public var selection: String?
        /// Numeric expression histogrammed (empty when ``network`` is set, and when every sample
        /// is read from histograms).
        public var observable: String
        /// A network's output histogrammed instead of an expression.
        public var network: NetworkObservable?
        /// Increasing bin edges, numbers or parameter names (none for a softmax network: its
        /// outputs are the bins).
        public var edges: [Edge]
        /// Relaxation width of the bin edges in the soft histograms, in the observable's units
        /// (required when an edge is a parameter).
        public var bandwidth: Double?
        /// The observable's unit (e.g. `GeV`), for axis labels.
        public var unit: String?

        enum CodingKeys: String, CodingKey, CaseIterable { case name, selection, observable, edges, bandwidth, unit }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            selection = try c.decodeIfPresent(String.self, forKey: .selection)
            if let network = try? c.decode(NetworkObservable.self, forKey: .observable) {
                self.network = network
                observable = ""
            } else {
                // Required unless every sample is a histogram (checked when resolving).
                observable = try c.decodeIfPresent(String.self, forKey: .observable) ?? ""
            }
            edges = try c.decodeIfPresent([Edge].self, forKey: .edges) ?? []
            bandwidth = try c.decodeIfPresent(Double.self, forKey: .bandwidth)
            unit = try c.decodeIfPresent(String.self, forKey: .unit)
        }
    }

    /// A region's observable that is a network's output: `{network: score, inputs: [met, "jet_pt[0]"]}`.
    public struct NetworkObservable: Sendable, Equatable, Decodable {
        /// The name of a network of ``AnalysisConfig/networks``.
        public var network: String
        /// Numeric expressions (one value per event, without parameters): the network's features.
        public var inputs: [String]

        enum CodingKeys: String, CodingKey, CaseIterable { case network, inputs }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            network = try c.decode(String.self, forKey: .network)
            inputs = try c.decode([String].self, forKey: .inputs)
        }
    }

    /// A neural network whose weights are trained with the parameters (a learned observable).
    public struct Network: Sendable, Equatable, Decodable {
        public var name: String
        /// Widths of the hidden layers.
        public var layers: [Int]
        public var activation: Activation
        public var output: NetworkOutput
        /// Outputs of a softmax network (its region's bins); 1 for a sigmoid.
        public var outputs: Int
        /// Seed of the initial weights.
        public var initSeed: UInt64

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, layers, activation, output, outputs, initSeed = "init_seed"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            layers = try c.decode([Int].self, forKey: .layers)
            func named<T: RawRepresentable<String>>(_ key: CodingKeys, _ all: [T], default value: T) throws -> T {
                guard let text = try c.decodeIfPresent(String.self, forKey: key) else { return value }
                guard let found = T(rawValue: text) else {
                    throw DecodingError.dataCorrupted(.init(
                        codingPath: c.codingPath + [key],
                        debugDescription: "unknown \(key.stringValue) '\(text)' (expected \(all.map(\.rawValue).joined(separator: ", ")))"))
                }
                return found
            }
            activation = try named(.activation, Activation.allCases, default: .relu)
            output = try named(.output, NetworkOutput.allCases, default: .sigmoid)
            outputs = try c.decodeIfPresent(Int.self, forKey: .outputs) ?? (output == .sigmoid ? 1 : 2)
            initSeed = try c.decodeIfPresent(UInt64.self, forKey: .initSeed) ?? 0
        }
    }

    /// A named value used in selections and edges, optimised within its bounds.
    public struct Parameter: Sendable, Equatable, Decodable {
        public var name: String
        /// Starting value.
        public var initial: Double
        /// Lower and upper bound.
        public var bounds: [Double]
        /// Width of the sigmoid relaxing the comparisons it appears in, in their units.
        public var relaxation: Double
        /// The parameter's unit (e.g. `GeV`), for axis labels.
        public var unit: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, initial = "init", bounds, relaxation, unit
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            initial = try c.decode(Double.self, forKey: .initial)
            bounds = try c.decode([Double].self, forKey: .bounds)
            relaxation = try c.decode(Double.self, forKey: .relaxation)
            unit = try c.decodeIfPresent(String.self, forKey: .unit)
        }
    }

    /// A systematic uncertainty and how to build it.
    public struct Systematic: Sendable, Equatable, Decodable {
        /// Where a histosys's up and down templates come from.
        public enum TemplateSource: Sendable, Equatable {
            /// Alternative weight expressions (e.g. `weight_up`).
            case weights(up: String, down: String)
            /// Branch substitutions applied to every expression (e.g. `{jet_pt: jet_pt_jesUp}`).
            case branches(up: [String: String], down: [String: String])
            /// Alternative ntuples (same tree name), relative to the config file.
            case files(up: [String], down: [String])
            /// None besides ``Systematic/histograms``: every sample it applies to is read from histograms.
            case histogramsOnly
        }

        /// The up and down templates of the samples read from histograms.
        public struct Histograms: Sendable, Equatable {
            public var up: HistogramSource
            public var down: HistogramSource
        }

        /// The kind of systematic.
        public enum Kind: Sendable, Equatable {
            /// Normalisation factors for the down and up variations.
            case normSys(lo: Double, hi: Double)
            /// Shape variation from alternative templates.
            case histoSys(TemplateSource)
            /// Per-bin MC statistical uncertainty from the sum of squared weights.
            case statError
            /// Luminosity uncertainty (relative).
            case lumi(uncertainty: Double)
        }

        public var name: String
        /// Samples it applies to (all when absent).
        public var samples: [String]?
        public var kind: Kind
        /// A histosys's templates for the samples read from histograms (`histogram_up`,
        /// `histogram_down`); its other source gives the templates of the samples filled from
        /// ntuples, so one nuisance parameter moves both.
        public var histograms: Histograms?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case name, type, samples, lo, hi, uncertainty
            case weightUp = "weight_up", weightDown = "weight_down"
            case branchesUp = "branches_up", branchesDown = "branches_down"
            case filesUp = "files_up", filesDown = "files_down"
            case histogramUp = "histogram_up", histogramDown = "histogram_down"
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            name = try c.decode(String.self, forKey: .name)
            samples = try c.decodeIfPresent([String].self, forKey: .samples)
            let type = try c.decode(String.self, forKey: .type)
            let allowed: [CodingKeys]
            switch type {
            case "normsys":
                kind = .normSys(lo: try c.decode(Double.self, forKey: .lo), hi: try c.decode(Double.self, forKey: .hi))
                allowed = [.lo, .hi]
            case "histosys":
                let sources: [(CodingKeys, CodingKeys)] = [(.weightUp, .weightDown), (.branchesUp, .branchesDown), (.filesUp, .filesDown)]
                let present = sources.filter { c.contains($0.0) || c.contains($0.1) }
                if c.contains(.histogramUp) || c.contains(.histogramDown) {
                    histograms = Histograms(
                        up: try c.decode(HistogramSource.self, forKey: .histogramUp),
                        down: try c.decode(HistogramSource.self, forKey: .histogramDown))
                }
                guard present.count == 1 || (present.isEmpty && histograms != nil) else {
                    throw DecodingError.dataCorrupted(.init(
                        codingPath: decoder.codingPath,
                        debugDescription: "a histosys needs exactly one of weight_up/weight_down, branches_up/branches_down or files_up/files_down"
                            + (present.isEmpty ? " (or histogram_up/histogram_down for samples read from histograms)" : "")))
                }
                guard let (up, down) = present.first else {
                    kind = .histoSys(.histogramsOnly)
                    allowed = [.histogramUp, .histogramDown]
                    break
                }
                switch up {
                case .weightUp:
                    kind = .histoSys(.weights(up: try c.decode(String.self, forKey: up), down: try c.decode(String.self, forKey: down)))
                case .branchesUp:
                    kind = .histoSys(.branches(
                        up: try c.decode([String: String].self, forKey: up), down: try c.decode([String: String].self, forKey: down)))
                default:
                    kind = .histoSys(.files(up: try c.decode([String].self, forKey: up), down: try c.decode([String].self, forKey: down)))
                }
                allowed = [up, down, .histogramUp, .histogramDown]
            case "staterror":
                kind = .statError
                allowed = []
            case "lumi":
                kind = .lumi(uncertainty: try c.decode(Double.self, forKey: .uncertainty))
                allowed = [.uncertainty]
            default:
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath + [CodingKeys.type],
                    debugDescription: "unknown systematic type '\(type)' (expected normsys, histosys, staterror or lumi)"))
            }
            let common: [CodingKeys] = [.name, .type, .samples]
            for key in CodingKeys.allCases where c.contains(key) && !(common + allowed).contains(key) {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath + [key], debugDescription: "'\(key.stringValue)' does not apply to a \(type)"))
            }
        }
    }

    /// What the optimisation minimises or maximises: the name of an ``AnalysisObjective`` in
    /// ``AnalysisObjectives`` (`cls`, `discovery` and `poi_uncertainty` are built in; a program
    /// can register more).
    public struct Objective: Sendable, Hashable, Decodable, RawRepresentable {
        public var rawValue: String

        public init(rawValue: String) { self.rawValue = rawValue }

        /// Expected CLs at μ = 1 (lower is better).
        public static let cls = Objective(rawValue: "cls")
        /// Expected discovery significance (maximised).
        public static let discovery = Objective(rawValue: "discovery")
        /// The POI's expected uncertainty from the Fisher information (INFERNO; minimised).
        public static let poiUncertainty = Objective(rawValue: "poi_uncertainty")
        /// The networks trained as signal/background classifiers (``CrossEntropyFunction``).
        public static let crossEntropy = Objective(rawValue: "cross_entropy")

        public init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            guard AnalysisObjectives.named(text) != nil || text == Self.crossEntropy.rawValue else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath,
                    debugDescription: "unknown objective '\(text)' (expected \(AnalysisObjectives.names.joined(separator: ", ")))"))
            }
            self.rawValue = text
        }
    }

    /// Which relaxed histogram the optimisation fills.
    public enum HistogramKernel: String, Sendable, Equatable, Decodable, CaseIterable {
        /// Gaussian KDE integrated over the bins (relaxed/neos).
        case kde
        /// Sigmoid-relaxed bin edges.
        case sigmoid
    }

    /// Adam settings and the relaxation schedule.
    public struct Optimizer: Sendable, Equatable, Decodable {
        public var steps: Int
        public var learningRate: Double
        /// Factor on every relaxation scale and bandwidth at the first step …
        public var relaxationStart: Double
        /// … and at the last (geometric in between), so the soft analysis tends to the hard one.
        public var relaxationEnd: Double
        public var histogram: HistogramKernel
        /// Adam's step size for network weights (their scale is not the cuts').
        public var networkLearningRate: Double
        /// Both learning rates decay geometrically to this fraction at the last step (1: constant).
        public var learningRateDecay: Double
        /// The fraction of the (training) events each step fills, drawn afresh per step by a hash of
        /// the step and the events' entry numbers, its histograms scaled to the full sample (1: every event).
        public var batchFraction: Double

        enum CodingKeys: String, CodingKey, CaseIterable {
            case steps, learningRate = "learning_rate", relaxationStart = "relaxation_start"
            case relaxationEnd = "relaxation_end", histogram, networkLearningRate = "network_learning_rate"
            case learningRateDecay = "learning_rate_decay", batchFraction = "batch_fraction"
        }

        /// 100 steps at learning rate 0.05, relaxation factor from 1 to 0.2, KDE histograms.
        public init() {
            steps = 100
            learningRate = 0.05
            relaxationStart = 1
            relaxationEnd = 0.2
            histogram = .kde
            networkLearningRate = 0.01
            learningRateDecay = 1
            batchFraction = 1
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let defaults = Optimizer()
            steps = try c.decodeIfPresent(Int.self, forKey: .steps) ?? defaults.steps
            learningRate = try c.decodeIfPresent(Double.self, forKey: .learningRate) ?? defaults.learningRate
            relaxationStart = try c.decodeIfPresent(Double.self, forKey: .relaxationStart) ?? defaults.relaxationStart
            relaxationEnd = try c.decodeIfPresent(Double.self, forKey: .relaxationEnd) ?? defaults.relaxationEnd
            networkLearningRate = try c.decodeIfPresent(Double.self, forKey: .networkLearningRate) ?? defaults.networkLearningRate
            learningRateDecay = try c.decodeIfPresent(Double.self, forKey: .learningRateDecay) ?? defaults.learningRateDecay
            batchFraction = try c.decodeIfPresent(Double.self, forKey: .batchFraction) ?? defaults.batchFraction
            if let name = try c.decodeIfPresent(String.self, forKey: .histogram) {
                guard let kernel = HistogramKernel(rawValue: name) else {
                    throw DecodingError.dataCorrupted(.init(
                        codingPath: c.codingPath + [CodingKeys.histogram],
                        debugDescription: "unknown histogram '\(name)' (expected kde or sigmoid)"))
                }
                histogram = kernel
            } else {
                histogram = defaults.histogram
            }
        }
    }

    /// The held-out part of the events (absent: the optimiser sees every event).
    public struct Validation: Sendable, Equatable, Decodable {
        /// The fraction of the events, chosen by a hash of each event's file and entry number,
        /// that the optimiser never sees.
        public var fraction: Double
        /// Mixed into the hash: another seed gives another split of the same fraction.
        public var seed: UInt64
        /// Stop when the validation objective has not improved for this many steps, and keep θ
        /// of its best step (absent: run every step).
        public var earlyStopping: Int?

        enum CodingKeys: String, CodingKey, CaseIterable { case fraction, seed, earlyStopping = "early_stopping" }

        public init(fraction: Double, seed: UInt64 = 0, earlyStopping: Int? = nil) {
            self.fraction = fraction
            self.seed = seed
            self.earlyStopping = earlyStopping
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let c = try decoder.container(keyedBy: CodingKeys.self)
            fraction = try c.decode(Double.self, forKey: .fraction)
            seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0
            earlyStopping = try c.decodeIfPresent(Int.self, forKey: .earlyStopping)
        }
    }

    public var samples: [Sample]
    public var regions: [Region]
    public var parameters: [Parameter]
    /// Networks used as observables; their weights follow the parameters in θ.
    public var networks: [Network]
    public var systematics: [Systematic]
    /// Name of the signal-strength normfactor.
    public var poi: String
    public var objective: Objective
    public var optimizer: Optimizer
    /// Value of `x[i]` past the end of an array and of min/max of an empty one.
    public var outOfRangeDefault: Double
    /// The train/validation split of the events (nil: no split).
    public var validation: Validation?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case samples, regions, parameters, networks, systematics, poi, objective, optimizer, validation
        case outOfRangeDefault = "out_of_range_default"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        samples = try c.decode([Sample].self, forKey: .samples)
        regions = try c.decode([Region].self, forKey: .regions)
        parameters = try c.decodeIfPresent([Parameter].self, forKey: .parameters) ?? []
        networks = try c.decodeIfPresent([Network].self, forKey: .networks) ?? []
        systematics = try c.decodeIfPresent([Systematic].self, forKey: .systematics) ?? []
        poi = try c.decodeIfPresent(String.self, forKey: .poi) ?? "mu"
        objective = try c.decodeIfPresent(Objective.self, forKey: .objective) ?? .cls
        optimizer = try c.decodeIfPresent(Optimizer.self, forKey: .optimizer) ?? Optimizer()
        outOfRangeDefault = try c.decodeIfPresent(Double.self, forKey: .outOfRangeDefault) ?? 0
        validation = try c.decodeIfPresent(Validation.self, forKey: .validation)
    }

    /// Decodes a config from YAML (JSON is YAML too, but `.json` files go through JSONDecoder
    /// for its stricter syntax).
    ///
    /// - Parameter file: the name used in error messages.
    public static func decode(_ text: String, json: Bool = false, file: String? = nil) throws(ConfigError) -> AnalysisConfig {
        guard text.utf8.count <= AnalysisLimits.configBytes else {
            throw ConfigError(
                file: file, path: "", message: "the config is \(text.utf8.count) bytes, over the limit of \(AnalysisLimits.configBytes)")
        }
        do {
            if json {
                return try JSONDecoder().decode(AnalysisConfig.self, from: Data(text.utf8))
            }
            try YAMLShape.check(text, file: file)
            return try YAMLDecoder().decode(AnalysisConfig.self, from: text)
        } catch let error as ConfigError {
            throw error
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty, let underlying = context.underlyingError {
                throw ConfigError(file: file, path: "", message: "not valid \(json ? "JSON" : "YAML"): \(underlying)")
            }
            throw ConfigError(error, file: file)
        } catch {
            throw ConfigError(file: file, path: "", message: "not valid \(json ? "JSON" : "YAML"): \(error)")
        }
    }

    /// Reads and decodes the config at `url` (JSON if the extension is `.json`, YAML otherwise).
    public static func load(contentsOf url: URL) throws(ConfigError) -> AnalysisConfig {
        // A FIFO or device would block the read, a huge file exhaust memory: check before opening.
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            throw ConfigError(file: url.path, path: "", message: "cannot read the file (\(String(cString: strerror(errno))))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw ConfigError(file: url.path, path: "", message: "not a regular file")
        }
        guard info.st_size <= AnalysisLimits.configBytes else {
            throw ConfigError(
                file: url.path, path: "", message: "the config is \(info.st_size) bytes, over the limit of \(AnalysisLimits.configBytes)")
        }
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ConfigError(file: url.path, path: "", message: "cannot read the file (\(error.localizedDescription))")
        }
        return try decode(text, json: url.pathExtension.lowercased() == "json", file: url.path)
    }
}
