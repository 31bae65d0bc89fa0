import Foundation
import Testing
import _Differentiation
@testable import DiffColumns

/// θ = [cut, inner edge, observable shift]: weights w·σ((y - cut)/s), observable x + shift,
/// edges [0, θ1, 6, 10]. Every route a parameter can take into a histogram is exercised.
struct SoftAnalysis {
    let x = uniformSample(2000, in: -1...11, seed: 11)
    let y = uniformSample(2000, in: 0...50, seed: 12)
    let w = uniformSample(2000, in: 0.2...2, seed: 13)
    let scale = 3.0

    func histogram(_ theta: [Double], kde: Bool, bandwidth: Double) -> LinearizedHistogram {
        let p = theta.count
        let difference = DualColumn(
            values: y.map { $0 - theta[0] }, parameterCount: p, activeParameters: [0],
            tangents: [Double](repeating: -1, count: y.count))
        let pass = softStep(difference, scale: scale)
        let weights = DualColumn(
            values: zip(w, pass.values).map { $0 * $1 }, parameterCount: p, activeParameters: [0],
            tangents: zip(w, pass.tangents).map { $0 * $1 })
        let observable = DualColumn(
            values: x.map { $0 + theta[2] }, parameterCount: p, activeParameters: [2],
            tangents: [Double](repeating: 1, count: x.count))
        let edges = [
            DualScalar(constant: 0, parameterCount: p), DualScalar(parameter: 1, value: theta[1], parameterCount: p),
            DualScalar(constant: 6, parameterCount: p), DualScalar(constant: 10, parameterCount: p),
        ]
        return kde
            ? kdeHistogram(observable: observable, weights: weights, edges: edges, bandwidth: bandwidth)
            : sigmoidHistogram(observable: observable, weights: weights, edges: edges, bandwidth: bandwidth)
    }
}

@Suite struct RelaxedHistogramTests {
    let analysis = SoftAnalysis()
    let theta = [20.0, 3.3, 0.25]

    @Test(arguments: [false, true])
    func jacobianMatchesFiniteDifferences(kde: Bool) {
        let h = analysis.histogram(theta, kde: kde, bandwidth: 0.4)
        let p = theta.count
        for k in 0..<p {
            let fdCounts = centralDifference(
                { analysis.histogram($0, kde: kde, bandwidth: 0.4).counts }, at: theta, parameter: k, step: 1e-4)
            let fdSumw2 = centralDifference(
                { analysis.histogram($0, kde: kde, bandwidth: 0.4).sumw2 }, at: theta, parameter: k, step: 1e-4)
            let counts = (0..<h.binCount).map { h.countsJacobian[$0 * p + k] }
            let sumw2 = (0..<h.binCount).map { h.sumw2Jacobian[$0 * p + k] }
            let floor = fdCounts.map(abs).max()! * 1e-2
            expectClose(counts, fdCounts, relative: 1e-6, floor: floor, "counts, parameter \(k)")
            expectClose(sumw2, fdSumw2, relative: 1e-6, floor: fdSumw2.map(abs).max()! * 1e-2, "sumw2, parameter \(k)")
            #expect(counts.contains { abs($0) > 1 }, "parameter \(k) must move the counts")
        }
    }

    @Test(arguments: [false, true])
    func tendsToTheHardHistogram(kde: Bool) {
        let theta = [0.0, 3.3, 0]
        let soft = analysis.histogram(theta, kde: kde, bandwidth: 1e-7)
        // With the cut at 0 and y ≥ 0 the hard selection keeps every event (σ(y/s) → 1 is not
        // exact, so the reference uses the same soft weights).
        let pass = analysis.y.map { sigmoid($0 / analysis.scale) }
        let hard = hardHistogram(
            observable: analysis.x, weights: zip(analysis.w, pass).map { $0 * $1 }, edges: [0, 3.3, 6, 10])
        expectClose(soft.counts, hard.counts, relative: 1e-9, floor: 1)
        expectClose(soft.sumw2, hard.sumw2, relative: 1e-9, floor: 1)
    }

    @Test func severalWeightColumnsInOnePassEqualSeparateFills() {
        let p = 3
        let observable = DualColumn(
            values: analysis.x, parameterCount: p, activeParameters: [2],
            tangents: [Double](repeating: 1, count: analysis.x.count))
        let weights = [
            DualColumn(constant: analysis.w, parameterCount: p),
            DualColumn(values: analysis.w.map { $0 * 2 }, parameterCount: p, activeParameters: [0], tangents: analysis.y),
            DualColumn(values: analysis.y, parameterCount: p, activeParameters: [0, 1],
                       tangents: analysis.w + analysis.x),
        ]
        let edges = [DualScalar(constant: 0, parameterCount: p), DualScalar(parameter: 1, value: 3, parameterCount: p),
                     DualScalar(constant: 10, parameterCount: p)]
        let together = softHistograms(GaussianEdge.self, observable: observable, weights: weights, edges: edges, bandwidth: 0.5)
        let separate = weights.map { kdeHistogram(observable: observable, weights: $0, edges: edges, bandwidth: 0.5) }
        #expect(together == separate)
    }

