/// `histosys`: a Gaussian-constrained α adding an interpolated shift between the templates
/// `lo_data` (α = −1) and `hi_data` (α = +1); pyhf's default interpolation is code 4p.
public struct HistoSys: ModifierType {
    public init() {}
    public var typeName: String { "histosys" }
    public var dataFormat: ModifierDataFormat { .templates }
    public var defaultInterpolation: InterpolationCode? { .code4p }

    public func flattenData(_ modifier: Modifier, sampleData: [Double], path: String) throws -> [Double] {
        guard case .histosys(let hi, let lo) = modifier.data else {
            throw ModelError(
                .invalidModifier, path: path + ".data", "histosys modifier '\(modifier.name)' needs data {\"hi_data\": [...], \"lo_data\": [...]}")
        }
        for (key, values) in [("hi_data", hi), ("lo_data", lo)] where values.count != sampleData.count {
            throw ModelError(
                .invalidModifier, path: path + ".data.\(key)",
                "histosys modifier '\(modifier.name)' has data shape inconsistent with the sample: expected \(sampleData.count) values, found \(values.count)")
        }
        return hi + lo
    }

    public func parameterSet(named name: String, occurrences: [ModifierOccurrence], inputs: ModelInputs) throws
        -> ParameterSetDefaults
    { .unitGaussian }

    public func makeKernel(_ sets: [PlacedModifierSet], interpolation: InterpolationCode?, inputs: ModelInputs) throws
        -> any YieldKernel
    {
        HistoSysKernel(code: interpolation ?? .code4p, entries: scalarEntries(sets))
    }
}

/// Adds Δ(α; lo, ν⁰, hi) per bin; `hi` at `data..<data+n`, `lo` at `data+n..<data+2n`.
struct HistoSysKernel: YieldKernel {
    let code: InterpolationCode
    let entries: [ScalarFactorEntry]

    var composition: YieldComposition { .additive }

    func restricted(to elements: Range<Int>) -> (any YieldKernel)? {
        HistoSysKernel(code: code, entries: entries.filter { elements.contains($0.elements.lowerBound) })
    }

    func forward(_ x: KernelArguments, into out: UnsafeMutableBufferPointer<Double>) {
        for en in entries {
            let alpha = x.pars[en.parameter]
            let n = en.elements.count, e0 = en.elements.lowerBound, hi = en.data, lo = en.data + n
            let nom = x.nominal.baseAddress! + e0, out = out.baseAddress! + e0
            let hiData = x.modifierData.baseAddress! + hi, loData = x.modifierData.baseAddress! + lo
            // The default code gets branch-free inner loops (α-only terms hoisted), in pyhf's arithmetic.
            if code == .code4p {
                if alpha > 1 {
                    for k in 0..<n { out[k] += alpha * (hiData[k] - nom[k]) }
                } else if alpha < -1 {
                    for k in 0..<n { out[k] += alpha * (nom[k] - loData[k]) }
                } else {
                    let a2 = alpha * alpha
                    let tmp3 = a2 * (a2 * (a2 * 3.0 - 10.0) + 15.0)
                    for k in 0..<n {
                        let up = hiData[k] - nom[k], dn = nom[k] - loData[k]
                        out[k] += tmp3 * (0.0625 * (up - dn)) + alpha * (0.5 * (up + dn))
                    }
                }
            } else {
                for k in 0..<n { out[k] += code.delta(alpha, lo: loData[k], nominal: nom[k], hi: hiData[k]) }
            }
        }
    }

    /// One additive term per bin of every entry.
    func curvature(_ x: KernelArguments, into terms: inout CurvatureTerms) -> Bool {
        for en in entries {
            let alpha = x.pars[en.parameter]
            let n = en.elements.count, e0 = en.elements.lowerBound, hi = en.data, lo = en.data + n
            for k in 0..<n {
                let (l, m, h) = (x.modifierData[lo + k], x.nominal[e0 + k], x.modifierData[hi + k])
                let d = code.deltaWithDerivatives(alpha, lo: l, nominal: m, hi: h)
                terms.append(
                    element: e0 + k, parameter: en.parameter, value: d.value, first: d.dAlpha,
                    second: code.deltaSecondDerivative(alpha, lo: l, nominal: m, hi: h))
            }
        }
        return true
    }

