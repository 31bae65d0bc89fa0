import Foundation
import Testing

import HistFactory  // not @testable: the types below use the public extension API only

/// A modifier type written against the public extension API only: a free factor that scales its
/// samples by θ² (registered under `normfactor`, replacing the built-in type).
struct SquaredNormFactor: ModifierType {
    var typeName: String { "normfactor" }
    var dataFormat: ModifierDataFormat { NormFactor().dataFormat }

    func flattenData(_ modifier: Modifier, sampleData: [Double], path: String) throws -> [Double] { [] }

    func parameterSet(named name: String, occurrences: [ModifierOccurrence], inputs: ModelInputs) throws -> ParameterSetDefaults {
        ParameterSetDefaults(
            count: 1, isScalar: true, inits: [1], bounds: [0...10], fixed: [false], constraint: nil, auxdata: nil, widths: [],
            allowedKeys: [.inits, .bounds, .fixed])
    }

    func makeKernel(_ sets: [PlacedModifierSet], interpolation: InterpolationCode?, inputs: ModelInputs) throws -> any YieldKernel {
        Kernel(rows: sets.flatMap { set in set.occurrences.map { (set.slice.lowerBound, $0.elements) } })
    }

    struct Kernel: YieldKernel {
        let rows: [(parameter: Int, elements: Range<Int>)]
        var composition: YieldComposition { .multiplicative }

        func forward(_ x: KernelArguments, into out: UnsafeMutableBufferPointer<Double>) {
            for r in rows {
                let t = x.pars[r.parameter]
                for e in r.elements { out[e] *= t * t }
            }
        }

        func backward(_ x: KernelArguments, adjoint: UnsafeBufferPointer<Double>, into grads: KernelGradients) {
            for r in rows {
                // One factor per row here, so ∂/∂θ of θ² times the adjoint sum.
                var s = 0.0
                for e in r.elements { s += adjoint[e] }
                grads.pars[r.parameter] += 2 * x.pars[r.parameter] * s
            }
        }
    }
}

@Suite("Modifier types are an extension point")
struct ModifierExtensionTests {
    @Test("a replacement type changes the yields and its gradient is used")
    func squaredNormFactor() throws {
        let ws = try JSONDecoder().decode(
            Workspace.self, from: Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures/model/example3.json")))
        var registry = ModifierRegistry.histFactory
        registry.register(SquaredNormFactor())
        let custom = try Model(workspace: ws, modifierTypes: registry)
        let standard = try Model(workspace: ws)
        #expect(custom.parameterNames == standard.parameterNames)
        let data = try standard.observedData(ws)
        var pars = standard.suggestedInit
        pars[custom.poiIndex!] = 1.3
        pars[2] = 0.9  // mu_ttbar
        var squared = pars
        squared[custom.poiIndex!] = 1.3 * 1.3
        squared[2] = 0.81
        #expect(abs(custom.logpdf(pars, data: data) - standard.logpdf(squared, data: data)) <= 1e-12)
        let (_, g) = custom.logpdfAndGradient(pars, data: data)
        let (_, gs) = standard.logpdfAndGradient(squared, data: data)
        #expect(abs(g[3] - 2 * 1.3 * gs[3]) <= 1e-10)
        #expect(abs(g[2] - 2 * 0.9 * gs[2]) <= 1e-10)
    }
}

/// A modifier type HistFactory does not have, defined here with the public API only: `shift` adds
/// θ·d_b to bin b of its sample, with `"data": {"per_bin": [d_0, d_1, …]}` and θ free in [-10, 10]
/// (initial value 0).
struct Shift: ModifierType {
    var typeName: String { "shift" }

    var dataFormat: ModifierDataFormat {
        .json(.object(ObjectSchema([("per_bin", .array(.number, minItems: 1))], required: ["per_bin"])))
    }

    func flattenData(_ modifier: Modifier, sampleData: [Double], path: String) throws -> [Double] {
        guard case .json(let json) = modifier.data, let values = json["per_bin"]?.arrayValue?.compactMap(\.numberValue?.double),
            values.count == sampleData.count
        else {
            throw ModelError(.invalidModifier, path: path + ".data.per_bin", "shift needs one value per bin (\(sampleData.count))")
        }
        return values
    }

    func parameterSet(named name: String, occurrences: [ModifierOccurrence], inputs: ModelInputs) throws -> ParameterSetDefaults {
        ParameterSetDefaults(
            count: 1, isScalar: true, inits: [0], bounds: [-10...10], fixed: [false], constraint: nil, auxdata: nil, widths: [],
            allowedKeys: [.inits, .bounds, .fixed])
    }

    func makeKernel(_ sets: [PlacedModifierSet], interpolation: InterpolationCode?, inputs: ModelInputs) throws -> any YieldKernel {
        Kernel(rows: sets.flatMap { set in set.occurrences.map { (set.slice.lowerBound, $0.elements, $0.data.lowerBound) } })
    }

    struct Kernel: YieldKernel {
        let rows: [(parameter: Int, elements: Range<Int>, data: Int)]
        var composition: YieldComposition { .additive }

        func forward(_ x: KernelArguments, into out: UnsafeMutableBufferPointer<Double>) {
            for r in rows {
                for (k, e) in r.elements.enumerated() { out[e] += x.pars[r.parameter] * x.modifierData[r.data + k] }
            }
        }

