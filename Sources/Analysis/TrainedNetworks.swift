import DiffColumns
import Foundation
import HEPKitSupport

/// Trained networks as `hepkit optimize` exports them (`network.json`): per network its name,
/// its input expressions, architecture, input standardisation and weights. `hepkit build
/// --networks` fills with them; `hepkit apply` writes their outputs for the events of a file.
public struct TrainedNetworks: Sendable, Equatable, Codable {
    public struct Entry: Sendable, Equatable, Codable {
        public var name: String
        /// The feature expressions, in input order.
        public var inputs: [String]
        public var network: NeuralNetwork

        public init(name: String, inputs: [String], network: NeuralNetwork) {
            self.name = name
            self.inputs = inputs
            self.network = network
        }
    }

    public var networks: [Entry]

    public init(networks: [Entry]) { self.networks = networks }

    /// The entry named `name`.
    public func named(_ name: String) -> Entry? { networks.first { $0.name == name } }

    /// Reads and checks `network.json`: every size within ``AnalysisLimits``, the weights and the
    /// standardisation matching the architecture, every number finite, every scale positive.
    ///
    /// - Throws: ``AnalysisDataError`` naming the file and the network.
    public static func load(contentsOf url: URL) throws -> TrainedNetworks {
        var info = stat()
        guard stat(url.path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw AnalysisDataError(message: "\(url.path): not a readable regular file")
        }
        guard info.st_size <= AnalysisLimits.configBytes * 4 else {
            throw AnalysisDataError(message: "\(url.path): \(info.st_size) bytes, over the limit of \(AnalysisLimits.configBytes * 4)")
        }
        let trained: TrainedNetworks
        do {
            trained = try JSONDecoder().decode(TrainedNetworks.self, from: Data(contentsOf: url))
        } catch {
            throw AnalysisDataError(message: "\(url.path): not a network file (\(error))")
        }
        try trained.check(file: url.path)
        return trained
    }

    /// Checks every size against ``AnalysisLimits``, the weights and the standardisation against
    /// the architecture, every number finite and every scale positive.
    ///
    /// - Throws: ``AnalysisDataError`` naming `file` and the network.
    public func check(file: String) throws {
        guard networks.count <= AnalysisLimits.networks else {
            throw AnalysisDataError(message: "\(file): \(networks.count) networks exceed the limit of \(AnalysisLimits.networks)")
        }
        for entry in networks {
            let net = entry.network
            func fail(_ message: String) -> AnalysisDataError { AnalysisDataError(message: "\(file): network '\(entry.name)': \(message)") }
            guard net.hidden.count <= AnalysisLimits.networkLayers,
                  net.layerSizes.allSatisfy({ (1...AnalysisLimits.networkWidth).contains($0) })
            else { throw fail("layer sizes \(net.layerSizes) outside 1...\(AnalysisLimits.networkWidth) (or more than \(AnalysisLimits.networkLayers) layers)") }
            guard net.output == .softmax ? net.outputCount >= 2 : net.outputCount == 1 else {
                throw fail("\(net.outputCount) outputs for a \(net.output.rawValue) output")
            }
            guard entry.inputs.count == net.inputCount else { throw fail("\(entry.inputs.count) input expressions for \(net.inputCount) inputs") }
            guard net.weights.count == NeuralNetwork.weightCount(layerSizes: net.layerSizes) else {
                throw fail("\(net.weights.count) weights, the architecture \(net.layerSizes) has \(NeuralNetwork.weightCount(layerSizes: net.layerSizes))")
            }
            guard net.inputMean.count == net.inputCount, net.inputScale.count == net.inputCount else {
                throw fail("the standardisation does not have one mean and scale per input")
            }
            guard (net.weights + net.inputMean + net.inputScale).allSatisfy(\.isFinite), net.inputScale.allSatisfy({ $0 > 0 }) else {
                throw fail("a weight or standardisation number is not finite (or a scale is not positive)")
            }
        }
    }

    /// The JSON written as `network.json` (sorted keys, indented).
    public func json() throws -> Data {
        try stableJSON(self)
    }

