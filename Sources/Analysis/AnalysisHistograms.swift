import DiffColumns

/// The events of an analysis, in memory: one table per sample, plus the alternative ntuples of
/// histosys systematics built from other files.
public struct AnalysisEvents: Sendable {
    /// Per sample, in ``ResolvedAnalysis/samples`` order.
    public var samples: [ColumnTable]
    /// Per files-histosys (keyed by its index in ``ResolvedAnalysis/systematics``): up and down ntuples.
    public var alternatives: [Int: (up: ColumnTable, down: ColumnTable)]

    /// Events for each sample and alternative ntuples.
    public init(samples: [ColumnTable], alternatives: [Int: (up: ColumnTable, down: ColumnTable)] = [:]) {
        self.samples = samples
        self.alternatives = alternatives
    }
}

/// Which template a histogram is.
public enum Variation: Hashable, Sendable {
    case nominal
    /// The up template of histosys `systematic` (index in ``ResolvedAnalysis/systematics``).
    case up(systematic: Int)
    /// The down template.
    case down(systematic: Int)
}

/// One histogram of the analysis: a region, a sample and a template.
public struct HistogramKey: Hashable, Sendable {
    public var region: Int
    public var sample: Int
    public var variation: Variation
}

/// A problem met while filling histograms.
public struct HistogramError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Fills every histogram an analysis needs (each region × sample, nominal and histosys
/// templates), hard (0/1 cuts, sharp edges — what `build` exports) or soft (relaxed cuts and
/// edges, with the Jacobian with respect to θ — what `optimize` differentiates).
public struct AnalysisHistograms: Sendable {
    public let analysis: ResolvedAnalysis
    public let events: AnalysisEvents
    /// The histograms, in the order of every fill's result: region-major, then sample, nominal
    /// first and then the histosys templates affecting the sample (up, down) in systematic order.
    public let keys: [HistogramKey]

    /// - Throws: ``HistogramError`` if the events do not match the analysis.
    public init(analysis: ResolvedAnalysis, events: AnalysisEvents) throws(HistogramError) {
        guard events.samples.count == analysis.samples.count else {
            throw HistogramError(message: "\(events.samples.count) event tables for \(analysis.samples.count) samples")
        }
        var keys: [HistogramKey] = []
        for r in analysis.regions.indices {
            for s in analysis.samples.indices {
                keys.append(HistogramKey(region: r, sample: s, variation: .nominal))
                for (k, systematic) in analysis.systematics.enumerated() where systematic.samples.contains(s) {
                    guard case .histoSys(let source) = systematic.kind else { continue }
                    if case .files = source, events.alternatives[k] == nil {
                        throw HistogramError(message: "no alternative ntuples for histosys '\(systematic.name)'")
                    }
                    keys.append(HistogramKey(region: r, sample: s, variation: .up(systematic: k)))
                    keys.append(HistogramKey(region: r, sample: s, variation: .down(systematic: k)))
                }
            }
        }
        self.analysis = analysis
        self.events = events
        self.keys = keys
    }

    /// The hard histograms at θ (cuts are 0/1, edges sharp).
    public func fillHard(at theta: [Double]) throws -> [BinContents] {
        try fill { key, source, weight in
            let region = analysis.regions[key.region]
            let edges = try edgeValues(region, theta)
            var w = try weight.evaluate(on: source, parameters: theta)
            if let selection = region.selections[key.sample] {
                let pass = try selection.evaluate(on: source, parameters: theta)
                for i in w.indices { w[i] *= pass[i] }
            }
            let x = try region.observables[key.sample].evaluate(on: source, parameters: theta)
            return hardHistogram(observable: x, weights: w, edges: edges)
        }
    }

    /// The soft histograms at θ with their Jacobians.
    ///
    /// - Parameters:
    ///   - relaxation: factor on every parameter's relaxation scale and every region's bandwidth
    ///     (the optimiser's schedule lowers it towards the hard analysis).
    ///   - kernel: the relaxed histogram for regions with a bandwidth; regions without one have
    ///     fixed edges and are filled sharply (their derivatives come through the weights).
    public func fillSoft(
        at theta: [Double], relaxation: Double = 1, kernel: AnalysisConfig.HistogramKernel = .kde
    ) throws -> [LinearizedHistogram] {
        let scales = analysis.parameters.map { $0.relaxation * relaxation }
        let p = theta.count
        return try fill { key, source, weight in
            let region = analysis.regions[key.region]
            var w = try weight.evaluateSoft(on: source, parameters: theta, scales: scales)
            if let selection = region.selections[key.sample] {
                w = product(w, try selection.evaluateSoft(on: source, parameters: theta, scales: scales))
            }
            let x = try region.observables[key.sample].evaluateSoft(on: source, parameters: theta, scales: scales)
            guard let bandwidth = region.bandwidth else {
                // Without a bandwidth every edge is a constant (checked when the config was resolved).
                return binnedHistogram(observable: x.values, weights: w, edges: try edgeValues(region, theta))
            }
            // Relaxed edges need not increase: crossing edges give negative contents, not an error.
            let edges = region.edges.map { edge in
                switch edge {
                case .value(let v): DualScalar(constant: v, parameterCount: p)
                case .parameter(let k): DualScalar(parameter: k, value: theta[k], parameterCount: p)
                }
            }
            switch kernel {
            case .kde: return kdeHistogram(observable: x, weights: w, edges: edges, bandwidth: bandwidth * relaxation)
            case .sigmoid: return sigmoidHistogram(observable: x, weights: w, edges: edges, bandwidth: bandwidth * relaxation)
            }
        }
    }

    /// Runs `histogram` for every key with the key's event source and weight expression.
    private func fill<H>(_ histogram: (HistogramKey, any ColumnSource, CompiledExpression) throws -> H) throws -> [H] {
        try keys.map { key in
            var source: any ColumnSource = events.samples[key.sample]
            var weight = analysis.samples[key.sample].weight
            let (k, up): (Int?, Bool) = switch key.variation {
            case .nominal: (nil, true)
            case .up(let k): (k, true)
            case .down(let k): (k, false)
            }
            if let k, case .histoSys(let templates) = analysis.systematics[k].kind {
                switch templates {
                case .weights(let upWeights, let downWeights):
                    weight = (up ? upWeights : downWeights)[key.sample]!
                case .branches(let upRenames, let downRenames):
                    source = RenamedColumns(base: events.samples[key.sample], renames: up ? upRenames : downRenames)
                case .files:
                    let alternative = events.alternatives[k]!
                    source = up ? alternative.up : alternative.down
                }
            }
            return try histogram(key, source, weight)
        }
    }

    private func edgeValues(_ region: ResolvedAnalysis.Region, _ theta: [Double]) throws(HistogramError) -> [Double] {
        let edges = region.edges.map { edge in
            switch edge {
            case .value(let v): v
            case .parameter(let k): theta[k]
            }
        }
        for j in 1..<edges.count where !(edges[j] > edges[j - 1]) {
            throw HistogramError(message: "the edges of region '\(region.name)' do not increase: \(edges)")
        }
        return edges
    }
}

/// A column source that reads some branches under other names (a histosys's shifted branches).
struct RenamedColumns: ColumnSource {
    let base: ColumnTable
    let renames: [String: String]

    var eventCount: Int { base.eventCount }
    func shape(of branch: String) -> ColumnShape? { base.shape(of: renames[branch] ?? branch) }
    func column(named branch: String) throws -> DataColumn { try base.column(named: renames[branch] ?? branch) }
}

/// All soft histograms of an analysis as one function of θ for Swift's AD: the value lists, for
/// every key in order, the counts and then the sumw2 of the histogram.
public struct SoftHistograms: LinearizableFunction {
    public let histograms: AnalysisHistograms
    public let relaxation: Double
    public let kernel: AnalysisConfig.HistogramKernel

    /// Checks that the soft fill works on these events; it then works at every θ, because the
    /// errors it can report (missing or mismatched columns) do not depend on θ.
    public init(
        _ histograms: AnalysisHistograms, relaxation: Double = 1, kernel: AnalysisConfig.HistogramKernel = .kde
    ) throws {
        _ = try histograms.fillSoft(at: histograms.analysis.initialParameters, relaxation: relaxation, kernel: kernel)
        self.histograms = histograms
        self.relaxation = relaxation
        self.kernel = kernel
    }

    public func linearize(at parameters: [Double]) -> Linearization {
        let filled: [LinearizedHistogram]
        do {
            filled = try histograms.fillSoft(at: parameters, relaxation: relaxation, kernel: kernel)
        } catch {
            preconditionFailure("soft histograms failed after validation: \(error)")
        }
        var value: [Double] = [], jacobian: [Double] = []
        for h in filled {
            value += h.counts + h.sumw2
            jacobian += h.countsJacobian + h.sumw2Jacobian
        }
        return Linearization(value: value, jacobian: jacobian, parameterCount: parameters.count)
    }
}
