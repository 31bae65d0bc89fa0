import HEPKitSupport
import Foundation

/// The hidden layers' activation function.
public enum Activation: String, Sendable, Codable, CaseIterable {
    case relu, tanh, elu
}

/// What a network's last layer gives: one score in (0, 1) or a probability per class.
public enum NetworkOutput: String, Sendable, Codable, CaseIterable {
    /// One output through a sigmoid (a score to bin with relaxed edges, as neos).
    case sigmoid
    /// `outputCount` outputs through a softmax (soft bin memberships, as INFERNO).
    case softmax
}

/// A fully connected network over an event's features: its inputs standardised, hidden layers with
/// one activation, a sigmoid or softmax output. The weights are one flat vector (per layer, the
/// `out × in` matrix row-major, then the `out` biases), the part of θ the optimiser trains.
public struct NeuralNetwork: Sendable, Equatable, Codable {
    public var inputCount: Int
    /// Widths of the hidden layers.
    public var hidden: [Int]
    public var outputCount: Int
    public var activation: Activation
    public var output: NetworkOutput
    /// Input standardisation: feature i enters as `(x_i − inputMean[i]) / inputScale[i]`.
    public var inputMean: [Double]
    public var inputScale: [Double]
    public var weights: [Double]

    enum CodingKeys: String, CodingKey {
        case inputCount = "input_count", hidden = "layers", outputCount = "output_count", activation, output
        case inputMean = "input_mean", inputScale = "input_scale", weights
    }

    /// Widths of every layer, inputs first.
    public var layerSizes: [Int] { [inputCount] + hidden + [outputCount] }

    /// The number of weights of this architecture.
    public static func weightCount(layerSizes: [Int]) -> Int {
        zip(layerSizes, layerSizes.dropFirst()).reduce(0) { $0 + $1.1 * ($1.0 + 1) }
    }

