import Foundation
import Testing

/// `hepkit fit --minos/--correlation/--verbose` against pyhf 0.7.6 with iminuit
/// (`pyhf.infer.mle.fit(..., return_result_obj=True)`, then `minuit.minos`; tolerance 1e-6).
@Suite struct FitOptionsCommandTests {
    @Test func minosAndCorrelationMatchIminuit() throws {
        let run = try HEPKitProcess.run(["fit", "fixtures/pyhf/validation_1bin_shapesys.json", "--correlation", "--verbose", "--minos", "mu"])
        #expect(run.status == 0, "\(run.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let minos = try #require((json["minos"] as? [String: [Double]])?["mu"])
        // iminuit: lower −0.5000016 (the POI's bound 0 at μ̂ = 0.5), upper 1.0244159.
        #expect(abs(minos[0] - -0.5000016) < 1e-5)
        #expect(abs(minos[1] - 1.0244159) < 1e-5)
        let correlation = try #require(json["correlation"] as? [String: Any])
        #expect(correlation["parameters"] as? [String] == ["mu", "uncorr_bkguncrt[0]"])
        let matrix = try #require(correlation["matrix"] as? [[Double]])
        #expect(abs(matrix[0][1] - -0.6864016) < 1e-5 && matrix[0][1] == matrix[1][0] && matrix[0][0] == 1)
        #expect(run.stderr.contains("status converged, EDM "))
    }

    @Test func unknownMinosParameterIsAnError() throws {
        let run = try HEPKitProcess.run(["fit", "fixtures/pyhf/validation_1bin_shapesys.json", "--minos", "nope"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("no parameter named 'nope'"))
    }
}
