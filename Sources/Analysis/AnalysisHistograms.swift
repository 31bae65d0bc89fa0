import DiffColumns

/// The events of an analysis, in memory: one table per sample, plus the alternative ntuples of
/// histosys systematics built from other files.
public struct AnalysisEvents: Sendable {
    /// Per sample, in ``ResolvedAnalysis/samples`` order.
    public var samples: [ColumnTable]
    /// Per files-histosys (keyed by its index in ``ResolvedAnalysis/systematics``): up and down ntuples.
    public var alternatives: [Int: (up: ColumnTable, down: ColumnTable)]
    /// The rows of each table that came from one work item, in work-item order. A table not
    /// listed is one item. Hard histograms are filled per item and summed in this order, so a
    /// build split into shards and merged gives the same bits as one process.
    public var itemRows: [EventSource: [Range<Int>]]
    /// The file and entries of each work item of ``itemRows`` (absent: the rows are the entries
    /// of the source's first file in order). The train/validation split hashes them.
    public var itemEntries: [EventSource: [EntryRange]]
    /// The factor on every histogram's counts and sumw2 (1, or a split part's scale to the full
    /// sample, ``EventSplit/scale(validation:)``).
    public var weightScale: Double = 1

    /// Events for each sample and alternative ntuples.
    public init(
        samples: [ColumnTable], alternatives: [Int: (up: ColumnTable, down: ColumnTable)] = [:],
        itemRows: [EventSource: [Range<Int>]] = [:], itemEntries: [EventSource: [EntryRange]] = [:]
    ) {
        self.samples = samples
        self.alternatives = alternatives
        self.itemRows = itemRows
        self.itemEntries = itemEntries
    }