        func backward(_ x: KernelArguments, adjoint: UnsafeBufferPointer<Double>, into grads: KernelGradients) {
            for r in rows {
                for (k, e) in r.elements.enumerated() {
                    grads.pars[r.parameter] += adjoint[e] * x.modifierData[r.data + k]
                    grads.modifierData?[r.data + k] += adjoint[e] * x.pars[r.parameter]
                }
            }
        }
    }
}

@Suite("A modifier type defined outside HistFactory works through the CLI's entry points")
struct CustomModifierTypeTests {
    static func workspace(shiftData: String = #"{"per_bin": [1.0, -2.0]}"#) -> [UInt8] {
        Array(
            """
            {"channels": [{"name": "SR", "samples": [
              {"name": "signal", "data": [2.0, 3.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
              {"name": "background", "data": [10.0, 20.0], "modifiers": [{"name": "bkg_shift", "type": "shift", "data": \(shiftData)}]}]}],
             "observations": [{"name": "SR", "data": [13.0, 18.0]}],
             "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": []}}],
             "version": "1.0.0"}
            """.utf8)
    }

    static var registry: ModifierRegistry {
        var registry = ModifierRegistry.histFactory
        registry.register(Shift())
        return registry
    }

    @Test func logpdfAndGradientMatchAHandComputation() throws {
        let document = try WorkspaceDocument(parsing: Self.workspace(), source: "custom.json", modifierTypes: Self.registry)
        try document.validateModels()
        let model = try document.model()
        #expect(model.parameterNames == ["mu", "bkg_shift"])  // types in name order: normfactor, shift
        #expect(model.suggestedInit == [1, 0])
        let data = try document.data(model)
        #expect(data == [13, 18])

        // ν_b = μ·s_b + bkg_b + θ·d_b; log L = Σ n_b ln ν_b − ν_b − ln n_b!
        let (mu, theta) = (1.5, 0.7)
        let s = [2.0, 3.0], bkg = [10.0, 20.0], d = [1.0, -2.0], n = [13.0, 18.0]
        var logL = 0.0, dMu = 0.0, dTheta = 0.0
        for b in 0..<2 {
            let nu = mu * s[b] + bkg[b] + theta * d[b]
            logL += n[b] * log(nu) - nu - lgamma(n[b] + 1)
            dMu += (n[b] / nu - 1) * s[b]
            dTheta += (n[b] / nu - 1) * d[b]
        }
        #expect(abs(model.logpdf([mu, theta], data: data) - logL) <= 1e-12)
        let (value, gradient) = model.logpdfAndGradient([mu, theta], data: data)
        #expect(abs(value - logL) <= 1e-12)
        #expect(abs(gradient[0] - dMu) <= 1e-12)
        #expect(abs(gradient[1] - dTheta) <= 1e-12)
        #expect(model.expectedData([mu, theta], includeAuxdata: false) == [3 + 10 + 0.7, 4.5 + 20 - 1.4])

        // `hepkit inspect` and the writers see the type by its name, and its data round-trips.
        let inspection = try WorkspaceInspection(document)
        #expect(inspection.modifiers.map(\.type) == ["shift", "normfactor"])
        #expect(inspection.systematics.map(\.constraint) == ["unconstrained", "unconstrained"])
        #expect(document.workspace.channels[0].samples[1].modifiers[0].data == .json(["per_bin": [1.0, -2.0]]))
        #expect(document.workspace.channels[0].samples[1].modifiers[0].dataJSON(Self.registry) == ["per_bin": [1.0, -2.0]])
        let sorted = try document.sorted()
        #expect(sorted.modifierTypes.types["shift"] != nil)
        #expect(try sorted.model().logpdf([mu, theta], data: data) == model.logpdf([mu, theta], data: data))
    }

    /// Without the type registered, `shift` is a schema violation naming the modifier's `type`;
    /// with it, a missing number is one naming the member (never a NaN or another type).
    @Test func unknownTypeAndMissingDataAreValidationErrors() throws {
        let unknown = try #require(throws: WorkspaceError.self) {
            try WorkspaceDocument(parsing: Self.workspace(), modifierTypes: .histFactory)
        }
        guard case .invalidSpecification(_, _, let issues) = unknown else { Issue.record("\(unknown)"); return }
        #expect(issues.map(\.path) == ["channels[0].samples[1].modifiers[0].type"])
        #expect(issues.first?.message.hasPrefix("expected one of histosys, lumi, normfactor, normsys, shapefactor, shapesys, staterror") == true)

        let missing = try #require(throws: WorkspaceError.self) {
            try WorkspaceDocument(parsing: Self.workspace(shiftData: #"{"per_bin_": [1.0, 2.0]}"#), modifierTypes: Self.registry)
        }
        guard case .invalidSpecification(_, _, let missingIssues) = missing else { Issue.record("\(missing)"); return }
        #expect(missingIssues.map(\.path).contains("channels[0].samples[1].modifiers[0].data.per_bin"))

        let short = try #require(throws: WorkspaceError.self) {
            try WorkspaceDocument(parsing: Self.workspace(shiftData: #"{"per_bin": [1.0]}"#), modifierTypes: Self.registry)
        }
        #expect("\(short)".contains("channels[0].samples[1].modifiers[0].data.per_bin: shift needs one value per bin (2)"))
    }
}
