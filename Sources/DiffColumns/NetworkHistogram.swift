import Foundation
import HEPKitSupport

// Histograms of a network's output and their reverse-mode pullback to the network's weights. The
// forward fill treats the outputs as constants (their derivatives with respect to cuts come
// through the weights, as any observable's); the pullback takes the cotangents of the filled
// counts and sumw2 (from the objective) through the histogram Jacobian's transpose to each
// event's outputs and back through the network, fused in one pass per batch of events.

/// Histograms whose bin memberships are a softmax network's outputs (INFERNO's soft assignment):
/// `counts[j] = Σ w·m_j`, `sumw2[j] = Σ (w·m_j)²`, with their Jacobians with respect to θ through
/// the weights' tangents.
///
/// - Parameter memberships: events × bins, row-major (each row sums to 1).
public func membershipHistograms(memberships: [Double], binCount nb: Int, weights: [DualColumn]) -> [LinearizedHistogram] {
    weights.map { w in
        let n = w.count, p = w.parameterCount
        precondition(memberships.count == n * nb, "memberships are events × \(nb) bins")
        var counts = [Double](repeating: 0, count: nb), sumw2 = counts
        var countsJacobian = [Double](repeating: 0, count: nb * p), sumw2Jacobian = countsJacobian
        memberships.withUnsafeBufferPointer { m in
            w.values.withUnsafeBufferPointer { values in
                // Four bins at a time, their sums in registers; each bin adds its events in order.
                var first = 0
                while first + 4 <= nb {
                    var count = SIMD4<Double>(), square = SIMD4<Double>()
                    for e in 0..<n {
                        let g = values[e] * UnsafeRawPointer(m.baseAddress! + e * nb + first).loadUnaligned(as: SIMD4<Double>.self)
                        count += g
                        square += g * g
                    }
                    for b in 0..<4 {
                        counts[first + b] = count[b]
                        sumw2[first + b] = square[b]
                    }
                    first += 4
                }
                for j in first..<nb {
                    var count = 0.0, square = 0.0
                    for e in 0..<n {
                        let g = values[e] * m[e * nb + j]
                        count += g
                        square += g * g
                    }
                    counts[j] = count
                    sumw2[j] = square
                }
            }
        }
        for (r, k) in w.activeParameters.enumerated() {
            for e in 0..<n {
                let wi = w.values[e], tangent = w.tangents[r * n + e]
                for j in 0..<nb {
                    let m = memberships[e * nb + j], g = wi * m, dg = tangent * m
                    countsJacobian[j * p + k] += dg
                    sumw2Jacobian[j * p + k] += 2 * g * dg
                }
            }
        }
        return LinearizedHistogram(
            counts: counts, sumw2: sumw2, parameterCount: p, countsJacobian: countsJacobian, sumw2Jacobian: sumw2Jacobian)
    }
}

/// The cotangents of a set of histograms of one observable: per histogram (one weight column
/// each), the cotangent of each bin's count and sumw2.
public struct HistogramCotangents: Sendable {
    /// Per histogram, the event weights (values only: the network does not change them).
    public var weights: [[Double]]
    public var counts: [[Double]]
    public var sumw2: [[Double]]

    public init(weights: [[Double]], counts: [[Double]], sumw2: [[Double]]) {
        precondition(weights.count == counts.count && counts.count == sumw2.count, "one weight column per histogram")
        self.weights = weights
        self.counts = counts
        self.sumw2 = sumw2
    }

    /// Runs `body` with the weights (histogram-major, `events` per histogram) and the counts' and
    /// sumw2's cotangents (histogram-major, `bins` per histogram) flattened, so a per-event
    /// closure reads them through pointers instead of nested arrays.
    func withFlattened<R>(
        events: Int, bins: Int,
        _ body: (_ weights: UnsafeBufferPointer<Double>, _ counts: UnsafeBufferPointer<Double>, _ sumw2: UnsafeBufferPointer<Double>) -> R
    ) -> R {
        precondition(weights.allSatisfy { $0.count == events } && counts.allSatisfy { $0.count == bins }
            && sumw2.allSatisfy { $0.count == bins }, "one weight per event and one cotangent per bin")
        let flatWeights = weights.flatMap { $0 }, flatCounts = counts.flatMap { $0 }, flatSumw2 = sumw2.flatMap { $0 }
        return flatWeights.withUnsafeBufferPointer { w in
            flatCounts.withUnsafeBufferPointer { c in
                flatSumw2.withUnsafeBufferPointer { s in body(w, c, s) }
            }
        }
    }
}

