/// How the parameters act on single yield elements to second order: what a kernel gives for the
/// exact Hessian (``YieldKernel/curvature(_:into:)``).
///
/// A multiplicative kernel's output at an element is the product of the `value`s of its terms
/// there (elements without a term have the factor 1); an additive kernel's is the sum of its terms'
/// values. `first` and `second` are the derivatives of a term's value with respect to its parameter.
public struct CurvatureTerms: Sendable {
    /// One parameter's action on one element.
    public struct Term: Sendable {
        public var element: Int
        public var parameter: Int
        public var value: Double
        public var first: Double
        public var second: Double
    }

    public private(set) var terms: [Term] = []

    public init() {}

    public mutating func append(element: Int, parameter: Int, value: Double, first: Double, second: Double) {
        terms.append(Term(element: element, parameter: parameter, value: value, first: first, second: second))
    }

    /// The terms grouped by element: `order[start[e]..<start[e + 1]]` index the terms of element `e`.
    func grouped(elementCount: Int) -> (start: [Int], order: [Int]) {
        var start = [Int](repeating: 0, count: elementCount + 1)
        for t in terms { start[t.element + 1] += 1 }
        for e in 0..<elementCount { start[e + 1] += start[e] }
        var next = start
        var order = [Int](repeating: 0, count: terms.count)
        for (i, t) in terms.enumerated() {
            order[next[t.element]] = i
            next[t.element] += 1
        }
        return (start, order)
    }
}

