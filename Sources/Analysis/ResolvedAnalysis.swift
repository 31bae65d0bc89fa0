import DiffColumns
import Foundation
import ROOTIO

/// An analysis config checked against the ntuples' branches: names resolved, expressions
/// compiled for every sample they apply to, parameters indexed (θ follows `parameters`' order).
public struct ResolvedAnalysis: Sendable {
    /// A parameter with its place in θ.
    public struct Parameter: Sendable, Equatable {
        public var name: String
        public var initial: Double
        public var bounds: ClosedRange<Double>
        public var relaxation: Double
        /// For axis labels (`cut_met [GeV]`).
        public var unit: String?
    }

    /// A bin edge: fixed, or θ[index].
    public enum Edge: Sendable, Equatable {
        case value(Double)
        case parameter(Int)
    }

    /// A sample with its compiled weight.
    public struct Sample: Sendable {
        public var name: String
        /// The ntuples (none for a sample read from histograms).
        public var files: [URL]
        public var tree: String
        public var weight: CompiledExpression
        public var isSignal: Bool
        /// Whether its templates are read from histograms (``ResolvedAnalysis/fixedTemplates``)
        /// rather than filled from events.
        public var isFixed: Bool = false
    }

    /// A region with its expressions compiled for each sample (same order as ``ResolvedAnalysis/samples``).
    public struct Region: Sendable {
        public var name: String
        public var edges: [Edge]
        public var bandwidth: Double?
        /// The observable's unit, for axis labels.
        public var unit: String?
        /// Per sample; nil when the region selects every event.
        public var selections: [CompiledExpression?]
        /// Per sample (a constant for a network region).
        public var observables: [CompiledExpression]
        /// The network whose output is histogrammed instead, if any.
        public var network: NetworkObservable?
    }

    /// A region's network observable: which network, and its input expressions per sample.
    public struct NetworkObservable: Sendable {
        /// Index into ``ResolvedAnalysis/networks``.
        public var network: Int
        /// Per sample, the feature expressions (parameter-free numbers per event).
        public var inputs: [[CompiledExpression]]
    }

    /// A histosys's templates.
    public enum TemplateSource: Sendable {
        /// Alternative weights, compiled per affected sample (keyed by sample index).
        case weights(up: [Int: CompiledExpression], down: [Int: CompiledExpression])
        /// Branch substitutions (already checked to exist with the same shape).
        case branches(up: [String: String], down: [String: String])
        /// Alternative ntuples for the one affected sample.
        case files(up: [URL], down: [URL])
        /// None: every affected sample's templates are read from histograms (``ResolvedAnalysis/fixedTemplates``).
        case histogramsOnly
    }

    /// A systematic with resolved sample indices.
    public struct Systematic: Sendable {
        public enum Kind: Sendable {
            case normSys(lo: Double, hi: Double)
            case histoSys(TemplateSource)
            case statError
            case lumi(uncertainty: Double)
        }
        public var name: String
        /// Indices into ``ResolvedAnalysis/samples``.
        public var samples: [Int]
        public var kind: Kind
    }

    public var parameters: [Parameter]
    /// The networks with their initial weights (θ holds the parameters, then every network's weights).
    public var networks: [NeuralNetwork]
    public var networkNames: [String]
    public var samples: [Sample]
    public var regions: [Region]
    public var systematics: [Systematic]
    /// The templates read from histograms, by key: constants of every fill, not filled from events.
    public var fixedTemplates: [HistogramKey: FixedTemplate] = [:]
    public var poi: String
    public var objective: AnalysisConfig.Objective
    public var optimizer: AnalysisConfig.Optimizer
    /// The train/validation split (nil: the optimiser sees every event).
    public var validation: AnalysisConfig.Validation?

    /// θ at the parameters' initial values, followed by the networks' weights.
    public var initialParameters: [Double] { parameters.map(\.initial) + networks.flatMap(\.weights) }

    /// The cut parameters' part of θ (what expressions read).
    func cutParameters(_ theta: [Double]) -> [Double] { Array(theta.prefix(parameters.count)) }

    /// Where network `n`'s weights are in θ.
    public func weightRange(ofNetwork n: Int) -> Range<Int> {
        let start = parameters.count + networks[..<n].reduce(0) { $0 + $1.weights.count }
        return start..<start + networks[n].weights.count
    }

    /// Network `n` with its weights from θ.
    public func network(_ n: Int, at theta: [Double]) -> NeuralNetwork {
        var network = networks[n]
        network.weights = Array(theta[weightRange(ofNetwork: n)])
        return network
    }

