import DiffColumns

extension AnalysisHistograms {
    /// The gradient with respect to θ's network weights (zero for the cut parameters) of
    /// `Σ cotangent · values` over the soft histograms' values at θ (per key its counts, then its
    /// sumw2, as ``SoftHistograms``): the objective's histogram cotangent taken through each
    /// network region's histogram Jacobian transposed and back through the network, one fused
    /// pass per region and table (reverse mode: the cost does not grow with the number of weights).
    public func networkGradient(
        at theta: [Double], relaxation: Double, kernel: AnalysisConfig.HistogramKernel, cotangent: [Double]
    ) throws -> [Double] {
        var gradient = [Double](repeating: 0, count: theta.count)
        guard !analysis.networks.isEmpty else { return gradient }
        var values = SoftValues(self, at: analysis.cutParameters(theta), relaxation: relaxation)
        // Per region and feature matrix: the keys binned together, with their value offsets.
        var groups: [String: [(key: Int, offset: Int)]] = [:], order: [String] = []
        var offset = 0
        for (i, (key, plan)) in zip(keys, plans).enumerated() {
            let bins = analysis.regions[key.region].edges.count - 1
            defer { offset += 2 * bins }
            guard let network = plan.network else { continue }
            let id = "\(key.region)|\(network.inputsKey)"
            if groups[id] == nil { order.append(id) }
            groups[id, default: []].append((i, offset))
        }
        // The histograms are the weights' sums × weightScale: so is their cotangent's pullback.
        let scale = events.weightScale
        for id in order {
            let members = groups[id]!
            let plan = plans[members[0].key]
            let region = analysis.regions[keys[members[0].key].region]
            let network = plan.network!
            let net = analysis.network(network.network, at: theta)
            let bins = region.edges.count - 1
            let cotangents = HistogramCotangents(
                weights: try members.map { try values.weight(of: plans[$0.key]).values },
                counts: members.map { member in (0..<bins).map { scale * cotangent[member.offset + $0] } },
                sumw2: members.map { member in (0..<bins).map { scale * cotangent[member.offset + bins + $0] } })
            let inputs = networkInputs[network.inputsKey]!
            let dWeights: [Double]
            switch (net.output, kernel) {
            case (.softmax, _):
                dWeights = net.membershipHistogramPullback(inputs: inputs, cotangents: cotangents)
            case (.sigmoid, .kde):
                dWeights = net.relaxedHistogramPullback(
                    GaussianEdge.self, inputs: inputs, edges: try edgeValues(region, theta), bandwidth: region.bandwidth! * relaxation,
                    cotangents: cotangents)
            case (.sigmoid, .sigmoid):
                dWeights = net.relaxedHistogramPullback(
                    SigmoidEdge.self, inputs: inputs, edges: try edgeValues(region, theta), bandwidth: region.bandwidth! * relaxation,
                    cotangents: cotangents)
            }
            let range = analysis.weightRange(ofNetwork: network.network)
            for (k, d) in zip(range, dWeights) { gradient[k] += d }
        }
        return gradient
    }

    /// Every network's input standardisation set from these events (the features of every
    /// sample's nominal events pooled, unweighted): the analysis to fill the histograms with.
    public func standardizingNetworks() -> ResolvedAnalysis {
        var analysis = self.analysis
        for n in analysis.networks.indices {
            var pooled: [Double] = []
            var seen: Set<String> = []
            for (key, plan) in zip(keys, plans) where key.variation == .nominal {
                guard let network = plan.network, network.network == n, seen.insert(network.inputsKey).inserted else { continue }
                pooled += networkInputs[network.inputsKey]!
            }
            analysis.networks[n].standardize(to: pooled)
        }
        return analysis
    }
}
