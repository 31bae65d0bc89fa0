import Foundation
/// Errors of the inference layer.
public enum InferenceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The model has no parameter of interest but the operation needs one.
    case unspecifiedPOI
    /// The parameter of interest is fixed, so it cannot be tested or profiled.
    case fixedPOI(name: String)
    /// A starting value lies outside its parameter's bounds.
    case initOutsideBounds(name: String, value: Double, bounds: ClosedRange<Double>)
    /// A vector has the wrong length.
    case dimensionMismatch(what: String, expected: Int, actual: Int)
    /// The minimiser ended on a non-finite objective.
    case failedMinimization(reason: String)
    /// An argument is out of its domain.
    case invalidArgument(String)
    /// The model cannot give the requested result (no signal, no expected events).
    case degenerateModel(ModelDefect)
    /// A computed result is NaN or infinite; the message says which and why.
    case nonFiniteResult(String)

    public var description: String {
        switch self {
        case .unspecifiedPOI: return "the model has no parameter of interest (measurement config 'poi' is empty)"
        case .fixedPOI(let name): return "the parameter of interest '\(name)' is fixed and cannot be tested"
        case .initOutsideBounds(let name, let value, let bounds):
            return "initial value \(value) of parameter '\(name)' lies outside its bounds [\(bounds.lowerBound), \(bounds.upperBound)]"
        case .dimensionMismatch(let what, let expected, let actual):
            return "\(what) has \(actual) entries, expected \(expected)"
        case .failedMinimization(let reason): return "minimisation failed: \(reason)"
        case .invalidArgument(let message): return message
        case .degenerateModel(let defect): return "degenerate model: \(defect)"
        case .nonFiniteResult(let message): return message
        }
    }
}

/// A maximum-likelihood fit result.
public struct FitResult: Sendable {
    /// Best-fit parameters (fixed parameters at their held values).
    public var parameters: [Double]
    /// `-2 ln L` at `parameters` (pyhf's `twice_nll`).
    public var twiceNLL: Double
    /// Whether the minimiser met its convergence criterion.
    public var converged: Bool
    /// Objective evaluations used.
    public var evaluations: Int
    /// Minimiser iterations used.
    public var iterations: Int = 0
    /// Infinity norm of the projected gradient of `-ln L` at `parameters` (fixed parameters and
    /// parameters pushed against a bound left out).
    public var projectedGradientNorm: Double = .nan
}

/// Parameter uncertainties from the Hessian of `-ln L` at a minimum (what Minuit's HESSE gives).
public struct FitUncertainties: Sendable {
    /// One-sigma error of every parameter (0 for fixed parameters).
    public var errors: [Double]
    /// Covariance matrix over all parameters (zero rows/columns for fixed parameters).
    public var covariance: SymmetricMatrix
    /// Correlation matrix (unit diagonal for fixed parameters).
    public var correlation: SymmetricMatrix
    /// False if the Hessian was not positive definite and had to be regularised.
    public var hessianPositiveDefinite: Bool
}

/// Maximum-likelihood fits of a ``Likelihood``: free fits, fits with parameters held at chosen
/// values, Hessian uncertainties and profile-likelihood intervals.
public struct Fitter<LikelihoodModel: Likelihood>: Sendable {
    /// The model being fitted.
    public let model: LikelihoodModel
    /// Starting values (pyhf's `init_pars`); fixed parameters are held at these.
    public var initialParameters: [Double]
    /// Parameter bounds (pyhf's `par_bounds`).
    public var parameterBounds: [ClosedRange<Double>]
    /// Fixed flags (pyhf's `fixed_params`).
    public var fixedParameters: [Bool]
    /// The minimiser (any ``Minimizer``; ``BoundedMinimizer`` by default).
    public var minimizer: any Minimizer

    /// A fitter using the model's suggested starting values, bounds and fixed flags.
    public init(_ model: LikelihoodModel, minimizer: any Minimizer = BoundedMinimizer()) {
        self.model = model
        self.initialParameters = model.initialParameters
        self.parameterBounds = model.parameterBounds
        self.fixedParameters = model.fixedParameters
        self.minimizer = minimizer
    }

    /// The parameter of interest's index, or ``InferenceError/unspecifiedPOI``.
    public func requirePOI() throws -> Int {
        guard let poi = model.poiIndex else { throw InferenceError.unspecifiedPOI }
        return poi
    }

