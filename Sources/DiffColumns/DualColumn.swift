/// A number together with its gradient with respect to the analysis parameters.
public struct DualScalar: Sendable, Equatable {
    /// The value.
    public var value: Double
    /// ∂value/∂θ_k for every parameter k (length = parameter count).
    public var gradient: [Double]

    /// A value that does not depend on any of `parameterCount` parameters.
    public init(constant value: Double, parameterCount: Int) {
        self.value = value
        self.gradient = [Double](repeating: 0, count: parameterCount)
    }

    /// The parameter θ_index itself (gradient is the unit vector).
    public init(parameter index: Int, value: Double, parameterCount: Int) {
        precondition(index >= 0 && index < parameterCount, "parameter index out of range")
        self.init(constant: value, parameterCount: parameterCount)
        gradient[index] = 1
    }

    /// A value with an explicit gradient.
    public init(value: Double, gradient: [Double]) {
        self.value = value
        self.gradient = gradient
    }
}

/// A column of per-event values with their derivatives with respect to a few parameters.
///
/// Only parameters the column actually depends on carry a tangent row, so a branch read from a
/// file costs nothing extra and a cut on one parameter carries one row.
public struct DualColumn: Sendable, Equatable {
    /// Per-event values.
    public var values: [Double]
    /// The number of analysis parameters the tangents refer to.
    public var parameterCount: Int
    /// Indices (ascending) of the parameters with a tangent row; the others have zero derivative.
    public var activeParameters: [Int]
    /// Tangent rows, row r = ∂values/∂θ_{activeParameters[r]}, each `values.count` long.
    public var tangents: [Double]

    /// A column that does not depend on the parameters.
    public init(constant values: [Double], parameterCount: Int) {
        self.values = values
        self.parameterCount = parameterCount
        self.activeParameters = []
        self.tangents = []
    }

    /// A column with the given tangent rows (`tangents.count == activeParameters.count * values.count`).
    public init(values: [Double], parameterCount: Int, activeParameters: [Int], tangents: [Double]) {
        precondition(tangents.count == activeParameters.count * values.count, "tangent rows do not match values")
        precondition(activeParameters.allSatisfy { $0 >= 0 && $0 < parameterCount }, "parameter index out of range")
        self.values = values
        self.parameterCount = parameterCount
        self.activeParameters = activeParameters
        self.tangents = tangents
    }

    /// The number of events.
    @inlinable public var count: Int { values.count }

    /// ∂values/∂θ_parameter (zeros when the column does not depend on it).
    public func tangent(_ parameter: Int) -> [Double] {
        guard let row = activeParameters.firstIndex(of: parameter) else {
            return [Double](repeating: 0, count: count)
        }
        return Array(tangents[row * count ..< (row + 1) * count])
    }
}

/// The elementwise product a·b with tangents a'·b + a·b' (a selection times a weight).
public func product(_ a: DualColumn, _ b: DualColumn) -> DualColumn {
    precondition(a.count == b.count && a.parameterCount == b.parameterCount, "columns do not match")
    let n = a.count
    let active = Array(Set(a.activeParameters).union(b.activeParameters)).sorted()
    var values = [Double](repeating: 0, count: n)
    var tangents = [Double](repeating: 0, count: active.count * n)
    a.values.withUnsafeBufferPointer { x in
    b.values.withUnsafeBufferPointer { y in
    a.tangents.withUnsafeBufferPointer { xt in
    b.tangents.withUnsafeBufferPointer { yt in
    values.withUnsafeMutableBufferPointer { out in
    tangents.withUnsafeMutableBufferPointer { t in
        for i in 0..<n { out[i] = x[i] * y[i] }
        for (r, k) in active.enumerated() {
            let row = t.baseAddress! + r * n
            if let ra = a.activeParameters.firstIndex(of: k) {
                for i in 0..<n { row[i] += xt[ra * n + i] * y[i] }
            }
            if let rb = b.activeParameters.firstIndex(of: k) {
                for i in 0..<n { row[i] += x[i] * yt[rb * n + i] }
            }
        }
    }}}}}}
    return DualColumn(values: values, parameterCount: a.parameterCount, activeParameters: active, tangents: tangents)
}
