import DiffColumns

/// A parsed, type-checked expression, evaluated column-wise over the events of a ``ColumnSource``.
///
/// Two evaluations of the same plan:
/// - ``evaluate(on:parameters:)`` — hard: comparisons give 0 or 1, `&&` `||` `!` `any` `all` are the
///   usual logic, so a selection is a 0/1 mask.
/// - ``evaluateSoft(on:parameters:scales:)`` — soft: a comparison whose operands depend on analysis
///   parameters becomes σ(±(a − b)/s), with s the largest relaxation scale among those parameters;
///   `&&` is a·b, `||` is 1 − (1 − a)(1 − b), `!` is 1 − a, `any` and `all` fold with them. The
///   result carries each event's derivative with respect to every parameter (forward mode, in the
///   same pass). As the scales go to 0 the soft value tends to the hard one. Comparisons that do
///   not involve parameters, and `==` / `!=`, stay hard (their derivative is zero). A masked array
///   `x[c]` keeps every element with the soft value of `c` as its membership; its reductions,
///   counts and ranks are the hard ones' expectations under independent memberships (DiffColumns'
///   `countProbability`, `softRankSelection`).
public struct CompiledExpression: Sendable {
    /// The source text.
    public let source: String
    /// The parsed syntax tree.
    public let syntax: Expression
    /// The result type (always one value per event).
    public let type: ExpressionType
    /// Branches the expression reads (sorted).
    public let branches: [String]
    /// The environment's parameter list; θ in the evaluations follows this order.
    public let parameterNames: [String]
    var plan: Plan

    /// Parses and type-checks `source`.
    ///
    /// - Parameter kind: the required result kind (`.boolean` for a selection, `.number` for an
    ///   observable or a weight), or nil for either.
    /// - Throws: ``ExpressionError`` naming the offending part.
    public init(
        _ source: String, environment: ExpressionEnvironment, options: ExpressionOptions = ExpressionOptions(),
        expecting kind: ExpressionType.Kind? = nil
    ) throws(ExpressionError) {
        let syntax = try Expression.parse(source)
        let plan = try TypeChecker(source: source, environment: environment, options: options).check(syntax)
        func fail(_ message: String) -> ExpressionError {
            ExpressionError(kind: .type, source: source, span: syntax.span, message: message)
        }
        guard plan.type.shape == .scalar else {
            throw fail("the expression gives \(plan.type); reduce it to one value per event with any, all, sum, len, min, max or an index like x[0]")
        }
        if let kind, plan.type.kind != kind {
            throw fail(kind == .boolean
                ? "a selection must be a boolean (e.g. a comparison), but this is \(plan.type)"
                : "expected a number, but this is \(plan.type)")
        }
        self.source = source
        self.syntax = syntax
        self.type = plan.type
        self.plan = plan
        self.parameterNames = environment.parameters
        var names = Set<String>()
        Self.collectBranches(plan, into: &names)
        self.branches = names.sorted()
    }

    /// The names of the parameters the expression depends on.
    public var parameters: [String] { plan.parameters.map { parameterNames[$0] } }

    private static func collectBranches(_ plan: Plan, into names: inout Set<String>) {
        switch plan.node {
        case .constant, .parameter: break
        case .branch(let name): names.insert(name)
        case .unary(_, let a), .reduce(_, let a, _), .length(let a), .index(let a, _, _), .rank(_, let a, _, _),
             .rankSelector(_, let a, _):
            collectBranches(a, into: &names)
        case .binary(_, let a, let b), .compare(_, let a, let b, _), .mask(let a, let b), .pick(let a, let b, _),
             .countCompare(_, let a, let b):
            collectBranches(a, into: &names)
            collectBranches(b, into: &names)
        }
    }

    /// The hard value per event (selections: 0 or 1).
    ///
    /// - Parameter parameters: θ, one value per name in ``parameterNames``.
    /// - Throws: ``ExpressionError`` (kind `.data`) when the columns do not fit, or the source's error.
    public func evaluate(on columns: some ColumnSource, parameters: [Double]) throws -> [Double] {
        precondition(parameters.count == parameterNames.count, "one value per parameter expected")
        let evaluation = Evaluation(source: columns, text: source, parameters: parameters, scales: nil)
        return try evaluation.value(plan).broadcast(to: columns.eventCount).values
    }