    /// The networks with their weights from θ.
    public func networks(at theta: [Double]) -> [NeuralNetwork] { networks.indices.map { network($0, at: theta) } }

    /// The analysis with some parameters' initial values replaced (`hepkit build --set name=value`).
    ///
    /// - Throws: ``ConfigError`` for an unknown name or a value outside the parameter's bounds.
    public func setting(_ values: [String: Double]) throws(ConfigError) -> ResolvedAnalysis {
        var copy = self
        for (name, value) in values.sorted(by: { $0.key < $1.key }) {
            guard let k = parameters.firstIndex(where: { $0.name == name }) else {
                let hint = closestName(to: name, among: parameters.map(\.name)).map { " (did you mean '\($0)'?)" } ?? ""
                throw ConfigError(path: "", message: "--set \(name): unknown parameter\(hint)")
            }
            guard parameters[k].bounds.contains(value) else {
                throw ConfigError(
                    path: "", message: "--set \(name): \(value) is outside the bounds [\(parameters[k].bounds.lowerBound), \(parameters[k].bounds.upperBound)]")
            }
            copy.parameters[k].initial = value
        }
        return copy
    }

    /// The branches the expressions of sample `s` read: its weight and every region's selection
    /// and observable, and with `systematics` also its histosys weights and the replacement
    /// branches of its shifted-branch histosys.
    public func branchesRead(bySample s: Int, systematics includeSystematics: Bool = true) -> Set<String> {
        Self.branchesRead(bySample: s, samples: samples, regions: regions, systematics: includeSystematics ? systematics : [])
    }

    static func branchesRead(
        bySample s: Int, samples: [Sample], regions: [Region], systematics: [Systematic]
    ) -> Set<String> {
        var used = Set(samples[s].weight.branches)
        for region in regions {
            used.formUnion(region.observables[s].branches)
            for input in region.network?.inputs[s] ?? [] { used.formUnion(input.branches) }
            used.formUnion(region.selections[s]?.branches ?? [])
        }
        for systematic in systematics where systematic.samples.contains(s) {
            switch systematic.kind {
            case .histoSys(.weights(let up, let down)):
                used.formUnion(up[s]?.branches ?? [])
                used.formUnion(down[s]?.branches ?? [])
            case .histoSys(.branches(let up, let down)):
                used.formUnion(up.values)
                used.formUnion(down.values)
            default:
                break
            }
        }
        return used
    }
}

/// Lists the branches (and their shapes) of a tree in a set of files; throws if a file cannot be read.
public typealias BranchCatalog = (_ files: [URL], _ tree: String) throws -> [String: ColumnShape]

extension AnalysisConfig {
    /// Checks the config's meaning against the ntuples and compiles its expressions.
    ///
    /// - Parameters:
    ///   - baseDirectory: where relative file paths start (the config file's directory).
    ///   - branches: the branch catalogue of a tree in a set of files.
    ///   - histograms: reads the histograms of samples and systematics read from histograms.
    /// - Throws: ``ConfigError`` naming the first offending place in the config.
    public func resolve(
        baseDirectory: URL, branches: @escaping BranchCatalog, histograms: @escaping HistogramCatalog = InputHistogram.Reader().read
    ) throws(ConfigError) -> ResolvedAnalysis {
        try Resolver(config: self, baseDirectory: baseDirectory, catalog: branches, histogramCatalog: histograms).resolve()
    }
}

/// The checks behind ``AnalysisConfig/resolve(baseDirectory:branches:)``, in config order.
struct Resolver {
    let config: AnalysisConfig
    let baseDirectory: URL
    let catalog: BranchCatalog
    let histogramCatalog: HistogramCatalog
    let root = ConfigPath.root

    func resolve() throws(ConfigError) -> ResolvedAnalysis {
        try checkCounts()
        try requireNumber(config.outOfRangeDefault, at: root.key("out_of_range_default"))
        let parameters = try resolveParameters()
        let names = parameters.map(\.name)
        let options = ExpressionOptions(outOfRangeDefault: config.outOfRangeDefault)
        let (samples, schemas) = try resolveSamples(parameterNames: names, options: options)
        var networks = try resolveNetworks()
        let regions = try resolveRegions(
            parameterNames: names, schemas: schemas, parameters: parameters, options: options, networks: &networks)
        if let unused = networks.firstIndex(where: { $0 == nil }) {
            throw root.key("networks").index(unused).key("name").error(
                "network '\(config.networks[unused].name)' is the observable of no region")
        }
        let systematics = try resolveSystematics(
            parameterNames: names, schemas: schemas, options: options, samples: samples, regions: regions)
        try checkPOI()
        try checkOptimizer()
        try checkValidation()
        try checkTotalBins(systematics, networkWeights: networks.reduce(0) { $0 + ($1?.weights.count ?? 0) })
        let fixedTemplates = try resolveFixedTemplates(samples, regions: regions, systematics: systematics)
        return ResolvedAnalysis(
            parameters: parameters, networks: networks.compactMap { $0 }, networkNames: config.networks.map(\.name), samples: samples, regions: regions, systematics: systematics,
            fixedTemplates: fixedTemplates, poi: config.poi,
            objective: config.objective, optimizer: config.optimizer, validation: config.validation)
    }

