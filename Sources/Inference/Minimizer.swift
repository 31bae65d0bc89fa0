import HEPKitSupport

/// A smooth objective: value and exact gradient at a point.
public typealias Objective = @Sendable ([Double]) -> (value: Double, gradient: [Double])

/// The exact Hessian of an objective at a point, restricted to `indices` (rows and columns in
/// that order); `nil` where it is not available.
public typealias ObjectiveHessian = @Sendable (_ x: [Double], _ indices: [Int]) -> SymmetricMatrix?

/// Minimises a smooth objective inside a box: what ``Fitter`` needs of a minimiser. A new
/// minimiser is one conforming type passed to `Fitter(model, minimizer:)`.
public protocol Minimizer: Sendable {
    /// Minimises `objective` from `start` (clamped into `bounds`); `fixed` parameters keep their
    /// start value. `converged` in the result must say honestly whether a convergence criterion was met.
    func minimize(_ objective: Objective, start: [Double], bounds: [ClosedRange<Double>], fixed: [Bool]) -> MinimizationResult

    /// As `minimize(_:start:bounds:fixed:)`, with the objective's exact Hessian for second-order
    /// steps; the default ignores it.
    func minimize(
        _ objective: Objective, hessian: ObjectiveHessian?, start: [Double], bounds: [ClosedRange<Double>], fixed: [Bool]
    ) -> MinimizationResult
}

extension Minimizer {
    public func minimize(
        _ objective: Objective, hessian: ObjectiveHessian?, start: [Double], bounds: [ClosedRange<Double>], fixed: [Bool]
    ) -> MinimizationResult {
        minimize(objective, start: start, bounds: bounds, fixed: fixed)
    }
}

/// Settings of ``BoundedMinimizer``.
public struct MinimizerOptions: Sendable, Hashable {
    /// Stop when the infinity norm of the projected gradient is below this.
    public var gradientTolerance: Double = 1e-9
    /// Stop after `stallIterations` consecutive iterations that lower the objective by less than
    /// this fraction of `max(1, |f|)` (the gradient can no longer be resolved in floating point).
    public var functionTolerance: Double = 1e-15
    /// See `functionTolerance`.
    public var stallIterations: Int = 4
    /// Maximum number of quasi-Newton iterations.
    public var maxIterations: Int = 20_000
    /// Number of correction pairs the limited-memory BFGS keeps.
    public var memory: Int = 20
    /// Finish with Newton steps on a finite-difference Hessian (of the exact gradient) when there
    /// are at most this many free parameters; pushes the gradient to the floating-point floor
    /// (parameters converged along flat directions, as implicit derivatives need). Larger fits end
    /// when the objective stops decreasing (2NLL converged to ~1e-12 relative, which is all that
    /// test statistics need), since the Hessian costs one gradient per parameter.
    public var newtonPolishLimit: Int = 50
    /// Use a finite-difference Hessian (forward differences of the exact gradient, refreshed every
    /// `preconditionerRefresh` iterations) as the initial inverse-Hessian of the quasi-Newton
    /// recursion when there are at most this many non-fixed parameters. HistFactory likelihoods mix
    /// curvatures over many orders of magnitude (tight γ constraints, loose normfactors), where an
    /// unpreconditioned L-BFGS needs thousands of iterations.
    public var preconditionerLimit: Int = 1_000
    /// See `preconditionerLimit`.
    public var preconditionerRefresh: Int = 100
    /// A fit that ends without converging (e.g. at `maxIterations`) throws instead of returning
    /// `converged == false` (pyhf's behaviour, asked for by an explicit `--optconf maxiter`).
    public var requireConvergence = false
    /// With an exact Hessian (one evaluation instead of one gradient per parameter) the
    /// preconditioner and the Newton polish are used up to this many free parameters (their cost
    /// is then the dense Cholesky factorisation).
    public var exactHessianLimit: Int = 4_000

    public init() {}
}

/// Outcome of a minimisation.
public struct MinimizationResult: Sendable {
    /// The minimum found.
    public var parameters: [Double]
    /// Objective at `parameters`.
    public var value: Double
    /// Gradient at `parameters`.
    public var gradient: [Double]
    /// Infinity norm of the projected gradient (zero components for fixed parameters and for
    /// parameters at a bound whose gradient pushes outward).
    public var projectedGradientNorm: Double
    /// Quasi-Newton iterations used.
    public var iterations: Int
    /// Objective evaluations used.
    public var evaluations: Int
    /// Whether a convergence criterion was met (rather than the iteration budget running out).
    public var converged: Bool

