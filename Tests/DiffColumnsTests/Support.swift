import Foundation
import Testing
@testable import DiffColumns

/// A seeded SplitMix64 generator so test samples are reproducible.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func uniformSample(_ n: Int, in range: ClosedRange<Double>, seed: UInt64) -> [Double] {
    var rng = SplitMix(state: seed)
    return (0..<n).map { _ in Double.random(in: range, using: &rng) }
}

/// Central finite difference of every output of `f` with respect to parameter `k`.
func centralDifference(_ f: ([Double]) -> [Double], at theta: [Double], parameter k: Int, step: Double) -> [Double] {
    var plus = theta, minus = theta
    plus[k] += step
    minus[k] -= step
    let fp = f(plus), fm = f(minus)
    return zip(fp, fm).map { ($0 - $1) / (2 * step) }
}

/// |a - b| ≤ relative · max(|b|, floor): relative agreement, with a floor so entries that are
/// zero up to rounding do not demand impossible precision.
func expectClose(
    _ actual: [Double], _ expected: [Double], relative: Double, floor: Double,
    _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(actual.count == expected.count, comment, sourceLocation: sourceLocation)
    for (i, (a, b)) in zip(actual, expected).enumerated() {
        let tolerance = relative * max(abs(b), floor)
        #expect(abs(a - b) <= tolerance, "entry \(i): \(a) vs \(b) \(comment.map { "\($0)" } ?? "")",
                sourceLocation: sourceLocation)
    }
}

/// The package root, found from this file's path.
let packageRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