    /// The soft value per event with its derivatives with respect to θ.
    ///
    /// - Parameters:
    ///   - parameters: θ, one value per name in ``parameterNames``.
    ///   - scales: each parameter's relaxation scale (> 0), in the units it is compared in.
    public func evaluateSoft(on columns: some ColumnSource, parameters: [Double], scales: [Double]) throws -> DualColumn {
        precondition(parameters.count == parameterNames.count && scales.count == parameterNames.count,
                     "one value and one scale per parameter expected")
        precondition(scales.allSatisfy { $0 > 0 }, "relaxation scales must be positive")
        let evaluation = Evaluation(source: columns, text: source, parameters: parameters, scales: scales)
        return try evaluation.value(plan).broadcast(to: columns.eventCount)
    }
}

/// An intermediate result: one value for all events (`uniform`), one per event, or a jagged array.
struct Value {
    var dual: DualColumn
    var offsets: [Int]?
    var uniform: Bool
    /// A masked jagged array's per-element memberships (0/1 hard, [0, 1] soft).
    var membership: DualColumn?
    /// A selector's per-event weight of picking nothing (the default).
    var remainder: DualColumn?

    var count: Int { dual.count }

    /// One value per event (uniform values repeated).
    func broadcast(to n: Int) -> DualColumn {
        guard uniform else { return dual }
        var tangents: [Double] = []
        tangents.reserveCapacity(dual.tangents.count * n)
        for t in dual.tangents { tangents.append(contentsOf: repeatElement(t, count: n)) }
        return DualColumn(
            values: [Double](repeating: dual.values[0], count: n), parameterCount: dual.parameterCount,
            activeParameters: dual.activeParameters, tangents: tangents)
    }

    /// A per-event value repeated over each element of a jagged layout.
    func expanded(to offsets: [Int]) -> Value {
        let m = offsets.last!
        let n = offsets.count - 1
        let rows = dual.activeParameters.count
        let source = dual
        var values = [Double](repeating: 0, count: m)
        var tangents = [Double](repeating: 0, count: rows * m)
        source.values.withUnsafeBufferPointer { v in
        source.tangents.withUnsafeBufferPointer { t in
        offsets.withUnsafeBufferPointer { off in
        values.withUnsafeMutableBufferPointer { out in
        tangents.withUnsafeMutableBufferPointer { outT in
            for e in 0..<n {
                for j in off[e]..<off[e + 1] {
                    out[j] = v[e]
                    for r in 0..<rows { outT[r * m + j] = t[r * n + e] }
                }
            }
        }}}}}
        return Value(
            dual: DualColumn(values: values, parameterCount: dual.parameterCount,
                             activeParameters: dual.activeParameters, tangents: tangents),
            offsets: offsets, uniform: false)
    }
}

/// One evaluation of a plan over a column source (hard when `scales` is nil).
struct Evaluation<Source: ColumnSource> {
    let source: Source
    let text: String
    let parameters: [Double]
    let scales: [Double]?

    var n: Int { source.eventCount }
    /// Hard evaluation carries no tangents at all.
    var tangentCount: Int { scales == nil ? 0 : parameters.count }

    func dataError(_ message: String, _ span: Range<Int>) -> ExpressionError {
        ExpressionError(kind: .data, source: text, span: span, message: message)
    }

    func uniform(_ value: Double, parameter: Int? = nil) -> Value {
        let p = tangentCount
        if let parameter, p > 0 {
            return Value(
                dual: DualColumn(values: [value], parameterCount: p, activeParameters: [parameter], tangents: [1]),
                offsets: nil, uniform: true)
        }
        return Value(dual: DualColumn(constant: [value], parameterCount: p), offsets: nil, uniform: true)
    }

