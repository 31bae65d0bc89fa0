// Shared kernels of the multiplicative modifier types.

/// One scalar factor acting on a whole (channel, sample) row.
struct ScalarFactorEntry: Sendable {
    var parameter: Int
    var elements: Range<Int>
    /// Start of the occurrence's values in `ModelInputs.modifierData`.
    var data: Int
    /// Position of the entry in the list the kernel was made from (for precomputed tables).
    var slot: Int = 0
}

/// f and its partial derivatives for one entry: ∂f/∂θ and, when asked, ∂f/∂data for the entry's
/// first `ScalarFactor.dataCount` (≤ 2) values of `ModelInputs.modifierData`.
struct ScalarPartials {
    var value: Double
    var dTheta: Double
    var dData0 = 0.0
    var dData1 = 0.0
}

/// A scalar factor f(θ; data) of one entry: its value and partial derivatives.
protocol ScalarFactor: Sendable {
    /// Number of `modifierData` values (from `entry.data` on) f depends on: 0, 1 or 2.
    var dataCount: Int { get }
    func value(_ theta: Double, _ x: KernelArguments, _ entry: ScalarFactorEntry) -> Double
    /// f, ∂f/∂θ and, if `withData`, ∂f/∂data — in one evaluation, so that the reverse pass computes
    /// the interpolation once per entry whatever it needs.
    func partials(_ theta: Double, _ x: KernelArguments, _ entry: ScalarFactorEntry, withData: Bool) -> ScalarPartials
    /// ∂²f/∂θ².
    func secondDerivative(_ theta: Double, _ x: KernelArguments, _ entry: ScalarFactorEntry) -> Double
}

/// Row-wide factors (normfactor, lumi, normsys). Factors sharing a row are multiplied; their
/// derivatives use prefix/suffix products, so a factor of exactly 0 (μ = 0) is handled.
struct ScalarFactorKernel<F: ScalarFactor>: YieldKernel {
    let factor: F
    /// Entries sorted by row; `groups[g]..<groups[g+1]` share one row.
    let entries: [ScalarFactorEntry]
    let groups: [Int]
    let maxGroup: Int

    init(factor: F, entries: [ScalarFactorEntry]) {
        var entries = entries
        for i in entries.indices { entries[i].slot = i }
        let sorted = entries.enumerated().sorted {
            ($0.element.elements.lowerBound, $0.offset) < ($1.element.elements.lowerBound, $1.offset)
        }.map(\.element)
        self.init(factor: factor, sorted: sorted)
    }

    /// Entries already sorted by row, slots assigned.
    private init(factor: F, sorted: [ScalarFactorEntry]) {
        self.factor = factor
        self.entries = sorted
        var groups = [0]
        for i in sorted.indices.dropFirst() where sorted[i].elements.lowerBound != sorted[i - 1].elements.lowerBound {
            groups.append(i)
        }
        groups.append(sorted.count)
        self.groups = sorted.isEmpty ? [0] : groups
        var m = 0
        for g in 0..<(self.groups.count - 1) { m = max(m, self.groups[g + 1] - self.groups[g]) }
        maxGroup = m
    }

    var composition: YieldComposition { .multiplicative }

    func restricted(to elements: Range<Int>) -> (any YieldKernel)? {
        ScalarFactorKernel(factor: factor, sorted: entries.filter { elements.contains($0.elements.lowerBound) })
    }

    func forward(_ x: KernelArguments, into out: UnsafeMutableBufferPointer<Double>) {
        entries.withUnsafeBufferPointer { entries in
            for g in 0..<(groups.count - 1) {
                var r = 1.0
                for i in groups[g]..<groups[g + 1] {
                    r *= factor.value(x.pars[entries[i].parameter], x, entries[i])
                }
                for e in entries[groups[g]].elements { out[e] *= r }
            }
        }
    }

    func backward(_ x: KernelArguments, adjoint: UnsafeBufferPointer<Double>, into grads: KernelGradients) {
        let withData = grads.modifierData != nil && factor.dataCount > 0
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 5 * max(maxGroup, 1) + 1) { tmp in
            entries.withUnsafeBufferPointer { entries in
                for g in 0..<(groups.count - 1) {
                    let lo = groups[g], m = groups[g + 1] - lo
                    var dR = 0.0
                    for e in entries[lo].elements { dR += adjoint[e] }
                    if dR == 0 { continue }
                    // f, ∂f/∂θ, ∂f/∂data₀, ∂f/∂data₁ of the m entries, then the m + 1 prefix products;
                    // the suffix products are built on the fly.
                    let values = tmp.baseAddress!, derivs = values + m, d0 = derivs + m, d1 = d0 + m, prefix = d1 + m
                    prefix[0] = 1
                    for k in 0..<m {
                        let en = entries[lo + k]
                        let p = factor.partials(x.pars[en.parameter], x, en, withData: withData)
                        values[k] = p.value
                        derivs[k] = p.dTheta
                        d0[k] = p.dData0
                        d1[k] = p.dData1
                        prefix[k + 1] = prefix[k] * p.value
                    }
                    var suffix = 1.0
                    for k in stride(from: m - 1, through: 0, by: -1) {
                        let en = entries[lo + k]
                        let others = dR * prefix[k] * suffix
                        grads.pars[en.parameter] += others * derivs[k]
                        if withData, let gd = grads.modifierData {
                            gd[en.data] += others * d0[k]
                            if factor.dataCount > 1 { gd[en.data + 1] += others * d1[k] }
                        }
                        suffix *= values[k]
                    }
                }
            }
        }
    }
}