    func backward(_ x: KernelArguments, adjoint: UnsafeBufferPointer<Double>, into grads: KernelGradients) {
        for en in entries {
            let alpha = x.pars[en.parameter]
            let n = en.elements.count, e0 = en.elements.lowerBound, hi = en.data, lo = en.data + n
            let nom = x.nominal.baseAddress! + e0, adj = adjoint.baseAddress! + e0
            let hiData = x.modifierData.baseAddress! + hi, loData = x.modifierData.baseAddress! + lo
            var dAlpha = 0.0
            if code.isMultiplicative {
                for k in 0..<n {
                    let g = adj[k]
                    let d = code.deltaWithDerivatives(alpha, lo: loData[k], nominal: nom[k], hi: hiData[k])
                    dAlpha += g * d.dAlpha
                    grads.nominal?[e0 + k] += g * d.dNominal
                    grads.modifierData?[hi + k] += g * d.dHi
                    grads.modifierData?[lo + k] += g * d.dLo
                }
            } else {
                // Additive codes are linear in (lo, ν⁰, hi) at fixed α: Δ = wL·lo + wN·ν⁰ + wH·hi, and
                // ∂Δ/∂α likewise with weights w'. Unit templates give the six weights once per entry.
                let l = code.deltaWithDerivatives(alpha, lo: 1, nominal: 0, hi: 0)
                let m = code.deltaWithDerivatives(alpha, lo: 0, nominal: 1, hi: 0)
                let h = code.deltaWithDerivatives(alpha, lo: 0, nominal: 0, hi: 1)
                let inputs = grads.nominal.flatMap { gn in
                    grads.modifierData.map { gd in (gn.baseAddress! + e0, gd.baseAddress! + hi, gd.baseAddress! + lo) }
                }
                dAlpha = linearBackward(
                    n, adjoint: adj, lo: loData, nominal: nom, hi: hiData, dAlpha: (l.dAlpha, m.dAlpha, h.dAlpha),
                    dInputs: (m.dNominal, h.dHi, l.dLo), into: inputs)
                if inputs == nil {
                    // At most one of the two input gradients is wanted.
                    if let gn = grads.nominal { for k in 0..<n { gn[e0 + k] += adj[k] * m.dNominal } }
                    if let gd = grads.modifierData {
                        for k in 0..<n {
                            gd[hi + k] += adj[k] * h.dHi
                            gd[lo + k] += adj[k] * l.dLo
                        }
                    }
                }
            }
            grads.pars[en.parameter] += dAlpha
        }
    }
}

/// Reverse pass of a shift linear in (lo, ν⁰, hi) over one row of n bins: returns
/// Σ_k g_k·(w′L·lo_k + w′N·ν_k + w′H·hi_k) (the α derivative) and, if `gradients` are given, adds g·wN,
/// g·wH and g·wL to the nominal, hi and lo gradients. Four bins at a time: this one pass over the
/// templates is the bulk of the input gradient.
@inline(__always)
private func linearBackward(
    _ n: Int, adjoint g: UnsafePointer<Double>, lo: UnsafePointer<Double>, nominal: UnsafePointer<Double>, hi: UnsafePointer<Double>,
    dAlpha w: (lo: Double, nominal: Double, hi: Double), dInputs v: (nominal: Double, hi: Double, lo: Double),
    into gradients: (nominal: UnsafeMutablePointer<Double>, hi: UnsafeMutablePointer<Double>, lo: UnsafeMutablePointer<Double>)?
) -> Double {
    typealias V = SIMD4<Double>
    @inline(__always) func load(_ p: UnsafePointer<Double>, _ k: Int) -> V { UnsafeRawPointer(p + k).loadUnaligned(as: V.self) }
    @inline(__always) func add(_ x: V, _ p: UnsafeMutablePointer<Double>, _ k: Int) {
        UnsafeMutableRawPointer(p + k).storeBytes(of: UnsafeRawPointer(p + k).loadUnaligned(as: V.self) + x, as: V.self)
    }
    let wl = V(repeating: w.lo), wn = V(repeating: w.nominal), wh = V(repeating: w.hi)
    var sum = V(repeating: 0), k = 0
    if let out = gradients {
        let vn = V(repeating: v.nominal), vh = V(repeating: v.hi), vl = V(repeating: v.lo)
        while k + 4 <= n {
            let gk = load(g, k)
            sum += gk * (wl * load(lo, k) + wn * load(nominal, k) + wh * load(hi, k))
            add(gk * vn, out.nominal, k)
            add(gk * vh, out.hi, k)
            add(gk * vl, out.lo, k)
            k += 4
        }
    } else {
        while k + 4 <= n {
            sum += load(g, k) * (wl * load(lo, k) + wn * load(nominal, k) + wh * load(hi, k))
            k += 4
        }
    }
    var total = (sum[0] + sum[1]) + (sum[2] + sum[3])
    while k < n {
        total += g[k] * (w.lo * lo[k] + w.nominal * nominal[k] + w.hi * hi[k])
        if let out = gradients {
            out.nominal[k] += g[k] * v.nominal
            out.hi[k] += g[k] * v.hi
            out.lo[k] += g[k] * v.lo
        }
        k += 1
    }
    return total
}
