import Foundation
import Testing

@testable import HistFactory

/// Fixture files shipped with the package (`fixtures/pyhf`), located from this source file.
enum ModelFixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures")

    static var pyhfNames: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("pyhf").path)) ?? []
        return files.filter { $0.hasSuffix(".truth.json") }.map { String($0.dropLast(".truth.json".count)) }.sorted()
    }

    static func load<T: Decodable>(_ type: T.Type, _ relativePath: String) throws -> T {
        let data = try Data(contentsOf: directory.appendingPathComponent(relativePath))
        return try JSONDecoder().decode(T.self, from: data)
    }
}

/// The fields of a `*.truth.json` (pyhf 0.7.6 values) that the model tests use.
struct ModelTruth: Decodable {
    struct Parameter: Decodable {
        let name: String
        let n: Int
        let slice: [Int]
        let constraint: String?
        let `init`: [Double]
        let bounds: [[Double]]
        let fixed: [Bool]
    }

    let measurement: String
    let poi: String?
    let poi_index: Int?
    let par_names: [String]
    let parameters: [Parameter]
    let data: [Double]
    let logpdf_at_init: Double
    let expected_actualdata_at_init: [Double]
    let grad_nll_at_init: [Double]
}

func relativeError(_ a: Double, _ b: Double) -> Double {
    a == b ? 0 : abs(a - b) / max(abs(a), abs(b), 1e-300)
}

@Suite("Model vs pyhf truth files")
struct ModelFixtureTests {
    @Test("parameter layout, data, logpdf, expected data and gradient", arguments: ModelFixtures.pyhfNames)
    func fixture(_ name: String) throws {
        let ws = try ModelFixtures.load(Workspace.self, "pyhf/\(name).json")
        let truth = try ModelFixtures.load(ModelTruth.self, "pyhf/\(name).truth.json")
        let model = try Model(workspace: ws, measurement: truth.measurement)

        #expect(model.parameterNames == truth.par_names)
        #expect(model.parameterSets.map(\.name) == truth.parameters.map(\.name))
        for (set, t) in zip(model.parameterSets, truth.parameters) {
            #expect(set.slice == t.slice[0]..<t.slice[1], "slice of \(t.name)")
            #expect(set.count == t.n)
            #expect(set.constraint?.rawValue == t.constraint, "constraint of \(t.name)")
            #expect(set.inits == t.`init`, "inits of \(t.name)")
            #expect(set.bounds.map { [$0.lowerBound, $0.upperBound] } == t.bounds, "bounds of \(t.name)")
            #expect(set.fixed == t.fixed, "fixed of \(t.name)")
        }
        #expect(model.poiName == truth.poi)
        #expect(model.poiIndex == truth.poi_index)

        let data = try model.observedData(ws)
        #expect(data == truth.data)

        let pars = model.suggestedInit
        let logpdf = model.logpdf(pars, data: data)
        #expect(relativeError(logpdf, truth.logpdf_at_init) < 1e-12, "logpdf \(logpdf) vs \(truth.logpdf_at_init)")

        let expected = model.expectedActualData(pars)
        #expect(expected.count == truth.expected_actualdata_at_init.count)
        for (a, b) in zip(expected, truth.expected_actualdata_at_init) {
            #expect(relativeError(a, b) < 1e-12, "expected data \(a) vs \(b)")
        }

        let (value, gradient) = model.logpdfAndGradient(pars, data: data)
        #expect(value == logpdf)
        // Most truth gradients are autodiff values (agree to ~1e-14 here); the two xml_multibin files hold
        // central differences with h = 1e-6 (errors ~1e-8, checked against pyhf by hand), hence 5e-8.
        let scale = max(truth.grad_nll_at_init.map(abs).max() ?? 1, 1)
        for (i, (g, t)) in zip(gradient, truth.grad_nll_at_init).enumerated() {
            #expect(abs(-g - t) <= 5e-8 * scale, "d(nll)/d\(model.parameterNames[i]): \(-g) vs \(t)")
        }
    }
}
