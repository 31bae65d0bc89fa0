import DiffColumns

/// The classic baseline (`objective: cross_entropy`): every network trained as a classifier of the
/// signal samples' events (label 1) against the others' (label 0) on the nominal events of the
/// regions it bins, each event weighted by its soft weight (weight × selection at θ) and the two
/// classes normalised to equal total weight. Only the networks' weights have a gradient; the
/// exported workspace is then judged by ``POIUncertaintyObjective`` (``AnalysisConfig/Objective/implementation``).
public struct CrossEntropyFunction: DifferentiableAnalysisObjective {
    public let histograms: AnalysisHistograms
    public let sharing: EventSharing
    public var analysis: ResolvedAnalysis { histograms.analysis }
    public var minimizes: Bool { true }

    public init(histograms: AnalysisHistograms, sharing: EventSharing = .single) {
        self.histograms = histograms
        self.sharing = sharing
    }

    public func valueAndGradient(at theta: [Double], relaxation: Double = 1) throws -> (value: Double, gradient: [Double]) {
        var gradient = [Double](repeating: 0, count: theta.count)
        var total = 0.0
        var values = SoftValues(histograms, at: analysis.cutParameters(theta), relaxation: relaxation)
        for n in analysis.networks.indices {
            var inputs: [Double] = [], labels: [Double] = [], weights: [Double] = []
            var seen: Set<String> = []
            for (key, plan) in zip(histograms.keys, histograms.plans) where key.variation == .nominal {
                guard let network = plan.network, network.network == n,
                      seen.insert("\(key.region)|\(network.inputsKey)").inserted
                else { continue }
                let w = try values.weight(of: plan).values
                inputs += histograms.networkInputs[network.inputsKey]!
                weights += w
                labels += [Double](repeating: analysis.samples[key.sample].isSignal ? 1 : 0, count: w.count)
            }
            // Balanced classes, with the sums over every process's events.
            let local = zip(labels, weights).reduce(into: [0.0, 0.0]) { sums, event in sums[event.0 == 1 ? 0 : 1] += event.1 }
            let sums = try sharing.collective.sum(local)
            guard sums[0] != 0, sums[1] != 0 else {
                throw AnalysisDataError(message: "network '\(analysis.networkNames[n])': cross_entropy needs weighted signal and background events")
            }
            for e in weights.indices { weights[e] /= labels[e] == 1 ? sums[0] : sums[1] }
            // `crossEntropy` divides by the local total weight; undo that so the processes' parts add up.
            let localTotal = weights.reduce(0, +)
            guard localTotal != 0 else { continue }
            let (value, dWeights) = analysis.network(n, at: theta).crossEntropy(inputs: inputs, labels: labels, weights: weights)
            total += value * localTotal / 2
            for (k, d) in zip(analysis.weightRange(ofNetwork: n), dWeights) { gradient[k] += d * localTotal / 2 }
        }
        let summed = try sharing.collective.sum([total] + gradient)
        return (summed[0], Array(summed.dropFirst()))
    }
}
