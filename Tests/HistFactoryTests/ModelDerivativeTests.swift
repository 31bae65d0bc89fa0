import Foundation
import Testing
import _Differentiation

@testable import HistFactory

/// Every derivative of the model against central finite differences of the value it differentiates.
@Suite("Model derivatives vs finite differences")
struct ModelDerivativeTests {
    static let workspaces = ["pyhf/generated_small_seed1.json", "model/example3.json", "pyhf/xml_multichannel_histfactory__example.json"]

    /// Deterministic pseudo-random numbers in [0, 1).
    struct Uniform {
        var state: UInt64
        mutating func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
    }

    /// A point inside the bounds: α-like parameters in [−2.2, 2.2], factors init·[0.6, 1.4].
    static func point(_ model: Model, seed: UInt64) -> [Double] {
        var u = Uniform(state: seed)
        return model.suggestedInit.indices.map { i in
            let b = model.suggestedBounds[i], x = model.suggestedInit[i]
            let v = b.lowerBound < 0 ? -2.2 + 4.4 * u.next() : x * (0.6 + 0.8 * u.next())
            return min(max(v, b.lowerBound), b.upperBound)
        }
    }

    static func centralDifference(_ x: [Double], _ i: Int, _ f: ([Double]) -> Double) -> Double {
        let h = 1e-6 * max(1, abs(x[i]))
        var up = x, down = x
        up[i] += h
        down[i] -= h
        return (f(up) - f(down)) / (2 * h)
    }

    static func expectClose(_ analytic: Double, _ numeric: Double, scale: Double, _ what: @autoclosure () -> String) {
        #expect(abs(analytic - numeric) <= 2e-6 * max(1, scale), "\(what()): \(analytic) vs finite difference \(numeric)")
    }

    static var cases: [(String, InterpolationCode)] {
        workspaces.flatMap { ws in InterpolationCode.allCases.map { (ws, $0) } }
    }

    @Test("∂logpdf/∂pars: analytic, AD (with and without inputs) and finite differences", arguments: cases)
    func parameterGradient(_ path: String, _ code: InterpolationCode) throws {
        let ws = try ModelFixtures.load(Workspace.self, path)
        let model = try Model(workspace: ws, interpolation: InterpolationSettings(["normsys": code, "histosys": code]))
        let data = try model.observedData(ws)
        for seed in [UInt64(1), 2] {
            let pars = Self.point(model, seed: seed)
            let (value, g) = model.logpdfAndGradient(pars, data: data)
            #expect(value == model.logpdf(pars, data: data))
            let ad = gradient(at: pars) { p in model.logpdf(p, data: data) }.base
            let adInputs = gradient(at: pars) { p in model.logpdf(p, data: data, inputs: model.inputs) }.base
            let scale = g.map(abs).max() ?? 1
            for i in pars.indices {
                let fd = Self.centralDifference(pars, i) { model.logpdf($0, data: data) }
                Self.expectClose(g[i], fd, scale: scale, "\(path) \(code) ∂/∂\(model.parameterNames[i])")
                #expect(abs(ad[i] - g[i]) <= 1e-12 * max(1, scale))
                #expect(abs(adInputs[i] - g[i]) <= 1e-12 * max(1, scale))
            }
        }
    }