    /// Fails if `path` lists more than `limit` entries.
    func requireAtMost(_ count: Int, _ limit: Int, at path: ConfigPath, what: String) throws(ConfigError) {
        guard count <= limit else { throw path.error("\(count) \(what) exceed the limit of \(limit)") }
    }

    /// Fails unless `x` is finite and within ``AnalysisLimits/magnitude``.
    func requireNumber(_ x: Double, at path: ConfigPath) throws(ConfigError) {
        guard x.isFinite else { throw path.error("must be a finite number, found \(x)") }
        guard abs(x) <= AnalysisLimits.magnitude else {
            throw path.error("\(x) is beyond the limit of ±\(AnalysisLimits.magnitude)")
        }
    }

    /// The list sizes, before any of them is walked.
    func checkCounts() throws(ConfigError) {
        try requireAtMost(config.samples.count, AnalysisLimits.samples, at: root.key("samples"), what: "samples")
        try requireAtMost(config.regions.count, AnalysisLimits.regions, at: root.key("regions"), what: "regions")
        try requireAtMost(config.parameters.count, AnalysisLimits.parameters, at: root.key("parameters"), what: "parameters")
        try requireAtMost(
            config.systematics.count, AnalysisLimits.systematics, at: root.key("systematics"), what: "systematics")
        for (i, s) in config.samples.enumerated() {
            try requireAtMost(
                s.files.count, AnalysisLimits.filesPerSample, at: root.key("samples").index(i).key("files"), what: "files")
        }
        for (i, r) in config.regions.enumerated() {
            try requireAtMost(r.edges.count, AnalysisLimits.edges, at: root.key("regions").index(i).key("edges"), what: "edges")
        }
        for (i, syst) in config.systematics.enumerated() {
            guard case .histoSys(.files(let up, let down)) = syst.kind else { continue }
            let here = root.key("systematics").index(i)
            try requireAtMost(up.count, AnalysisLimits.filesPerSample, at: here.key("files_up"), what: "files")
            try requireAtMost(down.count, AnalysisLimits.filesPerSample, at: here.key("files_down"), what: "files")
        }
    }

    /// Every histogram is a region's bins for a sample and template: their total bounds the
    /// memory of each fill and of the workspace.
    func checkTotalBins(_ systematics: [ResolvedAnalysis.Systematic], networkWeights: Int = 0) throws(ConfigError) {
        var templates = 0
        for s in config.samples.indices {
            templates += 1
            for systematic in systematics where systematic.samples.contains(s) {
                if case .histoSys = systematic.kind { templates += 2 }
            }
        }
        let bins = config.regions.reduce(0) { $0 + $1.edges.count - 1 }
        let (total, overflow) = bins.multipliedReportingOverflow(by: templates)
        guard !overflow, total <= AnalysisLimits.totalBins else {
            throw root.key("regions").error(
                "\(bins) bins × \(templates) sample templates exceed the limit of \(AnalysisLimits.totalBins) histogram bins")
        }
        // total ≤ 10^6 and at most 100 parameters: no overflow.
        guard total * (1 + config.parameters.count) <= AnalysisLimits.totalDerivatives else {
            throw root.key("parameters").error(
                "\(total) histogram bins × (1 + \(config.parameters.count) parameters) exceed the limit of "
                    + "\(AnalysisLimits.totalDerivatives) values and derivatives")
        }
        // The soft histograms carry a (zero) Jacobian column per network weight too; ≤ 16 × 10^5 weights: no overflow.
        guard networkWeights == 0 || total * (1 + config.parameters.count + networkWeights) <= AnalysisLimits.totalDerivatives else {
            throw root.key("networks").error(
                "\(total) histogram bins × (1 + \(config.parameters.count) parameters + \(networkWeights) network weights) exceed "
                    + "the limit of \(AnalysisLimits.totalDerivatives) values and derivatives")
        }
    }

