import DiffColumns

/// The static type of an expression: one value per event or a jagged array, of numbers or booleans.
public struct ExpressionType: Sendable, Equatable, CustomStringConvertible {
    /// Numbers or truth values (0/1 hard, [0, 1] soft), or which element of each event's array
    /// `argmax`-like functions pick (one-hot hard, weights soft; usable only as an index).
    public enum Kind: Sendable, Equatable {
        case number
        case boolean
        case selector
    }

    public var shape: ColumnShape
    public var kind: Kind

    public static let number = ExpressionType(shape: .scalar, kind: .number)
    public static let boolean = ExpressionType(shape: .scalar, kind: .boolean)
    public static let jaggedNumber = ExpressionType(shape: .jagged, kind: .number)
    public static let jaggedBoolean = ExpressionType(shape: .jagged, kind: .boolean)

    public var description: String {
        switch (shape, kind) {
        case (.scalar, .number): "a number"
        case (.scalar, .boolean): "a boolean"
        case (.jagged, .number): "a jagged array of numbers"
        case (.jagged, .boolean): "a jagged array of booleans"
        case (_, .selector): "an element selector (argmax, argmin, argleading)"
        }
    }
}

/// The names an expression may use.
public struct ExpressionEnvironment: Sendable {
    /// Branches and their shapes.
    public var branches: [String: ColumnShape]
    /// Analysis parameters, in the order of the parameter vector θ.
    public var parameters: [String]

    /// An environment with these branches and parameters.
    public init(branches: [String: ColumnShape], parameters: [String] = []) {
        self.branches = branches
        self.parameters = parameters
    }
}

/// Settings fixed when an expression is compiled.
public struct ExpressionOptions: Sendable {
    /// The value of `x[i]` when an event's array has no element i, and of `min`/`max` of an empty
    /// array (`at(x, i, default)` sets it per use).
    public var outOfRangeDefault: Double

    /// Options with the given out-of-range default (0 unless told).
    public init(outOfRangeDefault: Double = 0) {
        self.outOfRangeDefault = outOfRangeDefault
    }
}

/// A type-checked expression, ready to evaluate: names resolved, functions bound.
struct Plan: Sendable {
    indirect enum Node: Sendable {
        case constant(Double)
        case parameter(Int)
        case branch(String)
        case unary(UnaryFunction, Plan)
        case binary(BinaryFunction, Plan, Plan)
        /// A comparison; `parameters` are those the operands depend on (they set its relaxation).
        case compare(BinaryOperator, Plan, Plan, parameters: [Int])
        case reduce(Reduction, Plan, default: Double)
        case length(Plan)
        case index(Plan, Int, default: Double)
        /// `x[m]`: `x` with each element's membership multiplied by the boolean `m`.
        case mask(Plan, Plan)
        /// `x[s]`: the element of `x` a selector picks, `default` when it picks none.
        case pick(Plan, selector: Plan, default: Double)
        /// The element at rank `position` of a collection in `order` (`max`, `min`, `leading`, and
        /// `x[m][i]` in storage order), `default` when fewer elements are selected.
        case rank(RankOrder, Plan, position: Int, default: Double)
        /// Which element is at rank `position` (`argmax`, `argmin`, `argleading`): a selector.
        case rankSelector(RankOrder, Plan, position: Int)
        /// `len(m) op t` for a masked collection `m` and a parameter-free threshold: the probability
        /// that the number of selected elements satisfies the comparison.
        case countCompare(CountComparison, Plan, threshold: Plan)
    }

    var node: Node
    var type: ExpressionType
    var span: Range<Int>
    /// Parameters referenced anywhere below (ascending).
    var parameters: [Int]
    /// Whether the value is a jagged array whose elements carry memberships (it went through a
    /// mask `x[m]`): reductions weigh each element by its membership.
    var isMasked = false
}

/// Resolves names and checks types, producing a ``Plan``.
struct TypeChecker {
    let source: String
    let environment: ExpressionEnvironment
    let options: ExpressionOptions

    func error(_ kind: ExpressionError.Kind, _ message: String, _ span: Range<Int>) -> ExpressionError {
        ExpressionError(kind: kind, source: source, span: span, message: message)
    }

