import Foundation
import Testing
@testable import DiffColumns

/// Soft counts and ranks against brute force (every subset of each event's elements, weighted by
/// the product of memberships) and their tangents against central differences.
@Suite struct SoftCollectionTests {
    /// Events of 0–6 elements; keys x, memberships σ((x − θ₀)/4), a second parameter θ₁ unused by
    /// the memberships (tangent rows for it must be zero).
    struct Events {
        let offsets: [Int]
        let x: [Double]

        init(events: Int = 60, seed: UInt64 = 11) {
            var rng = SplitMix(state: seed)
            var offsets = [0], x: [Double] = []
            for _ in 0..<events {
                let length = Int.random(in: 0...6, using: &rng)
                for _ in 0..<length { x.append(Double.random(in: 20...120, using: &rng)) }
                offsets.append(x.count)
            }
            self.offsets = offsets
            self.x = x
        }

        /// Memberships at θ (tangent row for θ₀ only).
        func weights(_ theta: [Double]) -> DualColumn {
            let s = 4.0
            let w = x.map { 1 / (1 + exp(-($0 - theta[0]) / s)) }
            return DualColumn(values: w, parameterCount: 2, activeParameters: [0], tangents: w.map { -$0 * (1 - $0) / s })
        }

        /// Keys x·θ₁ (tangent row for θ₁).
        func keys(_ theta: [Double]) -> DualColumn {
            DualColumn(values: x.map { $0 * theta[1] }, parameterCount: 2, activeParameters: [1], tangents: x)
        }

        /// Σ over subsets S of event e of P(S) · f(S), S as a sorted list of flat indices.
        func expectation(_ e: Int, _ w: [Double], _ f: ([Int]) -> Double) -> Double {
            let range = offsets[e]..<offsets[e + 1]
            var total = 0.0
            for mask in 0..<(1 << range.count) {
                var probability = 1.0
                var members: [Int] = []
                for (bit, j) in range.enumerated() {
                    if mask & (1 << bit) != 0 {
                        probability *= w[j]
                        members.append(j)
                    } else {
                        probability *= 1 - w[j]
                    }
                }
                total += probability * f(members)
            }
            return total
        }
    }

    let events = Events()
    let theta = [70.0, 1.0]

    @Test(arguments: [
        (CountComparison.atLeast, 2.0), (.atLeast, 0), (.above, 1.5), (.below, 3), (.atMost, 2), (.equal, 1), (.notEqual, 2),
        (.equal, 1.5), (.atLeast, 7),
    ])
    func countProbabilityIsTheSubsetSum(comparison: CountComparison, threshold: Double) {
        let n = events.offsets.count - 1
        let thresholds = [Double](repeating: threshold, count: n)
        let w = events.weights(theta)
        let result = countProbability(weights: w, offsets: events.offsets, comparison: comparison, thresholds: thresholds)
        for e in 0..<n {
            let expected = events.expectation(e, w.values) { members in
                let c = Double(members.count)
                switch comparison {
                case .atLeast: return c >= threshold ? 1 : 0
                case .above: return c > threshold ? 1 : 0
                case .atMost: return c <= threshold ? 1 : 0
                case .below: return c < threshold ? 1 : 0
                case .equal: return c == threshold ? 1 : 0
                case .notEqual: return c != threshold ? 1 : 0
                }
            }
            #expect(abs(result.values[e] - expected) < 1e-13, "event \(e): \(result.values[e]) vs \(expected)")
        }
        let fd = centralDifference({ t in
            countProbability(weights: events.weights(t), offsets: events.offsets, comparison: comparison, thresholds: thresholds).values
        }, at: theta, parameter: 0, step: 1e-4)
        expectClose(result.tangent(0), fd, relative: 1e-6, floor: 1e-6)
        #expect(result.tangent(1).allSatisfy { $0 == 0 })
    }

