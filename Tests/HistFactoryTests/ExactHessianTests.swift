import Foundation
import Testing

@testable import HistFactory

@Suite("Exact Hessian vs finite differences of the exact gradient")
struct ExactHessianTests {
    /// Every entry of the exact Hessian within `tolerance` (relative to the larger diagonal scale of
    /// its row and column) of central differences of the gradient.
    static func expectMatches(_ model: Model, _ pars: [Double], _ data: [Double], _ label: String, tolerance: Double = 2e-6) {
        guard let exact = model.exactLogpdfHessian(pars, data: data) else {
            Issue.record("\(label): no exact Hessian")
            return
        }
        let fd = model.logpdfHessian(pars, data: data)
        let n = pars.count
        for i in 0..<n {
            for j in 0..<n {
                let scale = max(1, (abs(fd[i][i]) * abs(fd[j][j])).squareRoot(), abs(fd[i][j]))
                let e = exact[i * n + j]
                #expect(abs(e - fd[i][j]) <= tolerance * scale, "\(label): H[\(i)][\(j)] exact \(e) vs differences \(fd[i][j])")
                #expect(e == exact[j * n + i], "\(label): H not symmetric at (\(i), \(j))")
            }
        }
    }

    @Test("every pyhf fixture: at the initial values and at two random points", arguments: ModelFixtures.pyhfNames)
    func fixture(_ name: String) throws {
        let ws = try ModelFixtures.load(Workspace.self, "pyhf/\(name).json")
        let model = try Model(workspace: ws)
        let data = try model.observedData(ws)
        Self.expectMatches(model, model.suggestedInit, data, "\(name) at init")
        for seed: UInt64 in [3, 11] {
            Self.expectMatches(model, ModelDerivativeTests.point(model, seed: seed), data, "\(name) seed \(seed)")
        }
    }

    @Test("every interpolation setting at pyhf's random points", arguments: ModelTruthFile.shared.models.indices)
    func interpolationSettings(_ index: Int) throws {
        let c = ModelTruthFile.shared.models[index]
        let ws = try ModelFixtures.load(Workspace.self, c.workspace)
        let model = try Model(workspace: ws, interpolation: ModelTruthFile.settings(c.settings))
        let data = try model.observedData(ws)
        // Codes 0 and 1 have a kink at α = 0 (pyhf's initial point), where differences straddle two branches.
        let kinkAtZero = c.settings.contains("code0") || c.settings.contains("code1")
        for (k, p) in c.points.enumerated() where model.logpdf(p.pars, data: data).isFinite && !(kinkAtZero && p.pars.contains(0)) {
            Self.expectMatches(model, p.pars, data, "\(c.workspace) \(c.settings) point \(k)")
        }
    }

    @Test("a zero normfactor (μ = 0) and replaced inputs")
    func zeroFactorAndInputs() throws {
        let ws = try ModelFixtures.load(Workspace.self, "model/example3.json")
        let model = try Model(workspace: ws)
        let data = try model.observedData(ws)
        var pars = ModelDerivativeTests.point(model, seed: 5)
        if let poi = model.poiIndex { pars[poi] = 0 }
        Self.expectMatches(model, pars, data, "example3 at μ = 0")
        let scaled = ModelInputs(nominal: model.inputs.nominal.map { $0 * 1.1 }, modifierData: model.inputs.modifierData.map { $0 * 1.05 })
        let exact = try #require(model.exactLogpdfHessian(pars, data: data, inputs: scaled))
        let fd = (0..<pars.count).map { i -> [Double] in
            let h = 1e-5 * max(1, abs(pars[i]))
            var up = pars, down = pars
            up[i] += h
            down[i] -= h
            let gu = model.logpdfAndGradient(up, data: data, inputs: scaled).gradient
            let gd = model.logpdfAndGradient(down, data: data, inputs: scaled).gradient
            return zip(gu, gd).map { ($0 - $1) / (2 * h) }
        }
        let n = pars.count
        for i in 0..<n {
            for j in 0..<n {
                #expect(abs(exact[i * n + j] - fd[i][j]) <= 2e-6 * max(1, abs(fd[i][j])), "replaced inputs: H[\(i)][\(j)]")
            }
        }
    }
}