    func check(_ e: Expression) throws(ExpressionError) -> Plan {
        switch e.node {
        case .number(let value):
            return Plan(node: .constant(value), type: .number, span: e.span, parameters: [])
        case .name(let name):
            return try resolve(name, e.span)
        case .unary(let op, let operand):
            let inner = try check(operand)
            let wanted: ExpressionType.Kind = op == .negate ? .number : .boolean
            try require(inner, wanted, "'\(op.rawValue)'")
            return Plan(
                node: .unary(op == .negate ? .negate : .not, inner), type: inner.type, span: e.span,
                parameters: inner.parameters, isMasked: inner.isMasked)
        case .binary(let op, let lhs, let rhs):
            return try binary(op, check(lhs), check(rhs), e.span)
        case .call(let name, let arguments):
            return try call(name, arguments, e.span)
        case .index(let base, let position):
            return try index(check(base), position, options.outOfRangeDefault, e.span)
        case .select(let base, let selector):
            return try select(check(base), check(selector), e.span)
        }
    }

    private func resolve(_ name: String, _ span: Range<Int>) throws(ExpressionError) -> Plan {
        let parameter = environment.parameters.firstIndex(of: name)
        let branch = environment.branches[name]
        switch (parameter, branch) {
        case (.some, .some):
            throw error(.unknownName, "'\(name)' is both a branch and a parameter; rename the parameter", span)
        case (.some(let k), nil):
            return Plan(node: .parameter(k), type: .number, span: span, parameters: [k])
        case (nil, .some(let shape)):
            return Plan(node: .branch(name), type: ExpressionType(shape: shape, kind: .number), span: span, parameters: [])
        case (nil, nil):
            let known = Array(environment.branches.keys) + environment.parameters
            let hint = closestName(to: name, among: known).map { " (did you mean '\($0)'?)" } ?? ""
            throw error(.unknownName, "unknown branch or parameter '\(name)'\(hint)", span)
        }
    }

    private func require(_ plan: Plan, _ kind: ExpressionType.Kind, _ user: String) throws(ExpressionError) {
        precondition(kind != .selector, "selectors are only required by indexing")
        guard plan.type.kind == kind else {
            let wanted = kind == .number ? "numbers" : "booleans (comparisons, &&, ||, !, any, all)"
            throw error(.type, "\(user) needs \(wanted), but this is \(plan.type)", plan.span)
        }
    }

    private func binary(_ op: BinaryOperator, _ lhs: Plan, _ rhs: Plan, _ span: Range<Int>) throws(ExpressionError) -> Plan {
        let operandKind: ExpressionType.Kind = op == .and || op == .or ? .boolean : .number
        try require(lhs, operandKind, "'\(op.rawValue)'")
        try require(rhs, operandKind, "'\(op.rawValue)'")
        let shape: ColumnShape = lhs.type.shape == .jagged || rhs.type.shape == .jagged ? .jagged : .scalar
        let parameters = Array(Set(lhs.parameters).union(rhs.parameters)).sorted()
        let isMasked = lhs.isMasked || rhs.isMasked
        if op.isComparison {
            if let count = countComparison(op, lhs, rhs, span) ?? countComparison(op.mirrored, rhs, lhs, span) {
                return count
            }
            return Plan(
                node: .compare(op, lhs, rhs, parameters: parameters), type: ExpressionType(shape: shape, kind: .boolean),
                span: span, parameters: parameters, isMasked: isMasked)
        }
        return Plan(
            node: .binary(BinaryFunction.arithmetic[op]!, lhs, rhs), type: ExpressionType(shape: shape, kind: operandKind),
            span: span, parameters: parameters, isMasked: isMasked)
    }

    /// `len(m) op t` with `m` masked and `t` a parameter-free number per event: the probability of
    /// the comparison under the memberships, rather than a sigmoid of the soft count (whose hard
    /// limit at `len(m) == t` would be ½, and whose width would be in the cut's units).
    private func countComparison(_ op: BinaryOperator, _ count: Plan, _ threshold: Plan, _ span: Range<Int>) -> Plan? {
        guard case .length(let collection) = count.node, collection.isMasked,
              threshold.type == .number, threshold.parameters.isEmpty
        else { return nil }
        let comparison: CountComparison
        switch op {
        case .greaterEqual: comparison = .atLeast
        case .greater: comparison = .above
        case .lessEqual: comparison = .atMost
        case .less: comparison = .below
        case .equal: comparison = .equal
        case .notEqual: comparison = .notEqual
        default: return nil
        }
        return Plan(
            node: .countCompare(comparison, collection, threshold: threshold), type: .boolean, span: span,
            parameters: collection.parameters)
    }

