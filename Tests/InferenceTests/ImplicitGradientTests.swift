import Foundation
import Testing
@testable import Inference

/// Implicit gradients against central finite differences of whole refits (relative 1e-5).
@Suite struct ImplicitGradientTests {
    static let models: [(String, ToyModel)] = [
        ("example1", ToyModels.example1),
        ("normsys", ToyModels.validation1binNormsys),
        ("mixed", ToyModel(signal: [5, 10, 8], background: [50, 40, 30], observed: [58, 45, 41],
                           normsys: (1.1, 0.92), shapesysUncertainty: [5, 4, 6])),
    ]

    /// Step of the central differences for an input or datum of size `x`.
    static func step(_ x: Double) -> Double { 1e-4 * max(abs(x), 1) }

    /// Agreement at 1e-5 relative, above the noise floor of differencing refits (fits are converged
    /// to ~1e-12 in the compared quantities, so `1e-11/h`).
    static func agrees(_ implicit: Double, _ numeric: Double, step h: Double) -> Bool {
        abs(implicit - numeric) <= 1e-5 * abs(numeric) + 1e-11 / h
    }

    /// Central difference of `f` along input `j` (model rebuilt, every fit redone).
    func finiteDifference(_ model: ToyModel, _ j: Int, _ f: (ToyModel) throws -> Double) rethrows -> Double {
        let x = model.inputVector
        let h = Self.step(x[j])
        var up = x, down = x
        up[j] += h
        down[j] -= h
        return (try f(model.replacingInputs(up)) - f(model.replacingInputs(down))) / (2 * h)
    }

    func check(_ gradient: ScalarGradient, _ model: ToyModel, _ label: String, _ f: (ToyModel) throws -> Double) throws {
        for j in model.inputVector.indices {
            let numeric = try finiteDifference(model, j, f)
            let ok = Self.agrees(gradient.inputs[j], numeric, step: Self.step(model.inputVector[j]))
            #expect(ok, "\(label) d/dx[\(j)]: implicit \(gradient.inputs[j]) vs refits \(numeric)")
        }
    }

    func checkData(_ gradient: ScalarGradient, _ model: ToyModel, _ label: String, _ f: ([Double]) throws -> Double) throws {
        let d = model.observedData
        for j in d.indices {
            let h = Self.step(d[j])
            var up = d, down = d
            up[j] += h
            down[j] -= h
            let numeric = (try f(up) - f(down)) / (2 * h)
            let ok = Self.agrees(gradient.observedData[j], numeric, step: h)
            #expect(ok, "\(label) d/dd[\(j)]: implicit \(gradient.observedData[j]) vs refits \(numeric)")
        }
    }

    @Test(arguments: models.indices) func bestFitTwiceNLL(_ k: Int) throws {
        let (name, model) = Self.models[k]
        let gradient = try ImplicitGradients(fitter: Fitter(model)).bestFitTwiceNLL()
        try check(gradient, model, name) { try Fitter($0).fit(data: $0.observedData).twiceNLL }
        try checkData(gradient, model, name) { try Fitter(model).fit(data: $0).twiceNLL }
    }

    @Test(arguments: models.indices) func poiUncertainty(_ k: Int) throws {
        let (name, model) = Self.models[k]
        let gradient = try ImplicitGradients(fitter: Fitter(model)).poiUncertainty()
        func sigma(_ m: ToyModel, _ data: [Double]) throws -> Double {
            let fitter = Fitter(m)
            let fit = try fitter.fit(data: data)
            return fitter.uncertainties(at: fit.parameters, data: data).errors[0]
        }
        #expect(relativeDifference(gradient.value, try sigma(model, model.observedData)) < 1e-8)
        try check(gradient, model, name) { try sigma($0, $0.observedData) }
        try checkData(gradient, model, name) { try sigma(model, $0) }
    }

    @Test(arguments: models.indices) func asimovQtildeAndExpectedCLs(_ k: Int) throws {
        let (name, model) = Self.models[k]
        let implicit = ImplicitGradients(fitter: Fitter(model))
        let gradient = try implicit.asimovTestStatistic(poiValue: 1)
        func qA(_ m: ToyModel, _ data: [Double]) throws -> Double {
            try AsymptoticCalculator(fitter: Fitter(m), data: data).hypotest(1).asimovStatistic
        }
        #expect(relativeDifference(gradient.value, try qA(model, model.observedData)) < 1e-9)
        try check(gradient, model, name) { try qA($0, $0.observedData) }
        try checkData(gradient, model, name) { try qA(model, $0) }
        let cls = try implicit.expectedCLs(poiValue: 1, band: 0)
        func median(_ m: ToyModel) throws -> Double {
            try AsymptoticCalculator(fitter: Fitter(m), data: m.observedData).hypotest(1).clsExpected[2]
        }
        #expect(relativeDifference(cls.value, try median(model)) < 1e-9)
        try check(cls, model, name + " CLs") { try median($0) }
    }

    @Test(arguments: models.indices) func expectedSignificance(_ k: Int) throws {
        let (name, model) = Self.models[k]
        let gradient = try ImplicitGradients(fitter: Fitter(model)).expectedSignificance()
        func z(_ m: ToyModel) throws -> Double {
            try Fitter(m).discoverySignificance(data: m.observedData).expectedSignificances[2]
        }
        #expect(relativeDifference(gradient.value, try z(model)) < 1e-9)
        try check(gradient, model, name) { try z($0) }
    }
}