    public init(
        parameters: [Double], value: Double, gradient: [Double], projectedGradientNorm: Double, iterations: Int,
        evaluations: Int, converged: Bool
    ) {
        self.parameters = parameters
        self.value = value
        self.gradient = gradient
        self.projectedGradientNorm = projectedGradientNorm
        self.iterations = iterations
        self.evaluations = evaluations
        self.converged = converged
    }
}

/// Minimises a smooth function inside a box using its exact gradient: a projected limited-memory
/// BFGS on the free (not fixed, not bound-active) variables, optionally polished by Newton steps
/// with a finite-difference Hessian of the gradient.
///
/// Robust at bounds (projection plus an active set), on flat directions (curvature pairs with
/// non-positive `sᵀy` are dropped, steepest descent restarts) and with fixed parameters (held exactly).
public struct BoundedMinimizer: Minimizer {
    public var options: MinimizerOptions

    public init(options: MinimizerOptions = .processDefault) {
        self.options = options
    }

    /// Minimises `objective` from `start` (clamped into `bounds`); `fixed` parameters keep their start value.
    public func minimize(
        _ objective: Objective, start: [Double], bounds: [ClosedRange<Double>], fixed: [Bool]
    ) -> MinimizationResult {
        minimize(objective, hessian: nil, start: start, bounds: bounds, fixed: fixed)
    }

    /// Minimises `objective` from `start`; the preconditioner and the Newton polish use the exact
    /// `hessian` when given, else finite differences of the gradient.
    public func minimize(
        _ objective: Objective, hessian: ObjectiveHessian?, start: [Double], bounds: [ClosedRange<Double>], fixed: [Bool]
    ) -> MinimizationResult {
        let n = start.count
        precondition(bounds.count == n && fixed.count == n, "BoundedMinimizer: dimension mismatch")
        var x = zip(start, bounds).map { min(max($0, $1.lowerBound), $1.upperBound) }
        var evaluations = 1
        var (f, g) = objective(x)
        var sHistory: [[Double]] = []
        var yHistory: [[Double]] = []
        var rhoHistory: [Double] = []
        var iterations = 0
        var stalled = 0
        var converged = false
        let nonFixed = (0..<n).filter { !fixed[$0] }
        var preconditioner: Preconditioner?

        while iterations < options.maxIterations {
            let free = Self.freeMask(x: x, gradient: g, bounds: bounds, fixed: fixed)
            if Self.projectedNorm(g, free) <= options.gradientTolerance || !f.isFinite {
                converged = f.isFinite
                break
            }
            if iterations % options.preconditionerRefresh == 0 {
                if hessian != nil && nonFixed.count <= options.exactHessianLimit, let exact = hessian?(x, nonFixed) {
                    preconditioner = Preconditioner(hessian: exact, indices: nonFixed)
                    evaluations += 1
                } else if nonFixed.count <= options.preconditionerLimit {
                    preconditioner = Preconditioner(objective, at: x, gradient: g, indices: nonFixed)
                    evaluations += nonFixed.count
                }
            }
            iterations += 1
            var direction = Self.twoLoopDirection(g, free: free, s: sHistory, y: yHistory, rho: rhoHistory, preconditioner: &preconditioner)
            var slope = Self.dot(direction, g, free)
            if !(slope < 0) {
                sHistory.removeAll(); yHistory.removeAll(); rhoHistory.removeAll()
                direction = (0..<n).map { free[$0] ? -g[$0] : 0 }
                slope = Self.dot(direction, g, free)
            }
            // Without curvature information the first step is scaled to move at most one unit.
            var step = sHistory.isEmpty && preconditioner == nil ? min(1, 1 / Self.projectedNorm(direction, free)) : 1
            var accepted: (x: [Double], f: Double, g: [Double])?
            for _ in 0..<60 {
                let trial = Self.project(x, direction, step, free, bounds)
                let decrease = zip(trial, x).enumerated().reduce(0.0) { $0 + g[$1.offset] * ($1.element.0 - $1.element.1) }
                let (ft, gt) = objective(trial)
                evaluations += 1
                if ft.isFinite, ft <= f + 1e-4 * decrease {
                    accepted = (trial, ft, gt)
                    break
                }
                step *= ft.isFinite ? max(0.1, min(0.5, 0.5 * (-slope * step) / max(ft - f - slope * step, 1e-300))) : 0.25
            }
            guard let next = accepted else {
                if sHistory.isEmpty {
                    converged = true  // no descent possible along the gradient at working precision
                    break
                }
                sHistory.removeAll(); yHistory.removeAll(); rhoHistory.removeAll()
                continue
            }
            let s = zip(next.x, x).map { $0 - $1 }
            let y = zip(next.g, g).map { $0 - $1 }
            let sy = Self.dot(s, y, free)
            if sy > 1e-12 * Self.dot(y, y, free).squareRoot() * Self.dot(s, s, free).squareRoot() && sy > 0 {
                sHistory.append(s); yHistory.append(y); rhoHistory.append(1 / sy)
                if sHistory.count > options.memory {
                    sHistory.removeFirst(); yHistory.removeFirst(); rhoHistory.removeFirst()
                }
            }
            let improvement = f - next.f
            x = next.x; f = next.f; g = next.g
            stalled = improvement <= options.functionTolerance * max(1, abs(f)) ? stalled + 1 : 0
            if stalled >= options.stallIterations {
                converged = true
                break
            }
        }
        var result = MinimizationResult(
            parameters: x, value: f, gradient: g,
            projectedGradientNorm: Self.projectedNorm(g, Self.freeMask(x: x, gradient: g, bounds: bounds, fixed: fixed)),
            iterations: iterations, evaluations: evaluations, converged: converged)
        polish(objective, hessian: hessian, &result, bounds: bounds, fixed: fixed)
        return result
    }

