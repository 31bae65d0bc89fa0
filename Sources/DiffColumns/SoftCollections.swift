/// Soft object selections on jagged collections: counts and ranks of elements whose membership is
/// a weight in [0, 1] (a relaxed mask like σ((pT − cut)/s)) rather than 0 or 1.
///
/// Every kernel is the expectation of the hard operation when each element is in the collection
/// independently with probability equal to its weight (a Poisson-binomial count), so with 0/1
/// weights it *is* the hard operation, exactly, and otherwise it is smooth in the weights. A
/// collection is a ``DualColumn`` of flat per-element values with `offsets` (event e owns elements
/// `offsets[e] ..< offsets[e + 1]`); results carry tangents for the union of the inputs' parameters.

/// How `count` (the number of selected elements of an event) is compared with a threshold t.
public enum CountComparison: Sendable {
    case atLeast, above, atMost, below, equal, notEqual
}

/// The order in which ``softRankSelection(keys:weights:offsets:order:position:scale:)`` ranks the
/// elements of an event.
public enum RankOrder: Sendable {
    /// Largest key first (`max`, `argmax`, `leading`); ties by storage order.
    case descending
    /// Smallest key first (`min`, `argmin`).
    case ascending
    /// The collection's own order (`x[m][i]`: the i-th selected element).
    case storage
}

/// The probability, per event, that the number of selected elements satisfies `comparison` with
/// that event's threshold (a Poisson-binomial tail; 0 or 1 for 0/1 weights, as the hard count).
///
/// A NaN threshold compares false (true for `notEqual`), as the hard comparison does.
public func countProbability(
    weights: DualColumn, offsets: [Int], comparison: CountComparison, thresholds: [Double]
) -> DualColumn {
    let n = offsets.count - 1
    precondition(thresholds.count == n, "one threshold per event expected")
    let rows = weights.activeParameters.count
    let m = weights.count
    var longest = 0
    for e in 0..<n { longest = max(longest, offsets[e + 1] - offsets[e]) }
    var distribution = CountDistribution(states: longest + 2, rows: rows)
    var values = [Double](repeating: 0, count: n)
    var tangents = [Double](repeating: 0, count: rows * n)
    weights.values.withUnsafeBufferPointer { w in
    weights.tangents.withUnsafeBufferPointer { wt in
    values.withUnsafeMutableBufferPointer { out in
    tangents.withUnsafeMutableBufferPointer { t in
        for e in 0..<n {
            let length = offsets[e + 1] - offsets[e]
            let threshold = thresholds[e]
            guard !threshold.isNaN else {
                out[e] = comparison == .notEqual ? 1 : 0
                continue
            }
            // Every comparison is "count ≥ k", "count < k" or "count = k" for an integer k.
            let k: Double
            let form: (atLeast: Bool, exact: Bool, negate: Bool)
            switch comparison {
            case .atLeast: (k, form) = (threshold.rounded(.up), (true, false, false))
            case .above: (k, form) = (threshold.rounded(.down) + 1, (true, false, false))
            case .below: (k, form) = (threshold.rounded(.up), (true, false, true))
            case .atMost: (k, form) = (threshold.rounded(.down) + 1, (true, false, true))
            case .equal, .notEqual:
                let negate = comparison == .notEqual
                guard threshold == threshold.rounded(), threshold >= 0, threshold <= Double(length) else {
                    out[e] = negate ? 1 : 0
                    continue
                }
                (k, form) = (threshold, (false, true, negate))
            }
            if form.atLeast, k <= 0 || k > Double(length) {
                let atLeast: Double = k <= 0 ? 1 : 0
                out[e] = form.negate ? 1 - atLeast : atLeast
                continue
            }
            let states = Int(k) + 1
            distribution.reset(states: states)
            for j in offsets[e]..<offsets[e + 1] {
                distribution.add(w[j], tangents: wt, element: j, stride: m)
            }
            // P(count ≥ k) = 1 − Σ_{c<k} P(c); P(count = k) = P(k).
            var value = form.exact ? distribution.probability(Int(k)) : 1 - distribution.probabilityBelow(Int(k))
            if form.negate { value = 1 - value }
            out[e] = value
            let sign: Double = form.negate == form.exact ? -1 : 1
            for r in 0..<rows {
                let d = form.exact ? distribution.tangent(Int(k), row: r) : distribution.tangentBelow(Int(k), row: r)
                t[r * n + e] = sign * d
            }
        }
    }}}}
    return DualColumn(values: values, parameterCount: weights.parameterCount,
                      activeParameters: weights.activeParameters, tangents: tangents)
}