    func requireUnique(_ names: [String], at path: ConfigPath, what: String) throws(ConfigError) {
        var seen = Set<String>()
        for (i, name) in names.enumerated() {
            guard !name.isEmpty else { throw path.index(i).key("name").error("the \(what) name is empty") }
            guard seen.insert(name).inserted else {
                throw path.index(i).key("name").error("duplicate \(what) name '\(name)'")
            }
        }
    }

    func url(_ file: String) -> URL {
        if ROOTFile.isRemote(file), let remote = URL(string: file) { return remote }
        return file.hasPrefix("/") ? URL(fileURLWithPath: file) : baseDirectory.appendingPathComponent(file)
    }

    func resolveParameters() throws(ConfigError) -> [ResolvedAnalysis.Parameter] {
        let path = root.key("parameters")
        try requireUnique(config.parameters.map(\.name), at: path, what: "parameter")
        var resolved: [ResolvedAnalysis.Parameter] = []
        for (i, p) in config.parameters.enumerated() {
            let here = path.index(i)
            guard case .name(p.name)? = try? Expression.parse(p.name).node else {
                throw here.key("name").error("'\(p.name)' cannot be used in expressions; use letters, digits and '_'")
            }
            try requireNumber(p.initial, at: here.key("init"))
            for (j, bound) in p.bounds.enumerated() { try requireNumber(bound, at: here.key("bounds").index(j)) }
            try requireNumber(p.relaxation, at: here.key("relaxation"))
            guard p.bounds.count == 2, p.bounds[0] < p.bounds[1] else {
                throw here.key("bounds").error("expected [lower, upper] with lower < upper, found \(p.bounds)")
            }
            guard (p.bounds[0]...p.bounds[1]).contains(p.initial) else {
                throw here.key("init").error("\(p.initial) is outside the bounds [\(p.bounds[0]), \(p.bounds[1])]")
            }
            guard p.relaxation > 0 else { throw here.key("relaxation").error("must be positive, found \(p.relaxation)") }
            resolved.append(.init(name: p.name, initial: p.initial, bounds: p.bounds[0]...p.bounds[1], relaxation: p.relaxation, unit: p.unit))
        }
        return resolved
    }

    func schema(_ files: [URL], _ tree: String, at path: ConfigPath) throws(ConfigError) -> [String: ColumnShape] {
        do {
            return try catalog(files, tree)
        } catch let error as ConfigError {
            throw error
        } catch {
            throw path.error("\(error)")
        }
    }

    func compile(
        _ source: String, at path: ConfigPath, sample: String?, branches: [String: ColumnShape], parameterNames: [String],
        options: ExpressionOptions, kind: ExpressionType.Kind
    ) throws(ConfigError) -> CompiledExpression {
        do {
            return try CompiledExpression(
                source, environment: ExpressionEnvironment(branches: branches, parameters: parameterNames), options: options,
                expecting: kind)
        } catch {
            let context = sample.map { " (branches of sample '\($0)')" } ?? ""
            throw path.error("\(error)\(context)")
        }
    }

    func resolveSamples(
        parameterNames: [String], options: ExpressionOptions
    ) throws(ConfigError) -> ([ResolvedAnalysis.Sample], [[String: ColumnShape]]) {
        let path = root.key("samples")
        guard !config.samples.isEmpty else { throw path.error("at least one sample is needed") }
        try requireUnique(config.samples.map(\.name), at: path, what: "sample")
        guard config.samples.contains(where: \.signal) else {
            throw path.error("no sample is marked 'signal: true' (the POI '\(config.poi)' scales the signal samples)")
        }
        var samples: [ResolvedAnalysis.Sample] = []
        var schemas: [[String: ColumnShape]] = []
        for (i, s) in config.samples.enumerated() {
            let here = path.index(i)
            if s.histogram != nil {
                // No events: the weight is a placeholder that no fill evaluates.
                let weight = try compile("1", at: here.key("histogram"), sample: nil, branches: [:], parameterNames: [], options: options, kind: .number)
                samples.append(.init(name: s.name, files: [], tree: "", weight: weight, isSignal: s.signal, isFixed: true))
                schemas.append([:])
                continue
            }
            guard !s.files.isEmpty else { throw here.key("files").error("at least one file is needed") }
            let files = s.files.map(url)
            let branches = try schema(files, s.tree, at: here.key("files"))
            let weight = try compile(
                s.weight, at: here.key("weight"), sample: nil, branches: branches, parameterNames: parameterNames,
                options: options, kind: .number)
            samples.append(.init(name: s.name, files: files, tree: s.tree, weight: weight, isSignal: s.signal))
            schemas.append(branches)
        }
        return (samples, schemas)
    }

