import DiffColumns
import Foundation
import Testing
@testable import Analysis

/// `network.json`: written from θ, read back checked, used by `build` and evaluated on events.
@Suite struct TrainedNetworksTests {
    static func trained() -> (LoadedAnalysis, [Double], TrainedNetworks) {
        let loaded = try! NetworkObservableTests.neos.standardizingNetworks()
        var theta = loaded.analysis.initialParameters
        for k in loaded.analysis.weightRange(ofNetwork: 0) { theta[k] += 0.1 * cos(Double(k)) }
        return (loaded, theta, loaded.analysis.trainedNetworks(at: theta))
    }

    func written(_ data: Data) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hepkit-network-\(UUID()).json")
        try data.write(to: url)
        return url
    }

    @Test func roundTripAndBuild() throws {
        let (loaded, theta, trained) = Self.trained()
        #expect(trained.networks.map(\.name) == ["score"])
        #expect(trained.networks[0].inputs == ["met", "jet_pt[0]", "mass", "len(jet_pt)"])
        let url = try written(try trained.json())
        defer { try? FileManager.default.removeItem(at: url) }
        let read = try TrainedNetworks.load(contentsOf: url)
        #expect(read == trained)
        // `build --networks`: the trained weights become θ's initial network part.
        let rebuilt = try loaded.using(read)
        var cut = rebuilt.analysis.initialParameters
        cut[0] = theta[0]
        #expect(try rebuilt.histograms.fillHard(at: cut) == loaded.histograms.fillHard(at: theta))
        // The library evaluation on the sample's events is the fill's network output.
        let table = loaded.histograms.events.samples[1]
        let scores = try read.evaluate("score", on: table)
        let plan = loaded.histograms.plans.first { $0.network != nil && $0.network!.inputs[0].table == 1 }!.network!
        #expect(scores == loaded.analysis.network(0, at: theta).evaluate(loaded.histograms.networkInputs[plan.inputsKey]!))
    }

    @Test(arguments: ["weights", "scale", "inputs"])
    func damagedFilesAreRefused(_ damage: String) throws {
        var (_, _, trained) = Self.trained()
        switch damage {
        case "weights": trained.networks[0].network.weights.removeLast()
        case "scale": trained.networks[0].network.inputScale[1] = 0
        default: trained.networks[0].inputs.removeLast()
        }
        let url = try written(try trained.json())
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: AnalysisDataError.self) { try TrainedNetworks.load(contentsOf: url) }
    }

    @Test func architectureMismatchIsRefused() throws {
        var (loaded, _, trained) = Self.trained()
        trained.networks[0].network.activation = .relu
        #expect(throws: AnalysisDataError.self) { try loaded.using(trained) }
        trained.networks[0].name = "other"
        #expect(throws: AnalysisDataError.self) { try loaded.using(trained) }
    }
}