    func value(_ plan: Plan) throws -> Value {
        switch plan.node {
        case .constant(let c):
            return uniform(c)
        case .parameter(let k):
            return uniform(parameters[k], parameter: k)
        case .branch(let name):
            let column = try source.column(named: name)
            guard column.eventCount == n else {
                throw dataError("branch '\(name)' has \(column.eventCount) events, expected \(n)", plan.span)
            }
            return Value(dual: DualColumn(constant: column.values, parameterCount: tangentCount),
                         offsets: column.offsets, uniform: false)
        case .unary(let function, let operand):
            return map(function, try value(operand))
        case .binary(let function, let lhs, let rhs):
            let (a, b) = try aligned(lhs, rhs)
            return combine(function, a, b)
        case .compare(let op, let lhs, let rhs, let involved):
            let (a, b) = try aligned(lhs, rhs)
            return compare(op, a, b, involved: involved)
        case .reduce(let reduction, let operand, let fallback):
            return reduce(reduction, try value(operand), fallback: fallback)
        case .length(let operand):
            let collection = try value(operand)
            let offsets = collection.offsets!
            if let membership = collection.membership {
                return reduce(.sum, Value(dual: membership, offsets: offsets, uniform: false), fallback: 0)
            }
            let lengths = (0..<n).map { Double(offsets[$0 + 1] - offsets[$0]) }
            return Value(dual: DualColumn(constant: lengths, parameterCount: tangentCount), offsets: nil, uniform: false)
        case .index(let operand, let position, let fallback):
            return element(position, of: try value(operand), fallback: fallback)
        case .mask(let base, let condition):
            var (a, b) = try aligned(base, condition)
            a.membership = merged(merged(a.membership, b.membership), b.dual)
            return a
        case .pick(let base, let selectorPlan, let fallback):
            let (values, selector) = try aligned(base, selectorPlan)
            return pick(values, selector, fallback: fallback)
        case .rank(let order, let operand, let position, let fallback):
            let keys = try value(operand)
            return pick(keys, rankSelector(order, keys, position: position), fallback: fallback)
        case .rankSelector(let order, let operand, let position):
            return rankSelector(order, try value(operand), position: position)
        case .countCompare(let comparison, let operand, let thresholdPlan):
            let collection = try value(operand)
            let threshold = try value(thresholdPlan).broadcast(to: n)
            let probability = countProbability(
                weights: collection.membership!, offsets: collection.offsets!, comparison: comparison,
                thresholds: threshold.values)
            return Value(dual: probability, offsets: nil, uniform: false)
        }
    }

    /// Memberships of an element in both of two collections (nil: every element is in).
    func merged(_ a: DualColumn?, _ b: DualColumn?) -> DualColumn? {
        switch (a, b) {
        case let (a?, b?): product(a, b)
        case let (a?, nil): a
        default: b
        }
    }

    /// Which element of each event's `keys` has rank `position` in `order`, among its members; the
    /// key comparisons are relaxed (with the largest scale among the keys' parameters) only when the
    /// keys depend on parameters and the evaluation is soft.
    func rankSelector(_ order: RankOrder, _ keys: Value, position: Int) -> Value {
        let scale = scales.flatMap { scales in keys.dual.activeParameters.map { scales[$0] }.max() }
        let (selection, remainder) = softRankSelection(
            keys: keys.dual, weights: keys.membership, offsets: keys.offsets!, order: order, position: position, scale: scale)
        return Value(dual: selection, offsets: keys.offsets, uniform: false, remainder: remainder)
    }

    /// Σ_j p_j x_j + (weight of picking nothing) · fallback per event; hard, the picked element.
    func pick(_ values: Value, _ selector: Value, fallback: Double) -> Value {
        // The selector's weights already include the memberships.
        var values = values
        values.membership = nil
        let picked = reduce(.sum, combine(.gate, selector, values), fallback: 0)
        let rest = Value(dual: selector.remainder!, offsets: nil, uniform: false)
        return combine(.add, picked, combine(.gate, rest, uniform(fallback)))
    }

    /// Both operands on one layout: jagged if either is, with per-event values spread over elements.
    func aligned(_ lhs: Plan, _ rhs: Plan) throws -> (Value, Value) {
        var a = try value(lhs), b = try value(rhs)
        switch (a.offsets, b.offsets) {
        case let (x?, y?) where x != y:
            func length(_ offsets: [Int], _ e: Int) -> Int { offsets[e + 1] - offsets[e] }
            let e = (0..<n).first { (e: Int) -> Bool in length(x, e) != length(y, e) } ?? 0
            let message = "'\(excerpt(lhs.span))' and '\(excerpt(rhs.span))' have different lengths in event \(e)"
                + " (\(length(x, e)) and \(length(y, e)))"
            throw dataError(message, lhs.span.lowerBound..<rhs.span.upperBound)
        case let (x?, nil) where !b.uniform:
            b = b.expanded(to: x)
        case let (nil, y?) where !a.uniform:
            a = a.expanded(to: y)
        default:
            break
        }
        return (a, b)
    }

    func excerpt(_ span: Range<Int>) -> String { text.excerpt(span) }

