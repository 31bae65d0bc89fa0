import Foundation
import Testing
import _Differentiation
import DiffColumns
@testable import Analysis

/// A small synthetic analysis: a resonance over a falling background, a MET-like cut, a jet
/// requirement, two parametric edges, and one histosys of each kind.
struct SyntheticAnalysis {
    static let yaml = """
        samples:
          - {name: signal, files: [signal.root], tree: events, weight: weight, signal: true}
          - {name: background, files: [background.root], tree: events, weight: weight}
        regions:
          - name: SR
            selection: met > cut_met && jet_pt[0] > cut_jet
            observable: mass
            edges: [60, edge1, edge2, 200]
            bandwidth: 5
          - name: CR
            selection: met < cut_met
            observable: met
            edges: [0, 20, 40, 200]
        parameters:
          - {name: cut_met, init: 50, bounds: [10, 150], relaxation: 4}
          - {name: cut_jet, init: 40, bounds: [20, 100], relaxation: 3}
          - {name: edge1, init: 110, bounds: [70, 120], relaxation: 1}
          - {name: edge2, init: 140, bounds: [125, 190], relaxation: 1}
        systematics:
          - {name: wvar, type: histosys, weight_up: weight_up, weight_down: weight * 0.9}
          - {name: jes, type: histosys, samples: [signal], branches_up: {jet_pt: jet_pt_up}, branches_down: {jet_pt: jet_pt_down}}
          - {name: gen, type: histosys, samples: [background], files_up: [bkg_up.root], files_down: [bkg_down.root]}
          - {name: mcstat, type: staterror}
        """

    static func events(count: Int, signal: Bool, seed: UInt64) throws -> ColumnTable {
        var state = seed
        func uniform() -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(state >> 11) / Double(1 << 53)
        }
        var mass: [Double] = [], met: [Double] = [], weight: [Double] = [], weightUp: [Double] = []
        var pt: [Double] = [], offsets = [0]
        for _ in 0..<count {
            // Box–Muller for the resonance, an exponential for the background.
            let g = (-2 * log(uniform())).squareRoot() * cos(2 * Double.pi * uniform())
            mass.append(signal ? 125 + 10 * g : 60 - 40 * log(uniform()))
            met.append(-(signal ? 60 : 30) * log(uniform()))
            weight.append(0.5 + uniform())
            weightUp.append(weight.last! * (1 + 0.2 * uniform()))
            for _ in 0..<Int(uniform() * 4) { pt.append(20 - (signal ? 50 : 25) * log(uniform())) }
            offsets.append(pt.count)
        }
        return try ColumnTable([
            "mass": DataColumn(mass), "met": DataColumn(met), "weight": DataColumn(weight), "weight_up": DataColumn(weightUp),
            "jet_pt": DataColumn(values: pt, offsets: offsets),
            "jet_pt_up": DataColumn(values: pt.map { $0 * 1.05 }, offsets: offsets),
            "jet_pt_down": DataColumn(values: pt.map { $0 * 0.95 }, offsets: offsets),
        ])
    }

    let analysis: ResolvedAnalysis
    let events: AnalysisEvents

    init(signalCount: Int = 3000, backgroundCount: Int = 6000) throws {
        let tables = [
            "signal.root": try Self.events(count: signalCount, signal: true, seed: 1),
            "background.root": try Self.events(count: backgroundCount, signal: false, seed: 2),
            "bkg_up.root": try Self.events(count: backgroundCount * 5 / 6, signal: false, seed: 3),
            "bkg_down.root": try Self.events(count: backgroundCount * 11 / 12, signal: false, seed: 4),
        ]
        let catalog: BranchCatalog = { files, _ in
            tables[files[0].lastPathComponent]!.columns.mapValues(\.shape)
        }
        analysis = try AnalysisConfig.decode(Self.yaml).resolve(baseDirectory: URL(fileURLWithPath: "/"), branches: catalog)
        events = AnalysisEvents(
            samples: [tables["signal.root"]!, tables["background.root"]!],
            alternatives: [2: (up: tables["bkg_up.root"]!, down: tables["bkg_down.root"]!)])
    }
}

@Suite struct AnalysisHistogramsTests {
    let synthetic: SyntheticAnalysis
    let histograms: AnalysisHistograms
    let theta = [50.0, 40, 110, 140]

    init() throws {
        synthetic = try SyntheticAnalysis()
        histograms = try AnalysisHistograms(analysis: synthetic.analysis, events: synthetic.events)
    }