/// Which element of each event is at rank `position` among the selected elements, as weights.
///
/// Element j gets p_j = w_j · P(exactly `position` selected elements rank above j), where k ranks
/// above j with "probability" q_kj: for ``RankOrder/storage`` q_kj = [k < j]; otherwise the key
/// comparison — hard (ties by storage order) when the keys carry no tangents or `scale` is nil,
/// σ((x_k − x_j)/scale) (descending) when they do. `remainder` is the weight of "fewer than
/// `position` + 1 elements selected", where the hard operation gives its default. With 0/1 weights
/// and hard keys exactly one of p_j and remainder is 1 and the others 0.
///
/// - Parameters:
///   - keys: the ranking values (flat, `offsets` layout); ignored for `.storage`.
///   - weights: the memberships (flat, same layout), nil for all 1.
/// - Returns: the per-element weights (flat) and the per-event remainder.
public func softRankSelection(
    keys: DualColumn, weights: DualColumn?, offsets: [Int], order: RankOrder, position: Int, scale: Double?
) -> (selection: DualColumn, remainder: DualColumn) {
    precondition(position >= 0, "rank position must be non-negative")
    precondition(scale.map { $0 > 0 } ?? true, "relaxation scale must be positive")
    let n = offsets.count - 1, m = keys.count
    precondition(weights.map { $0.count == m } ?? true, "weights and keys differ in length")
    let softKeys = order != .storage && scale != nil && !keys.activeParameters.isEmpty
    let keyParameters = softKeys ? keys.activeParameters : []
    let weightParameters = weights?.activeParameters ?? []
    let active = Array(Set(keyParameters).union(weightParameters)).sorted()
    let rows = active.count
    // Row r of the result is row keyRow[r] of the keys and weightRow[r] of the weights (-1: none).
    let keyRow = active.map { keyParameters.firstIndex(of: $0) ?? -1 }
    let weightRow = active.map { weightParameters.firstIndex(of: $0) ?? -1 }
    let sign: Double = order == .ascending ? -1 : 1
    let inverseScale = 1 / (scale ?? 1)
    let states = position + 1
    let one = [Double](repeating: 1, count: m)
    let weightValues = weights?.values ?? one
    let weightTangents = weights?.tangents ?? []

    var ahead = CountDistribution(states: states, rows: rows)
    var everything = CountDistribution(states: states, rows: rows)
    // Per-row scratch: the tangent of one element's membership and of one "ranks above" weight.
    var dw = [Double](repeating: 0, count: rows), da = [Double](repeating: 0, count: rows)
    var selection = [Double](repeating: 0, count: m)
    var selectionTangents = [Double](repeating: 0, count: rows * m)
    var remainder = [Double](repeating: 0, count: n)
    var remainderTangents = [Double](repeating: 0, count: rows * n)
    keys.values.withUnsafeBufferPointer { x in
    keys.tangents.withUnsafeBufferPointer { xt in
    weightValues.withUnsafeBufferPointer { w in
    weightTangents.withUnsafeBufferPointer { wt in
    selection.withUnsafeMutableBufferPointer { p in
    selectionTangents.withUnsafeMutableBufferPointer { pt in
    remainder.withUnsafeMutableBufferPointer { rest in
    remainderTangents.withUnsafeMutableBufferPointer { restT in
    dw.withUnsafeMutableBufferPointer { dw in
    da.withUnsafeMutableBufferPointer { da in
        func membershipTangents(_ j: Int, into d: UnsafeMutableBufferPointer<Double>) {
            for r in 0..<rows { d[r] = weightRow[r] < 0 ? 0 : wt[weightRow[r] * m + j] }
        }
        for e in 0..<n {
            let range = offsets[e]..<offsets[e + 1]
            everything.reset(states: states)
            for j in range {
                membershipTangents(j, into: dw)
                everything.add(w[j], tangents: UnsafeBufferPointer(dw))
            }
            rest[e] = everything.probabilityBelow(states)
            for r in 0..<rows { restT[r * n + e] = everything.tangentBelow(states, row: r) }

            for j in range where w[j] != 0 || (0..<rows).contains(where: { weightRow[$0] >= 0 && wt[weightRow[$0] * m + j] != 0 }) {
                ahead.reset(states: states)
                for k in range where k != j {
                    // q: does k rank above j; a = w_k q its weight in the count ahead of j.
                    let q: Double, dq: Double
                    switch order {
                    case .storage:
                        (q, dq) = (k < j ? 1 : 0, 0)
                    case .descending, .ascending:
                        let above = sign * (x[k] - x[j])
                        if softKeys {
                            let (s, ds) = SigmoidEdge.cdfAndDensity(above * inverseScale)
                            (q, dq) = (s, ds * sign * inverseScale)
                        } else {
                            (q, dq) = (above > 0 || (above == 0 && k < j) ? 1 : 0, 0)
                        }
                    }
                    for r in 0..<rows {
                        let dwk = weightRow[r] < 0 ? 0 : wt[weightRow[r] * m + k]
                        let dx = dq == 0 || keyRow[r] < 0 ? 0 : xt[keyRow[r] * m + k] - xt[keyRow[r] * m + j]
                        da[r] = dwk * q + w[k] * dq * dx
                    }
                    ahead.add(w[k] * q, tangents: UnsafeBufferPointer(da))
                }
                let before = ahead.probability(position)
                p[j] = w[j] * before
                membershipTangents(j, into: dw)
                for r in 0..<rows { pt[r * m + j] = dw[r] * before + w[j] * ahead.tangent(position, row: r) }
            }
        }
    }}}}}}}}}}
    let parameterCount = keys.parameterCount
    return (
        DualColumn(values: selection, parameterCount: parameterCount, activeParameters: active, tangents: selectionTangents),
        DualColumn(values: remainder, parameterCount: parameterCount, activeParameters: active, tangents: remainderTangents)
    )
}

