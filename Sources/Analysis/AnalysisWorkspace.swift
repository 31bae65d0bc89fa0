import DiffColumns
import Foundation
import HistFactory

/// How an analysis becomes a pyhf workspace: one channel per region, one sample per analysis
/// sample with its histogram as the nominal data, the POI's normfactor on the signal samples,
/// normsys factors, histosys templates, staterror from √sumw2 (one parameter set per region),
/// lumi, and the background-only Asimov counts as observations.
extension ResolvedAnalysis {
    /// The name of the staterror parameter set of `region` for the staterror systematic `name`
    /// (pyhf needs one set per channel).
    static func statErrorName(_ name: String, region: String) -> String { "\(name)_\(region)" }

    /// The measurement's name in exported workspaces.
    static let measurementName = "measurement"

    /// The workspace of histograms filled for this analysis.
    ///
    /// - Parameter filled: the histogram of every key in ``AnalysisHistograms/keys``; the
    ///   ``fixedTemplates`` are added here, once.
    public func workspace(_ filled: (HistogramKey) -> BinContents) -> Workspace {
        func contents(_ key: HistogramKey) -> BinContents { fixedTemplates[key]?.contents ?? filled(key) }
        var channels: [Channel] = [], observations: [Observation] = []
        for (r, region) in regions.enumerated() {
            var samplesOut: [HistFactory.Sample] = []
            var background = [Double](repeating: 0, count: region.edges.count - 1)
            for (s, sample) in samples.enumerated() {
                let nominal = contents(HistogramKey(region: r, sample: s, variation: .nominal))
                var modifiers: [Modifier] = []
                if sample.isSignal { modifiers.append(Modifier(name: poi, kind: .normfactor)) }
                for (k, systematic) in systematics.enumerated() where systematic.samples.contains(s) {
                    switch systematic.kind {
                    case .normSys(let lo, let hi):
                        modifiers.append(Modifier(name: systematic.name, kind: .normsys, data: .normsys(hi: hi, lo: lo)))
                    case .histoSys:
                        let up = contents(HistogramKey(region: r, sample: s, variation: .up(systematic: k)))
                        let down = contents(HistogramKey(region: r, sample: s, variation: .down(systematic: k)))
                        modifiers.append(Modifier(
                            name: systematic.name, kind: .histosys, data: .histosys(hiData: up.counts, loData: down.counts)))
                    case .statError:
                        modifiers.append(Modifier(
                            name: Self.statErrorName(systematic.name, region: region.name), kind: .staterror,
                            data: .perBin(nominal.sumw2.map { guardedSquareRoot($0).value })))
                    case .lumi:
                        modifiers.append(Modifier(name: systematic.name, kind: .lumi))
                    }
                }
                if !sample.isSignal {
                    for j in background.indices { background[j] += nominal.counts[j] }
                }
                samplesOut.append(HistFactory.Sample(name: sample.name, data: nominal.counts, modifiers: modifiers))
            }
            channels.append(Channel(name: region.name, samples: samplesOut))
            observations.append(Observation(name: region.name, data: background))
        }
        var parameters: [ParameterConfig] = []
        for systematic in systematics {
            if case .lumi(let uncertainty) = systematic.kind {
                parameters.append(ParameterConfig(
                    name: systematic.name, inits: [1], bounds: [[0.5, 1.5]], auxdata: [1], sigmas: [uncertainty]))
            }
        }
        return Workspace(
            channels: channels, observations: observations,
            measurements: [Measurement(name: Self.measurementName, config: MeasurementConfig(poi: poi, parameters: parameters))])
    }
}

/// √x for a sum of squared weights, with its derivative; an empty bin (x ≤ 1e-300) gives 0 and a
/// zero derivative instead of an infinite one.
@inlinable func guardedSquareRoot(_ x: Double) -> (value: Double, derivative: Double) {
    guard x > 1e-300 else { return (0, 0) }
    let root = x.squareRoot()
    return (root, 0.5 / root)
}

extension AnalysisHistograms {
    /// The workspace of the hard histograms at θ (what `hepkit build` writes).
    public func hardWorkspace(at theta: [Double], sharing: EventSharing = .single) throws -> Workspace {
        var values = HardValues(self, at: theta)
        return try hardWorkspace(&values, sharing: sharing)
    }

    /// ``hardWorkspace(at:sharing:)`` from expression values that may already be evaluated.
    func hardWorkspace(_ values: inout HardValues, sharing: EventSharing) throws -> Workspace {
        let filled = try sharing.fillHard(self, &values)
        let index = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
        return analysis.workspace { filled[index[$0]!] }
    }
}

/// Where each entry of a model's ``ModelInputs`` (flattened `nominal + modifierData`) and of its
/// observed main data comes from in the value vector of ``SoftHistograms``: a count, the square
/// root of a sumw2, or a constant (a normsys factor, a fixed template's count or √sumw2). A
/// linear map apart from the square roots, so its Jacobian is applied entry by entry.
struct InputMap: Sendable {
    enum Source: Sendable {
        case count(Int)
        case squareRootOfSumw2(Int)
        case constant(Double)
    }

    /// Per input entry.
    var inputs: [Source]
    /// Per main bin of the model: the value-vector entries of the background and of the signal
    /// nominal counts (the Asimov data at nominal nuisance parameters are `background + μ·signal`),
    /// and the sums of the fixed templates' counts.
    var background: [[Int]]
    var signal: [[Int]]
    var fixedBackground: [Double]
    var fixedSignal: [Double]

