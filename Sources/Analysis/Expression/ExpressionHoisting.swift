extension CompiledExpression {
    /// This expression with its parameter-independent parts precomputed.
    ///
    /// An optimisation evaluates the same expressions at many θ; parts that do not depend on θ
    /// (`jet_pt[0]`, `sqrt(met * 2)`, `len(jet_pt) >= 2`) are evaluated here once, on `columns`,
    /// and stored in `store` as columns named `#` + their text. The returned expression reads them
    /// instead, so evaluating it on `columns` together with `store` gives the same values and
    /// derivatives with only the θ-dependent operations left.
    public func hoistingParameterFreeParts(
        of columns: some ColumnSource, into store: inout [String: DataColumn]
    ) throws -> CompiledExpression {
        let evaluation = Evaluation(
            source: columns, text: source, parameters: [Double](repeating: 0, count: parameterNames.count), scales: nil)
        var copy = self
        copy.plan = try hoist(plan, evaluation, &store)
        return copy
    }

    private func hoist<Source: ColumnSource>(
        _ plan: Plan, _ evaluation: Evaluation<Source>, _ store: inout [String: DataColumn]
    ) throws -> Plan {
        var plan = plan
        // A masked array or a selector carries weights a column cannot store: only their parts are.
        if plan.parameters.isEmpty, !plan.isMasked, plan.type.kind != .selector {
            switch plan.node {
            case .constant, .branch:
                return plan
            default:
                let name = "#" + evaluation.excerpt(plan.span)
                if store[name] == nil {
                    let value = try evaluation.value(plan)
                    if value.uniform {
                        plan.node = .constant(value.dual.values[0])
                        return plan
                    }
                    store[name] = DataColumn(values: value.dual.values, validOffsets: value.offsets)
                }
                plan.node = .branch(name)
                return plan
            }
        }
        switch plan.node {
        case .constant, .parameter, .branch:
            break
        case .unary(let f, let a):
            plan.node = .unary(f, try hoist(a, evaluation, &store))
        case .binary(let f, let a, let b):
            plan.node = .binary(f, try hoist(a, evaluation, &store), try hoist(b, evaluation, &store))
        case .compare(let op, let a, let b, let involved):
            plan.node = .compare(op, try hoist(a, evaluation, &store), try hoist(b, evaluation, &store), parameters: involved)
        case .reduce(let r, let a, let fallback):
            plan.node = .reduce(r, try hoist(a, evaluation, &store), default: fallback)
        case .length(let a):
            plan.node = .length(try hoist(a, evaluation, &store))
        case .index(let a, let position, let fallback):
            plan.node = .index(try hoist(a, evaluation, &store), position, default: fallback)
        case .mask(let a, let b):
            plan.node = .mask(try hoist(a, evaluation, &store), try hoist(b, evaluation, &store))
        case .pick(let a, let selector, let fallback):
            plan.node = .pick(try hoist(a, evaluation, &store), selector: try hoist(selector, evaluation, &store), default: fallback)
        case .rank(let order, let a, let position, let fallback):
            plan.node = .rank(order, try hoist(a, evaluation, &store), position: position, default: fallback)
        case .rankSelector(let order, let a, let position):
            plan.node = .rankSelector(order, try hoist(a, evaluation, &store), position: position)
        case .countCompare(let comparison, let a, let threshold):
            plan.node = .countCompare(comparison, try hoist(a, evaluation, &store), threshold: try hoist(threshold, evaluation, &store))
        }
        return plan
    }
}