    func map(_ function: UnaryFunction, _ a: Value) -> Value {
        let count = a.count
        let rows = a.dual.activeParameters.count
        var derivative = [Double](repeating: 0, count: rows > 0 ? count : 0)
        var values = [Double](repeating: 0, count: count)
        a.dual.values.withUnsafeBufferPointer { x in
        values.withUnsafeMutableBufferPointer { out in
        derivative.withUnsafeMutableBufferPointer { d in
            for i in 0..<count {
                let r = function.value(x[i])
                out[i] = r
                if rows > 0 { d[i] = function.derivative(x[i], r) }
            }
        }}}
        var tangents = a.dual.tangents
        scaleRows(&tangents, by: derivative, rows: rows)
        return Value(
            dual: DualColumn(values: values, parameterCount: a.dual.parameterCount,
                             activeParameters: a.dual.activeParameters, tangents: tangents),
            offsets: a.offsets, uniform: a.uniform, membership: a.membership)
    }

    func scaleRows(_ tangents: inout [Double], by factor: [Double], rows: Int) {
        let count = factor.count
        tangents.withUnsafeMutableBufferPointer { t in
        factor.withUnsafeBufferPointer { f in
            for r in 0..<rows {
                for i in 0..<count { t[r * count + i] *= f[i] }
            }
        }}
    }

    /// f(a, b) elementwise on aligned operands, tangents by the chain rule.
    func combine(_ function: BinaryFunction, _ a: Value, _ b: Value) -> Value {
        let isUniform = a.uniform && b.uniform
        let count = isUniform ? 1 : max(a.uniform ? 0 : a.count, b.uniform ? 0 : b.count)
        let strideA = a.uniform ? 0 : 1, strideB = b.uniform ? 0 : 1
        let active = Array(Set(a.dual.activeParameters).union(b.dual.activeParameters)).sorted()
        let rows = active.count
        var values = [Double](repeating: 0, count: count)
        var partialA = [Double](repeating: 0, count: rows > 0 ? count : 0)
        var partialB = partialA
        a.dual.values.withUnsafeBufferPointer { x in
        b.dual.values.withUnsafeBufferPointer { y in
        values.withUnsafeMutableBufferPointer { out in
        partialA.withUnsafeMutableBufferPointer { pa in
        partialB.withUnsafeMutableBufferPointer { pb in
            for i in 0..<count {
                let u = x[i * strideA], v = y[i * strideB]
                let r = function.value(u, v)
                out[i] = r
                if rows > 0 { (pa[i], pb[i]) = function.partials(u, v, r) }
            }
        }}}}}
        var tangents = [Double](repeating: 0, count: rows * count)
        tangents.withUnsafeMutableBufferPointer { t in
        a.dual.tangents.withUnsafeBufferPointer { ta in
        b.dual.tangents.withUnsafeBufferPointer { tb in
        partialA.withUnsafeBufferPointer { pa in
        partialB.withUnsafeBufferPointer { pb in
            for (r, k) in active.enumerated() {
                let out = t.baseAddress! + r * count
                if let ra = a.dual.activeParameters.firstIndex(of: k) {
                    let base = ra * a.count
                    for i in 0..<count { out[i] += pa[i] * ta[base + i * strideA] }
                }
                if let rb = b.dual.activeParameters.firstIndex(of: k) {
                    let base = rb * b.count
                    for i in 0..<count { out[i] += pb[i] * tb[base + i * strideB] }
                }
            }
        }}}}}
        return Value(
            dual: DualColumn(values: values, parameterCount: a.dual.parameterCount, activeParameters: active,
                             tangents: tangents),
            offsets: a.offsets ?? b.offsets, uniform: isUniform, membership: merged(a.membership, b.membership))
    }

