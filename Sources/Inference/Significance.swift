/// Discovery significance from the `q₀` test statistic (asymptotic formulae).
public struct DiscoverySignificance: Sendable, Hashable {
    /// Observed p-value of the background-only hypothesis, `p₀ = Φ(−√q₀)`.
    public var observedPValue: Double
    /// Observed significance `Z = √q₀`.
    public var observedSignificance: Double
    /// Expected p₀ for signal (POI = 1) data fluctuating by n = +2, +1, 0, −1, −2 σ (pyhf's order).
    public var expectedPValues: [Double]
    /// Expected significances in the same order, `Z = √q₀,A + n`.
    public var expectedSignificances: [Double]
    /// Observed `q₀`.
    public var q0: Double
    /// `q₀` on the Asimov dataset with POI = 1.
    public var q0Asimov: Double
    /// Model defects and fits that did not converge (the result stands, but check them).
    public var warnings: [String] = []
}

extension Fitter {
    /// Observed and expected discovery significance (pyhf `hypotest(0, test_stat="q0")`).
    public func discoverySignificance(data: [Double]) throws -> DiscoverySignificance {
        let calculator = try AsymptoticCalculator(fitter: self, data: data, testStatistic: .q0)
        let result = try calculator.hypotest(0)
        let sqrtQA = result.asimovStatistic.squareRoot()
        return DiscoverySignificance(
            observedPValue: result.clsObserved,
            observedSignificance: result.observedStatistic.squareRoot(),
            expectedPValues: result.clsExpected,
            expectedSignificances: [2.0, 1, 0, -1, -2].map { sqrtQA + $0 },
            q0: result.observedStatistic, q0Asimov: result.asimovStatistic, warnings: result.warnings)
    }
}