extension ScalarFactorKernel {
    /// One multiplicative term per entry and element of its row.
    func curvature(_ x: KernelArguments, into terms: inout CurvatureTerms) -> Bool {
        for en in entries {
            let theta = x.pars[en.parameter]
            let p = factor.partials(theta, x, en, withData: false)
            let second = factor.secondDerivative(theta, x, en)
            for e in en.elements { terms.append(element: e, parameter: en.parameter, value: p.value, first: p.dTheta, second: second) }
        }
        return true
    }
}

/// θ itself (normfactor, lumi).
struct IdentityFactor: ScalarFactor {
    var dataCount: Int { 0 }
    @inline(__always)
    func value(_ theta: Double, _ x: KernelArguments, _ entry: ScalarFactorEntry) -> Double { theta }
    @inline(__always)
    func partials(_ theta: Double, _ x: KernelArguments, _ entry: ScalarFactorEntry, withData: Bool) -> ScalarPartials {
        ScalarPartials(value: theta, dTheta: 1)
    }
    @inline(__always)
    func secondDerivative(_ theta: Double, _ x: KernelArguments, _ entry: ScalarFactorEntry) -> Double { 0 }
}

/// One per-bin factor occurrence: element `elements.lowerBound + k` is multiplied by
/// `pars[parameters[map + k]]`.
struct PerBinEntry: Sendable {
    var elements: Range<Int>
    var map: Int
}

/// Per-bin factors γ (shapefactor, shapesys, staterror).
struct PerBinFactors: Sendable {
    /// Entries sorted by row; `groups[g]..<groups[g+1]` share one row.
    let entries: [PerBinEntry]
    let parameters: [Int]
    let groups: [Int]

    /// Item i multiplies its bin k by `pars[items[i].parameters[k]]`.
    init(_ items: [(elements: Range<Int>, parameters: [Int])]) {
        let order = items.indices.sorted { (items[$0].elements.lowerBound, $0) < (items[$1].elements.lowerBound, $1) }
        var entries: [PerBinEntry] = []
        var parameters: [Int] = []
        for i in order {
            entries.append(PerBinEntry(elements: items[i].elements, map: parameters.count))
            parameters += items[i].parameters
        }
        self.init(entries: entries, parameters: parameters)
    }

    private init(entries: [PerBinEntry], parameters: [Int]) {
        var groups = [0]
        for i in entries.indices.dropFirst() where entries[i].elements.lowerBound != entries[i - 1].elements.lowerBound {
            groups.append(i)
        }
        if !entries.isEmpty { groups.append(entries.count) }
        self.entries = entries
        self.parameters = parameters
        self.groups = groups
    }

    /// The entries acting on `elements` only.
    func restricted(to elements: Range<Int>) -> PerBinFactors {
        PerBinFactors(entries: entries.filter { elements.contains($0.elements.lowerBound) }, parameters: parameters)
    }

    func forward(_ x: KernelArguments, into out: UnsafeMutableBufferPointer<Double>) {
        parameters.withUnsafeBufferPointer { map in
            for en in entries {
                let e0 = en.elements.lowerBound
                for k in 0..<en.elements.count { out[e0 + k] *= x.pars[map[en.map + k]] }
            }
        }
    }

    /// One multiplicative term γ per element of every entry (linear: no second derivative).
    func curvature(_ x: KernelArguments, into terms: inout CurvatureTerms) -> Bool {
        for en in entries {
            for k in 0..<en.elements.count {
                let p = parameters[en.map + k]
                terms.append(element: en.elements.lowerBound + k, parameter: p, value: x.pars[p], first: 1, second: 0)
            }
        }
        return true
    }

    func backward(_ x: KernelArguments, adjoint: UnsafeBufferPointer<Double>, into grads: KernelGradients) {
        parameters.withUnsafeBufferPointer { map in
            for g in 0..<max(groups.count - 1, 0) {
                let lo = groups[g], hi = groups[g + 1]
                for i in lo..<hi {
                    let en = entries[i]
                    let e0 = en.elements.lowerBound
                    for k in 0..<en.elements.count {
                        var others = adjoint[e0 + k]
                        // Several factors of this type on one row (rare): product of the others.
                        for j in lo..<hi where j != i { others *= x.pars[map[entries[j].map + k]] }
                        grads.pars[map[en.map + k]] += others
                    }
                }
            }
        }
    }
}