extension Engine {
    /// The exact Hessian of ln L with respect to the parameters (row-major, `parameterCount²`), or
    /// `nil` if a kernel gives no curvature.
    ///
    /// With yields `c_e = (∏ᵢ gᵢ)·(ν⁰_e + Σⱼ Δⱼ)` and bin means `λ_b = Σ_e c_e`, the main term is
    /// `Σ_b ℓ″(λ_b) ∇λ_b ∇λ_bᵀ + ℓ′(λ_b) ∇²λ_b`: per bin, a sparse gradient over the few
    /// parameters touching its elements, and per element the pairwise products of the terms
    /// (other factors' products by division, with zero factors — μ = 0 — counted apart). The
    /// constraint terms are diagonal.
    func logpdfHessian(
        _ pars: UnsafeBufferPointer<Double>, _ data: UnsafeBufferPointer<Double>, _ inputs: ModelInputs,
        widths: UnsafeBufferPointer<Double>, usesModelInputs: Bool
    ) -> [Double]? {
        var additive = CurvatureTerms(), multiplicative = CurvatureTerms()
        let complete = withArguments(inputs, pars, usesModelInputs: usesModelInputs) { x in
            whole.additive.allSatisfy { $0.curvature(x, into: &additive) }
                && whole.multiplicative.allSatisfy { $0.curvature(x, into: &multiplicative) }
        }
        guard complete else { return nil }
        let (lambda, tape) = expectedMain(pars, inputs, usesModelInputs: usesModelInputs)
        let n = parameterCount
        let add = additive.grouped(elementCount: elementCount), mul = multiplicative.grouped(elementCount: elementCount)
        // Elements by main bin.
        var binStart = [Int](repeating: 0, count: mainBinCount + 1)
        for row in whole.rows { for k in 0..<row.elements.count { binStart[row.mainStart + k + 1] += 1 } }
        for b in 0..<mainBinCount { binStart[b + 1] += binStart[b] }
        var binElements = [Int](repeating: 0, count: binStart[mainBinCount])
        var fill = binStart
        for row in whole.rows {
            for (k, e) in row.elements.enumerated() {
                binElements[fill[row.mainStart + k]] = e
                fill[row.mainStart + k] += 1
            }
        }

        var h = [Double](repeating: 0, count: n * n)
        var gradient = [Double](repeating: 0, count: n)
        var touched: [Int] = []
        var isTouched = [Bool](repeating: false, count: n)
        // The multiplicative terms of one element with a non-zero slope (at most all of them).
        var perElement = [Int](repeating: 0, count: elementCount)
        for t in multiplicative.terms { perElement[t.element] += 1 }
        let widest = perElement.max() ?? 0
        var localParameter = [Int](repeating: 0, count: widest)
        var localSlope = [Double](repeating: 0, count: widest)
        h.withUnsafeMutableBufferPointer { h in
            additive.terms.withUnsafeBufferPointer { addTerms in
                multiplicative.terms.withUnsafeBufferPointer { mulTerms in
                    @inline(__always) func touch(_ p: Int, _ g: Double) {
                        if !isTouched[p] {
                            isTouched[p] = true
                            touched.append(p)
                        }
                        gradient[p] += g
                    }
                    @inline(__always) func addSymmetric(_ p: Int, _ q: Int, _ v: Double) {
                        h[p * n + q] += v
                        h[q * n + p] += v
                    }
                    for b in 0..<mainBinCount {
                        let count = data[b], l = lambda[b]
                        // ℓ = n ln λ − λ: ℓ′ = n/λ − 1, ℓ″ = −n/λ² (pyhf's xlogy: n = 0 gives −λ).
                        let d1 = count == 0 ? -1 : count / l - 1
                        let d2 = count == 0 ? 0 : -count / (l * l)
                        for e in binElements[binStart[b]..<binStart[b + 1]] {
                            let base = tape.base[e]
                            let m = mul.order[mul.start[e]..<mul.start[e + 1]]
                            let a = add.order[add.start[e]..<add.start[e + 1]]
                            var zeros = 0, nonzeroProduct = 1.0
                            for i in m {
                                let v = mulTerms[i].value
                                if v == 0 { zeros += 1 } else { nonzeroProduct *= v }
                            }
                            let product = zeros == 0 ? nonzeroProduct : 0
                            /// ∏ of the factors other than term i (and k).
                            @inline(__always) func others(_ i: Int) -> Double {
                                let vi = mulTerms[i].value
                                switch zeros {
                                case 0: return nonzeroProduct / vi
                                case 1: return vi == 0 ? nonzeroProduct : 0
                                default: return 0
                                }
                            }
                            @inline(__always) func others(_ i: Int, _ k: Int) -> Double {
                                let vi = mulTerms[i].value, vk = mulTerms[k].value
                                switch zeros {
                                case 0: return nonzeroProduct / (vi * vk)
                                case 1: return vi == 0 ? nonzeroProduct / vk : (vk == 0 ? nonzeroProduct / vi : 0)
                                case 2: return vi == 0 && vk == 0 ? nonzeroProduct : 0
                                default: return 0
                                }
                            }
                            if zeros == 0 {
                                // No zero factor: the product of the others is P/vᵢ, so every pair is
                                // ℓ′·P·B·uᵢ·u_k with the log-derivatives uᵢ = f′ᵢ/vᵢ.
                                var count = 0
                                for i in m {
                                    let t = mulTerms[i]
                                    guard t.first != 0 || t.second != 0 else { continue }
                                    let share = product / t.value
                                    touch(t.parameter, share * t.first * base)
                                    h[t.parameter * n + t.parameter] += d1 * share * t.second * base
                                    if t.first != 0 {
                                        localParameter[count] = t.parameter
                                        localSlope[count] = t.first / t.value
                                        count += 1
                                    }
                                }
                                let scale = d1 * product * base
                                for x in 0..<count {
                                    let px = localParameter[x], cx = scale * localSlope[x]
                                    for y in (x + 1)..<max(x + 1, count) { addSymmetric(px, localParameter[y], cx * localSlope[y]) }
                                    let ax = d1 * product * localSlope[x]
                                    for j in a { addSymmetric(px, addTerms[j].parameter, ax * addTerms[j].first) }
                                }
                                for j in a {
                                    let tj = addTerms[j]
                                    touch(tj.parameter, product * tj.first)
                                    h[tj.parameter * n + tj.parameter] += d1 * product * tj.second
                                }
                                continue
                            }
                            for i in m {
                                let ti = mulTerms[i]
                                guard ti.first != 0 || ti.second != 0 else { continue }
                                let qi = others(i)
                                touch(ti.parameter, qi * ti.first * base)
                                h[ti.parameter * n + ti.parameter] += d1 * qi * ti.second * base
                                guard ti.first != 0 else { continue }
                                for k in m where k > i {
                                    let tk = mulTerms[k]
                                    guard tk.first != 0 else { continue }
                                    addSymmetric(ti.parameter, tk.parameter, d1 * others(i, k) * ti.first * tk.first * base)
                                }
                                for j in a {
                                    let tj = addTerms[j]
                                    addSymmetric(ti.parameter, tj.parameter, d1 * qi * ti.first * tj.first)
                                }
                            }
                            for j in a {
                                let tj = addTerms[j]
                                touch(tj.parameter, product * tj.first)
                                h[tj.parameter * n + tj.parameter] += d1 * product * tj.second
                            }
                        }
                        // ℓ″ ∇λ ∇λᵀ over the parameters this bin depends on.
                        for p in touched {
                            let gp = d2 * gradient[p]
                            if gp != 0 { for q in touched { h[p * n + q] += gp * gradient[q] } }
                        }
                        for p in touched {
                            gradient[p] = 0
                            isTouched[p] = false
                        }
                        touched.removeAll(keepingCapacity: true)
                    }
                }
            }
            // Constraints: Gaussian −(a − θ)²/(2σ²) gives −1/σ²; Poisson a ln(τθ) − τθ gives −a/θ².
            for k in constraint.parameter.indices {
                let p = constraint.parameter[k], a = data[mainBinCount + k]
                if constraint.isPoisson[k] {
                    if a != 0 { h[p * n + p] -= a / (pars[p] * pars[p]) }
                } else {
                    h[p * n + p] -= 1 / (widths[k] * widths[k])
                }
            }
            // The outer products round differently on the two sides of the diagonal.
            for i in 0..<n {
                for j in (i + 1)..<max(i + 1, n) {
                    let mean = 0.5 * (h[i * n + j] + h[j * n + i])
                    h[i * n + j] = mean
                    h[j * n + i] = mean
                }
            }
        }
        return h
    }
}

extension Model {
    /// The exact Hessian `∂² ln L/∂θᵢ∂θⱼ` (row-major, `parameterCount²` values) at `pars` for
    /// `data` (main bins then auxdata) and `inputs` (default: the model's own), from the kernels'
    /// second derivatives; `nil` if a modifier type gives none (``YieldKernel/curvature(_:into:)``).
    public func exactLogpdfHessian(_ pars: [Double], data: [Double], inputs given: ModelInputs? = nil) -> [Double]? {
        precondition(pars.count == parameterCount, "expected \(parameterCount) parameters, found \(pars.count)")
        precondition(data.count == dataCount, "expected \(dataCount) data values, found \(data.count)")
        let inputs = given ?? self.inputs
        let own = isOwn(inputs)
        let widths = own ? cachedWidths : engine.widths(inputs)
        return pars.withUnsafeBufferPointer { p in
            data.withUnsafeBufferPointer { d in
                widths.withUnsafeBufferPointer { w in
                    engine.logpdfHessian(p, d, inputs, widths: w, usesModelInputs: own)
                }
            }
        }
    }
}