    /// A network with weights drawn from Glorot's uniform distribution (biases 0) by a SplitMix64
    /// stream from `seed`, identity standardisation.
    public init(inputCount: Int, hidden: [Int], outputCount: Int, activation: Activation, output: NetworkOutput, seed: UInt64) {
        precondition(inputCount >= 1 && outputCount >= 1 && hidden.allSatisfy { $0 >= 1 }, "layer widths must be positive")
        precondition(output == .softmax || outputCount == 1, "a sigmoid network has one output")
        self.inputCount = inputCount
        self.hidden = hidden
        self.outputCount = outputCount
        self.activation = activation
        self.output = output
        inputMean = [Double](repeating: 0, count: inputCount)
        inputScale = [Double](repeating: 1, count: inputCount)
        var state = seed
        func uniform() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) * 0x1p-53
        }
        let sizes = [inputCount] + hidden + [outputCount]
        var weights: [Double] = []
        for (fanIn, fanOut) in zip(sizes, sizes.dropFirst()) {
            let limit = (6 / Double(fanIn + fanOut)).squareRoot()
            for _ in 0..<(fanIn * fanOut) { weights.append(limit * (2 * uniform() - 1)) }
            weights += [Double](repeating: 0, count: fanOut)
        }
        self.weights = weights
    }

    /// Sets the standardisation to the mean and standard deviation of each feature over `inputs`
    /// (events × features, row-major); a constant feature keeps scale 1.
    public mutating func standardize(to inputs: [Double]) {
        let n = inputs.count / inputCount
        guard n > 0 else { return }
        for i in 0..<inputCount {
            var sum = 0.0, sumSquares = 0.0
            for e in 0..<n {
                let x = inputs[e * inputCount + i]
                sum += x
                sumSquares += x * x
            }
            let mean = sum / Double(n)
            let variance = max(0, sumSquares / Double(n) - mean * mean)
            inputMean[i] = mean
            inputScale[i] = variance > 0 ? variance.squareRoot() : 1
        }
    }

    /// The outputs (events × `outputCount`, row-major) for `inputs` (events × `inputCount`).
    public func evaluate(_ inputs: [Double]) -> [Double] {
        precondition(inputs.count % inputCount == 0, "inputs are events × \(inputCount) features")
        let n = inputs.count / inputCount, k = outputCount
        var outputs = [Double](repeating: 0, count: n * k)
        let chunks = mapChunks(count: n, minimumChunk: 4096) { range -> [Double] in
            var out = [Double](repeating: 0, count: range.count * k)
            withBlockPass { pass in
                inputs.withUnsafeBufferPointer { x in
                    out.withUnsafeMutableBufferPointer { out in
                        for block in NetworkBlockPass.blocks(of: range) {
                            pass.forward(x.baseAddress! + block.lowerBound * inputCount, count: block.count)
                            (out.baseAddress! + (block.lowerBound - range.lowerBound) * k)
                                .update(from: pass.outputs, count: block.count * k)
                        }
                    }
                }
            }
            return out
        }
        var start = 0
        for chunk in chunks {
            outputs.replaceSubrange(start..<start + chunk.count, with: chunk)
            start += chunk.count
        }
        return outputs
    }

    /// ∂L/∂weights for `L = Σ_events Σ_k cotangent(e, outputs)_k · output_k(e)`, by reverse mode:
    /// per block of events a forward pass, the cotangent on each event's outputs (written by
    /// `cotangent` into its second argument from the outputs in its first), and the backward
    /// pass; both cores, no allocation per event or block.
    public func pullback(
        _ inputs: [Double],
        cotangent: (_ event: Int, _ outputs: UnsafeBufferPointer<Double>, _ dOutputs: UnsafeMutableBufferPointer<Double>) -> Void
    ) -> [Double] {
        precondition(inputs.count % inputCount == 0, "inputs are events × \(inputCount) features")
        let n = inputs.count / inputCount, k = outputCount
        let partials = mapChunks(count: n, minimumChunk: 4096) { range -> [Double] in
            var gradient = [Double](repeating: 0, count: weights.count)
            withBlockPass { pass in
                inputs.withUnsafeBufferPointer { x in
                    gradient.withUnsafeMutableBufferPointer { g in
                        for block in NetworkBlockPass.blocks(of: range) {
                            pass.forward(x.baseAddress! + block.lowerBound * inputCount, count: block.count)
                            // An event without values (NaN features) falls out, as in a histogram.
                            for e in 0..<block.count where pass.finite[e] {
                                cotangent(
                                    block.lowerBound + e, UnsafeBufferPointer(start: pass.outputs + e * k, count: k),
                                    UnsafeMutableBufferPointer(start: pass.dOutputs + e * k, count: k))
                            }
                            pass.backward(into: g.baseAddress!)
                        }
                    }
                }
            }
            return gradient
        }
        var total = partials[0]
        for partial in partials.dropFirst() {
            for i in total.indices { total[i] += partial[i] }
        }
        return total
    }

    /// Runs `body` with a block pass over this network's weights, its scratch memory freed after.
    func withBlockPass<R>(_ body: (inout NetworkBlockPass) -> R) -> R {
        weights.withUnsafeBufferPointer { w in
            inputMean.withUnsafeBufferPointer { mean in
                inputScale.withUnsafeBufferPointer { scale in
                    var pass = NetworkBlockPass(self, weights: w.baseAddress!, mean: mean.baseAddress!, scale: scale.baseAddress!)
                    defer { pass.deallocate() }
                    return body(&pass)
                }
            }
        }
    }
}

/// A block of up to ``capacity`` events' pass through a network, each layer one matrix product
/// over the block: the pre-activations and activations of every layer (kept for the backward
/// pass), the output cotangents and the backward buffers, in scratch memory allocated once per
/// chunk of events. Raw pointers, not arrays, so the loops neither retain nor check uniqueness.
///
/// Every event's arithmetic is the per-event pass's, in the same order (vectorised across a tile
/// of events, or for the weights' gradients across a tile of weights, whose sums stay in
/// registers), and each weight's gradient adds the events' terms in event order: the results do
/// not depend on the block size and equal those of a plain per-event pass bit for bit.
struct NetworkBlockPass {
    /// Events per block: a block's pre-activations and activations (units × 128 doubles, 46 kB
    /// each for a 3-16-16-10 network) stay in the L2 cache, and per-block overheads are small.
    static let capacity = 128