/// The distribution of the number of successes among independent Bernoulli trials, truncated to
/// the counts 0 ..< states, with its tangents: the scratch of the soft-collection kernels,
/// allocated once per call and reset per event.
struct CountDistribution {
    private var states: Int
    private let rows: Int
    /// P(count = c), c < states.
    private var probabilities: [Double]
    /// Row r, count c at r * capacity + c.
    private var tangents: [Double]
    private let capacity: Int

    init(states: Int, rows: Int) {
        self.states = states
        self.rows = rows
        self.capacity = states
        probabilities = [Double](repeating: 0, count: states)
        tangents = [Double](repeating: 0, count: rows * states)
    }

    /// No trials yet: count 0 with probability 1, keeping the first `states` counts.
    mutating func reset(states: Int) {
        precondition(states <= capacity, "more states than allocated")
        self.states = states
        for c in 0..<states { probabilities[c] = c == 0 ? 1 : 0 }
        for r in 0..<rows {
            for c in 0..<states { tangents[r * capacity + c] = 0 }
        }
    }

    /// One more trial succeeding with probability `a` (tangent row r of `a` is `da[r]`).
    mutating func add(_ a: Double, tangents da: UnsafeBufferPointer<Double>) {
        add(a) { da[$0] }
    }

    /// One more trial, its tangents in column `element` of rows `stride` long.
    mutating func add(_ a: Double, tangents: UnsafeBufferPointer<Double>, element: Int, stride: Int) {
        add(a) { tangents[$0 * stride + element] }
    }

    private mutating func add(_ a: Double, tangent: (Int) -> Double) {
        let states = states, capacity = capacity
        probabilities.withUnsafeMutableBufferPointer { p in
        tangents.withUnsafeMutableBufferPointer { t in
            // Descending c, so p[c - 1] is still the previous trial's.
            for r in 0..<rows {
                let d = tangent(r)
                let row = t.baseAddress! + r * capacity
                for c in stride(from: states - 1, through: 0, by: -1) {
                    var next = row[c] * (1 - a) - p[c] * d
                    if c > 0 { next += row[c - 1] * a + p[c - 1] * d }
                    row[c] = next
                }
            }
            for c in stride(from: states - 1, through: 0, by: -1) {
                // A 0 or 1 trial moves the probabilities exactly (no 0·x or x·1 rounding).
                if a == 0 { break }
                p[c] = a == 1 ? (c > 0 ? p[c - 1] : 0) : p[c] * (1 - a) + (c > 0 ? p[c - 1] * a : 0)
            }
        }}
    }

    func probability(_ c: Int) -> Double { probabilities[c] }
    func tangent(_ c: Int, row r: Int) -> Double { tangents[r * capacity + c] }

    /// P(count < k), k ≤ states.
    func probabilityBelow(_ k: Int) -> Double {
        var sum = 0.0
        for c in 0..<k { sum += probabilities[c] }
        return sum
    }

    func tangentBelow(_ k: Int, row r: Int) -> Double {
        var sum = 0.0
        for c in 0..<k { sum += tangents[r * capacity + c] }
        return sum
    }
}