    @Test func eventsWithoutValueFallOut() {
        let edges = [0.0, 1, 2].map { DualScalar(constant: $0, parameterCount: 0) }
        let h = kdeHistogram(
            observable: DualColumn(constant: [0.5, .nan, 1.5], parameterCount: 0),
            weights: DualColumn(constant: [1, 1, 1], parameterCount: 0), edges: edges, bandwidth: 1e-3)
        #expect(h.counts == [1, 1])
    }

    @Test func twoChunksAgreeWithOneChunk() {
        // 200 000 events are filled by two threads; the halves alone are below the threshold.
        let n = 200_000
        let x = uniformSample(n, in: -2...12, seed: 21), w = uniformSample(n, in: 0...1, seed: 22)
        let edges = [0.0, 2, 5, 10].map { DualScalar(constant: $0, parameterCount: 1) }
        func fill(_ range: Range<Int>) -> LinearizedHistogram {
            let observable = DualColumn(
                values: Array(x[range]), parameterCount: 1, activeParameters: [0],
                tangents: [Double](repeating: 1, count: range.count))
            return kdeHistogram(
                observable: observable, weights: DualColumn(constant: Array(w[range]), parameterCount: 1),
                edges: edges, bandwidth: 0.3)
        }
        let whole = fill(0..<n)
        let first = fill(0..<n / 2), second = fill(n / 2..<n)
        expectClose(whole.counts, zip(first.counts, second.counts).map { $0 + $1 }, relative: 1e-12, floor: 1)
        expectClose(
            whole.countsJacobian, zip(first.countsJacobian, second.countsJacobian).map { $0 + $1 },
            relative: 1e-12, floor: 1)
    }
}

/// Values from tools/make_kde_reference.py (numpy/scipy), committed in fixtures/diffcolumns.
struct KDEReference: Decodable {
    struct Relaxed: Decodable {
        let counts: [Double]
        let sumw2: [Double]
        let dcounts_dedges: [[Double]]
    }
    struct Hard: Decodable {
        let counts: [Double]
        let sumw2: [Double]
    }
    let x: [Double]
    let w: [Double]
    let edges: [Double]
    let bandwidth: Double
    let kde: Relaxed
    let sigmoid: Relaxed
    let hard: Hard

    static func load() throws -> KDEReference {
        let url = packageRoot.appendingPathComponent("fixtures/diffcolumns/kde_reference.json")
        return try JSONDecoder().decode(KDEReference.self, from: Data(contentsOf: url))
    }
}

@Suite struct ReferenceTests {
    @Test(arguments: [false, true])
    func relaxedHistogramsMatchScipy(kde: Bool) throws {
        let reference = try KDEReference.load()
        let expected = kde ? reference.kde : reference.sigmoid
        let ne = reference.edges.count
        let edges = reference.edges.enumerated().map {
            DualScalar(parameter: $0.offset, value: $0.element, parameterCount: ne)
        }
        let observable = DualColumn(constant: reference.x, parameterCount: ne)
        let weights = DualColumn(constant: reference.w, parameterCount: ne)
        let h = kde
            ? kdeHistogram(observable: observable, weights: weights, edges: edges, bandwidth: reference.bandwidth)
            : sigmoidHistogram(observable: observable, weights: weights, edges: edges, bandwidth: reference.bandwidth)
        expectClose(h.counts, expected.counts, relative: 1e-12, floor: 1)
        expectClose(h.sumw2, expected.sumw2, relative: 1e-12, floor: 1)
        expectClose(h.countsJacobian, expected.dcounts_dedges.flatMap { $0 }, relative: 1e-10, floor: 1e-3)
    }

    @Test func hardHistogramMatchesNumpy() throws {
        let reference = try KDEReference.load()
        let h = hardHistogram(observable: reference.x, weights: reference.w, edges: reference.edges)
        expectClose(h.counts, reference.hard.counts, relative: 1e-13, floor: 1)
        expectClose(h.sumw2, reference.hard.sumw2, relative: 1e-13, floor: 1)
    }
}

@Suite struct DifferentiableAPITests {
    let x = uniformSample(500, in: 0...10, seed: 31)
    let w = uniformSample(500, in: 0.5...1.5, seed: 32)
    let edges = [0.0, 2.5, 4, 7, 10]

    /// A downstream scalar built from both outputs: Σ counts² / (1 + Σ sumw2) — nonlinear in each.
    func loss(_ weights: [Double], _ edges: [Double]) -> Double {
        let h = relaxedHistogram(GaussianEdge.self, observable: x, weights: weights, edges: edges, bandwidth: 0.5)
        return squares(h.counts) / (1 + h.sumw2.differentiableSum())
    }

