import Foundation
import Testing

import HistFactory

/// A modifier type written against the public extension API only: a free factor that scales its
/// samples by θ² (registered under `normfactor`, replacing the built-in type).
struct SquaredNormFactor: ModifierType {
    var typeName: String { "normfactor" }

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