    /// Network `name`'s outputs (events × outputs, row-major) for the events of `columns` (which must hold the branches the inputs read): its input
    /// expressions evaluated there (with `options`), then the network.
    ///
    /// - Throws: ``AnalysisDataError`` for an unknown name, or the expressions' errors.
    public func evaluate(_ name: String, on columns: ColumnTable, options: ExpressionOptions = ExpressionOptions()) throws -> [Double] {
        guard let entry = named(name) else {
            throw AnalysisDataError(message: "no network '\(name)' (the file has \(networks.map(\.name).joined(separator: ", ")))")
        }
        let environment = ExpressionEnvironment(branches: columns.columns.mapValues(\.shape))
        let features = try entry.inputs.map { source in
            try CompiledExpression(source, environment: environment, options: options, expecting: .number)
                .evaluate(on: columns, parameters: [])
        }
        let n = columns.eventCount, k = features.count
        var matrix = [Double](repeating: 0, count: n * k)
        for (j, column) in features.enumerated() {
            for e in 0..<n { matrix[e * k + j] = column[e] }
        }
        return entry.network.evaluate(matrix)
    }

    /// The output columns of networks `names` on the events of `columns`: per network, `LABEL`
    /// for a sigmoid score or `LABEL_0` … `LABEL_K-1` for a softmax's class probabilities, where
    /// LABEL is `labels[i]` (default: the network's name).
    ///
    /// - Throws: ``AnalysisDataError`` for an unknown name or a label count that is not the
    ///   network count, or the input expressions' errors.
    public func outputColumns(
        _ names: [String], labels: [String]? = nil, on columns: ColumnTable, options: ExpressionOptions = ExpressionOptions()
    ) throws -> [(name: String, values: [Double])] {
        let labels = labels ?? names
        guard labels.count == names.count else {
            throw AnalysisDataError(message: "\(labels.count) output names for \(names.count) networks")
        }
        var result: [(name: String, values: [Double])] = []
        for (name, label) in zip(names, labels) {
            let outputs = try evaluate(name, on: columns, options: options)
            let k = named(name)!.network.outputCount
            for j in 0..<k {
                result.append((k == 1 ? label : "\(label)_\(j)", stride(from: j, to: outputs.count, by: k).map { outputs[$0] }))
            }
        }
        return result
    }
}

extension ResolvedAnalysis {
    /// The input expressions of network `n` (as the first region using it wrote them).
    public func inputSources(ofNetwork n: Int) -> [String] {
        regions.lazy.compactMap(\.network).first { $0.network == n }?.inputs.first?.map(\.source) ?? []
    }

    /// The networks with their weights from θ, as `network.json` holds them.
    public func trainedNetworks(at theta: [Double]) -> TrainedNetworks {
        TrainedNetworks(networks: networks.indices.map {
            .init(name: networkNames[$0], inputs: inputSources(ofNetwork: $0), network: network($0, at: theta))
        })
    }

    /// The analysis with its networks replaced by trained ones of the same names, architectures
    /// and inputs (their weights become the initial values in θ).
    ///
    /// - Throws: ``AnalysisDataError`` naming the network that is missing or does not match.
    public func using(_ trained: TrainedNetworks) throws -> ResolvedAnalysis {
        var copy = self
        for n in networks.indices {
            let name = networkNames[n]
            guard let entry = trained.named(name) else { throw AnalysisDataError(message: "the network file has no network '\(name)'") }
            let mine = networks[n], theirs = entry.network
            guard mine.layerSizes == theirs.layerSizes, mine.activation == theirs.activation, mine.output == theirs.output else {
                throw AnalysisDataError(message: "network '\(name)': the file's architecture \(theirs.layerSizes) \(theirs.activation.rawValue) "
                    + "\(theirs.output.rawValue) differs from the config's \(mine.layerSizes) \(mine.activation.rawValue) \(mine.output.rawValue)")
            }
            guard entry.inputs == inputSources(ofNetwork: n) else {
                throw AnalysisDataError(message: "network '\(name)': the file's inputs \(entry.inputs) differ from the config's \(inputSources(ofNetwork: n))")
            }
            copy.networks[n] = theirs
        }
        return copy
    }
}