    @Test("∂logpdf/∂inputs (nominal yields, modifier data) and ∂logpdf/∂data", arguments: cases)
    func inputAndDataGradient(_ path: String, _ code: InterpolationCode) throws {
        let ws = try ModelFixtures.load(Workspace.self, path)
        let model = try Model(workspace: ws, interpolation: InterpolationSettings(["normsys": code, "histosys": code]))
        // Perturb the data off the integers so ∂/∂data is exercised away from n = 0.
        let data = try model.observedData(ws).map { $0 + 0.37 }
        let pars = Self.point(model, seed: 3)
        let (gInputs, gData) = gradient(at: model.inputs, data) { i, d in model.logpdf(pars, data: d, inputs: i) }
        let f: (ModelInputs) -> Double = { model.logpdf(pars, data: data, inputs: $0) }
        let nominal = model.inputs.nominal, modData = model.inputs.modifierData
        let scale = max(gInputs.nominal.map(abs).max() ?? 1, gInputs.modifierData.map(abs).max() ?? 1)
        for i in nominal.indices where nominal[i] != 0 {  // 0 is a kink (shapesys/staterror validity)
            let fd = Self.centralDifference(nominal, i) { f(ModelInputs(nominal: $0, modifierData: modData)) }
            Self.expectClose(gInputs.nominal[i], fd, scale: scale, "\(path) \(code) ∂/∂nominal[\(i)]")
        }
        for i in modData.indices where modData[i] != 0 {
            let fd = Self.centralDifference(modData, i) { f(ModelInputs(nominal: nominal, modifierData: $0)) }
            Self.expectClose(gInputs.modifierData[i], fd, scale: scale, "\(path) \(code) ∂/∂modifierData[\(i)]")
        }
        let fused = model.logpdfAndGradients(pars, data: data, inputs: model.inputs)
        #expect(fused.value == model.logpdf(pars, data: data))
        #expect(fused.inputs == gInputs)
        #expect(fused.data == gData.base)
        #expect(fused.parameters == model.logpdfAndGradient(pars, data: data).gradient)
        // Equal inputs in other storage take the path without precomputed tables and cached widths.
        let copied = ModelInputs(nominal: model.inputs.nominal.map { $0 }, modifierData: model.inputs.modifierData)
        let untabulated = model.logpdfAndGradients(pars, data: data, inputs: copied)
        func maxDifference(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).map { abs($0 - $1) }.max() ?? 0 }
        #expect(abs(untabulated.value - fused.value) <= 1e-12 * max(1, abs(fused.value)))
        #expect(maxDifference(untabulated.parameters, fused.parameters) <= 1e-12 * max(1, scale))
        #expect(maxDifference(untabulated.inputs.nominal, fused.inputs.nominal) <= 1e-12 * max(1, scale))
        #expect(maxDifference(untabulated.inputs.modifierData, fused.inputs.modifierData) <= 1e-12 * max(1, scale))
        let gData2 = gradient(at: data) { d in model.logpdf(pars, data: d) }.base
        let dataScale = gData.base.map(abs).max() ?? 1
        for i in data.indices {
            let fd = Self.centralDifference(data, i) { model.logpdf(pars, data: $0, inputs: model.inputs) }
            Self.expectClose(gData.base[i], fd, scale: dataScale, "\(path) \(code) ∂/∂data[\(i)]")
            #expect(abs(gData2[i] - gData.base[i]) <= 1e-12 * max(1, dataScale))
        }
    }

    @Test("the kernel pullbacks composed by AD equal the fused (finite-difference-checked) gradients", arguments: Self.workspaces)
    func composedKernels(_ path: String) throws {
        let ws = try ModelFixtures.load(Workspace.self, path)
        let model = try Model(workspace: ws)
        let data = try model.observedData(ws).map { $0 + 0.21 }
        let pars = Self.point(model, seed: 8)
        let (value, g) = valueWithGradient(at: pars, data, model.inputs) { p, d, i in
            model.mainLogpdf(expected: model.expectedActualData(p, inputs: i), data: d)
                + model.constraintLogpdf(p, data: d, widths: model.constraintWidths(inputs: i))
        }
        let fused = model.logpdfAndGradients(pars, data: data, inputs: model.inputs)
        #expect(relativeError(value, fused.value) < 1e-14)
        func close(_ a: [Double], _ b: [Double], _ what: String) {
            let scale = max(1, b.map(abs).max() ?? 1)
            #expect(a.count == b.count, "\(what) length")
            for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-12 * scale, "\(what): \(x) vs \(y)") }
        }
        close(g.0.base, fused.parameters, "parameters")
        close(g.1.base, fused.data, "data")
        close(g.2.nominal, fused.inputs.nominal, "nominal")
        close(g.2.modifierData, fused.inputs.modifierData, "modifier data")
    }

    @Test("pullbacks of expected data and auxdata", arguments: Self.workspaces)
    func expectedDataPullback(_ path: String) throws {
        let ws = try ModelFixtures.load(Workspace.self, path)
        let model = try Model(workspace: ws)
        let pars = Self.point(model, seed: 4)
        var u = Uniform(state: 99)
        let cotangent = (0..<model.dataCount).map { _ in u.next() - 0.5 }
        func dot(_ a: [Double]) -> Double { zip(a, cotangent).reduce(0) { $0 + $1.0 * $1.1 } }
        let (value, pullback) = valueWithPullback(at: pars, model.inputs) { p, i in model.expectedData(p, inputs: i) }
        #expect(value == model.expectedData(pars))
        let (dp, di) = pullback(.init(cotangent))
        let scale = max(dp.base.map(abs).max() ?? 1, di.nominal.map(abs).max() ?? 1)
        for i in pars.indices {
            Self.expectClose(dp.base[i], Self.centralDifference(pars, i) { dot(model.expectedData($0)) }, scale: scale, "∂(c·expected)/∂par[\(i)]")
        }
        let nominal = model.inputs.nominal, modData = model.inputs.modifierData
        for i in nominal.indices where nominal[i] != 0 {
            let fd = Self.centralDifference(nominal, i) { dot(model.expectedData(pars, inputs: ModelInputs(nominal: $0, modifierData: modData))) }
            Self.expectClose(di.nominal[i], fd, scale: scale, "∂(c·expected)/∂nominal[\(i)]")
        }
        for i in modData.indices where modData[i] != 0 {
            let fd = Self.centralDifference(modData, i) { dot(model.expectedData(pars, inputs: ModelInputs(nominal: nominal, modifierData: $0))) }
            Self.expectClose(di.modifierData[i], fd, scale: scale, "∂(c·expected)/∂modifierData[\(i)]")
        }
        // Default auxdata follow the inputs where pyhf derives them (shapesys τ).
        #expect(model.auxdata(inputs: model.inputs) == model.auxdata)
        let auxCotangent = Array(cotangent.prefix(model.auxdata.count))
        let ga = gradient(at: model.inputs) { i in
            weightedSum(model.auxdata(inputs: i), auxCotangent)
        }
        for i in nominal.indices where nominal[i] != 0 {
            let fd = Self.centralDifference(nominal, i) { weightedSum(model.auxdata(inputs: ModelInputs(nominal: $0, modifierData: modData)), auxCotangent) }
            Self.expectClose(ga.nominal.isEmpty ? 0 : ga.nominal[i], fd, scale: max(1, ga.nominal.map(abs).max() ?? 1), "∂(c·auxdata)/∂nominal[\(i)]")
        }
    }

    @Test("Hessian by differences of the exact gradient vs second differences of logpdf")
    func hessian() throws {
        let ws = try ModelFixtures.load(Workspace.self, "model/example3.json")
        let model = try Model(workspace: ws)
        let data = try model.observedData(ws)
        let pars = Self.point(model, seed: 5)
        let h = model.logpdfHessian(pars, data: data)
        for i in pars.indices {
            for j in pars.indices { #expect(h[i][j] == h[j][i]) }
            let step = 1e-4 * max(1, abs(pars[i]))
            var up = pars, down = pars
            up[i] += step
            down[i] -= step
            let second = (model.logpdf(up, data: data) - 2 * model.logpdf(pars, data: data) + model.logpdf(down, data: data)) / (step * step)
            #expect(abs(h[i][i] - second) <= 1e-4 * max(1, abs(second)), "H[\(i)][\(i)] \(h[i][i]) vs \(second)")
        }
    }
}