    /// Checks that `plan` is a jagged array of numbers or booleans, for `user`.
    private func collection(_ plan: Plan, _ user: String) throws(ExpressionError) {
        guard plan.type.shape == .jagged, plan.type.kind != .selector else {
            throw error(.type, "\(user) needs a jagged array, but this is \(plan.type)", plan.span)
        }
    }

    /// `x[m]` (a mask) or `x[argmax(y)]` (a selector).
    private func select(_ base: Plan, _ selector: Plan, _ span: Range<Int>) throws(ExpressionError) -> Plan {
        try collection(base, "indexing with a mask or a selector")
        let parameters = Array(Set(base.parameters).union(selector.parameters)).sorted()
        switch (selector.type.shape, selector.type.kind) {
        case (.jagged, .boolean):
            return Plan(node: .mask(base, selector), type: base.type, span: span, parameters: parameters, isMasked: true)
        case (_, .selector):
            return Plan(
                node: .pick(base, selector: selector, default: options.outOfRangeDefault),
                type: ExpressionType(shape: .scalar, kind: base.type.kind), span: span, parameters: parameters)
        default:
            throw error(
                .type, "an index must be an integer literal, a jagged array of booleans (a mask like x > 30) or a selector (argmax, argmin, argleading), but this is \(selector.type)",
                selector.span)
        }
    }

    private func index(_ base: Plan, _ position: Int, _ fallback: Double, _ span: Range<Int>) throws(ExpressionError) -> Plan {
        guard base.type.shape == .jagged, base.type.kind != .selector else {
            throw error(.type, "only a jagged array can be indexed, but this is \(base.type)", base.span)
        }
        if base.isMasked {
            // The i-th selected element, in the collection's order.
            return Plan(
                node: .rank(.storage, base, position: position, default: fallback),
                type: ExpressionType(shape: .scalar, kind: base.type.kind), span: span, parameters: base.parameters)
        }
        return Plan(
            node: .index(base, position, default: fallback), type: ExpressionType(shape: .scalar, kind: base.type.kind),
            span: span, parameters: base.parameters)
    }