    /// Newton steps on the free variables with the exact Hessian or a finite-difference Hessian of
    /// the exact gradient.
    private func polish(
        _ objective: Objective, hessian exact: ObjectiveHessian?, _ result: inout MinimizationResult, bounds: [ClosedRange<Double>],
        fixed: [Bool]
    ) {
        let limit = exact == nil ? options.newtonPolishLimit : options.exactHessianLimit
        // One Hessian (and its factorisation) serves several Newton steps; it is recomputed only
        // when the free set changes or a step reduces the projected gradient by less than 10×.
        var hessian: (indices: [Int], factor: SparseCholesky, fresh: Bool)?
        for _ in 0..<8 {
            let free = Self.freeMask(x: result.parameters, gradient: result.gradient, bounds: bounds, fixed: fixed)
            let indices = free.indices.filter { free[$0] }
            guard !indices.isEmpty, indices.count <= limit, result.projectedGradientNorm > 1e-13 else { return }
            if hessian == nil || hessian!.indices != indices {
                let matrix = exact?(result.parameters, indices) ?? finiteDifferenceHessian(objective, at: result.parameters, indices: indices)
                guard let factor = Self.regularisedFactor(matrix) else { return }
                hessian = (indices, factor, true)
            }
            let delta = hessian!.factor.solve(indices.map { -result.gradient[$0] })
            var direction = [Double](repeating: 0, count: result.parameters.count)
            for (k, i) in indices.enumerated() { direction[i] = delta[k] }
            var step = 1.0
            var improved = false
            let before = result.projectedGradientNorm
            for _ in 0..<30 {
                let trial = Self.project(result.parameters, direction, step, free, bounds)
                let (ft, gt) = objective(trial)
                result.evaluations += 1
                let trialNorm = Self.projectedNorm(gt, Self.freeMask(x: trial, gradient: gt, bounds: bounds, fixed: fixed))
                if ft.isFinite, ft <= result.value || (ft <= result.value + 1e-12 * max(1, abs(result.value)) && trialNorm < result.projectedGradientNorm) {
                    improved = ft < result.value || trialNorm < result.projectedGradientNorm
                    result.parameters = trial
                    result.value = ft
                    result.gradient = gt
                    result.projectedGradientNorm = trialNorm
                    break
                }
                step *= 0.5
            }
            if !improved && hessian!.fresh { return }
            // A step on a fresh exact Hessian that gains less than 10× on an already converged
            // gradient has reached the floating-point floor: further Hessians would not help.
            if hessian!.fresh && result.projectedGradientNorm > 0.1 * before && result.projectedGradientNorm <= options.gradientTolerance {
                return
            }
            if !improved || result.projectedGradientNorm > 0.1 * before {
                hessian = nil
            } else {
                hessian!.fresh = false
            }
        }
    }

    /// The Cholesky factor of `H`, adding a growing multiple of the diagonal when `H` is not positive definite.
    static func regularisedFactor(_ h: SymmetricMatrix) -> SparseCholesky? {
        h.withDiagonalShift(relativeShift: 1e-10, maximumAttempts: 30) { SparseCholesky($0) }?.result
    }

    // MARK: Helpers

    /// Variables the next step may move: not fixed, and not sitting on a bound that the gradient pushes against.
    public static func freeMask(x: [Double], gradient g: [Double], bounds: [ClosedRange<Double>], fixed: [Bool]) -> [Bool] {
        (0..<x.count).map { i in
            if fixed[i] { return false }
            if x[i] <= bounds[i].lowerBound && g[i] > 0 { return false }
            if x[i] >= bounds[i].upperBound && g[i] < 0 { return false }
            return true
        }
    }

