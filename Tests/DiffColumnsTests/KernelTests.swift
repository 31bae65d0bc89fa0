import Foundation
import Testing
import _Differentiation
@testable import DiffColumns

@Suite struct SmoothingTests {
    @Test func sigmoidIsStableAndSymmetric() {
        #expect(sigmoid(0) == 0.5)
        #expect(sigmoid(-1000) == 0)
        #expect(sigmoid(1000) == 1)
        #expect(abs(sigmoid(2) - 0.8807970779778823) < 1e-15)  // 1/(1+e^-2)
        #expect(abs(sigmoid(-3) + sigmoid(3) - 1) < 1e-15)
    }

    @Test func gaussianStepMatchesNormalTables() {
        // Φ(1.959963984540054) = 0.975, Φ(-1) = 0.15865525393145707, φ(0) = 1/√(2π).
        #expect(abs(GaussianEdge.cdf(1.959963984540054) - 0.975) < 1e-14)
        #expect(abs(GaussianEdge.cdf(-1) - 0.15865525393145707) < 1e-15)
        #expect(abs(GaussianEdge.density(0) - 1 / (2 * Double.pi).squareRoot()) < 1e-15)
    }
}

@Suite struct SoftStepTests {
    /// d = x - θ0·y carries tangent -y; σ(d/s) must carry σ(1-σ)/s · (-y).
    @Test func tangentMatchesFiniteDifferences() {
        let x = uniformSample(200, in: -3...3, seed: 1)
        let y = uniformSample(200, in: 0.5...2, seed: 2)
        let scale = 0.7
        func column(_ theta: [Double]) -> DualColumn {
            DualColumn(
                values: zip(x, y).map { $0 - theta[0] * $1 }, parameterCount: 2, activeParameters: [0],
                tangents: y.map { -$0 })
        }
        let theta = [0.4, 0]
        let soft = softStep(column(theta), scale: scale)
        #expect(soft.activeParameters == [0])
        let fd = centralDifference({ softStep(column($0), scale: scale).values }, at: theta, parameter: 0, step: 1e-5)
        expectClose(soft.tangent(0), fd, relative: 1e-7, floor: 1e-3)
        #expect(soft.tangent(1).allSatisfy { $0 == 0 })
    }

    @Test func largeColumnsAreSplitAcrossThreadsIdentically() {
        // 300 000 events take the two-thread path; every event must match the formula.
        let d = uniformSample(300_000, in: -10...10, seed: 9)
        let soft = softStep(
            DualColumn(values: d, parameterCount: 1, activeParameters: [0], tangents: [Double](repeating: 2, count: d.count)),
            scale: 1.5)
        for i in stride(from: 0, to: d.count, by: 997) {
            let s = 1 / (1 + exp(-d[i] / 1.5))
            #expect(abs(soft.values[i] - s) < 1e-15)
            #expect(abs(soft.tangents[i] - 2 * s * (1 - s) / 1.5) < 1e-15)
        }
        #expect(soft.values.last == sigmoid(d.last! / 1.5))
    }

    @Test func tendsToTheHardStep() {
        let d = [-2.0, -1e-3, 1e-3, 0.5, 3]
        let soft = softStep(DualColumn(constant: d, parameterCount: 0), scale: 1e-6)
        #expect(soft.values == [0, 0, 1, 1, 1].map(Double.init))
    }
}

@Suite struct SoftSelectTests {
    let values = uniformSample(300, in: 0...100, seed: 3)
    let weights = uniformSample(300, in: 0.5...1.5, seed: 4)
    let cotangent = uniformSample(300, in: -1...1, seed: 5)

    func objective(_ w: [Double], _ cut: Double) -> Double {
        zip(softSelect(weights: w, values: values, cut: cut, scale: 5, direction: .below), cotangent)
            .map { $0 * $1 }.reduce(0, +)
    }

    @Test func pullbackMatchesFiniteDifferences() {
        let (_, pullback) = valueWithPullback(at: weights, 40.0) { w, c in
            softSelect(weights: w, values: values, cut: c, scale: 5, direction: .below)
        }
        let (dWeights, dCut) = pullback(.init(cotangent))
        let h = 1e-4
        let fdCut = (objective(weights, 40 + h) - objective(weights, 40 - h)) / (2 * h)
        #expect(abs(dCut - fdCut) <= 1e-7 * abs(fdCut))
        for i in [0, 17, 299] {
            var plus = weights, minus = weights
            plus[i] += h
            minus[i] -= h
            let fd = (objective(plus, 40) - objective(minus, 40)) / (2 * h)
            #expect(abs(dWeights.base[i] - fd) <= 1e-7 * max(abs(fd), 1e-3))
        }
    }

    @Test func chainedCutsComposeUnderAD() {
        let other = uniformSample(300, in: -1...1, seed: 6)
        func total(_ cuts: [Double]) -> Double {
            let once = softSelect(weights: weights, values: values, cut: cuts[0], scale: 4)
            let twice = softSelect(weights: once, values: other, cut: cuts[1], scale: 0.2, direction: .below)
            return twice.differentiableSum()
        }
        let cuts = [35.0, 0.1]
        let grad = gradient(at: cuts) { cuts in total(cuts) }
        for k in 0..<2 {
            let fd = centralDifference({ [total($0)] }, at: cuts, parameter: k, step: 1e-4)[0]
            #expect(abs(grad.base[k] - fd) <= 1e-6 * abs(fd), "cut \(k): \(grad.base[k]) vs \(fd)")
        }
    }
}

extension Array where Element == Double {
    /// The sum, differentiable (tests build scalar objectives with it).
    @differentiable(reverse)
    func differentiableSum() -> Double { reduce(0, +) }

    @derivative(of: differentiableSum)
    func differentiableSumVJP() -> (value: Double, pullback: (Double) -> Array<Double>.TangentVector) {
        let n = count
        return (reduce(0, +), { v in .init([Double](repeating: v, count: n)) })
    }
}
