import Foundation
import HistFactory
import Testing
@testable import Inference

/// MINUIT-compatible errors against pyhf 0.7.6 + iminuit (fixtures/inference/minuit_errors.json,
/// tools/make_minuit_errors_reference.py), evaluated at MINUIT's own minimum (μ 7e-18 above its
/// bound in the deficit case). HESSE's numerical second derivatives leave ~1e-5 relative.
@Suite struct MinuitUncertaintyTests {
    struct Case: Decodable {
        var label: String
        var workspace: Workspace
        var bestfit: [Double]
        var errors: [Double]
        var parameters: [String]
    }
    struct Reference: Decodable { var cases: [Case] }

    static let reference: Reference = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fixtures/inference/minuit_errors.json")
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    @Test func errorsAsPyhfWithMinuit() throws {
        #expect(Self.reference.cases.count == 2)
        for reference in Self.reference.cases {
            let likelihood = try HistFactoryLikelihood(workspace: reference.workspace)
            #expect(likelihood.parameterNames == reference.parameters)
            let fitter = Fitter(likelihood)
            let errors = fitter.minuitUncertainties(at: reference.bestfit, data: likelihood.observedData).errors
            for (k, (ours, theirs)) in zip(errors, reference.errors).enumerated() {
                #expect(abs(ours - theirs) <= 1e-4 * theirs, "\(reference.label), \(reference.parameters[k]): \(ours) vs \(theirs)")
            }
        }
    }

    @Test func parameterAtBoundDecouples() throws {
        let reference = try #require(Self.reference.cases.first { $0.label.contains("bound") })
        let likelihood = try HistFactoryLikelihood(workspace: reference.workspace)
        let fitter = Fitter(likelihood)
        let fit = try fitter.fit(data: likelihood.observedData)
        #expect(fit.parameters[0] == 0)
        let minuit = fitter.minuitUncertainties(at: fit.parameters, data: likelihood.observedData)
        // The Hessian's error of μ ignores the bound (0.93, far above MINUIT's 0.24) …
        let hessian = fitter.uncertainties(at: fit.parameters, data: likelihood.observedData)
        #expect(hessian.errors[0] > 0.9)
        #expect(abs(minuit.errors[0] - reference.errors[0]) <= 1e-4 * reference.errors[0])
        // … and μ at its bound has no correlation with γ, whose error is then its own curvature's.
        #expect(minuit.correlation[0, 1] == 0)
        #expect(abs(minuit.errors[1] - reference.errors[1]) <= 1e-4 * reference.errors[1])
    }
}
