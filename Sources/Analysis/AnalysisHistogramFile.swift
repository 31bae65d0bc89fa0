import DiffColumns
import Foundation
import HistFactory
import ROOTIO

/// The hard histograms of a workspace in the `region/sample/variation` layout of HistFitter and
/// TRExFitter inputs: `SR/ttbar/nominal`, `SR/ttbar/JES_up`, `SR/ttbar/JES_down` (every histosys
/// template) and `SR/data/nominal` (the workspace's observations). Each is a `TH1D` over the
/// region's bin edges, with Σw² and the observable as axis title.
public struct RegionHistograms: Sendable {
    /// A histogram and the folder (`region/sample`) it belongs in.
    public struct Entry: Sendable {
        public var folder: String
        public var histogram: Histogram
    }

    public var entries: [Entry] = []

    /// The histograms as a ROOT file (`fileName` is the name the file reports for itself).
    public func rootFile(fileName: String = "histograms.root") throws -> ROOTWriter {
        var writer = ROOTWriter(fileName: fileName)
        for entry in entries { try writer.write(entry.histogram, in: entry.folder) }
        return writer
    }
}

extension AnalysisHistograms {
    /// ``checkedHardWorkspace(at:sharing:)`` and, from the same fill, its histograms.
    ///
    /// - Parameter sharing: with several processes sharing the events, the histograms are summed over them.
    public func checkedHardWorkspaceAndHistograms(at theta: [Double], sharing: EventSharing = .single) throws
        -> (workspace: Workspace, histograms: RegionHistograms)
    {
        var values = HardValues(self, at: theta)
        try checkInputs(&values)
        let filled = try sharing.fillHard(self, &values)
        let index = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
        let workspace = analysis.workspace { filled[index[$0]!] }
        try analysis.checkNotDegenerate(workspace)
        var histograms = RegionHistograms()
        // Every template, fixed ones (read from histograms) too.
        for key in analysis.templateKeys {
            let contents = analysis.fixedTemplates[key]?.contents ?? filled[index[key]!]
            let region = analysis.regions[key.region]
            let name: String
            switch key.variation {
            case .nominal: name = "nominal"
            case .up(let k): name = analysis.systematics[k].name + "_up"
            case .down(let k): name = analysis.systematics[k].name + "_down"
            }
            let title = analysis.fixedTemplates[key].map { "\(name), \($0)" } ?? name
            histograms.entries.append(.init(
                folder: region.name + "/" + analysis.samples[key.sample].name,
                histogram: histogram(name, title: title, region: key.region, counts: contents.counts, sumw2: contents.sumw2, at: theta)))
        }
        for observation in workspace.observations {
            guard let r = analysis.regions.firstIndex(where: { $0.name == observation.name }) else { continue }
            histograms.entries.append(.init(
                folder: observation.name + "/data",
                histogram: histogram("nominal", title: "nominal", region: r, counts: observation.data, sumw2: observation.data, at: theta)))
        }
        return (workspace, histograms)
    }

    private func histogram(_ name: String, title: String, region r: Int, counts: [Double], sumw2: [Double], at theta: [Double]) -> Histogram {
        let region = analysis.regions[r]
        let edges = region.edges.map { edge -> Double in
            switch edge {
            case .value(let v): v
            case .parameter(let p): theta[p]
            }
        }
        let axisTitle = analysis.samples.indices.first { !analysis.samples[$0].isFixed }.map { region.observables[$0].source } ?? ""
        return Histogram(name: name, title: "\(region.name) \(title)", axes: [.init(edges: edges, title: axisTitle)],
                         contentsWithFlow: [0] + counts + [0], sumw2WithFlow: [0] + sumw2 + [0])
    }
}
