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
        let n = inputs.count / inputCount
        var outputs = [Double](repeating: 0, count: n * outputCount)
        let chunks = mapChunks(count: n, minimumChunk: 4096) { range -> [Double] in
            var pass = NetworkPass(self)
            var out = [Double](repeating: 0, count: range.count * outputCount)
            inputs.withUnsafeBufferPointer { x in
                for e in range {
                    pass.forward(x.baseAddress! + e * inputCount)
                    for k in 0..<outputCount { out[(e - range.lowerBound) * outputCount + k] = pass.output[k] }
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
    /// per event a forward pass, the cotangent on its outputs (written by `cotangent` into its
    /// second argument from the outputs in its first), and the backward pass; both cores, no
    /// allocation per event.
    public func pullback(
        _ inputs: [Double],
        cotangent: (_ event: Int, _ outputs: UnsafeBufferPointer<Double>, _ dOutputs: UnsafeMutableBufferPointer<Double>) -> Void
    ) -> [Double] {
        precondition(inputs.count % inputCount == 0, "inputs are events × \(inputCount) features")
        let n = inputs.count / inputCount
        let partials = mapChunks(count: n, minimumChunk: 4096) { range -> [Double] in
            var pass = NetworkPass(self)
            var gradient = [Double](repeating: 0, count: weights.count)
            var dOutputs = [Double](repeating: 0, count: outputCount)
            inputs.withUnsafeBufferPointer { x in
                gradient.withUnsafeMutableBufferPointer { g in
                    dOutputs.withUnsafeMutableBufferPointer { d in
                        for e in range {
                            pass.forward(x.baseAddress! + e * inputCount)
                            // An event without values (NaN features) falls out, as in a histogram.
                            guard pass.output.allSatisfy(\.isFinite) else { continue }
                            pass.output.withUnsafeBufferPointer { cotangent(e, $0, d) }
                            pass.backward(d, into: g)
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
}

/// One event's pass through a network: pre-activations and activations of every layer, and the
/// backward buffers, allocated once per chunk of events.
struct NetworkPass {
    let network: NeuralNetwork
    let sizes: [Int]
    /// Offsets of each layer's units in `z`/`a` and of each layer's weights.
    let unitOffsets: [Int]
    let weightOffsets: [Int]
    var z: [Double]
    var a: [Double]
    var delta: [Double]
    var deltaPrevious: [Double]
    var output: [Double]

    init(_ network: NeuralNetwork) {
        self.network = network
        sizes = network.layerSizes
        var units = [0], ws = [0]
        for (fanIn, fanOut) in zip(sizes, sizes.dropFirst()) {
            units.append(units.last! + fanIn)
            ws.append(ws.last! + fanOut * (fanIn + 1))
        }
        unitOffsets = units
        weightOffsets = ws
        let total = sizes.reduce(0, +)
        z = [Double](repeating: 0, count: total)
        a = z
        let widest = sizes.max()!
        delta = [Double](repeating: 0, count: widest)
        deltaPrevious = delta
        output = [Double](repeating: 0, count: network.outputCount)
    }

    mutating func forward(_ x: UnsafePointer<Double>) {
        let sizes = self.sizes, units = unitOffsets, wOffsets = weightOffsets
        let layers = sizes.count - 1
        let activation = network.activation
        network.weights.withUnsafeBufferPointer { w in
        network.inputMean.withUnsafeBufferPointer { mean in
        network.inputScale.withUnsafeBufferPointer { scale in
        z.withUnsafeMutableBufferPointer { z in
        a.withUnsafeMutableBufferPointer { a in
            for i in 0..<sizes[0] { a[i] = (x[i] - mean[i]) / scale[i] }
            for l in 0..<layers {
                let fanIn = sizes[l], fanOut = sizes[l + 1]
                let weightsOfLayer = w.baseAddress! + wOffsets[l], biases = weightsOfLayer + fanOut * fanIn
                let input = a.baseAddress! + units[l]
                let zOut = z.baseAddress! + units[l + 1], aOut = a.baseAddress! + units[l + 1]
                for j in 0..<fanOut {
                    var s = biases[j]
                    let row = weightsOfLayer + j * fanIn
                    for i in 0..<fanIn { s += row[i] * input[i] }
                    zOut[j] = s
                    if l < layers - 1 {
                        switch activation {
                        case .relu: aOut[j] = max(0, s)
                        case .tanh: aOut[j] = Foundation.tanh(s)
                        case .elu: aOut[j] = s > 0 ? s : expm1(s)
                        }
                    }
                }
            }
        }}}}}
        let last = unitOffsets[layers], k = network.outputCount
        switch network.output {
        case .sigmoid:
            output[0] = sigmoid(z[last])
        case .softmax:
            var largest = -Double.infinity
            for j in 0..<k { largest = max(largest, z[last + j]) }
            var sum = 0.0
            for j in 0..<k {
                output[j] = exp(z[last + j] - largest)
                sum += output[j]
            }
            for j in 0..<k { output[j] /= sum }
        }
    }

    /// Adds ∂(dOutputs · outputs)/∂weights of the last forward pass to `gradient`.
    mutating func backward(_ dOutputs: UnsafeMutableBufferPointer<Double>, into gradient: UnsafeMutableBufferPointer<Double>) {
        let sizes = self.sizes, units = unitOffsets, wOffsets = weightOffsets
        let layers = sizes.count - 1, k = network.outputCount
        let activation = network.activation
        // The output layer's pre-activation cotangent.
        switch network.output {
        case .sigmoid:
            delta[0] = dOutputs[0] * output[0] * (1 - output[0])
        case .softmax:
            var dot = 0.0
            for j in 0..<k { dot += output[j] * dOutputs[j] }
            for j in 0..<k { delta[j] = output[j] * (dOutputs[j] - dot) }
        }
        network.weights.withUnsafeBufferPointer { w in
        z.withUnsafeBufferPointer { z in
        a.withUnsafeBufferPointer { a in
        delta.withUnsafeMutableBufferPointer { delta in
        deltaPrevious.withUnsafeMutableBufferPointer { previous in
            var current = delta.baseAddress!, next = previous.baseAddress!
            for l in stride(from: layers - 1, through: 0, by: -1) {
                let fanIn = sizes[l], fanOut = sizes[l + 1]
                let weightsOfLayer = w.baseAddress! + wOffsets[l]
                let gW = gradient.baseAddress! + wOffsets[l], gB = gW + fanOut * fanIn
                let input = a.baseAddress! + units[l]
                for j in 0..<fanOut {
                    let d = current[j]
                    gB[j] += d
                    let row = gW + j * fanIn
                    for i in 0..<fanIn { row[i] += d * input[i] }
                }
                guard l > 0 else { break }
                let zIn = z.baseAddress! + units[l]
                for i in 0..<fanIn {
                    var s = 0.0
                    for j in 0..<fanOut { s += weightsOfLayer[j * fanIn + i] * current[j] }
                    let derivative: Double
                    switch activation {
                    case .relu: derivative = zIn[i] > 0 ? 1 : 0
                    case .tanh: derivative = 1 - input[i] * input[i]
                    case .elu: derivative = zIn[i] > 0 ? 1 : input[i] + 1
                    }
                    next[i] = s * derivative
                }
                swap(&current, &next)
            }
        }}}}}
    }
}
