import HEPKitSupport

/// Impact of one nuisance parameter on the parameter of interest.
public struct ParameterImpact: Sendable, Hashable {
    /// Parameter name.
    public var name: String
    /// Index in the parameter vector.
    public var index: Int
    /// Best-fit value.
    public var bestFit: Double
    /// Post-fit (Hessian) uncertainty.
    public var postfitUncertainty: Double
    /// Pre-fit constraint width, `nil` for unconstrained parameters.
    public var prefitUncertainty: Double?
    /// Change of the POI's best fit when the parameter is held at best fit + pre-fit width (NaN if unconstrained).
    public var prefitUp: Double
    /// … at best fit − pre-fit width.
    public var prefitDown: Double
    /// Change of the POI's best fit when the parameter is held at best fit + post-fit uncertainty.
    public var postfitUp: Double
    /// … at best fit − post-fit uncertainty.
    public var postfitDown: Double
    /// Why an impact is NaN (a refit failed) or doubtful (a refit did not converge); empty normally.
    public var failures: [String] = []
}

extension Fitter {
    /// Pre- and post-fit impacts of every free parameter other than the POI, sorted by decreasing
    /// `|postfitUp| + |postfitDown|` (the convention of cabinetry's ranking). Each shifted value is
    /// clamped to the parameter's bounds; the 4 refits per parameter run on all cores from the
    /// best fit with that parameter moved. A failing refit gives NaN for that entry only, with the reason in
    /// the impact's `failures`. A model without signal, or a best fit that did not converge, is an error.
    public func ranking(data: [Double], progress: ProgressReporter? = nil) throws -> [ParameterImpact] {
        let poi = try requirePOI()
        _ = try requireSignal()
        let best = try fit(data: data)
        guard best.converged else {
            throw InferenceError.failedMinimization(reason: "the best fit did not converge (\(best.evaluations) evaluations); impacts relative to it are meaningless")
        }
        let free = (0..<model.parameterCount).filter { !fixedParameters[$0] }
        let hessian = curvature(at: best.parameters, data: data, indices: free)
        let spread = uncertainties(hessian: hessian, free: free)
        let errors = spread.errors, covariance = spread.covariance
        let prefit = model.prefitUncertainties
        let indices = (0..<model.parameterCount).filter { $0 != poi && !fixedParameters[$0] }
        let muHat = best.parameters[poi]
        let fitter = self
        let shifts: [(index: Int, value: Double?)] = indices.flatMap { i -> [(Int, Double?)] in
            let sigma = prefit[i]
            return [(i, sigma.map { best.parameters[i] + $0 }), (i, sigma.map { best.parameters[i] - $0 }),
                    (i, best.parameters[i] + errors[i]), (i, best.parameters[i] - errors[i])]
        }
        let outcomes = parallelMap(shifts.count) { k -> (delta: Double, converged: Bool) in
            let (i, value) = shifts[k]
            guard let value else { return (.nan, true) }
            let clamped = min(max(value, fitter.parameterBounds[i].lowerBound), fitter.parameterBounds[i].upperBound)
            // The best fit with one parameter moved and the others following it along their
            // correlation (the Newton step of the held fit at the best fit: Δx_j = C_ji/C_ii Δx_i);
            // the best fit's Hessian preconditions the first quasi-Newton steps.
            var start = best.parameters
            let delta = clamped - best.parameters[i]
            if covariance[i, i] > 0 {
                for j in free where j != i {
                    let moved = best.parameters[j] + covariance[j, i] / covariance[i, i] * delta
                    start[j] = min(max(moved, fitter.parameterBounds[j].lowerBound), fitter.parameterBounds[j].upperBound)
                }
            }
            let refit = try fitter.fit(data: data, holding: [i: clamped], start: start, firstHessian: (hessian, free))
            if k % 4 == 3 { progress?.report("ranking: \(k / 4 + 1)/\(indices.count) \(fitter.model.parameterNames[i])") }
            return (refit.parameters[poi] - muHat, refit.converged)
        }
        let deltas = outcomes.map { (try? $0.get())?.delta ?? .nan }
        let labels = ["prefit up", "prefit down", "postfit up", "postfit down"]
        return indices.enumerated().map { (k, i) in
            let failures: [String] = (0..<4).compactMap { s in
                switch outcomes[4 * k + s] {
                case .failure(let error): return "\(labels[s]) refit failed: \(error)"
                case .success(let outcome): return outcome.converged ? nil : "\(labels[s]) refit did not converge"
                }
            }
            return ParameterImpact(
                name: model.parameterNames[i], index: i, bestFit: best.parameters[i], postfitUncertainty: errors[i],
                prefitUncertainty: prefit[i], prefitUp: deltas[4 * k], prefitDown: deltas[4 * k + 1],
                postfitUp: deltas[4 * k + 2], postfitDown: deltas[4 * k + 3], failures: failures)
        }.sorted { a, b in
            let ka = abs(a.postfitUp) + abs(a.postfitDown), kb = abs(b.postfitUp) + abs(b.postfitDown)
            return ka.isNaN ? false : (kb.isNaN ? true : ka > kb)
        }
    }
}
