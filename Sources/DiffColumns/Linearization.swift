import _Differentiation

/// A vector-valued function's value at a point and its Jacobian there.
public struct Linearization: Sendable, Equatable {
    /// f(θ).
    public var value: [Double]
    /// ∂f_i/∂θ_k at `i * parameterCount + k`.
    public var jacobian: [Double]
    /// The length of θ.
    public var parameterCount: Int

    /// A linearization; `jacobian.count` must be `value.count * parameterCount`.
    public init(value: [Double], jacobian: [Double], parameterCount: Int) {
        precondition(jacobian.count == value.count * parameterCount, "Jacobian shape does not match")
        self.value = value
        self.jacobian = jacobian
        self.parameterCount = parameterCount
    }
}

/// A function of the few analysis parameters whose evaluation yields its Jacobian in the same pass
/// (forward mode over the parameters), e.g. all histograms of an analysis as functions of its cuts
/// and edges. ``evaluate(_:at:)`` makes it a `@differentiable` function for Swift's AD.
public protocol LinearizableFunction: Sendable {
    /// The value and Jacobian at `parameters`.
    func linearize(at parameters: [Double]) -> Linearization
}

/// f(θ) for Swift's AD: the pullback is Jᵀv with the Jacobian from the forward pass, so reverse
/// mode downstream (model, fit, objective) composes with forward mode over the events.
@differentiable(reverse, wrt: parameters)
public func evaluate<F: LinearizableFunction>(_ function: F, at parameters: [Double]) -> [Double] {
    function.linearize(at: parameters).value
}

@derivative(of: evaluate, wrt: parameters)
public func evaluateVJP<F: LinearizableFunction>(
    _ function: F, at parameters: [Double]
) -> (value: [Double], pullback: (Array<Double>.TangentVector) -> Array<Double>.TangentVector) {
    let linear = function.linearize(at: parameters)
    return (linear.value, { cotangent in
        let p = linear.parameterCount
        var gradient = [Double](repeating: 0, count: p)
        let v = cotangent.base
        // An empty cotangent is AD's symbolic zero.
        guard !v.isEmpty else { return .init(gradient) }
        for i in 0..<linear.value.count where v[i] != 0 {
            for k in 0..<p { gradient[k] += v[i] * linear.jacobian[i * p + k] }
        }
        return .init(gradient)
    })
}