    /// - Throws: ``HistogramError`` if the model has an entry the analysis does not produce.
    init(model: Model, histograms: SoftHistograms) throws {
        let analysis = histograms.histograms.analysis
        /// The sources of a template's counts and of its √sumw2.
        func key(channel: String, sample: String, _ variation: Variation) throws -> (counts: [Source], errors: [Source]) {
            guard let r = analysis.regions.firstIndex(where: { $0.name == channel }),
                  let s = analysis.samples.firstIndex(where: { $0.name == sample })
            else { throw HistogramError(message: "the model's channel '\(channel)', sample '\(sample)' is not a histogram of the analysis") }
            let key = HistogramKey(region: r, sample: s, variation: variation)
            if let fixed = analysis.fixedTemplates[key] {
                return (fixed.contents.counts.map { .constant($0) }, fixed.contents.sumw2.map { .constant(guardedSquareRoot($0).value) })
            }
            guard let positions = histograms.positions(of: key) else {
                throw HistogramError(message: "the model's channel '\(channel)', sample '\(sample)' is not a histogram of the analysis")
            }
            return (positions.counts.map { .count($0) }, positions.sumw2.map { .squareRootOfSumw2($0) })
        }
        var inputs: [Source] = []
        for entry in model.inputLayout.nominal {
            inputs += try key(channel: entry.channel, sample: entry.sample, .nominal).counts
        }
        for entry in model.inputLayout.modifierData where !entry.range.isEmpty {
            let nominal = try key(channel: entry.channel, sample: entry.sample, .nominal)
            switch entry.type {
            case "histosys":
                guard let k = analysis.systematics.firstIndex(where: { $0.name == entry.modifier }) else {
                    throw HistogramError(message: "the model's histosys '\(entry.modifier)' is not a systematic of the analysis")
                }
                let up = try key(channel: entry.channel, sample: entry.sample, .up(systematic: k))
                let down = try key(channel: entry.channel, sample: entry.sample, .down(systematic: k))
                inputs += up.counts + down.counts
            case "staterror":
                inputs += nominal.errors
            case "normsys":
                guard let systematic = analysis.systematics.first(where: { $0.name == entry.modifier }),
                      case .normSys(let lo, let hi) = systematic.kind
                else { throw HistogramError(message: "the model's normsys '\(entry.modifier)' is not a normsys of the analysis") }
                inputs += [.constant(hi), .constant(lo)]
            default:
                throw HistogramError(message: "modifier type '\(entry.type)' is not made by analyses")
            }
            guard inputs.count == model.inputs.nominal.count + entry.range.upperBound else {
                throw HistogramError(message: "the model's data of modifier '\(entry.modifier)' do not match the analysis's histograms")
            }
        }
        var background = [[Int]](repeating: [], count: model.mainBinCount), signal = background
        var fixedBackground = [Double](repeating: 0, count: model.mainBinCount), fixedSignal = fixedBackground
        for (c, channel) in model.channels.enumerated() {
            guard let r = analysis.regions.firstIndex(where: { $0.name == channel }) else {
                throw HistogramError(message: "the model's channel '\(channel)' is not a region of the analysis")
            }
            for (s, sample) in analysis.samples.enumerated() {
                let key = HistogramKey(region: r, sample: s, variation: .nominal)
                if let fixed = analysis.fixedTemplates[key] {
                    for (b, count) in zip(model.channelBins[c], fixed.contents.counts) {
                        if sample.isSignal { fixedSignal[b] += count } else { fixedBackground[b] += count }
                    }
                    continue
                }
                let counts = histograms.positions(of: key)!.counts
                for (b, i) in zip(model.channelBins[c], counts) {
                    if sample.isSignal { signal[b].append(i) } else { background[b].append(i) }
                }
            }
        }
        self.inputs = inputs
        self.background = background
        self.signal = signal
        self.fixedBackground = fixedBackground
        self.fixedSignal = fixedSignal
    }

    /// The model inputs (flattened) and the Asimov main data at signal strength `mu` (nominal
    /// nuisance parameters) for the histogram values `v`.
    func apply(_ v: [Double], signalStrength mu: Double) -> (inputs: [Double], asimov: [Double]) {
        let inputs = self.inputs.map { source -> Double in
            switch source {
            case .count(let i): v[i]
            case .squareRootOfSumw2(let i): guardedSquareRoot(v[i]).value
            case .constant(let c): c
            }
        }
        let asimov = background.indices.map { j in
            background[j].reduce(fixedBackground[j]) { $0 + v[$1] } + mu * signal[j].reduce(fixedSignal[j]) { $0 + v[$1] }
        }
        return (inputs, asimov)
    }

    /// The cotangent on the histogram values of cotangents on the inputs and the Asimov main data.
    func pullback(at v: [Double], signalStrength mu: Double, inputs dInputs: [Double], asimov dAsimov: [Double]) -> [Double] {
        var dv = [Double](repeating: 0, count: v.count)
        for (source, d) in zip(inputs, dInputs) {
            switch source {
            case .count(let i): dv[i] += d
            case .squareRootOfSumw2(let i): dv[i] += d * guardedSquareRoot(v[i]).derivative
            case .constant: break
            }
        }
        for (b, d) in dAsimov.enumerated() {
            for i in background[b] { dv[i] += d }
            for i in signal[b] { dv[i] += mu * d }
        }
        return dv
    }
}