    /// Checks the networks' declarations; each gets its weights when a region names it (the
    /// number of inputs comes from there).
    func resolveNetworks() throws(ConfigError) -> [NeuralNetwork?] {
        let path = root.key("networks")
        try requireAtMost(config.networks.count, AnalysisLimits.networks, at: path, what: "networks")
        try requireUnique(config.networks.map(\.name), at: path, what: "network")
        for (i, network) in config.networks.enumerated() {
            let here = path.index(i)
            try requireAtMost(network.layers.count, AnalysisLimits.networkLayers, at: here.key("layers"), what: "layers")
            for (j, width) in network.layers.enumerated() where !(1...AnalysisLimits.networkWidth).contains(width) {
                throw here.key("layers").index(j).error("a layer's width must be between 1 and \(AnalysisLimits.networkWidth), found \(width)")
            }
            switch network.output {
            case .sigmoid where network.outputs != 1:
                throw here.key("outputs").error("a sigmoid network has one output, found \(network.outputs)")
            case .softmax where !(2...AnalysisLimits.edges).contains(network.outputs):
                throw here.key("outputs").error("a softmax network needs 2 to \(AnalysisLimits.edges) outputs (its bins), found \(network.outputs)")
            default:
                break
            }
        }
        return config.networks.map { _ in nil }
    }

    func resolveRegions(
        parameterNames: [String], schemas: [[String: ColumnShape]], parameters: [ResolvedAnalysis.Parameter],
        options: ExpressionOptions, networks: inout [NeuralNetwork?]
    ) throws(ConfigError) -> [ResolvedAnalysis.Region] {
        let path = root.key("regions")
        guard !config.regions.isEmpty else { throw path.error("at least one region is needed") }
        try requireUnique(config.regions.map(\.name), at: path, what: "region")
        var regions: [ResolvedAnalysis.Region] = []
        for (i, r) in config.regions.enumerated() {
            let here = path.index(i)
            let network = try r.network.map { (observable) throws(ConfigError) in
                try resolveNetworkObservable(observable, at: here, schemas: schemas, options: options, networks: &networks)
            }
            let edges: [ResolvedAnalysis.Edge]
            if let network, config.networks[network.network].output == .softmax {
                guard r.edges.isEmpty else {
                    throw here.key("edges").error("a softmax network's outputs are the bins: leave out the edges")
                }
                edges = (0...config.networks[network.network].outputs).map { .value(Double($0)) }
            } else {
                edges = try resolveEdges(r, at: here, parameters: parameters)
                if network != nil, r.bandwidth == nil {
                    throw here.key("bandwidth").error("required for a network's score (the soft histogram's edge width)")
                }
            }
            if network == nil, r.observable.isEmpty, let s = config.samples.firstIndex(where: { $0.histogram == nil }) {
                throw here.key("observable").error("required: sample '\(config.samples[s].name)' is filled from ntuples")
            }
            var selections: [CompiledExpression?] = []
            var observables: [CompiledExpression] = []
            for (s, sample) in config.samples.enumerated() {
                if sample.histogram != nil {
                    // A histogram sample has no events: placeholders that no fill evaluates.
                    selections.append(nil)
                    observables.append(try compile(
                        "0", at: here.key("observable"), sample: nil, branches: [:], parameterNames: [], options: options, kind: .number))
                    continue
                }
                let name = config.samples.count > 1 ? sample.name : nil
                selections.append(try r.selection.map { (source) throws(ConfigError) in
                    try compile(source, at: here.key("selection"), sample: name, branches: schemas[s],
                                parameterNames: parameterNames, options: options, kind: .boolean)
                })
                // A network region's events are binned by the network; its expression is a placeholder.
                observables.append(try compile(
                    network == nil ? r.observable : "0", at: here.key("observable"), sample: name, branches: schemas[s],
                    parameterNames: parameterNames, options: options, kind: .number))
            }
            regions.append(.init(
                name: r.name, edges: edges, bandwidth: r.bandwidth, unit: r.unit, selections: selections, observables: observables, network: network))
        }
        return regions
    }

