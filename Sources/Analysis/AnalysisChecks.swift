import Foundation
import HistFactory
import ROOTIO

/// A number the analysis would silently get wrong: a non-finite weight, an observable without a
/// value for every selected event, an empty region or signal. The message names the region,
/// sample, expression and (for event values) the file and entry.
public struct AnalysisDataError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension AnalysisHistograms {
    /// Checks the values the histograms at θ are filled from: every weight is finite (a NaN
    /// weight would make its bins NaN), and every region's observable has a finite value for at
    /// least one selected event of each sample (else its histogram is empty for a reason the
    /// user did not intend).
    ///
    /// - Throws: ``AnalysisDataError`` naming the sample, the template, the expression and the
    ///   first offending event's file and entry.
    public func checkInputs(at theta: [Double]) throws {
        var values = HardValues(self, at: theta)
        try checkInputs(&values)
    }

    /// ``checkInputs(at:)`` on expression values the fill then reuses.
    func checkInputs(_ values: inout HardValues) throws {
        for (key, plan) in zip(keys, plans) {
            let sample = analysis.samples[key.sample]
            let weights = try values.of(plan.weight)
            if let i = weights.firstIndex(where: { !$0.isFinite }) {
                throw AnalysisDataError(
                    message: "sample '\(sample.name)'\(template(key.variation)): weight '\(plan.weight.expression.source)' is "
                        + "\(spelled(weights[i])) for \(event(i, of: key))")
            }
            let region = analysis.regions[key.region]
            let observable = try values.of(plan.observable)
            let selected = try plan.selection.map { try values.of($0) }
            var anySelected = false, firstBad: Int?
            for i in observable.indices where selected.map({ $0[i] != 0 }) ?? true {
                anySelected = true
                if observable[i].isFinite {
                    firstBad = nil
                    break
                }
                if firstBad == nil { firstBad = i }
            }
            if anySelected, let i = firstBad {
                throw AnalysisDataError(
                    message: "region '\(region.name)', sample '\(sample.name)'\(template(key.variation)): observable "
                        + "'\(plan.observable.expression.source)' is not finite for any selected event "
                        + "(\(spelled(observable[i])) for \(event(i, of: key)))")
            }
        }
    }

    /// NaN without the sign bit's "-nan".
    private func spelled(_ x: Double) -> String { x.isNaN ? "NaN" : "\(x)" }

    private func template(_ variation: Variation) -> String {
        switch variation {
        case .nominal: ""
        case .up(let k): ", up template of '\(analysis.systematics[k].name)'"
        case .down(let k): ", down template of '\(analysis.systematics[k].name)'"
        }
    }

    /// "entry E of file F" for event `i` of the table behind `key` (its files' events in order).
    private func event(_ i: Int, of key: HistogramKey) -> String {
        let sample = analysis.samples[key.sample]
        var files = sample.files
        switch key.variation {
        case .up(let k), .down(let k):
            if case .histoSys(.files(let up, let down)) = analysis.systematics[k].kind {
                if case .up = key.variation { files = up } else { files = down }
            }
        case .nominal:
            break
        }
        var start = 0
        for file in files {
            // Only regular files: a FIFO named in a config must not block an error message.
            var info = stat()
            guard !file.isFileURL || (stat(file.path, &info) == 0 && info.st_mode & S_IFMT == S_IFREG) else { break }
            guard let entries = try? ROOTFile(path: file.rootLocation).table(sample.tree).entryCount else { break }
            if i < start + Int(entries) { return "entry \(i - start) of file '\(file.rootLocation)'" }
            start += Int(entries)
        }
        return "event \(i)"
    }

    /// The workspace of the hard histograms at θ after ``checkInputs(at:)``, refused if it is
    /// degenerate (``ResolvedAnalysis/checkNotDegenerate(_:)``): what `build` and `optimize` write.
    /// With `sharing`, the histograms are summed over the processes that share the events.
    public func checkedHardWorkspace(at theta: [Double], sharing: EventSharing = .single) throws -> Workspace {
        var values = HardValues(self, at: theta)
        try checkInputs(&values)
        let workspace = try hardWorkspace(&values, sharing: sharing)
        try analysis.checkNotDegenerate(workspace)
        return workspace
    }
}

extension ResolvedAnalysis {
    /// Refuses a workspace no result can be drawn from: a non-finite bin, a region where no
    /// sample has any event, or signal samples empty in every region.
    ///
    /// - Throws: ``AnalysisDataError`` naming the region and sample.
    public func checkNotDegenerate(_ workspace: Workspace) throws {
        var signal = 0.0
        let signalNames = Set(samples.filter(\.isSignal).map(\.name))
        for channel in workspace.channels {
            var total = 0.0
            for sample in channel.samples {
                if let bad = sample.data.first(where: { !$0.isFinite }) {
                    throw AnalysisDataError(message: "region '\(channel.name)', sample '\(sample.name)': a bin is \(bad)")
                }
                let sum = sample.data.reduce(0, +)
                total += abs(sum)
                if signalNames.contains(sample.name) { signal += abs(sum) }
            }
            guard total > 0 else {
                throw AnalysisDataError(
                    message: "region '\(channel.name)': no event of any sample falls in its bins (every histogram is zero)")
            }
        }
        guard signal > 0 else {
            let names = signalNames.sorted().map { "'\($0)'" }.joined(separator: ", ")
            throw AnalysisDataError(
                message: "the signal sample\(signalNames.count == 1 ? "" : "s") \(names) \(signalNames.count == 1 ? "has" : "have") "
                    + "no events in any region: the workspace cannot measure '\(poi)'")
        }
    }
}