    private func call(_ name: String, _ arguments: [Expression], _ span: Range<Int>) throws(ExpressionError) -> Plan {
        func arity(_ counts: Int...) throws(ExpressionError) {
            guard counts.contains(arguments.count) else {
                let expected = counts.map(String.init).joined(separator: " or ")
                throw error(.type, "\(name) takes \(expected) argument\(counts == [1] ? "" : "s"), got \(arguments.count)", span)
            }
        }
        func jagged(_ plan: Plan) throws(ExpressionError) {
            guard plan.type.shape == .jagged, plan.type.kind != .selector else {
                throw error(.type, "\(name) reduces a jagged array, but this is \(plan.type)", plan.span)
            }
        }
        if let function = UnaryFunction.math[name] {
            try arity(1)
            let argument = try check(arguments[0])
            try require(argument, .number, name)
            return Plan(
                node: .unary(function, argument), type: argument.type, span: span, parameters: argument.parameters,
                isMasked: argument.isMasked)
        }
        let isElementwise = name == "pow" || ((name == "min" || name == "max") && arguments.count == 2)
        switch name {
        case _ where isElementwise:
            try arity(2)
            let a = try check(arguments[0]), b = try check(arguments[1])
            try require(a, .number, name)
            try require(b, .number, name)
            let function: BinaryFunction = name == "pow" ? .pow : name == "min" ? .min : .max
            let shape: ColumnShape = a.type.shape == .jagged || b.type.shape == .jagged ? .jagged : .scalar
            return Plan(
                node: .binary(function, a, b), type: ExpressionType(shape: shape, kind: .number), span: span,
                parameters: Array(Set(a.parameters).union(b.parameters)).sorted(), isMasked: a.isMasked || b.isMasked)
        case "len":
            try arity(1)
            let argument = try check(arguments[0])
            try jagged(argument)
            // A masked collection's length is the sum of its memberships.
            return Plan(
                node: .length(argument), type: .number, span: span, parameters: argument.isMasked ? argument.parameters : [])
        case "min", "max", "sum", "any", "all":
            // min/max with two arguments were handled above as elementwise.
            if name == "min" || name == "max" { try arity(1, 2) } else { try arity(1) }
            let argument = try check(arguments[0])
            try jagged(argument)
            let reduction: Reduction
            switch name {
            case "sum": reduction = .sum
            case "min": reduction = .min
            case "max": reduction = .max
            case "any": reduction = .any
            default: reduction = .all
            }
            let isLogical = name == "any" || name == "all"
            if isLogical {
                try require(argument, .boolean, name)
            } else if name != "sum" {
                try require(argument, .number, name)
            }
            if argument.isMasked, name == "min" || name == "max" {
                return Plan(
                    node: .rank(name == "max" ? .descending : .ascending, argument, position: 0, default: options.outOfRangeDefault),
                    type: .number, span: span, parameters: argument.parameters)
            }
            // sum of booleans counts (softly, in the soft evaluation).
            return Plan(
                node: .reduce(reduction, argument, default: options.outOfRangeDefault),
                type: isLogical ? .boolean : .number, span: span, parameters: argument.parameters)
        case "at":
            try arity(3)
            let base = try check(arguments[0])
            guard let position = literal(arguments[1]), position >= 0, position == position.rounded(),
                  position < Double(Int32.max)
            else {
                throw error(.type, "at's second argument must be a non-negative integer literal", arguments[1].span)
            }
            guard let fallback = literal(arguments[2]) else {
                throw error(.type, "at's third argument (the default) must be a number literal", arguments[2].span)
            }
            return try index(base, Int(position), fallback, span)
        case "leading", "argmax", "argmin", "argleading":
            let hasPosition = name == "leading" || name == "argleading"
            try arity(hasPosition ? 2 : 1)
            let keys = try check(arguments[0])
            try jagged(keys)
            try require(keys, .number, name)
            var position = 0
            if hasPosition {
                guard let value = literal(arguments[1]), value >= 0, value == value.rounded(), value < Double(Int32.max) else {
                    throw error(.type, "\(name)'s second argument must be a non-negative integer literal", arguments[1].span)
                }
                position = Int(value)
            }
            let order: RankOrder = name == "argmin" ? .ascending : .descending
            if name == "leading" {
                return Plan(
                    node: .rank(order, keys, position: position, default: options.outOfRangeDefault), type: .number,
                    span: span, parameters: keys.parameters)
            }
            return Plan(
                node: .rankSelector(order, keys, position: position), type: ExpressionType(shape: .jagged, kind: .selector),
                span: span, parameters: keys.parameters)
        default:
            let names = Array(UnaryFunction.math.keys)
                + ["pow", "min", "max", "len", "sum", "any", "all", "at", "leading", "argmax", "argmin", "argleading"]
            let hint = closestName(to: name, among: names).map { " (did you mean '\($0)'?)" } ?? ""
            throw error(.unknownName, "unknown function '\(name)'\(hint)", span.lowerBound..<span.lowerBound + name.unicodeScalars.count)
        }
    }

    /// A number literal, possibly negated.
    private func literal(_ e: Expression) -> Double? {
        switch e.node {
        case .number(let value): value
        case .unary(.negate, let inner): literal(inner).map { -$0 }
        default: nil
        }
    }
}

/// The candidate within edit distance 2 of `name` (closest first), for "did you mean" hints.
func closestName(to name: String, among candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var row = [i + 1]
            for (j, cb) in b.enumerated() {
                let substitution = previous[j] + (ca == cb ? 0 : 1)
                let edit: Int = Swift.min(previous[j + 1], row[j]) + 1
                row.append(Swift.min(edit, substitution))
            }
            previous = row
        }
        return previous[b.count]
    }
    let target = Array(name)
    var best: (name: String, distance: Int)?
    for candidate in candidates.sorted() {
        // The distance is at least the difference in length: skip the quadratic work (a name
        // may be thousands of characters long).
        let other = Array(candidate)
        guard abs(other.count - target.count) <= 2 else { continue }
        let d = distance(target, other)
        if d <= 2, d < best?.distance ?? Int.max { best = (candidate, d) }
    }
    return best?.name
}