    func resolveNetworkObservable(
        _ observable: AnalysisConfig.NetworkObservable, at here: ConfigPath,
        schemas: [[String: ColumnShape]], options: ExpressionOptions, networks: inout [NeuralNetwork?]
    ) throws(ConfigError) -> ResolvedAnalysis.NetworkObservable {
        let path = here.key("observable")
        guard let n = config.networks.firstIndex(where: { $0.name == observable.network }) else {
            let hint = closestName(to: observable.network, among: config.networks.map(\.name)).map { " (did you mean '\($0)'?)" } ?? ""
            throw path.key("network").error("unknown network '\(observable.network)'\(hint)")
        }
        guard !observable.inputs.isEmpty else { throw path.key("inputs").error("at least one input is needed") }
        try requireAtMost(observable.inputs.count, AnalysisLimits.networkWidth, at: path.key("inputs"), what: "inputs")
        let declared = config.networks[n]
        if let existing = networks[n], existing.inputCount != observable.inputs.count {
            throw path.key("inputs").error(
                "network '\(declared.name)' has \(existing.inputCount) inputs in another region, here \(observable.inputs.count)")
        }
        if networks[n] == nil {
            let sizes = [observable.inputs.count] + declared.layers + [declared.outputs]
            let count = NeuralNetwork.weightCount(layerSizes: sizes)
            guard count <= AnalysisLimits.networkWeights else {
                throw root.key("networks").index(n).key("layers").error(
                    "\(count) weights exceed the limit of \(AnalysisLimits.networkWeights)")
            }
            networks[n] = NeuralNetwork(
                inputCount: observable.inputs.count, hidden: declared.layers, outputCount: declared.outputs,
                activation: declared.activation, output: declared.output, seed: declared.initSeed)
        }
        var inputs: [[CompiledExpression]] = []
        for (s, sample) in config.samples.enumerated() {
            let name = config.samples.count > 1 ? sample.name : nil
            var perSample: [CompiledExpression] = []
            for (j, written) in observable.inputs.enumerated() {
                // A histogram sample has no events to evaluate the features on.
                let source = sample.histogram == nil ? written : "0"
                // Without parameter names: a network's features do not depend on θ.
                perSample.append(try compile(
                    source, at: path.key("inputs").index(j), sample: name, branches: schemas[s], parameterNames: [],
                    options: options, kind: .number))
            }
            inputs.append(perSample)
        }
        return .init(network: n, inputs: inputs)
    }

    func resolveEdges(
        _ region: AnalysisConfig.Region, at here: ConfigPath, parameters: [ResolvedAnalysis.Parameter]
    ) throws(ConfigError) -> [ResolvedAnalysis.Edge] {
        let path = here.key("edges")
        guard region.edges.count >= 2 else { throw path.error("at least two edges are needed") }
        var edges: [ResolvedAnalysis.Edge] = []
        var initialValues: [Double] = []
        for (j, edge) in region.edges.enumerated() {
            switch edge {
            case .value(let v):
                guard v.isFinite else { throw path.index(j).error("edges must be finite") }
                try requireNumber(v, at: path.index(j))
                edges.append(.value(v))
                initialValues.append(v)
            case .parameter(let name):
                guard let k = parameters.firstIndex(where: { $0.name == name }) else {
                    let hint = closestName(to: name, among: parameters.map(\.name)).map { " (did you mean '\($0)'?)" } ?? ""
                    throw path.index(j).error("unknown parameter '\(name)'\(hint)")
                }
                edges.append(.parameter(k))
                initialValues.append(parameters[k].initial)
            }
        }
        for j in 1..<initialValues.count where initialValues[j] <= initialValues[j - 1] {
            throw path.index(j).error(
                "edges must increase; \(initialValues[j]) follows \(initialValues[j - 1]) (with parameters at their initial values)")
        }
        // Parameter bounds must keep the edges ordered wherever the optimiser or a scan moves them.
        func range(_ edge: ResolvedAnalysis.Edge) -> ClosedRange<Double> {
            switch edge {
            case .value(let v): v...v
            case .parameter(let k): parameters[k].bounds
            }
        }
        for j in 1..<edges.count where range(edges[j]).lowerBound <= range(edges[j - 1]).upperBound {
            throw path.index(j).error(
                "edge \(region.edges[j].text) (range \(range(edges[j]))) can reach edge \(region.edges[j - 1].text) "
                    + "(range \(range(edges[j - 1]))); make the parameters' bounds keep the edges apart")
        }
        let parametric = edges.contains { if case .parameter = $0 { true } else { false } }
        if let bandwidth = region.bandwidth {
            try requireNumber(bandwidth, at: here.key("bandwidth"))
            guard bandwidth > 0 else { throw here.key("bandwidth").error("must be positive, found \(bandwidth)") }
        } else if parametric {
            throw here.key("bandwidth").error("required because some edges are parameters (the soft histogram's edge width)")
        }
        return edges
    }