    /// `range` cut into consecutive blocks of at most ``capacity`` events.
    static func blocks(of range: Range<Int>) -> some Sequence<Range<Int>> {
        stride(from: range.lowerBound, to: range.upperBound, by: capacity).lazy.map { $0 ..< min($0 + capacity, range.upperBound) }
    }

    let layers: Int
    let activation: Activation
    let output: NetworkOutput
    /// Per layer (inputs first) its width and the offset of its units in `z`/`a` (in units of
    /// `capacity`); per weight layer the offset of its weights.
    let sizes, unitOffsets, weightOffsets: UnsafeMutablePointer<Int>
    let weights, mean, scale: UnsafePointer<Double>
    /// Pre-activations and activations, unit-major: unit u of layer l for the block's event e at
    /// `(unitOffsets[l] + u) · capacity + e`.
    let z, a: UnsafeMutablePointer<Double>
    /// Cotangents of one layer's pre-activations, unit-major (widest layer × capacity), and a
    /// layer's inputs event-major for the weights' outer products.
    let delta, deltaNext, inputRows: UnsafeMutablePointer<Double>
    /// The outputs and their cotangents, event-major (capacity × outputs).
    let outputs, dOutputs: UnsafeMutablePointer<Double>
    /// Whether each event's outputs are all finite (the others add nothing to a gradient).
    let finite: UnsafeMutablePointer<Bool>
    /// Events in the current block.
    private(set) var count = 0

    init(_ network: NeuralNetwork, weights: UnsafePointer<Double>, mean: UnsafePointer<Double>, scale: UnsafePointer<Double>) {
        let layerSizes = network.layerSizes
        layers = layerSizes.count - 1
        activation = network.activation
        output = network.output
        self.weights = weights
        self.mean = mean
        self.scale = scale
        sizes = .allocate(capacity: layers + 1)
        unitOffsets = .allocate(capacity: layers + 1)
        weightOffsets = .allocate(capacity: layers + 1)
        var units = 0, ws = 0
        for l in 0...layers {
            sizes[l] = layerSizes[l]
            unitOffsets[l] = units
            weightOffsets[l] = ws
            units += layerSizes[l]
            if l < layers { ws += layerSizes[l + 1] * (layerSizes[l] + 1) }
        }
        let cap = Self.capacity, widest = layerSizes.max()!
        z = .allocate(capacity: units * cap)
        a = .allocate(capacity: units * cap)
        delta = .allocate(capacity: widest * cap)
        deltaNext = .allocate(capacity: widest * cap)
        inputRows = .allocate(capacity: widest * cap)
        outputs = .allocate(capacity: network.outputCount * cap)
        dOutputs = .allocate(capacity: network.outputCount * cap)
        finite = .allocate(capacity: cap)
    }

    func deallocate() {
        for p in [z, a, delta, deltaNext, inputRows, outputs, dOutputs] { p.deallocate() }
        for p in [sizes, unitOffsets, weightOffsets] { p.deallocate() }
        finite.deallocate()
    }