/// Σ aᵢ·cᵢ with `a` differentiable (c constant).
@differentiable(reverse, wrt: a)
func weightedSum(_ a: [Double], _ c: [Double]) -> Double {
    var s = 0.0
    for i in withoutDerivative(at: a.indices) { s += a[i] * c[i] }
    return s
}

@Suite("Mixed second derivative for implicit differentiation")
struct MixedDerivativeTests {
    @Test("∂/∂inputs ⟨w, ∇θ logpdf⟩ vs finite differences of the exact parameter gradient")
    func mixed() throws {
        let ws = try ModelFixtures.load(Workspace.self, "model/example3.json")
        let model = try Model(workspace: ws)
        let data = try model.observedData(ws)
        let pars = ModelDerivativeTests.point(model, seed: 6)
        var u = ModelDerivativeTests.Uniform(state: 7)
        let w = pars.map { _ in u.next() - 0.5 }
        let (mixedInputs, mixedData) = model.logpdfMixedDerivative(pars, data: data, direction: w)
        func directional(_ inputs: ModelInputs, _ d: [Double]) -> Double {
            let g = gradient(at: pars) { p in model.logpdf(p, data: d, inputs: inputs) }.base
            return zip(g, w).reduce(0) { $0 + $1.0 * $1.1 }
        }
        let nominal = model.inputs.nominal, modData = model.inputs.modifierData
        for i in nominal.indices where nominal[i] != 0 {
            let fd = ModelDerivativeTests.centralDifference(nominal, i) { directional(ModelInputs(nominal: $0, modifierData: modData), data) }
            #expect(abs(mixedInputs.nominal[i] - fd) <= 1e-5 * max(1, abs(fd)), "nominal[\(i)]: \(mixedInputs.nominal[i]) vs \(fd)")
        }
        for i in modData.indices where modData[i] != 0 {
            let fd = ModelDerivativeTests.centralDifference(modData, i) { directional(ModelInputs(nominal: nominal, modifierData: $0), data) }
            #expect(abs(mixedInputs.modifierData[i] - fd) <= 1e-5 * max(1, abs(fd)), "modifierData[\(i)]: \(mixedInputs.modifierData[i]) vs \(fd)")
        }
        for i in data.indices {
            let fd = ModelDerivativeTests.centralDifference(data, i) { directional(model.inputs, $0) }
            #expect(abs(mixedData[i] - fd) <= 1e-5 * max(1, abs(fd)), "data[\(i)]: \(mixedData[i]) vs \(fd)")
        }
    }
}