extension NeuralNetwork {
    /// ∂/∂weights of `Σ_h Σ_j (dCounts[h][j]·counts[h][j] + dSumw2[h][j]·sumw2[h][j])` for the relaxed
    /// histograms (``softHistograms(_:observable:weights:edges:bandwidth:)``) of this sigmoid
    /// network's score with `edges` and `bandwidth`: the transpose of the histogram Jacobian
    /// with respect to each event's score, then the network's backward pass.
    public func relaxedHistogramPullback<Profile: EdgeProfile>(
        _ profile: Profile.Type, inputs: [Double], edges: [Double], bandwidth: Double, cotangents: HistogramCotangents
    ) -> [Double] {
        precondition(output == .sigmoid, "a relaxed histogram bins a sigmoid score")
        let nb = edges.count - 1, inverseBandwidth = 1 / bandwidth, saturation = Profile.saturation
        func stepAndSlope(_ x: Double, _ edge: Double) -> (Double, Double) {
            let u = (x - edge) * inverseBandwidth
            if abs(u) > saturation { return (u > 0 ? 1 : 0, 0) }
            let (c, d) = Profile.cdfAndDensity(u)
            return (c, d * inverseBandwidth)
        }
        let n = inputs.count / inputCount, histograms = cotangents.weights.count
        return cotangents.withFlattened(events: n, bins: nb) { weights, counts, sumw2 in
            edges.withUnsafeBufferPointer { edges in
                pullback(inputs) { e, outputs, dOutputs in
                    let x = outputs[0]
                    var d = 0.0
                    var (stepLow, slopeLow) = stepAndSlope(x, edges[0])
                    for j in 0..<nb {
                        let (stepHigh, slopeHigh) = stepAndSlope(x, edges[j + 1])
                        let m = stepLow - stepHigh, dm = slopeLow - slopeHigh
                        for h in 0..<histograms {
                            let w = weights[h * n + e]
                            d += (counts[h * nb + j] * w + sumw2[h * nb + j] * 2 * w * w * m) * dm
                        }
                        (stepLow, slopeLow) = (stepHigh, slopeHigh)
                    }
                    dOutputs[0] = d
                }
            }
        }
    }

    /// ∂/∂weights of the same sum for ``membershipHistograms(memberships:binCount:weights:)`` of this
    /// softmax network's outputs.
    public func membershipHistogramPullback(inputs: [Double], cotangents: HistogramCotangents) -> [Double] {
        precondition(output == .softmax, "memberships are a softmax network's outputs")
        let n = inputs.count / inputCount, histograms = cotangents.weights.count, nb = outputCount
        return cotangents.withFlattened(events: n, bins: nb) { weights, counts, sumw2 in
            pullback(inputs) { e, outputs, dOutputs in
                for j in 0..<nb {
                    var d = 0.0
                    for h in 0..<histograms {
                        let w = weights[h * n + e]
                        d += counts[h * nb + j] * w + sumw2[h * nb + j] * 2 * w * w * outputs[j]
                    }
                    dOutputs[j] = d
                }
            }
        }
    }

    /// The weighted binary cross-entropy `−Σ w·[y ln s + (1 − y) ln(1 − s)] / Σ w` of this sigmoid
    /// network's score `s` against `labels` (1 signal, 0 background), and its gradient with respect
    /// to the weights (the classic classifier's loss).
    public func crossEntropy(inputs: [Double], labels: [Double], weights: [Double]) -> (value: Double, gradient: [Double]) {
        precondition(output == .sigmoid, "the binary cross-entropy needs a sigmoid network")
        let totalWeight = weights.reduce(0, +)
        precondition(totalWeight != 0, "the events' weights sum to zero")
        // The score is clamped away from 0 and 1 so a confident mistake costs a large finite loss.
        let tiny = 1e-12
        let scores = evaluate(inputs)
        var value = 0.0
        for e in scores.indices {
            let s = min(max(scores[e], tiny), 1 - tiny), y = labels[e]
            value -= weights[e] * (y * log(s) + (1 - y) * log(1 - s))
        }
        let gradient = pullback(inputs) { e, outputs, dOutputs in
            let s = min(max(outputs[0], tiny), 1 - tiny), y = labels[e]
            dOutputs[0] = -weights[e] * (y / s - (1 - y) / (1 - s)) / totalWeight
        }
        return (value / totalWeight, gradient)
    }
}