    @Test func keysListEveryTemplate() {
        let sr = histograms.keys.filter { $0.region == 0 }
        #expect(sr.map(\.sample) == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
        #expect(sr.map(\.variation) == [
            .nominal, .up(systematic: 0), .down(systematic: 0), .up(systematic: 1), .down(systematic: 1),
            .nominal, .up(systematic: 0), .down(systematic: 0), .up(systematic: 2), .down(systematic: 2),
        ])
        #expect(histograms.keys.count == 20)
    }

    /// The hard histograms against the selection written out event by event.
    @Test func hardFillMatchesPerEventLoop() throws {
        let filled = try histograms.fillHard(at: theta)
        func reference(_ table: ColumnTable, weight: String, jet: String, region: Int) throws -> [Double] {
            let mass = try table.column(named: "mass").values, met = try table.column(named: "met").values
            let w = try table.column(named: weight).values
            let jets = try table.column(named: jet)
            let edges = region == 0 ? [60, 110, 140, 200] : [0.0, 20, 40, 200]
            var counts = [Double](repeating: 0, count: 3)
            for e in 0..<table.eventCount {
                let lead = jets.offsets![e] < jets.offsets![e + 1] ? jets.values[jets.offsets![e]] : 0
                let pass = region == 0 ? met[e] > 50 && lead > 40 : met[e] < 50
                let x = region == 0 ? mass[e] : met[e]
                guard pass, let bin = (0..<3).first(where: { edges[$0] <= x && x < edges[$0 + 1] }) else { continue }
                counts[bin] += w[e]
            }
            return counts
        }
        let signal = synthetic.events.samples[0], background = synthetic.events.samples[1]
        for (i, key) in histograms.keys.enumerated() {
            let table: ColumnTable
            var weight = "weight", jet = "jet_pt"
            switch (key.sample, key.variation) {
            case (_, .up(0)): table = synthetic.events.samples[key.sample]; weight = "weight_up"
            case (0, .up(1)): table = signal; jet = "jet_pt_up"
            case (0, .down(1)): table = signal; jet = "jet_pt_down"
            case (1, .up(2)): table = synthetic.events.alternatives[2]!.up
            case (1, .down(2)): table = synthetic.events.alternatives[2]!.down
            default: table = key.sample == 0 ? signal : background
            }
            var expected = try reference(table, weight: weight, jet: jet, region: key.region)
            if key.variation == .down(systematic: 0) { expected = expected.map { $0 * 0.9 } }
            for j in 0..<3 {
                #expect(abs(filled[i].counts[j] - expected[j]) <= 1e-9 * max(1, expected[j]), "\(key) bin \(j)")
            }
            #expect(filled[i].counts.reduce(0, +) > 1, "\(key) should not be empty")
        }
    }

    @Test(arguments: [AnalysisConfig.HistogramKernel.kde, .sigmoid])
    func softTendsToHard(kernel: AnalysisConfig.HistogramKernel) throws {
        let hard = try histograms.fillHard(at: theta)
        let soft = try histograms.fillSoft(at: theta, relaxation: 1e-9, kernel: kernel)
        for (h, s) in zip(hard, soft) {
            for j in h.counts.indices {
                #expect(abs(h.counts[j] - s.counts[j]) <= 1e-8 * max(1, h.counts[j]))
                #expect(abs(h.sumw2[j] - s.sumw2[j]) <= 1e-8 * max(1, h.sumw2[j]))
            }
        }
    }

    /// A downstream objective through Swift's AD: Σ_bins s²/(b + sumw2_b) over the SR.
    @Test func gradientThroughADMatchesFiniteDifferences() throws {
        let function = try SoftHistograms(histograms, relaxation: 1, kernel: .kde)
        let signal = function.positions(of: HistogramKey(region: 0, sample: 0, variation: .nominal))!
        let background = function.positions(of: HistogramKey(region: 0, sample: 1, variation: .nominal))!
        let jesUp = function.positions(of: HistogramKey(region: 0, sample: 0, variation: .up(systematic: 1)))!
        #expect(signal.counts == 0..<3 && signal.sumw2 == 3..<6 && jesUp.counts == 18..<21)
        #expect(background.counts == 30..<33)
        @differentiable(reverse)
        func objective(_ theta: [Double]) -> Double {
            let v = evaluate(function, at: theta)
            var total = 0.0
            for j in 0..<3 {
                let s = v[signal.counts.lowerBound + j], b = v[background.counts.lowerBound + j]
                let b2 = v[background.sumw2.lowerBound + j]
                let shift = v[jesUp.counts.lowerBound + j] - s
                total = total + s * s / (b + b2) + 0.1 * shift * shift
            }
            return total
        }
        let grad = gradient(at: theta) { objective($0) }
        for k in theta.indices {
            let h = 1e-5 * theta[k]
            var plus = theta, minus = theta
            plus[k] += h
            minus[k] -= h
            let fd = (objective(plus) - objective(minus)) / (2 * h)
            #expect(abs(grad.base[k] - fd) <= 1e-5 * abs(fd), "θ\(k): \(grad.base[k]) vs \(fd)")
            #expect(abs(fd) > 1e-4, "θ\(k) should matter")
        }
    }
}
