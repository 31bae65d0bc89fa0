// Benchmark of the HistFactory model: build, logpdf, logpdf + gradient, AD gradient w.r.t. inputs.
// Compile together with the module's sources (no package build needed):
//   mkdir -p /tmp/hfbench && cp tools/bench_model.swift /tmp/hfbench/main.swift &&
//   swiftc -O -module-name HistFactory $(find Sources/HistFactory -name '*.swift') /tmp/hfbench/main.swift -o /tmp/hfbench/bench
//   /tmp/hfbench/bench WS.json [WS.json ...]
import Foundation
import _Differentiation

func seconds(_ body: () -> Void) -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) * 1e-9
}

/// Seconds per call: the best of batches of ~10 ms over at least `budget` seconds (the minimum filters
/// out time lost to other processes on a shared machine).
func timePerCall(budget: Double = 1.0, _ body: () -> Void) -> Double {
    body()
    let once = max(seconds(body), 1e-7)
    let batch = max(1, Int(0.01 / once))
    var best = Double.infinity, total = 0.0
    while total < budget {
        let t = seconds { for _ in 0..<batch { body() } }
        total += t
        best = min(best, t / Double(batch))
    }
    return best
}

for path in CommandLine.arguments.dropFirst() {
    var model: Model!
    var data: [Double] = []
    let build = seconds {
        let ws = try! JSONDecoder().decode(Workspace.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        model = try! Model(workspace: ws)
        data = try! model.observedData(ws)
    }
    let pars = model.suggestedInit
    var sink = 0.0
    let value = timePerCall { sink += model.logpdf(pars, data: data) }
    let grad = timePerCall { sink += model.logpdfAndGradient(pars, data: data).gradient[0] }
    let adInputs = timePerCall {
        let g = gradient(at: pars, model.inputs) { p, i in model.logpdf(p, data: data, inputs: i) }
        sink += g.0.base[0]
    }
    // Replaced inputs (what the analysis optimisation evaluates): no precomputed tables or cached widths.
    var other = model.inputs
    for i in other.nominal.indices { other.nominal[i] *= 1.001 }
    let otherValue = timePerCall { sink += model.logpdf(pars, data: data, inputs: other) }
    let otherAD = timePerCall {
        let g = gradient(at: pars, other) { p, i in model.logpdf(p, data: data, inputs: i) }
        sink += g.0.base[0]
    }
    // The same model forced onto one core, to show what the channel partitions gain.
    let serial = try! Model(
        workspace: JSONDecoder().decode(Workspace.self, from: Data(contentsOf: URL(fileURLWithPath: path))), measurement: nil, poi: nil,
        interpolation: .pyhfDefault, modifierTypes: .histFactory, concurrencyThreshold: .max)
    let serialValue = timePerCall { sink += serial.logpdf(pars, data: data) }
    let serialGrad = timePerCall { sink += serial.logpdfAndGradient(pars, data: data).gradient[0] }
    print(
        String(
            format: "  partitions=%d; one core: logpdf=%.4fms logpdf+grad=%.4fms (%.2fx)", model.engine.partitions.count,
            serialValue * 1e3, serialGrad * 1e3, serialGrad / serialValue))
    print(
        String(
            format: "%@: npars=%d elements=%d build+load=%.4fs logpdf=%.4fms logpdf+grad=%.4fms (%.2fx) AD grad wrt pars+inputs=%.4fms (%.2fx) ",
            (path as NSString).lastPathComponent, model.parameterCount, model.inputs.nominal.count, build, value * 1e3, grad * 1e3,
            grad / value, adInputs * 1e3, adInputs / value))
    print(
        String(
            format: "  replaced inputs: logpdf=%.4fms AD grad wrt pars+inputs=%.4fms (%.2fx)", otherValue * 1e3, otherAD * 1e3,
            otherAD / otherValue))
}
