import Foundation
import HEPKitSupport
import Testing

/// The one finite-difference Hessian and mixed-derivative helper, against closed forms.
@Suite struct FiniteDifferencesTests {
    /// f(x) = x₀² + 3x₀x₁ + 2x₁² + eˣ², +∞ for x₀ > 1 (a box edge where the model is undefined).
    static func f(_ x: [Double]) -> (value: Double, gradient: [Double]) {
        guard x[0] <= 1 else { return (.infinity, [.nan, .nan, .nan]) }
        return (x[0] * x[0] + 3 * x[0] * x[1] + 2 * x[1] * x[1] + exp(x[2]), [2 * x[0] + 3 * x[1], 3 * x[0] + 4 * x[1], exp(x[2])])
    }

    static func exact(_ x: [Double]) -> [Double] { [2, 3, 0, 3, 4, 0, 0, 0, exp(x[2])] }

    @Test func centralDifferencesMatchTheClosedForm() {
        let x = [0.3, -1.2, 0.7]
        let h = finiteDifferenceHessian(at: x, indices: [0, 1, 2], relativeStep: 1e-5, Self.f)
        for (a, b) in zip(h, Self.exact(x)) { #expect(abs(a - b) < 1e-8 * max(1, abs(b))) }
    }

    @Test func oneSidedWhereTheFunctionIsNotFinite() {
        let x = [1.0, 0.5, 0.0]  // x₀ + h is outside the domain
        let h = finiteDifferenceHessian(at: x, indices: [0, 2], relativeStep: 1e-5, Self.f)
        #expect(h.count == 4)
        #expect(abs(h[0] - 2) < 1e-8)  // one-sided from x (the function is quadratic in x₀)
        #expect(abs(h[1]) < 1e-12 && abs(h[2]) < 1e-12)
        #expect(abs(h[3] - 1) < 1e-6)
    }

    @Test func forwardDifferencesAgainstTheKnownGradient() {
        let x = [1.0, 0.5, 0.0]
        let h = finiteDifferenceHessian(
            at: x, indices: [0, 1], relativeStep: 1e-6, differencing: .forward(gradientAtX: Self.f(x).gradient), Self.f)
        // Backward for x₀ (forward is outside the domain); the function is quadratic there: exact to rounding.
        for (a, b) in zip(h, [2.0, 3, 3, 4]) { #expect(abs(a - b) < 1e-6) }
        let unit = finiteDifferenceHessian(at: x, indices: [0], relativeStep: 1e-6, differencing: .forward(gradientAtX: [0, 0, 0])) { _ in
            (.nan, [0, 0, 0])
        }
        #expect(unit == [1])  // neither side finite: a unit row keeps the matrix usable as a preconditioner
    }

    @Test func directionalDifferenceIsTheJacobianTimesTheDirection() throws {
        let x = [0.4, 2.0, -0.3]
        let d = [1.0, -0.5, 2.0]
        let g: ([Double]) -> [Double] = { [$0[0] * $0[1], sin($0[2]), $0[0] * $0[0] * $0[2]] }
        let result = try #require(centralDirectionalDifference(at: x, along: d, relativeStep: 1e-6, g))
        let expected = [x[1] * d[0] + x[0] * d[1], cos(x[2]) * d[2], 2 * x[0] * x[2] * d[0] + x[0] * x[0] * d[2]]
        for (a, b) in zip(result, expected) { #expect(abs(a - b) < 1e-8) }
        #expect(centralDirectionalDifference(at: x, along: [0, 0, 0], relativeStep: 1e-6, g) == nil)
    }

    @Test func rowOrderDoesNotChangeTheResult() {
        // Rows are independent, so the result does not depend on how they are scheduled.
        let x = [0.3, -1.2, 0.7]
        let parallel = finiteDifferenceHessian(at: x, indices: [0, 1, 2], relativeStep: 1e-5, Self.f)
        let serial = finiteDifferenceHessian(at: x, indices: [2, 1, 0], relativeStep: 1e-5, Self.f)
        for a in 0..<3 {
            for b in 0..<3 { #expect(parallel[a * 3 + b] == serial[(2 - a) * 3 + (2 - b)]) }
        }
    }
}
