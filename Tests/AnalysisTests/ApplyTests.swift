import DiffColumns
import Foundation
import ROOTIO
import Testing
@testable import Analysis

/// `hepkit apply`'s library part: the output columns of trained networks, and their trip through
/// a ROOT tree written by ``ROOTWriter`` and read back by ``ROOTFile``.
@Suite struct ApplyTests {
    /// The INFERNO-style example's softmax network with perturbed weights, and a sample's events.
    static func softmax() throws -> (TrainedNetworks, ColumnTable) {
        let loaded = try NetworkObservableTests.inferno.standardizingNetworks()
        var theta = loaded.analysis.initialParameters
        for k in loaded.analysis.weightRange(ofNetwork: 0) { theta[k] += 0.2 * sin(Double(k)) }
        return (loaded.analysis.trainedNetworks(at: theta), loaded.histograms.events.samples[1])
    }

    @Test func softmaxOutputsAreOneColumnPerClass() throws {
        let (trained, table) = try Self.softmax()
        let name = trained.networks[0].name
        let k = trained.networks[0].network.outputCount
        #expect(k == 4)
        let outputs = try trained.evaluate(name, on: table)
        let columns = try trained.outputColumns([name], labels: ["nn"], on: table)
        #expect(columns.map(\.name) == ["nn_0", "nn_1", "nn_2", "nn_3"])
        for (j, column) in columns.enumerated() {
            #expect(column.values.count == table.eventCount)
            #expect(column.values == stride(from: j, to: outputs.count, by: k).map { outputs[$0] })
        }
        for e in [0, table.eventCount / 2, table.eventCount - 1] {
            #expect(abs(columns.reduce(0) { $0 + $1.values[e] } - 1) < 1e-12)
        }
        #expect(try trained.outputColumns([name], on: table).map(\.name) == (0..<4).map { "\(name)_\($0)" })
    }

    @Test func unknownNetworksAndLabelMismatchesAreRefused() throws {
        let (trained, table) = try Self.softmax()
        #expect(throws: AnalysisDataError.self) { try trained.outputColumns(["nothing"], on: table) }
        #expect(throws: AnalysisDataError.self) { try trained.outputColumns([trained.networks[0].name], labels: ["a", "b"], on: table) }
    }

    /// The scores written as `double` branches read back bit for bit, with the entry count of the events.
    @Test func scoresRoundTripThroughAROOTTree() throws {
        let (trained, table) = try Self.softmax()
        let columns = try trained.outputColumns([trained.networks[0].name], labels: ["nn"], on: table)
        var tree = WritableTree(name: "events", entriesPerBasket: 1000)
        for column in columns { try tree.add(column.name, values: column.values) }
        var writer = ROOTWriter(fileName: "scores.root")
        try writer.write(tree, in: "friends")
        let file = try ROOTFile(bytes: try writer.bytes(), name: "scores.root")
        let read = try file.tree("friends/events")
        #expect(read.entryCount == Int64(table.eventCount))
        for column in columns {
            guard case .double(let values) = try read.branch(column.name).column().values else {
                Issue.record("branch \(column.name) is not double")
                continue
            }
            #expect(values.map(\.bitPattern) == column.values.map(\.bitPattern))
        }
    }
}