@Suite("Hessian vs closed form")
struct HessianClosedFormTests {
    @Test("Example 1 (normfactor + shapesys): the exact Hessian is −Σ n/λ²·∂λ∂λ and −a/γ² on the aux terms")
    func example1() throws {
        let signal = [12.0, 11], bkg = [50.0, 52]
        let c = Channel(name: "singlechannel", samples: [
            Sample(name: "signal", data: signal, modifiers: [Modifier(name: "mu", kind: .normfactor)]),
            Sample(name: "background", data: bkg, modifiers: [Modifier(name: "uncorr_bkguncrt", kind: .shapesys, data: .perBin([3, 7]))]),
        ])
        let ws = Workspace(
            channels: [c], observations: [Observation(name: "singlechannel", data: [51, 48])],
            measurements: [Measurement(name: "m", config: MeasurementConfig(poi: "mu"))])
        let model = try Model(workspace: ws)
        let data = try model.observedData(ws)
        let pars = [0.7, 1.05, 0.93]
        let h = model.logpdfHessian(pars, data: data)
        var exact = [[Double]](repeating: [0, 0, 0], count: 3)
        for b in 0..<2 {
            let lambda = pars[0] * signal[b] + pars[1 + b] * bkg[b]
            var dl = [0.0, 0, 0]
            dl[0] = signal[b]
            dl[1 + b] = bkg[b]
            for i in 0..<3 { for j in 0..<3 { exact[i][j] -= data[b] / (lambda * lambda) * dl[i] * dl[j] } }
            exact[1 + b][1 + b] -= data[2 + b] / (pars[1 + b] * pars[1 + b])
        }
        for i in 0..<3 {
            for j in 0..<3 {
                #expect(abs(h[i][j] - exact[i][j]) <= 1e-7 * max(1, abs(exact[i][j])), "H[\(i)][\(j)] \(h[i][j]) vs \(exact[i][j])")
            }
        }
    }
}
