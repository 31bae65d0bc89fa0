/// One pseudo-experiment's test statistic.
public struct ToyOutcome: Sendable, Hashable {
    /// The statistic; nil when a fit of the toy failed or the statistic is not finite (the toy
    /// is left out of the p-values and counted in the warnings).
    public var statistic: Double?
    /// Whether both fits of the toy converged.
    public var converged: Bool

    public init(statistic: Double?, converged: Bool) {
        self.statistic = statistic
        self.converged = converged
    }
}

/// The pseudo-experiments of one toy-based hypothesis test, or of a contiguous share of them:
/// what a batch job computes for `hepkit cls --calctype toybased --shard I/N`.
///
/// Toy `i` of a test draws from its own random stream, so the share `a..<b` holds exactly the
/// outcomes toys `a..<b` have in one job; ``merged(_:)`` joins shares back into the whole test and
/// ``ToyCalculator/hypotest(from:)`` turns it into the same result one job gives.
public struct ToyStatistics: Sendable, Hashable {
    /// The tested POI value.
    public var poiValue: Double
    /// The test statistic.
    public var testStatistic: TestStatistic
    /// The statistic of the observed data.
    public var observedStatistic: Double
    /// Toys per hypothesis in the whole test.
    public var toysPerHypothesis: Int
    /// The index of the first toy held.
    public var firstToy: Int
    /// The signal-like toys (drawn at the fit with the POI at the tested value), from `firstToy`.
    public var signalLike: [ToyOutcome]
    /// The background-like toys (drawn at the fit with the POI at the statistic's background value).
    public var backgroundLike: [ToyOutcome]
    /// What flags the fits to the observed data (every share has the same).
    public var warnings: [String]

    public init(
        poiValue: Double, testStatistic: TestStatistic, observedStatistic: Double, toysPerHypothesis: Int, firstToy: Int,
        signalLike: [ToyOutcome], backgroundLike: [ToyOutcome], warnings: [String]
    ) {
        self.poiValue = poiValue
        self.testStatistic = testStatistic
        self.observedStatistic = observedStatistic
        self.toysPerHypothesis = toysPerHypothesis
        self.firstToy = firstToy
        self.signalLike = signalLike
        self.backgroundLike = backgroundLike
        self.warnings = warnings
    }

    /// The toys held.
    public var toyRange: Range<Int> { firstToy ..< firstToy + signalLike.count }

    /// Whether every toy of the test is held.
    public var isComplete: Bool { toyRange == 0..<toysPerHypothesis && backgroundLike.count == signalLike.count }

    /// The whole test from shares of it, given in any order.
    ///
    /// - Throws: ``InferenceError/invalidArgument(_:)`` when the shares belong to different tests
    ///   (POI value, statistic, toy count, observed statistic, warnings of the data fits), overlap
    ///   or leave toys out, naming the toys.
    public static func merged(_ shares: [ToyStatistics]) throws -> ToyStatistics {
        guard let first = shares.first else { throw InferenceError.invalidArgument("no toy statistics to merge") }
        for share in shares {
            guard share.poiValue == first.poiValue, share.testStatistic == first.testStatistic,
                  share.toysPerHypothesis == first.toysPerHypothesis, share.observedStatistic == first.observedStatistic,
                  share.warnings == first.warnings
            else {
                throw InferenceError.invalidArgument(
                    "toys of different tests: POI \(share.poiValue) vs \(first.poiValue), statistic \(share.testStatistic.rawValue) vs "
                        + "\(first.testStatistic.rawValue), \(share.toysPerHypothesis) vs \(first.toysPerHypothesis) toys, observed statistic "
                        + "\(share.observedStatistic) vs \(first.observedStatistic)")
            }
            guard share.backgroundLike.count == share.signalLike.count else {
                throw InferenceError.invalidArgument(
                    "toys \(share.firstToy)..<\(share.toyRange.upperBound) hold \(share.signalLike.count) signal-like and \(share.backgroundLike.count) background-like toys")
            }
        }
        let ordered = shares.sorted { $0.firstToy < $1.firstToy }
        var next = 0
        for share in ordered {
            if share.firstToy > next {
                throw InferenceError.invalidArgument("toys \(next)..<\(share.firstToy) of \(first.toysPerHypothesis) are missing")
            }
            if share.firstToy < next {
                throw InferenceError.invalidArgument("toys \(share.firstToy)..<\(next) are in two shares")
            }
            next = share.toyRange.upperBound
        }
        guard next == first.toysPerHypothesis else {
            throw InferenceError.invalidArgument("toys \(next)..<\(first.toysPerHypothesis) of \(first.toysPerHypothesis) are missing")
        }
        var whole = first
        whole.firstToy = 0
        whole.signalLike = ordered.flatMap(\.signalLike)
        whole.backgroundLike = ordered.flatMap(\.backgroundLike)
        return whole
    }

