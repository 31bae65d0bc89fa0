import Foundation
import HistFactory
import Inference
import Testing

/// An objective written outside the Inference module with its public building blocks only: the
/// expected discovery significance `Z_A = √q₀,A` on Asimov data with POI = 1, differentiated with
/// respect to every model input through the three fits it needs.
struct ExpectedAsimovSignificance {
    func evaluate<L: DifferentiableLikelihood>(_ gradients: ImplicitGradients<L>) throws -> ScalarGradient {
        let fitter = gradients.fitter, model = fitter.model
        let poi = try fitter.requirePOI()
        // The Asimov data follow the fit with the POI at 1, which depends on the inputs and the data.
        let asimovFit = try fitter.fixedPOIFit(1, data: gradients.data)
        let asimov = model.expectedData(asimovFit.parameters)
        let q0 = try fitter.testStatistic(.q0, poiValue: 0, data: asimov)
        guard q0.value > 0 else {
            return ScalarGradient(value: 0, inputs: model.inputVector.map { _ in 0 }, observedData: gradients.data.map { _ in 0 })
        }
        // q₀ = 2ℓ(θ̂₀) − 2ℓ(θ̂): by the envelope theorem only partial derivatives of the two fits count …
        let fixed = model.negativeLogLikelihoodPartials(q0.fixedFit.parameters, data: asimov)
        let free = model.negativeLogLikelihoodPartials(q0.freeFit.parameters, data: asimov)
        let direct = zip(fixed.inputs, free.inputs).map { 2 * ($0 - $1) }
        let dAsimov = zip(fixed.data, free.data).map { 2 * ($0 - $1) }
        // … plus the Asimov data's dependence, through the fit that defines them (implicit function theorem).
        let pulled = model.expectedDataPullback(asimovFit.parameters, cotangent: dAsimov)
        let through = try gradients.implicitTerm(at: asimovFit.parameters, holding: [poi], gradient: pulled.parameters)
        let dq0 = ScalarGradient(
            value: q0.value, inputs: direct.indices.map { direct[$0] + pulled.inputs[$0] - through.inputs[$0] },
            observedData: through.data.map { -$0 })
        let z = q0.value.squareRoot()
        return dq0.scaled(1 / (2 * z), value: z)
    }
}

@Suite struct CustomObjectiveTests {
    @Test(arguments: ["teststat_bounded", "teststat_excess"])
    func outsideObjectiveMatchesFiniteDifferencesOfRefits(_ name: String) throws {
        let url = HEPKitProcess.repository.appendingPathComponent("fixtures/inference/\(name).json")
        let likelihood = try HistFactoryLikelihood(workspace: try JSONDecoder().decode(Workspace.self, from: Data(contentsOf: url)))
        let gradient = try ExpectedAsimovSignificance().evaluate(ImplicitGradients(fitter: Fitter(likelihood)))
        func z(_ l: HistFactoryLikelihood) throws -> Double {
            try Fitter(l).discoverySignificance(data: l.observedData).expectedSignificances[2]
        }
        #expect(abs(gradient.value - (try z(likelihood))) < 1e-9 * gradient.value)
        let x = likelihood.inputVector
        for j in x.indices {
            let h = 1e-4 * max(abs(x[j]), 1)
            var up = x, down = x
            up[j] += h
            down[j] -= h
            let numeric = (try z(likelihood.replacingInputs(up)) - z(likelihood.replacingInputs(down))) / (2 * h)
            #expect(abs(gradient.inputs[j] - numeric) <= 1e-5 * abs(numeric) + 1e-10 / h,
                    "\(name) dZ/dx[\(j)]: implicit \(gradient.inputs[j]) vs refits \(numeric)")
        }
    }
}

/// A minimiser defined outside the module: any ``Minimizer`` drives every fit of a ``Fitter``.
final class CountingMinimizer: Minimizer, @unchecked Sendable {
    private let lock = NSLock()
    private(set) var calls = 0
    let base = BoundedMinimizer()

    func minimize(_ objective: Objective, start: [Double], bounds: [ClosedRange<Double>], fixed: [Bool]) -> MinimizationResult {
        lock.lock()
        calls += 1
        lock.unlock()
        return base.minimize(objective, start: start, bounds: bounds, fixed: fixed)
    }
}

@Suite struct CustomMinimizerTests {
    @Test func fitterUsesAnyMinimizer() throws {
        let url = HEPKitProcess.repository.appendingPathComponent("fixtures/inference/teststat_bounded.json")
        let likelihood = try HistFactoryLikelihood(workspace: try JSONDecoder().decode(Workspace.self, from: Data(contentsOf: url)))
        let counting = CountingMinimizer()
        let result = try AsymptoticCalculator(fitter: Fitter(likelihood, minimizer: counting), data: likelihood.observedData).hypotest(1)
        #expect(counting.calls == 5)  // free fits to data and Asimov data, the Asimov-defining fit, two fixed-POI fits
        #expect(abs(result.clsObserved - 0.05251552529001382) < 1e-6)  // pyhf 0.7.6
    }
}