    @Test func gradientWithRespectToWeightsAndEdges() {
        let (dWeights, dEdges) = gradient(at: w, edges) { w, e in loss(w, e) }
        for k in 1..<4 {
            let fd = centralDifference({ [loss(w, $0)] }, at: edges, parameter: k, step: 1e-5)[0]
            #expect(abs(dEdges.base[k] - fd) <= 1e-6 * abs(fd), "edge \(k): \(dEdges.base[k]) vs \(fd)")
        }
        for i in [0, 99, 250, 499] {
            let fd = centralDifference({ [loss($0, edges)] }, at: w, parameter: i, step: 1e-4)[0]
            #expect(abs(dWeights.base[i] - fd) <= 1e-6 * abs(fd), "weight \(i): \(dWeights.base[i]) vs \(fd)")
        }
    }

    /// The analysis-level route: a LinearizableFunction (forward mode over θ) feeding reverse-mode AD.
    struct Histograms: LinearizableFunction {
        let analysis = SoftAnalysis()
        func linearize(at parameters: [Double]) -> Linearization {
            let h = analysis.histogram(parameters, kde: true, bandwidth: 0.4)
            return Linearization(
                value: h.counts + h.sumw2, jacobian: h.countsJacobian + h.sumw2Jacobian,
                parameterCount: parameters.count)
        }
    }

    @Test func linearizableFunctionComposesWithDownstreamAD() {
        let histograms = Histograms()
        func objective(_ theta: [Double]) -> Double {
            let v = evaluate(histograms, at: theta)
            // s/√b-like: bin 1 against bin 2, with bin 2's sumw2 in the denominator.
            return v[1] / (v[2] + v[5]).squareRoot()
        }
        let theta = [20.0, 3.3, 0.25]
        let grad = gradient(at: theta) { objective($0) }
        for k in 0..<3 {
            let fd = centralDifference({ [objective($0)] }, at: theta, parameter: k, step: 1e-4)[0]
            #expect(abs(grad.base[k] - fd) <= 1e-6 * abs(fd), "θ\(k): \(grad.base[k]) vs \(fd)")
        }
    }
}

/// Σ v², differentiable.
@differentiable(reverse)
func squares(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 } }

@derivative(of: squares)
func squaresVJP(_ v: [Double]) -> (value: Double, pullback: (Double) -> Array<Double>.TangentVector) {
    (squares(v), { c in .init(v.map { 2 * c * $0 }) })
}

@Suite struct BinnedHistogramTests {
    let x = uniformSample(3000, in: -1...11, seed: 41)
    let y = uniformSample(3000, in: 0...50, seed: 42)
    let z = uniformSample(3000, in: -5...5, seed: 43)
    let w = uniformSample(3000, in: 0.2...2, seed: 44)
    let edges = [0.0, 2, 5, 10]

    /// w · σ((y - θ0)/3) · σ((θ1 - z)/0.5): a product of two soft cuts, two parameters.
    func weights(_ theta: [Double]) -> DualColumn {
        func cut(_ values: [Double], _ k: Int, sign: Double, scale: Double) -> DualColumn {
            softStep(DualColumn(
                values: values.map { sign * ($0 - theta[k]) }, parameterCount: 2, activeParameters: [k],
                tangents: [Double](repeating: -sign, count: values.count)), scale: scale)
        }
        let both = product(cut(y, 0, sign: 1, scale: 3), cut(z, 1, sign: -1, scale: 0.5))
        return product(DualColumn(constant: w, parameterCount: 2), both)
    }

    @Test func productTangentsMatchFiniteDifferences() {
        let theta = [20.0, 1.0]
        let both = weights(theta)
        #expect(both.activeParameters == [0, 1])
        for k in 0..<2 {
            let fd = centralDifference({ weights($0).values }, at: theta, parameter: k, step: 1e-5)
            expectClose(both.tangent(k), fd, relative: 1e-6, floor: 1e-2)
        }
    }

    @Test func jacobianMatchesFiniteDifferences() {
        let theta = [20.0, 1.0]
        let h = binnedHistogram(observable: x, weights: weights(theta), edges: edges)
        for k in 0..<2 {
            let counts = centralDifference({ binnedHistogram(observable: x, weights: weights($0), edges: edges).counts },
                                           at: theta, parameter: k, step: 1e-5)
            let sumw2 = centralDifference({ binnedHistogram(observable: x, weights: weights($0), edges: edges).sumw2 },
                                          at: theta, parameter: k, step: 1e-5)
            expectClose((0..<3).map { h.countsJacobian[$0 * 2 + k] }, counts, relative: 1e-6, floor: 1e-2)
            expectClose((0..<3).map { h.sumw2Jacobian[$0 * 2 + k] }, sumw2, relative: 1e-6, floor: 1e-2)
            #expect(counts.contains { abs($0) > 1 })
        }
    }

    @Test func withoutTangentsItIsTheHardHistogram() throws {
        let reference = try KDEReference.load()
        let h = binnedHistogram(
            observable: reference.x, weights: DualColumn(constant: reference.w, parameterCount: 0), edges: reference.edges)
        expectClose(h.counts, reference.hard.counts, relative: 1e-13, floor: 1)
        expectClose(h.sumw2, reference.hard.sumw2, relative: 1e-13, floor: 1)
    }
}