    static func projectedNorm(_ v: [Double], _ free: [Bool]) -> Double {
        var m = 0.0
        for i in v.indices where free[i] { m = max(m, abs(v[i])) }
        return m
    }

    static func dot(_ a: [Double], _ b: [Double], _ free: [Bool]) -> Double {
        var s = 0.0
        for i in a.indices where free[i] { s += a[i] * b[i] }
        return s
    }

    static func project(_ x: [Double], _ d: [Double], _ step: Double, _ free: [Bool], _ bounds: [ClosedRange<Double>]) -> [Double] {
        var out = x
        for i in x.indices where free[i] {
            out[i] = min(max(x[i] + step * d[i], bounds[i].lowerBound), bounds[i].upperBound)
        }
        return out
    }

    /// L-BFGS two-loop recursion restricted to the free variables, with the preconditioner's
    /// inverse Hessian (or the usual scalar `sᵀy/yᵀy`) as the initial matrix.
    static func twoLoopDirection(
        _ g: [Double], free: [Bool], s: [[Double]], y: [[Double]], rho: [Double], preconditioner: inout Preconditioner?
    ) -> [Double] {
        var q = (0..<g.count).map { free[$0] ? g[$0] : 0 }
        var alpha = [Double](repeating: 0, count: s.count)
        for k in stride(from: s.count - 1, through: 0, by: -1) {
            alpha[k] = rho[k] * dot(s[k], q, free)
            for i in q.indices where free[i] { q[i] -= alpha[k] * y[k][i] }
        }
        if preconditioner != nil {
            preconditioner!.solve(&q, free: free)
        } else if let sl = s.last, let yl = y.last {
            let yy = dot(yl, yl, free)
            let gamma = yy > 0 ? dot(sl, yl, free) / yy : 1
            if gamma > 0 { for i in q.indices { q[i] *= gamma } }
        }
        for k in 0..<s.count {
            let beta = rho[k] * dot(y[k], q, free)
            for i in q.indices where free[i] { q[i] += s[k][i] * (alpha[k] - beta) }
        }
        return q.map { -$0 }
    }
}

/// A positive-definite Hessian approximation used as the initial matrix of the quasi-Newton
/// recursion: forward differences of the exact gradient, shifted by a multiple of the identity
/// where not positive definite; its Cholesky factor is cached per set of free variables.
struct Preconditioner {
    private let hessian: SymmetricMatrix
    private let row: [Int: Int]
    private var factorMask: [Bool] = []
    private var factorIndices: [Int] = []
    private var factor: SparseCholesky?

    init(_ objective: Objective, at x: [Double], gradient g: [Double], indices: [Int]) {
        self.init(
            hessian: SymmetricMatrix(
                size: indices.count,
                elements: HEPKitSupport.finiteDifferenceHessian(
                    at: x, indices: indices, relativeStep: 1e-6, differencing: .forward(gradientAtX: g), objective)),
            indices: indices)
    }

    /// From a Hessian whose rows and columns are `indices`.
    init(hessian: SymmetricMatrix, indices: [Int]) {
        self.hessian = hessian
        row = Dictionary(uniqueKeysWithValues: indices.enumerated().map { ($1, $0) })
    }

    /// Replaces the free components of `q` by `H_free⁻¹ q_free`.
    mutating func solve(_ q: inout [Double], free: [Bool]) {
        if free != factorMask {
            factorMask = free
            factorIndices = free.indices.filter { free[$0] && row[$0] != nil }
            let sub = hessian.submatrix(factorIndices.map { row[$0]! })
            factor = sub.withDiagonalShift(relativeShift: 1e-8, maximumShift: 1e20) { SparseCholesky($0) }?.result
        }
        guard let factor else { return }
        let solved = factor.solve(factorIndices.map { q[$0] })
        for (k, i) in factorIndices.enumerated() { q[i] = solved[k] }
    }
}

/// Hessian of `objective` on `indices` by central differences of its exact gradient
/// (``HEPKitSupport/finiteDifferenceHessian(at:indices:relativeStep:differencing:_:)``, rows in
/// parallel, step `1e-5·max(1, |x|)`). Steps may leave the box (likelihoods are smooth there);
/// where the objective is not finite outside, a one-sided difference is used instead.
public func finiteDifferenceHessian(_ objective: Objective, at x: [Double], indices: [Int]) -> SymmetricMatrix {
    SymmetricMatrix(size: indices.count, elements: HEPKitSupport.finiteDifferenceHessian(at: x, indices: indices, relativeStep: 1e-5, objective))
}