    /// The row ranges of the work items of `source`, whose table has `rowCount` rows.
    func rows(of source: EventSource, rowCount: Int) -> [Range<Int>] {
        itemRows[source] ?? [0..<rowCount]
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
///
/// Built once per run: the parts of the expressions that do not depend on θ are evaluated here,
/// so each fill only redoes the θ-dependent operations. Within a fill, an expression shared by
/// several histograms (a selection used by the nominal and weight-variation templates) is
/// evaluated once.
public struct AnalysisHistograms: Sendable {
    public let analysis: ResolvedAnalysis
    public let events: AnalysisEvents
    /// The histograms, in the order of every fill's result: region-major, then sample, nominal
    /// first and then the histosys templates affecting the sample (up, down) in systematic order.
    public let keys: [HistogramKey]
    /// Event tables (samples, shifted-branch views, alternative ntuples) with the precomputed parts.
    let tables: [ColumnTable]
    /// Per key: what to evaluate where.
    let plans: [HistogramPlan]
    /// Per key: the events it is filled from.
    let sources: [EventSource]
    /// The network features (events × inputs, row-major) by ``NetworkPlan/inputsKey``, evaluated once.
    let networkInputs: [String: [Double]]

    /// An expression prepared for one of ``tables``.
    struct PreparedExpression: Sendable {
        var table: Int
        var expression: CompiledExpression
        /// Identifies the evaluation within a fill (same table and text: same result).
        var memoKey: String { "\(table)|\(expression.source)" }
    }

    struct HistogramPlan: Sendable {
        var weight: PreparedExpression
        var selection: PreparedExpression?
        var observable: PreparedExpression
        /// The network binning the events instead of ``observable``.
        var network: NetworkPlan?
    }

    /// A network observable prepared for one table: its features' expressions.
    struct NetworkPlan: Sendable {
        var network: Int
        var inputs: [PreparedExpression]
        /// Identifies the feature matrix (same table and expressions: same features).
        var inputsKey: String { inputs.map(\.memoKey).joined(separator: "||") }
    }

    /// - Throws: ``HistogramError`` if the events do not match the analysis, or the evaluation's
    ///   error if an expression cannot be evaluated on them.
    public init(analysis: ResolvedAnalysis, events: AnalysisEvents) throws {
        guard events.samples.count == analysis.samples.count else {
            throw HistogramError(message: "\(events.samples.count) event tables for \(analysis.samples.count) samples")
        }
        var builder = PlanBuilder(tables: events.samples)
        var plans: [HistogramPlan] = []
        let layout = analysis.histogramLayout
        for (key, _) in layout {
            let s = key.sample, region = analysis.regions[key.region], weight = analysis.samples[s].weight
            /// `shifted`: the branches that differ from the nominal sample's (nil: all of them).
            func add(table: Int, shifted: Set<String>? = nil, weight: CompiledExpression) throws {
                // Expressions that read no shifted branch are the nominal ones.
                func place(_ e: CompiledExpression) -> Int {
                    guard let shifted else { return table }
                    return shifted.isDisjoint(with: e.branches) ? s : table
                }
                let selection = try region.selections[s].map { try builder.prepare($0, table: place($0)) }
                let network = try region.network.map { observable in
                    NetworkPlan(
                        network: observable.network,
                        inputs: try observable.inputs[s].map { try builder.prepare($0, table: place($0)) })
                }
                plans.append(HistogramPlan(
                    weight: try builder.prepare(weight, table: place(weight)), selection: selection,
                    observable: try builder.prepare(region.observables[s], table: place(region.observables[s])), network: network))
            }
            let k: Int, up: Bool
            switch key.variation {
            case .nominal:
                try add(table: s, weight: weight)
                continue
            case .up(let systematic): (k, up) = (systematic, true)
            case .down(let systematic): (k, up) = (systematic, false)
            }
            let systematic = analysis.systematics[k]
            guard case .histoSys(let templates) = systematic.kind else { preconditionFailure("a template of a non-histosys") }
            switch templates {
            case .weights(let upWeights, let downWeights):
                try add(table: s, weight: (up ? upWeights : downWeights)[s]!)
            case .branches(let upRenames, let downRenames):
                let renames = up ? upRenames : downRenames
                let table = try builder.table(id: "\(s)/\(k)/\(up)") {
                    var columns = events.samples[s].columns
                    for (original, replacement) in renames { columns[original] = columns[replacement] }
                    return try ColumnTable(columns)
                }
                try add(table: table, shifted: Set(renames.keys), weight: weight)
            case .files:
                guard let alternative = events.alternatives[k] else {
                    throw HistogramError(message: "no alternative ntuples for histosys '\(systematic.name)'")
                }
                let table = builder.table(id: "\(k)/\(up)") { up ? alternative.up : alternative.down }
                try add(table: table, weight: weight)
            case .histogramsOnly:
                preconditionFailure("a fixed template in the fill layout")
            }
        }
        self.analysis = analysis
        self.events = events
        self.keys = layout.map(\.key)
        self.sources = layout.map(\.source)
        self.plans = plans
        let tables = try builder.finish()
        self.tables = tables
        var networkInputs: [String: [Double]] = [:]
        for plan in plans {
            guard let network = plan.network, networkInputs[network.inputsKey] == nil else { continue }
            // Features are compiled without parameters.
            let columns = try network.inputs.map { try $0.expression.evaluate(on: tables[$0.table], parameters: []) }
            let n = columns.first?.count ?? 0, k = columns.count
            var matrix = [Double](repeating: 0, count: n * k)
            for (j, column) in columns.enumerated() {
                for e in 0..<n { matrix[e * k + j] = column[e] }
            }
            networkInputs[network.inputsKey] = matrix
        }
        self.networkInputs = networkInputs
    }

    /// Per event, the hard observable of a network region: the score of a sigmoid network, the
    /// middle of the most probable bin (`argmax + 0.5`) of a softmax one.
    func hardNetworkObservable(_ plan: NetworkPlan, at theta: [Double]) -> [Double] {
        let network = analysis.network(plan.network, at: theta)
        let outputs = network.evaluate(networkInputs[plan.inputsKey]!)
        guard network.output == .softmax else { return outputs }
        let k = network.outputCount
        return (0..<outputs.count / k).map { e in
            var best = 0
            for j in 1..<k where outputs[e * k + j] > outputs[e * k + best] { best = j }
            return outputs[e * k].isNaN ? .nan : Double(best) + 0.5
        }
    }

    /// The hard histograms at θ (cuts are 0/1, edges sharp): per key, the sum of its work items'
    /// histograms in item order (see ``AnalysisEvents/itemRows``).
    public func fillHard(at theta: [Double]) throws -> [BinContents] {
        var values = HardValues(self, at: theta)
        return try fillHard(&values)
    }

    /// ``fillHard(at:)`` from expression values that may already be evaluated.
    func fillHard(_ values: inout HardValues) throws -> [BinContents] {
        try zip(keys, fillHardPerItem(&values)).map { key, items in
            BinContents(summing: items, binCount: analysis.regions[key.region].edges.count - 1)
        }
    }

    /// Per key, the hard histogram at θ of every work item of its events, in item order.
    public func fillHardPerItem(at theta: [Double]) throws -> [[BinContents]] {
        var values = HardValues(self, at: theta)
        return try fillHardPerItem(&values)
    }

    /// ``fillHardPerItem(at:)`` from expression values that may already be evaluated.
    func fillHardPerItem(_ values: inout HardValues) throws -> [[BinContents]] {
        try keys.indices.map { i in
            let plan = plans[i]
            let edges = try edgeValues(analysis.regions[keys[i].region], values.theta)
            var w = try values.of(plan.weight)
            if let selection = plan.selection {
                let pass = try values.of(selection)
                for j in w.indices { w[j] *= pass[j] }
            }
            let x = try plan.network.map { hardNetworkObservable($0, at: values.theta) } ?? values.of(plan.observable)
            return events.rows(of: sources[i], rowCount: x.count).map { rows in
                let h = rows == x.indices
                    ? hardHistogram(observable: x, weights: w, edges: edges)
                    : hardHistogram(observable: Array(x[rows]), weights: Array(w[rows]), edges: edges)
                return events.weightScale == 1 ? h : h.scaled(by: events.weightScale)
            }
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
        try fillSoftPerItem(at: theta, relaxation: relaxation, kernel: kernel).enumerated().map { i, items in
            LinearizedHistogram(
                summing: items, binCount: analysis.regions[keys[i].region].edges.count - 1, parameterCount: theta.count)
        }
    }

    /// Per key, the soft histogram at θ of every work item of its events, in item order: summed in
    /// that order (``fillSoft(at:relaxation:kernel:)``), the result does not depend on how the
    /// items are spread over processes.
    public func fillSoftPerItem(
        at theta: [Double], relaxation: Double = 1, kernel: AnalysisConfig.HistogramKernel = .kde
    ) throws -> [[LinearizedHistogram]] {
        let cut = analysis.cutParameters(theta)
        var values = SoftValues(self, at: cut, relaxation: relaxation)
        // The Jacobians are filled over the cut parameters; the network weights' columns are
        // zero there (their gradient is the reverse-mode ``networkGradient``).
        let p = cut.count
        // Histograms of one region with the same observable share one pass over the events.
        var groups: [[Int]] = [], groupOf: [String: Int] = [:]
        for (i, (key, plan)) in zip(keys, plans).enumerated() {
            let id = "\(key.region)|\(plan.network?.inputsKey ?? plan.observable.memoKey)"
            if let g = groupOf[id] {
                groups[g].append(i)
            } else {
                groupOf[id] = groups.count
                groups.append([i])
            }
        }
        var results = [[LinearizedHistogram]?](repeating: nil, count: keys.count)
        for group in groups {
            let region = analysis.regions[keys[group[0]].region]
            let network = plans[group[0]].network.map { ($0, analysis.network($0.network, at: theta)) }
            // A network's outputs: the score (constant in the cut parameters), or the memberships.
            let outputs = network.map { plan, net in net.evaluate(networkInputs[plan.inputsKey]!) }
            let allX = try network.map { _ in DualColumn(constant: outputs!, parameterCount: p) }
                ?? values.of(plans[group[0]].observable)
            let allWeights = try group.map { try values.weight(of: plans[$0]) }
            // The keys of a group read one table, so they share their events' work items.
            let rows = events.rows(of: sources[group[0]], rowCount: allX.count)
            var perItem = group.map { _ in [LinearizedHistogram]() }
            for range in rows {
            let x = range == allX.values.indices ? allX : allX.rows(range)
            let weights = range == allX.values.indices ? allWeights : allWeights.map { $0.rows(range) }
            let filled: [LinearizedHistogram]
            if let (_, net) = network, net.output == .softmax, let outputs {
                let k = net.outputCount
                let memberships = range == allX.values.indices ? outputs : Array(outputs[range.lowerBound * k ..< range.upperBound * k])
                filled = membershipHistograms(memberships: memberships, binCount: k, weights: weights)
            } else if let bandwidth = region.bandwidth {
                // Relaxed edges need not increase: crossing edges give negative contents, not an error.
                let edges = region.edges.map { edge in
                    switch edge {
                    case .value(let v): DualScalar(constant: v, parameterCount: p)
                    case .parameter(let k): DualScalar(parameter: k, value: theta[k], parameterCount: p)
                    }
                }
                switch kernel {
                case .kde:
                    filled = softHistograms(
                        GaussianEdge.self, observable: x, weights: weights, edges: edges, bandwidth: bandwidth * relaxation)
                case .sigmoid:
                    filled = softHistograms(
                        SigmoidEdge.self, observable: x, weights: weights, edges: edges, bandwidth: bandwidth * relaxation)
                }
            } else {
                // Without a bandwidth every edge is a constant (checked when the config was resolved).
                let edges = try edgeValues(region, theta)
                filled = weights.map { binnedHistogram(observable: x.values, weights: $0, edges: edges) }
            }
            for (g, h) in filled.enumerated() {
                let scaled = events.weightScale == 1 ? h : h.scaled(by: events.weightScale)
                perItem[g].append(theta.count == p ? scaled : scaled.padded(to: theta.count))
            }
            }
            for (g, i) in group.enumerated() { results[i] = perItem[g] }
        }
        return results.map { $0! }
    }

    func edgeValues(_ region: ResolvedAnalysis.Region, _ theta: [Double]) throws(HistogramError) -> [Double] {
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

extension BinContents {
    /// Counts and sumw2 multiplied by `factor` (a split part's estimate of the full sample's).
    func scaled(by factor: Double) -> BinContents {
        BinContents(counts: counts.map { $0 * factor }, sumw2: sumw2.map { $0 * factor })
    }
}

extension LinearizedHistogram {
    /// The histogram with zero Jacobian columns appended up to `parameterCount` parameters.
    func padded(to count: Int) -> LinearizedHistogram {
        func pad(_ jacobian: [Double]) -> [Double] {
            var result = [Double](repeating: 0, count: binCount * count)
            for j in 0..<binCount {
                for k in 0..<parameterCount { result[j * count + k] = jacobian[j * parameterCount + k] }
            }
            return result
        }
        return LinearizedHistogram(
            counts: counts, sumw2: sumw2, parameterCount: count, countsJacobian: pad(countsJacobian), sumw2Jacobian: pad(sumw2Jacobian))
    }

    /// Counts, sumw2 and their Jacobians multiplied by `factor`.
    func scaled(by factor: Double) -> LinearizedHistogram {
        LinearizedHistogram(
            counts: counts.map { $0 * factor }, sumw2: sumw2.map { $0 * factor }, parameterCount: parameterCount,
            countsJacobian: countsJacobian.map { $0 * factor }, sumw2Jacobian: sumw2Jacobian.map { $0 * factor })
    }
}

/// The soft values of a histogram set's expressions at the cut parameters, each evaluated once per fill.
struct SoftValues {
    let histograms: AnalysisHistograms
    let cut: [Double]
    let scales: [Double]
    private var memo: [String: DualColumn] = [:]

    init(_ histograms: AnalysisHistograms, at cut: [Double], relaxation: Double) {
        self.histograms = histograms
        self.cut = cut
        self.scales = histograms.analysis.parameters.map { $0.relaxation * relaxation }
    }

    mutating func of(_ e: AnalysisHistograms.PreparedExpression) throws -> DualColumn {
        if let cached = memo[e.memoKey] { return cached }
        let v = try e.expression.evaluateSoft(on: histograms.tables[e.table], parameters: cut, scales: scales)
        memo[e.memoKey] = v
        return v
    }

    /// A histogram's soft weight: the weight times the soft selection.
    mutating func weight(of plan: AnalysisHistograms.HistogramPlan) throws -> DualColumn {
        let w = try of(plan.weight)
        return try plan.selection.map { product(w, try of($0)) } ?? w
    }
}

/// The hard values of a histogram set's expressions at one θ, each evaluated once however many
/// histograms and checks read it (the input checks and the fill of one workspace share them).
struct HardValues {
    let histograms: AnalysisHistograms
    let theta: [Double]
    private var memo: [String: [Double]] = [:]

    init(_ histograms: AnalysisHistograms, at theta: [Double]) {
        self.histograms = histograms
        self.theta = theta
    }

    mutating func of(_ e: AnalysisHistograms.PreparedExpression) throws -> [Double] {
        if let cached = memo[e.memoKey] { return cached }
        let v = try e.expression.evaluate(on: histograms.tables[e.table], parameters: histograms.analysis.cutParameters(theta))
        memo[e.memoKey] = v
        return v
    }
}

/// Collects the event tables and the precomputed columns of the expressions prepared for them.
struct PlanBuilder {
    var tables: [ColumnTable]
    var stores: [[String: DataColumn]]
    var ids: [String: Int] = [:]
    var prepared: [String: CompiledExpression] = [:]

    init(tables: [ColumnTable]) {
        self.tables = tables
        self.stores = tables.map { _ in [:] }
    }

    /// The index of the table `id`, made on first use.
    mutating func table(id: String, make: () throws -> ColumnTable) rethrows -> Int {
        if let index = ids[id] { return index }
        tables.append(try make())
        stores.append([:])
        ids[id] = tables.count - 1
        return tables.count - 1
    }

    mutating func prepare(_ expression: CompiledExpression, table: Int) throws -> AnalysisHistograms.PreparedExpression {
        let key = "\(table)|\(expression.source)"
        if let done = prepared[key] { return .init(table: table, expression: done) }
        let hoisted = try expression.hoistingParameterFreeParts(of: tables[table], into: &stores[table])
        prepared[key] = hoisted
        return .init(table: table, expression: hoisted)
    }

    /// The tables with their precomputed columns added.
    func finish() throws -> [ColumnTable] {
        try zip(tables, stores).map { table, store in
            try ColumnTable(table.columns.merging(store) { original, _ in original })
        }
    }
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

    /// The same fill on other events of the same analysis (a mini-batch): no new validation, the
    /// soft fill's errors depend on the columns, which the events share.
    func filling(_ histograms: AnalysisHistograms) -> SoftHistograms {
        SoftHistograms(validated: histograms, relaxation: relaxation, kernel: kernel)
    }

    private init(validated histograms: AnalysisHistograms, relaxation: Double, kernel: AnalysisConfig.HistogramKernel) {
        self.histograms = histograms
        self.relaxation = relaxation
        self.kernel = kernel
    }

    /// The same histograms with another relaxation factor (no new validation: it does not depend on it).
    public func relaxed(by relaxation: Double) -> SoftHistograms {
        SoftHistograms(validated: histograms, relaxation: relaxation, kernel: kernel)
    }

    /// Where a histogram's counts and sumw2 are in the value (and the Jacobian's rows).
    public func positions(of key: HistogramKey) -> (counts: Range<Int>, sumw2: Range<Int>)? {
        var offset = 0
        for k in histograms.keys {
            let bins = histograms.analysis.regions[k.region].edges.count - 1
            if k == key { return (offset..<offset + bins, offset + bins..<offset + 2 * bins) }
            offset += 2 * bins
        }
        return nil
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
