import Foundation
import Testing

@testable import HistFactory

/// `fixtures/model/model_truth.json` (tools/make_model_truth.py, pyhf 0.7.6).
struct ModelTruthFile: Decodable {
    struct InterpolatorCase: Decodable {
        let code: String
        /// Per bin [lo, nominal, hi].
        let histoset: [[Double]]
        let alphas: [Double]
        /// values[alpha][bin]: shifts (codes 0, 2, 4p) or factors (codes 1, 4).
        let values: [[Double]]
    }

    struct ModelCase: Decodable {
        struct Point: Decodable {
            let pars: [Double]
            /// `nil` where pyhf gives NaN (a negative expected yield with data > 0).
            let logpdf: Double?
            let expected_data: [Double]
        }

        let workspace: String
        let settings: String
        let data: [Double]
        let par_names: [String]
        let suggested_init: [Double]
        let suggested_bounds: [[Double]]
        let suggested_fixed: [Bool]
        let auxdata: [Double]
        let poi_index: Int?
        let points: [Point]
    }

    let interpolators: [InterpolatorCase]
    let models: [ModelCase]

    static let shared: ModelTruthFile = try! ModelFixtures.load(ModelTruthFile.self, "model/model_truth.json")

    /// The interpolation settings each `settings` label stands for (pyhf `modifier_settings`).
    static func settings(_ label: String) -> InterpolationSettings {
        switch label {
        case "pyhf_default": return .pyhfDefault
        case "normsys_code1": return .pyhfModifierSettings(["normsys": .code1])
        case "normsys_code1_histosys_code0": return .pyhfModifierSettings(["normsys": .code1, "histosys": .code0])
        case "normsys_code4_histosys_code2": return .pyhfModifierSettings(["normsys": .code4, "histosys": .code2])
        case "normsys_code1_histosys_code4p": return .pyhfModifierSettings(["normsys": .code1, "histosys": .code4p])
        default: fatalError("unknown settings label \(label)")
        }
    }
}

@Suite("Interpolation codes")
struct InterpolationTests {
    @Test("values match pyhf's interpolators for every code and branch")
    func againstPyhf() throws {
        let cases = ModelTruthFile.shared.interpolators
        #expect(cases.count == 30)
        for c in cases {
            let code = try #require(InterpolationCode(rawValue: c.code))
            for (ai, alpha) in c.alphas.enumerated() {
                for (b, set) in c.histoset.enumerated() {
                    let (lo, nom, hi) = (set[0], set[1], set[2])
                    let expected = c.values[ai][b]
                    let got = code.isMultiplicative
                        ? (code == .code1
                            ? Interpolators.code1(alpha, loRatio: lo / nom, hiRatio: hi / nom)
                            : Interpolators.code4(alpha, loRatio: lo / nom, hiRatio: hi / nom))
                        : code.delta(alpha, lo: lo, nominal: nom, hi: hi)
                    #expect(abs(got - expected) <= 1e-13 * max(1, abs(expected)), "\(c.code) α=\(alpha) \(set): \(got) vs \(expected)")
                    if code.isMultiplicative {
                        // The shift form used when a multiplicative code acts on a histosys.
                        let delta = code.delta(alpha, lo: lo, nominal: nom, hi: hi)
                        #expect(abs(delta - nom * (expected - 1)) <= 1e-12 * max(1, abs(nom)))
                    }
                }
            }
        }
    }

