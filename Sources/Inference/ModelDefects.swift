/// A property of a model that makes some results meaningless (rule 3 of the README: no wrong
/// number exits 0). ``Likelihood/defects()`` finds them; the calculators refuse the ones that
/// invalidate their result and pass the others on as warnings.
public enum ModelDefect: Sendable, Hashable, CustomStringConvertible {
    /// The parameter of interest does not change the expected data: the model has no signal, so
    /// CLs, limits, significances and impacts on the POI are undefined.
    case poiWithoutEffect(poi: String, detail: String)
    /// Every expected main-bin yield of one region (e.g. a channel) is zero at the initial
    /// parameters: the region constrains nothing.
    case emptyRegion(String)
    /// Every expected main-bin yield of the model is zero at the initial parameters.
    case noExpectedEvents

    /// Whether the defect invalidates every result (not only those about the POI).
    public var invalidatesFit: Bool {
        if case .noExpectedEvents = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .poiWithoutEffect(let poi, let detail):
            return "the parameter of interest '\(poi)' has no effect on the expected data (no signal)" + (detail.isEmpty ? "" : ": \(detail)")
        case .emptyRegion(let region): return "\(region) has zero expected yield in every bin at the initial parameters"
        case .noExpectedEvents: return "every expected main-bin yield is zero at the initial parameters (empty model)"
        }
    }
}

extension Likelihood {
    /// Whether the POI changes the expected data: compares the expected data at two POI values
    /// inside its bounds (everything else at the initial values). `nil` without a POI.
    public func poiHasEffect() -> Bool? {
        guard let poi = poiIndex else { return nil }
        let bounds = parameterBounds[poi]
        let start = initialParameters[poi]
        // Two distinct values in the bounds; a finite bound is preferred (yields scale with the POI).
        let a = bounds.lowerBound.isFinite ? bounds.lowerBound : start - 1
        let b = bounds.upperBound.isFinite ? bounds.upperBound : start + 1
        guard a < b else { return nil }
        var low = initialParameters, high = initialParameters
        low[poi] = a
        high[poi] = b
        return expectedData(low) != expectedData(high)
    }

    /// The defects any likelihood can detect: a POI without effect. Models that know their
    /// structure (``HistFactoryLikelihood``) also name empty channels and the samples involved.
    public func genericDefects() -> [ModelDefect] {
        guard let poi = poiIndex, poiHasEffect() == false else { return [] }
        return [.poiWithoutEffect(poi: parameterNames[poi], detail: "")]
    }
}

extension Fitter {
    /// Throws ``InferenceError/degenerateModel(_:)`` for a defect that makes a result about the
    /// POI meaningless (no signal, no expected events); returns the others as warnings.
    public func requireSignal() throws -> [ModelDefect] {
        let defects = model.defects()
        if let fatal = defects.first(where: { $0.invalidatesFit }) ?? defects.first(where: {
            if case .poiWithoutEffect = $0 { return true } else { return false }
        }) {
            throw InferenceError.degenerateModel(fatal)
        }
        return defects
    }

    /// Throws for a defect that makes every fit meaningless; returns the others as warnings.
    public func requireFittable() throws -> [ModelDefect] {
        let defects = model.defects()
        if let fatal = defects.first(where: \.invalidatesFit) { throw InferenceError.degenerateModel(fatal) }
        return defects
    }
}