    func compare(_ op: BinaryOperator, _ a: Value, _ b: Value, involved: [Int]) -> Value {
        let dependsOnParameters = !a.dual.activeParameters.isEmpty || !b.dual.activeParameters.isEmpty
        if let scales, dependsOnParameters, op != .equal, op != .notEqual {
            let scale = involved.map { scales[$0] }.max()!
            let difference = op == .greater || op == .greaterEqual ? combine(.subtract, a, b) : combine(.subtract, b, a)
            return Value(dual: softStep(difference.dual, scale: scale), offsets: difference.offsets,
                         uniform: difference.uniform, membership: difference.membership)
        }
        let step: BinaryFunction
        switch op {
        case .less: step = BinaryFunction(name: "<", value: { $0 < $1 ? 1 : 0 }, partials: { _, _, _ in (0, 0) })
        case .lessEqual: step = BinaryFunction(name: "<=", value: { $0 <= $1 ? 1 : 0 }, partials: { _, _, _ in (0, 0) })
        case .greater: step = BinaryFunction(name: ">", value: { $0 > $1 ? 1 : 0 }, partials: { _, _, _ in (0, 0) })
        case .greaterEqual: step = BinaryFunction(name: ">=", value: { $0 >= $1 ? 1 : 0 }, partials: { _, _, _ in (0, 0) })
        case .equal: step = BinaryFunction(name: "==", value: { $0 == $1 ? 1 : 0 }, partials: { _, _, _ in (0, 0) })
        default: step = BinaryFunction(name: "!=", value: { $0 != $1 ? 1 : 0 }, partials: { _, _, _ in (0, 0) })
        }
        // A hard comparison is flat: drop the operands' tangents.
        let stripped = { (v: Value) in
            Value(dual: DualColumn(constant: v.dual.values, parameterCount: v.dual.parameterCount),
                  offsets: v.offsets, uniform: v.uniform, membership: v.membership)
        }
        return combine(step, stripped(a), stripped(b))
    }

    /// Folds each event's array, carrying tangents (forward mode through the fold). A masked array's
    /// element of membership w enters as r + w·(a − r), r the reduction's removed-element value: `sum`
    /// adds w·x, `any` folds w·a, `all` folds 1 − w·(1 − a) (exact on 0/1).
    func reduce(_ reduction: Reduction, _ a: Value, fallback: Double) -> Value {
        if let membership = a.membership {
            guard let removed = reduction.removedElement else { preconditionFailure("min/max of a masked array are ranks") }
            let weights = Value(dual: membership, offsets: a.offsets, uniform: false)
            var gated = combine(.gate, weights, removed == 0 ? a : combine(.subtract, a, uniform(removed)))
            if removed != 0 { gated = combine(.add, gated, uniform(removed)) }
            gated.membership = nil
            return reduce(reduction, gated, fallback: fallback)
        }
        let offsets = a.offsets!
        let m = a.count, rows = a.dual.activeParameters.count
        let combine = reduction.combine
        var values = [Double](repeating: 0, count: n)
        var tangents = [Double](repeating: 0, count: rows * n)
        a.dual.values.withUnsafeBufferPointer { x in
        a.dual.tangents.withUnsafeBufferPointer { xt in
        offsets.withUnsafeBufferPointer { off in
        values.withUnsafeMutableBufferPointer { out in
        tangents.withUnsafeMutableBufferPointer { t in
            for e in 0..<n {
                var accumulator = reduction.identity
                for j in off[e]..<off[e + 1] {
                    let next = combine.value(accumulator, x[j])
                    if rows > 0 {
                        let (pa, pb) = combine.partials(accumulator, x[j], next)
                        for r in 0..<rows { t[r * n + e] = pa * t[r * n + e] + pb * xt[r * m + j] }
                    }
                    accumulator = next
                }
                out[e] = off[e] == off[e + 1] && reduction.emptyGivesDefault ? fallback : accumulator
            }
        }}}}}
        return Value(
            dual: DualColumn(values: values, parameterCount: a.dual.parameterCount,
                             activeParameters: a.dual.activeParameters, tangents: tangents),
            offsets: nil, uniform: false)
    }

    /// Element `position` of each event's array, or `fallback` when the array is shorter.
    func element(_ position: Int, of a: Value, fallback: Double) -> Value {
        let offsets = a.offsets!
        let m = a.count, rows = a.dual.activeParameters.count
        var values = [Double](repeating: fallback, count: n)
        var tangents = [Double](repeating: 0, count: rows * n)
        a.dual.values.withUnsafeBufferPointer { x in
        a.dual.tangents.withUnsafeBufferPointer { xt in
        offsets.withUnsafeBufferPointer { off in
        values.withUnsafeMutableBufferPointer { out in
        tangents.withUnsafeMutableBufferPointer { t in
            for e in 0..<n where off[e] + position < off[e + 1] {
                let j = off[e] + position
                out[e] = x[j]
                for r in 0..<rows { t[r * n + e] = xt[r * m + j] }
            }
        }}}}}
        return Value(
            dual: DualColumn(values: values, parameterCount: a.dual.parameterCount,
                             activeParameters: a.dual.activeParameters, tangents: tangents),
            offsets: nil, uniform: false)
    }
}