    /// The forward pass of `count` events whose features (row-major) start at `x`: fills the
    /// layers, `outputs` and `finite`.
    mutating func forward(_ x: UnsafePointer<Double>, count: Int) {
        precondition(count <= Self.capacity)
        self.count = count
        let cap = Self.capacity, inputCount = sizes[0]
        for i in 0..<inputCount {
            let row = a + i * cap, m = mean[i], s = scale[i]
            for e in 0..<count { row[e] = (x[e * inputCount + i] - m) / s }
        }
        for l in 0..<layers {
            let fanIn = sizes[l], fanOut = sizes[l + 1]
            let w = weights + weightOffsets[l], biases = w + fanOut * fanIn
            let input = a + unitOffsets[l] * cap
            let zOut = z + unitOffsets[l + 1] * cap
            // Tiles of events, each unit's sum held in registers across the inputs.
            var first = 0
            while first + Lanes.scalarCount <= count {
                for j in 0..<fanOut {
                    let row = w + j * fanIn
                    var sum = Lanes(repeating: biases[j])
                    for i in 0..<fanIn { sum += row[i] * Lanes.load(input + i * cap + first) }
                    sum.store(zOut + j * cap + first)
                }
                first += Lanes.scalarCount
            }
            for e in first..<count {
                for j in 0..<fanOut {
                    let row = w + j * fanIn
                    var sum = biases[j]
                    for i in 0..<fanIn { sum += row[i] * input[i * cap + e] }
                    zOut[j * cap + e] = sum
                }
            }
            guard l < layers - 1 else { continue }
            for j in 0..<fanOut {
                let zRow = zOut + j * cap
                let aRow = a + (unitOffsets[l + 1] + j) * cap
                switch activation {
                // NaN passes (max(0, NaN) would be 0): an event with a NaN feature gets NaN
                // outputs and falls out, as with tanh and elu, instead of being binned silently.
                case .relu: for e in 0..<count { aRow[e] = zRow[e] < 0 ? 0 : zRow[e] }
                case .tanh: for e in 0..<count { aRow[e] = Foundation.tanh(zRow[e]) }
                case .elu: for e in 0..<count { aRow[e] = zRow[e] > 0 ? zRow[e] : expm1(zRow[e]) }
                }
            }
        }
        let last = z + unitOffsets[layers] * cap, k = sizes[layers]
        switch output {
        case .sigmoid:
            for e in 0..<count {
                outputs[e] = sigmoid(last[e])
                finite[e] = outputs[e].isFinite
            }
        case .softmax:
            for e in 0..<count {
                let out = outputs + e * k
                var largest = -Double.infinity
                for j in 0..<k { largest = max(largest, last[j * cap + e]) }
                var sum = 0.0
                for j in 0..<k {
                    out[j] = exp(last[j * cap + e] - largest)
                    sum += out[j]
                }
                for j in 0..<k { out[j] /= sum }
                // The largest term is exp(0) = 1 and a NaN makes the sum NaN: the outputs are all
                // finite exactly when the largest input and the sum are.
                finite[e] = largest.isFinite && sum.isFinite
            }
        }
    }