    @Test("code 4 coefficients and values of the reference test vector (hi 1.1, lo 0.9)")
    func code4ReferenceVector() {
        let c = Interpolators.code4Coefficients(loRatio: 0.9, hiRatio: 1.1)
        let expected = [
            0.10014637786502778, -0.004385463461808766, -0.00020917119925576095, 0.006266743500439297, 6.279333422800942e-05,
            -0.0018812800386304542,
        ]
        // Cancellation in A⁻¹·v (terms ~0.1) limits agreement to a few ulps of 0.1.
        for (a, b) in zip([c.0, c.1, c.2, c.3, c.4, c.5], expected) { #expect(abs(a - b) <= 1e-16) }
        let alphas = [-2, -1, -0.5, 0, 0.3, 0.5, 1, 1.7]
        let code1 = [0.81, 0.9, 0.9486832980505138, 1.0, 1.029005759421095, 1.0488088481701516, 1.1, 1.1758923494079665]
        let code4 = [0.81, 0.9, 0.9492169057784201, 1.0, 1.0296931157825733, 1.0493149154270232, 1.1, 1.1758923494079665]
        for (i, a) in alphas.enumerated() {
            #expect(abs(InterpolationCode.code1.factor(a, lo: 0.9, hi: 1.1) - code1[i]) <= 2e-16 * 2)
            #expect(abs(InterpolationCode.code4.factor(a, lo: 0.9, hi: 1.1) - code4[i]) <= 2e-16 * 2)
        }
    }

    @Test("derivatives match central finite differences", arguments: InterpolationCode.allCases)
    func derivatives(_ code: InterpolationCode) {
        let sets: [(Double, Double, Double)] = [(45, 50, 57), (0.9, 1, 1.1), (1.3, 1, 0.85), (28.8, 30, 31.5)]
        // Away from the kinks at 0 and ±1.
        let alphas = [-2.3, -1.4, -0.7, -0.2, 0.15, 0.6, 0.93, 1.3, 2.1]
        for (lo, nom, hi) in sets {
            for a in alphas {
                let d = code.deltaWithDerivatives(a, lo: lo, nominal: nom, hi: hi)
                #expect(abs(d.value - code.delta(a, lo: lo, nominal: nom, hi: hi)) <= 1e-13 * max(1, abs(d.value)))
                func fd(_ f: (Double) -> Double, _ x: Double) -> Double {
                    let h = 1e-6 * max(1, abs(x))
                    return (f(x + h) - f(x - h)) / (2 * h)
                }
                let checks: [(String, Double, Double)] = [
                    ("α", d.dAlpha, fd({ code.delta($0, lo: lo, nominal: nom, hi: hi) }, a)),
                    ("lo", d.dLo, fd({ code.delta(a, lo: $0, nominal: nom, hi: hi) }, lo)),
                    ("nominal", d.dNominal, fd({ code.delta(a, lo: lo, nominal: $0, hi: hi) }, nom)),
                    ("hi", d.dHi, fd({ code.delta(a, lo: lo, nominal: nom, hi: $0) }, hi)),
                ]
                for (what, analytic, numeric) in checks {
                    #expect(abs(analytic - numeric) <= 1e-7 * max(1, abs(numeric)), "\(code) ∂Δ/∂\(what) at α=\(a) (\(lo),\(nom),\(hi)): \(analytic) vs \(numeric)")
                }
                let f = code.factorWithDerivatives(a, lo: lo / nom, hi: hi / nom)
                let fchecks: [(String, Double, Double)] = [
                    ("α", f.dAlpha, fd({ code.factor($0, lo: lo / nom, hi: hi / nom) }, a)),
                    ("lo", f.dLo, fd({ code.factor(a, lo: $0, hi: hi / nom) }, lo / nom)),
                    ("hi", f.dHi, fd({ code.factor(a, lo: lo / nom, hi: $0) }, hi / nom)),
                ]
                #expect(abs(f.value - code.factor(a, lo: lo / nom, hi: hi / nom)) <= 1e-15 * max(1, abs(f.value)))
                for (what, analytic, numeric) in fchecks {
                    #expect(abs(analytic - numeric) <= 1e-7 * max(1, abs(numeric)), "\(code) ∂f/∂\(what) at α=\(a): \(analytic) vs \(numeric)")
                }
            }
        }
    }
}

@Suite("Model vs pyhf at random points, every interpolation setting")
struct ModelInterpolationTruthTests {
    @Test("layout, logpdf and expected data (incl. pyhf's validation specs)", arguments: ModelTruthFile.shared.models.indices)
    func model(_ index: Int) throws {
        let c = ModelTruthFile.shared.models[index]
        let ws = try ModelFixtures.load(Workspace.self, c.workspace)
        let model = try Model(workspace: ws, interpolation: ModelTruthFile.settings(c.settings))
        let data = try model.observedData(ws)
        #expect(data == c.data)
        #expect(model.parameterNames == c.par_names)
        #expect(model.suggestedInit == c.suggested_init)
        #expect(model.suggestedBounds.map { [$0.lowerBound, $0.upperBound] } == c.suggested_bounds)
        #expect(model.suggestedFixed == c.suggested_fixed)
        #expect(model.auxdata == c.auxdata)
        #expect(model.poiIndex == c.poi_index)
        for p in c.points {
            let logpdf = model.logpdf(p.pars, data: data)
            if let truth = p.logpdf {
                #expect(relativeError(logpdf, truth) < 1e-12, "\(c.workspace) \(c.settings): logpdf \(logpdf) vs \(truth)")
            } else {
                #expect(logpdf.isNaN, "\(c.workspace) \(c.settings): pyhf gives NaN, got \(logpdf)")
            }
            let expected = model.expectedData(p.pars)
            #expect(expected.count == p.expected_data.count)
            for (a, b) in zip(expected, p.expected_data) {
                #expect(abs(a - b) <= 1e-12 * max(1, abs(b)), "\(c.workspace) \(c.settings): expected \(a) vs \(b)")
            }
        }
    }
}
