import Foundation
import HEPKitSupport
import Testing
import _Differentiation

@testable import HistFactory

@Suite("Concurrent evaluation over channel partitions")
struct ModelConcurrencyTests {
    @Test(
        "partitioned and serial evaluation agree",
        arguments: ["pyhf/generated_medium_seed1.json", "pyhf/generated_small_seed1.json", "model/example3.json", "pyhf/xml_multichannel_histfactory__example.json"])
    func agree(_ path: String) throws {
        let ws = try ModelFixtures.load(Workspace.self, path)
        // Partitions follow the process's thread budget, which another suite may have set to one.
        let threads = ThreadBudget.threadCount
        let serial = try Model(workspace: ws)
        let split = try Model(
            workspace: ws, measurement: nil, poi: nil, interpolation: .pyhfDefault, modifierTypes: .histFactory, concurrencyThreshold: 0)
        #expect(serial.engine.partitions.isEmpty)
        if threads > 1 { #expect(split.engine.partitions.count >= 2) }
        let data = try serial.observedData(ws)
        let pars = ModelDerivativeTests.point(serial, seed: 11)
        #expect(split.expectedData(pars) == serial.expectedData(pars))
        let (v1, g1) = serial.logpdfAndGradient(pars, data: data)
        let (v2, g2) = split.logpdfAndGradient(pars, data: data)
        #expect(v1 == v2)
        for (a, b) in zip(g1, g2) { #expect(abs(a - b) <= 1e-13 * max(1, abs(a))) }
        let gi1 = gradient(at: serial.inputs) { i in serial.logpdf(pars, data: data, inputs: i) }
        let gi2 = gradient(at: split.inputs) { i in split.logpdf(pars, data: data, inputs: i) }
        for (a, b) in zip(gi1.nominal + gi1.modifierData, gi2.nominal + gi2.modifierData) {
            #expect(abs(a - b) <= 1e-13 * max(1, abs(a)))
        }
    }
}