    /// The objective `-ln L(·|data)` as a sendable closure.
    public func objective(data: [Double]) -> Objective {
        let model = self.model
        return { model.negativeLogLikelihoodAndGradient($0, data: data) }
    }

    /// The exact Hessian of `-ln L(·|data)` on chosen indices, if the model has one.
    public func hessian(data: [Double]) -> ObjectiveHessian {
        let model = self.model
        return { x, indices in
            guard let h = model.negativeLogLikelihoodHessian(x, data: data) else { return nil }
            return indices.count == h.size && indices.elementsEqual(0..<h.size) ? h : h.submatrix(indices)
        }
    }

    /// The Hessian of `-ln L(·|data)` on `indices`: exact if the model has one, else central
    /// differences of the exact gradient.
    public func curvature(at parameters: [Double], data: [Double], indices: [Int]) -> SymmetricMatrix {
        hessian(data: data)(parameters, indices) ?? finiteDifferenceHessian(objective(data: data), at: parameters, indices: indices)
    }

    /// Fits `data` with the parameters in `holding` held at the given values (in addition to the
    /// fixed parameters), starting from `start` (default: the initial parameters).
    public func fit(data: [Double], holding: [Int: Double] = [:], start: [Double]? = nil) throws -> FitResult {
        try fit(data: data, holding: holding, start: start, firstHessian: nil)
    }

    /// As ``fit(data:holding:start:)``; the minimiser's first Hessian request is answered from
    /// `firstHessian` (a Hessian over the parameters `indices`, e.g. at a nearby best fit: a
    /// preconditioner need not be exact), later ones by the model.
    func fit(
        data: [Double], holding: [Int: Double], start: [Double]?, firstHessian: (matrix: SymmetricMatrix, indices: [Int])?
    ) throws -> FitResult {
        let n = model.parameterCount
        guard data.count == model.observedData.count else {
            throw InferenceError.dimensionMismatch(what: "data", expected: model.observedData.count, actual: data.count)
        }
        var initial = initialParameters
        var fixed = fixedParameters
        for (index, value) in holding {
            initial[index] = value
            fixed[index] = true
        }
        for i in 0..<n where !parameterBounds[i].contains(initial[i]) {
            throw InferenceError.initOutsideBounds(name: model.parameterNames[i], value: initial[i], bounds: parameterBounds[i])
        }
        var x = start ?? initial
        for i in 0..<n where fixed[i] { x[i] = initial[i] }
        let objective = objective(data: data)
        // A warm start can sit where the likelihood is undefined (e.g. negative yields after
        // moving the POI); the model's initial values are the fallback.
        if start != nil && !objective(x).value.isFinite { x = initial }
        var exact = hessian(data: data)
        if let (matrix, indices) = firstHessian {
            let first = FirstRequest(exact)
            let row = Dictionary(uniqueKeysWithValues: indices.enumerated().map { ($1, $0) })
            exact = { x, wanted in
                guard first.take(), wanted.allSatisfy({ row[$0] != nil }) else { return first.fallback(x, wanted) }
                return matrix.submatrix(wanted.map { row[$0]! })
            }
        }
        let result = minimizer.minimize(objective, hessian: exact, start: x, bounds: parameterBounds, fixed: fixed)
        guard result.value.isFinite else {
            throw InferenceError.failedMinimization(reason: "-ln L is not finite at the end point (negative or zero expected yields?)")
        }
        if !result.converged, let bounded = minimizer as? BoundedMinimizer, bounded.options.requireConvergence {
            throw InferenceError.failedMinimization(reason: "not converged within \(bounded.options.maxIterations) iterations")
        }
        return FitResult(
            parameters: result.parameters, twiceNLL: 2 * result.value, converged: result.converged, evaluations: result.evaluations,
            iterations: result.iterations, projectedGradientNorm: result.projectedGradientNorm)
    }

    /// Fit with the parameter of interest held at `poiValue` (pyhf's `fixed_poi_fit`).
    public func fixedPOIFit(_ poiValue: Double, data: [Double], start: [Double]? = nil) throws -> FitResult {
        let poi = try requirePOI()
        return try fit(data: data, holding: [poi: poiValue], start: start)
    }