    func resolveSystematics(
        parameterNames: [String], schemas: [[String: ColumnShape]], options: ExpressionOptions,
        samples resolvedSamples: [ResolvedAnalysis.Sample], regions: [ResolvedAnalysis.Region]
    ) throws(ConfigError) -> [ResolvedAnalysis.Systematic] {
        let path = root.key("systematics")
        try requireUnique(config.systematics.map(\.name), at: path, what: "systematic")
        var systematics: [ResolvedAnalysis.Systematic] = []
        var seenKinds: Set<String> = []
        for (i, syst) in config.systematics.enumerated() {
            let here = path.index(i)
            guard syst.name != config.poi else { throw here.key("name").error("'\(syst.name)' is the POI's name") }
            var indices: [Int] = []
            for (j, name) in (syst.samples ?? config.samples.map(\.name)).enumerated() {
                guard let s = config.samples.firstIndex(where: { $0.name == name }) else {
                    throw here.key("samples").index(j).error("unknown sample '\(name)'")
                }
                indices.append(s)
            }
            let kind: ResolvedAnalysis.Systematic.Kind
            switch syst.kind {
            case .normSys(let lo, let hi):
                try requireNumber(lo, at: here.key("lo"))
                try requireNumber(hi, at: here.key("hi"))
                guard lo > 0 else { throw here.key("lo").error("must be positive, found \(lo)") }
                guard hi > 0 else { throw here.key("hi").error("must be positive, found \(hi)") }
                kind = .normSys(lo: lo, hi: hi)
            case .statError:
                guard seenKinds.insert("staterror").inserted else { throw here.key("type").error("only one staterror is allowed") }
                kind = .statError
            case .lumi(let uncertainty):
                guard seenKinds.insert("lumi").inserted else { throw here.key("type").error("only one lumi is allowed") }
                try requireNumber(uncertainty, at: here.key("uncertainty"))
                guard uncertainty > 0 else { throw here.key("uncertainty").error("must be positive, found \(uncertainty)") }
                kind = .lumi(uncertainty: uncertainty)
            case .histoSys(let source):
                try checkTemplateSources(syst, samples: indices, at: here)
                kind = .histoSys(try resolveTemplates(
                    source, at: here, samples: indices.filter { config.samples[$0].histogram == nil }, schemas: schemas, parameterNames: parameterNames, options: options,
                    used: { s in
                        // An alternative ntuple is a template of its own: only the nominal expressions read it.
                        ResolvedAnalysis.branchesRead(bySample: s, samples: resolvedSamples, regions: regions, systematics: [])
                    }))
            }
            systematics.append(.init(name: syst.name, samples: indices, kind: kind))
        }
        return systematics
    }

    func resolveTemplates(
        _ source: AnalysisConfig.Systematic.TemplateSource, at here: ConfigPath, samples: [Int],
        schemas: [[String: ColumnShape]], parameterNames: [String], options: ExpressionOptions,
        used: (Int) -> Set<String>
    ) throws(ConfigError) -> ResolvedAnalysis.TemplateSource {
        switch source {
        case .weights(let up, let down):
            var compiledUp: [Int: CompiledExpression] = [:], compiledDown: [Int: CompiledExpression] = [:]
            for s in samples {
                let name = samples.count > 1 ? config.samples[s].name : nil
                compiledUp[s] = try compile(up, at: here.key("weight_up"), sample: name, branches: schemas[s],
                                            parameterNames: parameterNames, options: options, kind: .number)
                compiledDown[s] = try compile(down, at: here.key("weight_down"), sample: name, branches: schemas[s],
                                              parameterNames: parameterNames, options: options, kind: .number)
            }
            return .weights(up: compiledUp, down: compiledDown)
        case .branches(let up, let down):
            for (key, map) in [("branches_up", up), ("branches_down", down)] {
                for s in samples {
                    for (original, replacement) in map.sorted(by: { $0.key < $1.key }) {
                        let place = here.key(key).key(original)
                        guard let shape = schemas[s][original] else {
                            throw place.error("sample '\(config.samples[s].name)' has no branch '\(original)'")
                        }
                        guard let other = schemas[s][replacement] else {
                            throw place.error("sample '\(config.samples[s].name)' has no branch '\(replacement)'")
                        }
                        guard other == shape else {
                            throw place.error("'\(replacement)' is \(other == .jagged ? "jagged" : "scalar") but '\(original)' is not")
                        }
                    }
                }
            }
            return .branches(up: up, down: down)
        case .files(let up, let down):
            guard samples.count == 1, let s = samples.first else {
                throw here.key("samples").error("a histosys from alternative files applies to exactly one sample")
            }
            let sample = config.samples[s]
            var urls: [[URL]] = []
            for (key, files) in [("files_up", up), ("files_down", down)] {
                guard !files.isEmpty else { throw here.key(key).error("at least one file is needed") }
                let resolved = files.map(url)
                let branches = try schema(resolved, sample.tree, at: here.key(key))
                // Every expression of the sample must work on the alternative ntuples too.
                for branch in used(s).sorted() where branches[branch] != schemas[s][branch] {
                    throw here.key(key).error(
                        "the alternative ntuples lack branch '\(branch)' (or it has another shape), used by sample '\(sample.name)'")
                }
                urls.append(resolved)
            }
            return .files(up: urls[0], down: urls[1])
        case .histogramsOnly:
            // Read with the samples' histograms, once every region's edges are known.
            return .histogramsOnly
        }
    }

