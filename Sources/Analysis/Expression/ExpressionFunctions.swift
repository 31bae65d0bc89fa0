import Foundation

/// An elementwise function of one value with its derivative (for forward-mode tangents).
struct UnaryFunction: Sendable {
    let name: String
    let value: @Sendable (Double) -> Double
    /// d value / dx, given x and the value.
    let derivative: @Sendable (Double, Double) -> Double

    static let negate = UnaryFunction(name: "-", value: { -$0 }, derivative: { _, _ in -1 })
    /// Soft negation 1 - a (exact on 0/1).
    static let not = UnaryFunction(name: "!", value: { 1 - $0 }, derivative: { _, _ in -1 })
    static let abs = UnaryFunction(name: "abs", value: { Swift.abs($0) }, derivative: { x, _ in x > 0 ? 1 : x < 0 ? -1 : 0 })
    static let sqrt = UnaryFunction(name: "sqrt", value: { $0.squareRoot() }, derivative: { _, r in 0.5 / r })
    static let exp = UnaryFunction(name: "exp", value: { Foundation.exp($0) }, derivative: { _, r in r })
    static let log = UnaryFunction(name: "log", value: { Foundation.log($0) }, derivative: { x, _ in 1 / x })

    /// The math functions callable by name.
    static let math: [String: UnaryFunction] = ["abs": .abs, "sqrt": .sqrt, "exp": .exp, "log": .log]
}

/// An elementwise function of two values with its partial derivatives.
struct BinaryFunction: Sendable {
    let name: String
    let value: @Sendable (Double, Double) -> Double
    /// (∂/∂a, ∂/∂b), given a, b and the value.
    let partials: @Sendable (Double, Double, Double) -> (Double, Double)

    static let add = BinaryFunction(name: "+", value: { $0 + $1 }, partials: { _, _, _ in (1, 1) })
    static let subtract = BinaryFunction(name: "-", value: { $0 - $1 }, partials: { _, _, _ in (1, -1) })
    static let multiply = BinaryFunction(name: "*", value: { $0 * $1 }, partials: { a, b, _ in (b, a) })
    static let divide = BinaryFunction(name: "/", value: { $0 / $1 }, partials: { _, b, r in (1 / b, -r / b) })
    static let min = BinaryFunction(name: "min", value: { Swift.min($0, $1) }, partials: { a, b, _ in a <= b ? (1, 0) : (0, 1) })
    static let max = BinaryFunction(name: "max", value: { Swift.max($0, $1) }, partials: { a, b, _ in a >= b ? (1, 0) : (0, 1) })
    // ∂/∂b needs log a; for a ≤ 0 only integer b make sense and there the b-derivative is not used.
    static let pow = BinaryFunction(
        name: "pow", value: { Foundation.pow($0, $1) },
        partials: { a, b, r in (b * Foundation.pow(a, b - 1), a > 0 ? r * Foundation.log(a) : 0) })
    /// Soft `&&`: the product (exact on 0/1).
    static let and = BinaryFunction(name: "&&", value: { $0 * $1 }, partials: { a, b, _ in (b, a) })
    /// Soft `||`: 1 - (1 - a)(1 - b) (exact on 0/1).
    static let or = BinaryFunction(name: "||", value: { 1 - (1 - $0) * (1 - $1) }, partials: { a, b, _ in (1 - b, 1 - a) })

    /// A membership w times a value x, 0 where w is 0 whatever x is (NaN or infinite in an element
    /// a mask removed), as the hard operation on the masked collection never sees that element.
    static let gate = BinaryFunction(
        name: "gate", value: { w, x in w == 0 ? 0 : w * x }, partials: { w, x, _ in (w == 0 ? 0 : x, w) })

    static let arithmetic: [BinaryOperator: BinaryFunction] = [
        .add: .add, .subtract: .subtract, .multiply: .multiply, .divide: .divide, .and: .and, .or: .or,
    ]
}

/// A per-event fold over a jagged array.
struct Reduction: Sendable {
    let name: String
    let combine: BinaryFunction
    /// The fold's starting value.
    let identity: Double
    /// Whether an empty array gives the expression's out-of-range default instead of `identity`
    /// (min and max of nothing).
    let emptyGivesDefault: Bool
    /// What an element a mask removed contributes (it leaves the fold unchanged), so an element of
    /// membership w enters as w·a + (1 − w)·this; nil where removal is not a value (min, max: ranks).
    let removedElement: Double?

    static let sum = Reduction(name: "sum", combine: .add, identity: 0, emptyGivesDefault: false, removedElement: 0)
    static let min = Reduction(name: "min", combine: .min, identity: .infinity, emptyGivesDefault: true, removedElement: nil)
    static let max = Reduction(name: "max", combine: .max, identity: -.infinity, emptyGivesDefault: true, removedElement: nil)
    /// Soft any: 1 - Π(1 - a) (exact on 0/1).
    static let any = Reduction(name: "any", combine: .or, identity: 0, emptyGivesDefault: false, removedElement: 0)
    /// Soft all: Π a (exact on 0/1).
    static let all = Reduction(name: "all", combine: .and, identity: 1, emptyGivesDefault: false, removedElement: 1)
}