    /// Adds ∂(dOutputs · outputs)/∂weights of the block's finite events to `gradient`.
    func backward(into gradient: UnsafeMutablePointer<Double>) {
        let cap = Self.capacity, k = sizes[layers]
        // An event without values gets zero activations and cotangents, so its terms are zeros.
        for e in 0..<count where !finite[e] {
            for u in 0..<(unitOffsets[layers] + k) {
                z[u * cap + e] = 0
                a[u * cap + e] = 0
            }
        }
        // The output layer's pre-activation cotangent.
        switch output {
        case .sigmoid:
            for e in 0..<count { delta[e] = finite[e] ? dOutputs[e] * outputs[e] * (1 - outputs[e]) : 0 }
        case .softmax:
            for e in 0..<count {
                let out = outputs + e * k, d = dOutputs + e * k
                guard finite[e] else {
                    for j in 0..<k { delta[j * cap + e] = 0 }
                    continue
                }
                var dot = 0.0
                for j in 0..<k { dot += out[j] * d[j] }
                for j in 0..<k { delta[j * cap + e] = out[j] * (d[j] - dot) }
            }
        }
        var current = delta, next = deltaNext
        for l in stride(from: layers - 1, through: 0, by: -1) {
            let fanIn = sizes[l], fanOut = sizes[l + 1]
            let w = weights + weightOffsets[l]
            let gW = gradient + weightOffsets[l], gB = gW + fanOut * fanIn
            let input = a + unitOffsets[l] * cap
            for i in 0..<fanIn {
                let row = input + i * cap
                for e in 0..<count { inputRows[e * fanIn + i] = row[e] }
            }
            // Each weight's gradient adds the events' terms in event order, held in registers
            // for a tile of weights across the block.
            // Four units' bias sums at a time, so their chains of additions overlap.
            var unit = 0
            while unit + 4 <= fanOut {
                let r = current + unit * cap
                var b0 = gB[unit], b1 = gB[unit + 1], b2 = gB[unit + 2], b3 = gB[unit + 3]
                for e in 0..<count {
                    b0 += r[e]
                    b1 += r[cap + e]
                    b2 += r[2 * cap + e]
                    b3 += r[3 * cap + e]
                }
                (gB[unit], gB[unit + 1], gB[unit + 2], gB[unit + 3]) = (b0, b1, b2, b3)
                unit += 4
            }
            for j in unit..<fanOut {
                var bias = gB[j]
                for e in 0..<count { bias += current[j * cap + e] }
                gB[j] = bias
            }
            for j in 0..<fanOut {
                let dRow = current + j * cap, gRow = gW + j * fanIn
                var i = 0
                while i + Wide.scalarCount <= fanIn {
                    var sum = Wide.load(gRow + i)
                    for e in 0..<count { sum += dRow[e] * Wide.load(inputRows + e * fanIn + i) }
                    sum.store(gRow + i)
                    i += Wide.scalarCount
                }
                while i + Lanes.scalarCount <= fanIn {
                    var sum = Lanes.load(gRow + i)
                    for e in 0..<count { sum += dRow[e] * Lanes.load(inputRows + e * fanIn + i) }
                    sum.store(gRow + i)
                    i += Lanes.scalarCount
                }
                // The last few inputs (all of a narrow layer's) two at a time, for overlapping chains.
                while i + 2 <= fanIn {
                    let inRow = input + i * cap
                    var sum0 = gRow[i], sum1 = gRow[i + 1]
                    for e in 0..<count {
                        sum0 += dRow[e] * inRow[e]
                        sum1 += dRow[e] * inRow[cap + e]
                    }
                    (gRow[i], gRow[i + 1]) = (sum0, sum1)
                    i += 2
                }
                if i < fanIn {
                    let inRow = input + i * cap
                    var sum = gRow[i]
                    for e in 0..<count { sum += dRow[e] * inRow[e] }
                    gRow[i] = sum
                }
            }
            guard l > 0 else { break }
            let zIn = z + unitOffsets[l] * cap
            for i in 0..<fanIn {
                let nextRow = next + i * cap
                var first = 0
                while first + Lanes.scalarCount <= count {
                    var sum = Lanes(repeating: 0)
                    for j in 0..<fanOut { sum += w[j * fanIn + i] * Lanes.load(current + j * cap + first) }
                    sum.store(nextRow + first)
                    first += Lanes.scalarCount
                }
                for e in first..<count {
                    var sum = 0.0
                    for j in 0..<fanOut { sum += w[j * fanIn + i] * current[j * cap + e] }
                    nextRow[e] = sum
                }
                let zRow = zIn + i * cap, aRow = input + i * cap
                switch activation {
                case .relu: for e in 0..<count { nextRow[e] *= zRow[e] > 0 ? 1 : 0 }
                case .tanh: for e in 0..<count { nextRow[e] *= 1 - aRow[e] * aRow[e] }
                case .elu: for e in 0..<count { nextRow[e] *= zRow[e] > 0 ? 1 : aRow[e] + 1 }
                }
            }
            swap(&current, &next)
        }
    }
}

/// The register tiles of the block passes: eight and sixteen doubles (four and eight SSE
/// registers), loaded from and stored to unaligned doubles.
private typealias Lanes = SIMD8<Double>
private typealias Wide = SIMD16<Double>

private extension SIMD where Scalar == Double {
    @inline(__always) static func load(_ p: UnsafePointer<Double>) -> Self { UnsafeRawPointer(p).loadUnaligned(as: Self.self) }
    @inline(__always) static func load(_ p: UnsafeMutablePointer<Double>) -> Self { load(UnsafePointer(p)) }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Double>) { UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self) }
}