    /// `histogram_up`/`histogram_down` give the templates of the samples read from histograms,
    /// the other source those of the samples filled from ntuples: a fixed variation of a sample
    /// filled from ntuples would not follow its cuts, and a histogram sample has no events.
    func checkTemplateSources(_ systematic: AnalysisConfig.Systematic, samples: [Int], at here: ConfigPath) throws(ConfigError) {
        for s in samples {
            let name = config.samples[s].name
            if config.samples[s].histogram != nil, systematic.histograms == nil {
                throw here.key("samples").error(
                    "sample '\(name)' is read from a histogram: give its templates with histogram_up/histogram_down")
            }
            if config.samples[s].histogram == nil, case .histoSys(.histogramsOnly) = systematic.kind {
                throw here.key("samples").error(
                    "sample '\(name)' is filled from ntuples: histogram_up/histogram_down apply to samples read from histograms "
                        + "(list the samples, or add weight_up/weight_down, branches_up/branches_down or files_up/files_down for '\(name)')")
            }
        }
    }

    func checkPOI() throws(ConfigError) {
        guard case .name(config.poi)? = try? Expression.parse(config.poi).node else {
            throw root.key("poi").error("'\(config.poi)' is not a valid name")
        }
        if config.parameters.contains(where: { $0.name == config.poi }) {
            throw root.key("poi").error("'\(config.poi)' is also an analysis parameter")
        }
    }

    func checkValidation() throws(ConfigError) {
        guard let v = config.validation else { return }
        let path = root.key("validation")
        try requireNumber(v.fraction, at: path.key("fraction"))
        guard v.fraction > 0 && v.fraction < 1 else {
            throw path.key("fraction").error("must be between 0 and 1 (exclusive), found \(v.fraction)")
        }
        if let patience = v.earlyStopping {
            guard patience >= 1 else { throw path.key("early_stopping").error("must be at least 1 step, found \(patience)") }
        }
    }

    func checkOptimizer() throws(ConfigError) {
        let path = root.key("optimizer")
        let o = config.optimizer
        guard o.steps >= 1 else { throw path.key("steps").error("must be at least 1, found \(o.steps)") }
        guard o.steps <= AnalysisLimits.steps else {
            throw path.key("steps").error("\(o.steps) exceeds the limit of \(AnalysisLimits.steps) steps")
        }
        try requireNumber(o.learningRate, at: path.key("learning_rate"))
        try requireNumber(o.relaxationStart, at: path.key("relaxation_start"))
        try requireNumber(o.relaxationEnd, at: path.key("relaxation_end"))
        guard o.learningRate > 0 else { throw path.key("learning_rate").error("must be positive, found \(o.learningRate)") }
        try requireNumber(o.networkLearningRate, at: path.key("network_learning_rate"))
        try requireNumber(o.learningRateDecay, at: path.key("learning_rate_decay"))
        guard o.networkLearningRate > 0 else {
            throw path.key("network_learning_rate").error("must be positive, found \(o.networkLearningRate)")
        }
        guard o.learningRateDecay > 0 else { throw path.key("learning_rate_decay").error("must be positive, found \(o.learningRateDecay)") }
        try requireNumber(o.batchFraction, at: path.key("batch_fraction"))
        guard o.batchFraction > 0 && o.batchFraction <= 1 else {
            throw path.key("batch_fraction").error("must be in (0, 1], found \(o.batchFraction)")
        }
        guard o.relaxationStart > 0 else { throw path.key("relaxation_start").error("must be positive, found \(o.relaxationStart)") }
        guard o.relaxationEnd > 0 else { throw path.key("relaxation_end").error("must be positive, found \(o.relaxationEnd)") }
    }
}
