import Foundation
import HistFactory
import ROOTIO
import Testing
@testable import hepkit

/// `hepkit build --histograms`: the filled histograms, region/sample/variation, as the workspace has them.
@Suite struct BuildHistogramsTests {
    @Test func histogramsMatchTheWorkspace() throws {
        let scratch = try AnalysisCommandTests.Scratch()
        defer { scratch.remove() }
        let workspacePath = scratch.path("workspace.json"), rootPath = scratch.path("histograms.root")
        #expect(try AnalysisCommandTests.run(["build", scratch.config.path, "-o", workspacePath, "--histograms", rootPath]))
        let workspace = try WorkspaceDocument(parsing: Array(Data(contentsOf: URL(fileURLWithPath: workspacePath)))).workspace
        let file = try ROOTFile(path: rootPath)
        #expect(try file.allObjects().map(\.path) == [
            "SR", "SR/signal", "SR/signal/nominal", "SR/signal/shape_up", "SR/signal/shape_down",
            "SR/background", "SR/background/nominal", "SR/background/shape_up", "SR/background/shape_down",
            "SR/data", "SR/data/nominal",
        ])
        for sample in workspace.channels[0].samples {
            let nominal = try file.histogram("SR/\(sample.name)/nominal")
            #expect(nominal.values == sample.data)
            // the edges at the initial parameters of fixtures/example/analysis.yml
            #expect(nominal.axes[0].edges == [80, 105, 145, 170])
            #expect(nominal.axes[0].title == "mass")
            for modifier in sample.modifiers {
                switch modifier.data {
                case let .histosys(hiData, loData):
                    #expect(try file.histogram("SR/\(sample.name)/\(modifier.name)_up").values == hiData)
                    #expect(try file.histogram("SR/\(sample.name)/\(modifier.name)_down").values == loData)
                case .perBin(let errors):
                    // staterror = √Σw² of the nominal
                    #expect(errors == nominal.sumw2WithFlow!.dropFirst().dropLast().map { $0.squareRoot() })
                default: break
                }
            }
        }
        #expect(try file.histogram("SR/data/nominal").values == workspace.observations[0].data)
    }

    @Test func shardedBuildRefusesHistograms() throws {
        #expect(throws: (any Error).self) { try HEPKitCommand.parseAsRoot(["build", "a.yml", "--shard", "0/2", "--histograms", "h.root"]) }
    }
}