    /// MINUIT's estimated distance to the minimum of `-ln L`, `½ gᵀ H⁻¹ g` over the parameters a
    /// step may move (free, not pushed against a bound); NaN if that Hessian is not positive definite.
    public func estimatedDistanceToMinimum(_ fit: FitResult, data: [Double]) -> Double {
        let g = objective(data: data)(fit.parameters).gradient
        let mask = BoundedMinimizer.freeMask(x: fit.parameters, gradient: g, bounds: parameterBounds, fixed: fixedParameters)
        let free = mask.indices.filter { mask[$0] }
        guard !free.isEmpty else { return 0 }
        let rhs = free.map { g[$0] }
        guard let step = curvature(at: fit.parameters, data: data, indices: free).solve(rhs) else { return .nan }
        return 0.5 * zip(rhs, step).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// Hessian uncertainties at `parameters` (normally a best fit): errors, covariance, correlation.
    public func uncertainties(at parameters: [Double], data: [Double]) -> FitUncertainties {
        let free = (0..<model.parameterCount).filter { !fixedParameters[$0] }
        return uncertainties(hessian: curvature(at: parameters, data: data, indices: free), free: free)
    }

    /// Uncertainties from the Hessian of `-ln L` over the parameters `free`.
    func uncertainties(hessian: SymmetricMatrix, free: [Int]) -> FitUncertainties {
        let n = model.parameterCount
        let regularised = hessian.withDiagonalShift(relativeShift: 1e-10, maximumShift: 1e10 * max(hessian.largestDiagonalMagnitude, 1)) {
            $0.inverse()
        }
        let positiveDefinite = regularised?.shift == 0
        let inverse = regularised?.result ?? SymmetricMatrix(size: free.count)
        var covariance = SymmetricMatrix(size: n)
        for (a, i) in free.enumerated() {
            for (b, j) in free.enumerated() { covariance[i, j] = inverse[a, b] }
        }
        let errors = (0..<n).map { covariance[$0, $0] > 0 ? covariance[$0, $0].squareRoot() : 0 }
        var correlation = SymmetricMatrix(size: n)
        for i in 0..<n {
            for j in 0..<n {
                correlation[i, j] = i == j ? 1 : (errors[i] > 0 && errors[j] > 0 ? covariance[i, j] / (errors[i] * errors[j]) : 0)
            }
        }
        return FitUncertainties(errors: errors, covariance: covariance, correlation: correlation, hessianPositiveDefinite: positiveDefinite)
    }

    /// Profile-likelihood (MINOS-like) interval of parameter `index`: the values where the profiled
    /// `-2 ln L` rises by `deltaTwiceNLL` (1 for 68.3%) above the best fit, clamped to the bounds.
    public func profileInterval(
        parameter index: Int, data: [Double], bestFit: FitResult, deltaTwiceNLL: Double = 1
    ) throws -> ClosedRange<Double> {
        guard !fixedParameters[index] else { return bestFit.parameters[index]...bestFit.parameters[index] }
        let center = bestFit.parameters[index]
        let sigma = max(uncertainties(at: bestFit.parameters, data: data).errors[index], 1e-6 * max(1, abs(center)))
        let bounds = parameterBounds[index]
        let rise: @Sendable (Double) throws -> Double = { value in
            // From the best fit with the parameter moved: the nearest solved point.
            try fit(data: data, holding: [index: value], start: bestFit.parameters).twiceNLL - bestFit.twiceNLL - deltaTwiceNLL
        }
        func edge(_ direction: Double) throws -> Double {
            let limit = direction > 0 ? bounds.upperBound : bounds.lowerBound
            var inner = center
            var outer = center + direction * sigma
            for _ in 0..<60 {
                if (direction > 0 && outer >= limit) || (direction < 0 && outer <= limit) {
                    outer = limit
                    if try rise(limit) < 0 { return limit }
                    break
                }
                if try rise(outer) >= 0 { break }
                inner = outer
                outer = center + 2 * (outer - center)
            }
            return try RootFinder.brent(lower: min(inner, outer), upper: max(inner, outer), relativeTolerance: 1e-8, rise)
        }
        return try edge(-1)...edge(1)
    }
}

/// Answers the first Hessian request of one fit from elsewhere (``Fitter/fit(data:holding:start:firstHessian:)``).
private final class FirstRequest: @unchecked Sendable {
    let fallback: ObjectiveHessian
    private var taken = false
    private let lock = NSLock()

    init(_ fallback: @escaping ObjectiveHessian) { self.fallback = fallback }

    /// True exactly once.
    func take() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if taken { return false }
        taken = true
        return true
    }
}