    /// The hypothesis test of a complete set of toys (e.g. ``merged(_:)`` of every batch job's
    /// share): the same result as ``ToyCalculator/hypotest(_:progress:)`` in one job.
    public func hypothesisTest() throws -> HypothesisTestResult {
        guard isComplete else {
            throw InferenceError.invalidArgument(
                "toys \(toyRange.lowerBound)..<\(toyRange.upperBound) of 0..<\(toysPerHypothesis): a hypothesis test needs every toy")
        }
        let toys = toysPerHypothesis
        let signal = signalLike.compactMap(\.statistic), background = backgroundLike.compactMap(\.statistic)
        guard !signal.isEmpty, !background.isEmpty else {
            throw InferenceError.failedMinimization(reason: "every toy fit failed")
        }
        var warnings = warnings
        for (label, outcomes) in [("signal-like", signalLike), ("background-like", backgroundLike)] {
            let failures = outcomes.lazy.filter { $0.statistic == nil }.count
            let unconverged = outcomes.lazy.filter { $0.statistic != nil && !$0.converged }.count
            if failures > 0 { warnings.append("\(failures) of \(toys) \(label) toys failed to fit and were left out") }
            if unconverged > 0 { warnings.append("\(unconverged) of \(toys) \(label) toy fits did not converge") }
        }
        func pValue(_ sample: [Double], _ value: Double) -> Double {
            Double(sample.lazy.filter { $0 >= value }.count) / Double(sample.count)
        }
        func tails(_ value: Double) -> TailProbabilities {
            TailProbabilities(clsb: pValue(signal, value), clb: pValue(background, value))
        }
        let perToy = background.map(tails)
        let percentiles = [2.27501319, 15.86552539, 50.0, 84.13447461, 97.72498681]
        let columns = [perToy.map(\.clsb).sorted(), perToy.map(\.clb).sorted(), perToy.map(\.cls).sorted()]
        let expected = percentiles.map { p in
            let values = columns.map { percentile($0, p) }
            var t = TailProbabilities(clsb: values[0], clb: values[1])
            t.cls = values[2]
            return t
        }
        let test = HypothesisTestResult(
            poiValue: poiValue, testStatistic: testStatistic, observed: tails(observedStatistic),
            expected: expected, observedStatistic: observedStatistic, asimovStatistic: .nan, warnings: warnings)
        try test.requireFinite(cause: "CL_b is 0 when no background-like toy reaches the statistic: more toys (\(toys) now) resolve smaller p-values")
        return test
    }
}

/// NumPy's default (linear) percentile of sorted values; NaNs sort last as in NumPy.
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    let values = sorted.filter { !$0.isNaN }
    guard values.count == sorted.count else { return .nan }
    guard !values.isEmpty else { return .nan }
    let position = p / 100 * Double(values.count - 1)
    let lower = Int(position.rounded(.down)), upper = min(lower + 1, values.count - 1)
    let fraction = position - Double(lower)
    return values[lower] + fraction * (values[upper] - values[lower])
}