    @Test func nanThresholdComparesFalse() {
        let w = events.weights(theta)
        let n = events.offsets.count - 1
        let nan = [Double](repeating: .nan, count: n)
        for comparison in [CountComparison.atLeast, .above, .atMost, .below, .equal] {
            #expect(countProbability(weights: w, offsets: events.offsets, comparison: comparison, thresholds: nan).values.allSatisfy { $0 == 0 })
        }
        #expect(countProbability(weights: w, offsets: events.offsets, comparison: .notEqual, thresholds: nan).values.allSatisfy { $0 == 1 })
    }

    /// With hard keys, p_j is the probability that j is the selected element of rank `position`.
    @Test(arguments: [(RankOrder.descending, 0), (.descending, 2), (.ascending, 1), (.storage, 0), (.storage, 1)])
    func rankSelectionIsTheSubsetSum(order: RankOrder, position: Int) {
        let w = events.weights(theta)
        let (selection, remainder) = softRankSelection(
            keys: events.keys(theta), weights: w, offsets: events.offsets, order: order, position: position, scale: nil)
        for e in 0..<(events.offsets.count - 1) {
            func ranked(_ members: [Int]) -> [Int] {
                switch order {
                case .storage: members
                case .descending: members.sorted { (events.x[$0], -$0) > (events.x[$1], -$1) }
                case .ascending: members.sorted { (events.x[$0], $0) < (events.x[$1], $1) }
                }
            }
            for j in events.offsets[e]..<events.offsets[e + 1] {
                let expected = events.expectation(e, w.values) { members in
                    let order = ranked(members)
                    return order.count > position && order[position] == j ? 1 : 0
                }
                #expect(abs(selection.values[j] - expected) < 1e-13, "element \(j): \(selection.values[j]) vs \(expected)")
            }
            let short = events.expectation(e, w.values) { $0.count <= position ? 1 : 0 }
            #expect(abs(remainder.values[e] - short) < 1e-13)
        }
        // Memberships' tangents; the keys' are unused when the comparisons are hard.
        let fd = centralDifference({ t in
            softRankSelection(keys: events.keys(t), weights: events.weights(t), offsets: events.offsets, order: order,
                              position: position, scale: nil).selection.values
        }, at: theta, parameter: 0, step: 1e-4)
        expectClose(selection.tangent(0), fd, relative: 1e-6, floor: 1e-6)
        #expect(selection.tangent(1).allSatisfy { $0 == 0 })
    }

    /// Keys that depend on a parameter are compared softly: tangents for both parameters, and
    /// 0/1 weights with a vanishing scale pick the hard argmax.
    @Test func softKeysHaveTangentsAndAHardLimit() {
        for position in [0, 1] {
            let f = { (t: [Double]) in
                softRankSelection(keys: events.keys(t), weights: events.weights(t), offsets: events.offsets,
                                  order: .descending, position: position, scale: 3)
            }
            let (selection, remainder) = f(theta)
            for k in 0..<2 {
                let fd = centralDifference({ f($0).selection.values + f($0).remainder.values }, at: theta, parameter: k, step: 1e-5)
                expectClose(selection.tangent(k) + remainder.tangent(k), fd, relative: 1e-5, floor: 1e-5, "θ\(k) position \(position)")
            }
        }
        let ones = DualColumn(constant: [Double](repeating: 1, count: events.x.count), parameterCount: 2)
        let (sharp, rest) = softRankSelection(
            keys: events.keys(theta), weights: ones, offsets: events.offsets, order: .descending, position: 0, scale: 1e-9)
        for e in 0..<(events.offsets.count - 1) {
            let range = events.offsets[e]..<events.offsets[e + 1]
            let argmax = range.max { events.x[$0] < events.x[$1] }
            for j in range { #expect(sharp.values[j] == (j == argmax ? 1 : 0)) }
            #expect(rest.values[e] == (range.isEmpty ? 1 : 0))
        }
    }
}
