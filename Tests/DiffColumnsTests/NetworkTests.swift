import Foundation
import HEPKitSupport
import Testing
@testable import DiffColumns

/// The network kernels' reverse-mode gradients against central finite differences
/// (HEPKitSupport's `centralDirectionalDifference`) along random directions in weight space.
@Suite struct NetworkTests {
    static let events = 300
    static let features = 3

    /// Inputs with different offsets and scales, so the standardisation matters.
    static func inputs(seed: UInt64 = 3) -> [Double] {
        let raw = uniformSample(events * features, in: -1...1, seed: seed)
        return raw.enumerated().map { i, x in [50.0, -2, 0.5][i % features] + [20.0, 1, 0.1][i % features] * x }
    }

    static func network(_ activation: Activation, _ output: NetworkOutput, outputs: Int = 1) -> NeuralNetwork {
        var net = NeuralNetwork(
            inputCount: features, hidden: [6, 5], outputCount: outputs, activation: activation, output: output, seed: 7)
        net.standardize(to: inputs())
        // Non-zero biases, so that no unit sits exactly at a ReLU kink.
        for i in net.weights.indices { net.weights[i] += 0.05 * sin(Double(i)) }
        return net
    }

    /// `∇f · v` against the central difference of `f` along `v`, for three random directions.
    func checkDirectional(
        _ gradient: [Double], at weights: [Double], _ f: ([Double]) -> Double, _ label: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for seed in 1...3 as ClosedRange<UInt64> {
            let v = uniformSample(weights.count, in: -1...1, seed: 100 + seed)
            let analytic = zip(gradient, v).reduce(0) { $0 + $1.0 * $1.1 }
            let numeric = centralDirectionalDifference(at: weights, along: v, relativeStep: 1e-6) { [f($0)] }![0]
            #expect(abs(analytic - numeric) <= 1e-5 * max(abs(numeric), 1e-3), "\(label): \(analytic) vs \(numeric)",
                    sourceLocation: sourceLocation)
        }
    }

    @Test func standardisationAndOutputs() {
        let net = Self.network(.relu, .softmax, outputs: 4)
        #expect(abs(net.inputMean[0] - 50) < 2 && abs(net.inputScale[0] - 20 / 3.0.squareRoot()) < 1)
        let out = net.evaluate(Self.inputs())
        #expect(out.count == Self.events * 4)
        for e in 0..<Self.events {
            let row = out[e * 4 ..< e * 4 + 4]
            #expect(abs(row.reduce(0, +) - 1) < 1e-12 && row.allSatisfy { $0 > 0 })
        }
        // Deterministic given the seed; another seed gives other weights.
        #expect(net.weights == Self.network(.relu, .softmax, outputs: 4).weights)
        #expect(NeuralNetwork(inputCount: 3, hidden: [6, 5], outputCount: 1, activation: .relu, output: .sigmoid, seed: 8).weights
            != NeuralNetwork(inputCount: 3, hidden: [6, 5], outputCount: 1, activation: .relu, output: .sigmoid, seed: 7).weights)
        #expect(net.weights.count == NeuralNetwork.weightCount(layerSizes: [3, 6, 5, 4]))
        #expect(net.weights.count == 6 * 4 + 5 * 7 + 4 * 6)
    }

    /// One event's outputs computed plainly, layer by layer (what the block passes must give).
    static func plainOutputs(_ net: NeuralNetwork, _ x: ArraySlice<Double>) -> [Double] {
        var a = x.indices.map { (x[$0] - net.inputMean[$0 - x.startIndex]) / net.inputScale[$0 - x.startIndex] }
        var offset = 0
        let sizes = net.layerSizes
        for l in 0..<sizes.count - 1 {
            let (fanIn, fanOut) = (sizes[l], sizes[l + 1])
            let z = (0..<fanOut).map { j in
                (0..<fanIn).reduce(net.weights[offset + fanOut * fanIn + j]) { $0 + net.weights[offset + j * fanIn + $1] * a[$1] }
            }
            offset += fanOut * (fanIn + 1)
            if l < sizes.count - 2 {
                a = z.map { s in
                    switch net.activation {
                    case .relu: s < 0 ? 0 : s
                    case .tanh: tanh(s)
                    case .elu: s > 0 ? s : expm1(s)
                    }
                }
            } else if net.output == .sigmoid {
                a = [1 / (1 + exp(-z[0]))]
            } else {
                let e = z.map { exp($0 - z.max()!) }
                a = e.map { $0 / e.reduce(0, +) }
            }
        }
        return a
    }

    /// The block passes against the plain per-event evaluation, over a number of events that is
    /// no multiple of the block size; an event whose outputs are NaN adds nothing to a pullback,
    /// as if it were absent.
    @Test(arguments: Activation.allCases, NetworkOutput.allCases)
    func blockPassesMatchPlainEvaluation(_ activation: Activation, _ output: NetworkOutput) {
        let k = output == .softmax ? 3 : 1
        let net = Self.network(activation, output, outputs: k)
        let x = Self.inputs(), f = Self.features
        #expect(Self.events % NetworkBlockPass.capacity != 0)
        let outputs = net.evaluate(x)
        for e in 0..<Self.events {
            let plain = Self.plainOutputs(net, x[e * f ..< (e + 1) * f])
            for j in 0..<k {
                #expect(abs(outputs[e * k + j] - plain[j]) <= 1e-14, "event \(e) output \(j)")
            }
        }
        // A NaN feature reaches the outputs with every activation (ReLU included).
        let c = uniformSample(Self.events * k, in: -1...1, seed: 11)
        var withNaN = x
        withNaN[130 * f + 1] = .nan
        #expect(net.evaluate(withNaN)[130 * k].isNaN)
        let gradient = net.pullback(withNaN) { e, _, d in
            for j in 0..<k { d[j] = c[e * k + j] }
        }
        let without = Array(x[..<(130 * f)] + x[(131 * f)...]), cWithout = Array(c[..<(130 * k)] + c[(131 * k)...])
        let expected = net.pullback(without) { e, _, d in
            for j in 0..<k { d[j] = cWithout[e * k + j] }
        }
        #expect(gradient == expected)
        #expect(gradient.allSatisfy(\.isFinite) && gradient.contains { $0 != 0 })
    }

    /// The generic pullback: Σ_e c_e · output(e) for fixed cotangents c.
    @Test(arguments: Activation.allCases, NetworkOutput.allCases)
    func pullbackMatchesFiniteDifferences(_ activation: Activation, _ output: NetworkOutput) {
        let outputs = output == .softmax ? 3 : 1
        var net = Self.network(activation, output, outputs: outputs)
        let x = Self.inputs()
        let c = uniformSample(Self.events * outputs, in: -1...1, seed: 11)
        let gradient = net.pullback(x) { e, _, d in
            for k in 0..<outputs { d[k] = c[e * outputs + k] }
        }
        let weights = net.weights
        checkDirectional(gradient, at: weights, { w in
            net.weights = w
            return zip(net.evaluate(x), c).reduce(0) { $0 + $1.0 * $1.1 }
        }, "\(activation) \(output)")
    }

    /// The cotangents used below: L = Σ_h Σ_j (a_hj·counts_hj + b_hj·sumw2_hj).
    static func pairing(_ histograms: [LinearizedHistogram], _ cotangents: HistogramCotangents) -> Double {
        var total = 0.0
        for (h, hist) in histograms.enumerated() {
            for j in hist.counts.indices {
                total += cotangents.counts[h][j] * hist.counts[j] + cotangents.sumw2[h][j] * hist.sumw2[j]
            }
        }
        return total
    }

    static func cotangents(bins: Int) -> HistogramCotangents {
        let weights = [uniformSample(events, in: 0.5...1.5, seed: 21), uniformSample(events, in: -0.2...1, seed: 22)]
        return HistogramCotangents(
            weights: weights,
            counts: [uniformSample(bins, in: -1...1, seed: 23), uniformSample(bins, in: -1...1, seed: 24)],
            sumw2: [uniformSample(bins, in: -1...1, seed: 25), uniformSample(bins, in: -1...1, seed: 26)])
    }

    /// neos: a sigmoid score binned by the KDE and sigmoid-edge histograms.
    @Test(arguments: [false, true])
    func relaxedHistogramPullbackMatchesFiniteDifferences(_ kde: Bool) {
        var net = Self.network(.tanh, .sigmoid)
        let x = Self.inputs()
        let edges = [0.0, 0.3, 0.5, 0.8, 1.0], bandwidth = 0.1
        let cot = Self.cotangents(bins: 4)
        func fill(_ net: NeuralNetwork) -> [LinearizedHistogram] {
            let score = DualColumn(constant: net.evaluate(x), parameterCount: 0)
            let weights = cot.weights.map { DualColumn(constant: $0, parameterCount: 0) }
            let edgeValues = edges.map { DualScalar(constant: $0, parameterCount: 0) }
            return kde
                ? softHistograms(GaussianEdge.self, observable: score, weights: weights, edges: edgeValues, bandwidth: bandwidth)
                : softHistograms(SigmoidEdge.self, observable: score, weights: weights, edges: edgeValues, bandwidth: bandwidth)
        }
        let gradient = kde
            ? net.relaxedHistogramPullback(GaussianEdge.self, inputs: x, edges: edges, bandwidth: bandwidth, cotangents: cot)
            : net.relaxedHistogramPullback(SigmoidEdge.self, inputs: x, edges: edges, bandwidth: bandwidth, cotangents: cot)
        let weights = net.weights
        checkDirectional(gradient, at: weights, { w in
            net.weights = w
            return Self.pairing(fill(net), cot)
        }, kde ? "kde" : "sigmoid")
    }

    /// INFERNO: softmax outputs as soft bin memberships; the forward fill's Jacobian through the weights too.
    @Test func membershipHistogramsAndPullback() {
        var net = Self.network(.elu, .softmax, outputs: 4)
        let x = Self.inputs()
        let cot = Self.cotangents(bins: 4)
        func fill(_ net: NeuralNetwork) -> [LinearizedHistogram] {
            membershipHistograms(
                memberships: net.evaluate(x), binCount: 4, weights: cot.weights.map { DualColumn(constant: $0, parameterCount: 0) })
        }
        let filled = fill(net)
        // Memberships sum to one: the counts add up to the total weight.
        #expect(abs(filled[0].counts.reduce(0, +) - cot.weights[0].reduce(0, +)) < 1e-9)
        let gradient = net.membershipHistogramPullback(inputs: x, cotangents: cot)
        let weights = net.weights
        checkDirectional(gradient, at: weights, { w in
            net.weights = w
            return Self.pairing(fill(net), cot)
        }, "softmax memberships")
        // θ-derivatives through a weight column that depends on a parameter: w·θ.
        let theta = 1.3
        let scaled = DualColumn(
            values: cot.weights[0].map { $0 * theta }, parameterCount: 1, activeParameters: [0], tangents: cot.weights[0])
        let h = membershipHistograms(memberships: net.evaluate(x), binCount: 4, weights: [scaled])[0]
        for j in 0..<4 {
            #expect(abs(h.countsJacobian[j] - h.counts[j] / theta) < 1e-9 * abs(h.counts[j]))
            #expect(abs(h.sumw2Jacobian[j] - 2 * h.sumw2[j] / theta) < 1e-9 * abs(h.sumw2[j]))
        }
    }

    @Test func crossEntropyMatchesFiniteDifferences() {
        var net = Self.network(.relu, .sigmoid)
        let x = Self.inputs()
        // Labels correlated with the first feature, so the loss is informative.
        let labels = (0..<Self.events).map { x[$0 * Self.features] > 50 ? 1.0 : 0.0 }
        let weights = uniformSample(Self.events, in: 0.5...2, seed: 31)
        let (value, gradient) = net.crossEntropy(inputs: x, labels: labels, weights: weights)
        #expect(value > 0.3 && value < 1.5)
        let start = net.weights
        checkDirectional(gradient, at: start, { w in
            net.weights = w
            return net.crossEntropy(inputs: x, labels: labels, weights: weights).value
        }, "cross-entropy")
    }
}
