import Foundation
import Testing
@testable import Analysis

/// Issue 9: crafted expressions and configs give errors naming their place, not stack overflows,
/// unbounded work or silently wrong numbers.
@Suite struct ExpressionLimitTests {
    let environment = ExpressionEnvironment(branches: ["x": .scalar, "met": .scalar], parameters: ["cut"])
    let table = try! ColumnTable(["x": DataColumn([1, 2, 3]), "met": DataColumn([10, 20, 30])])

    func parseError(_ source: String) -> ExpressionError? {
        do {
            _ = try Expression.parse(source)
            return nil
        } catch {
            return error
        }
    }

    @Test func deepParenthesesAreASyntaxError() throws {
        // Overflowed the parser's stack before.
        let deep = String(repeating: "(", count: 3700) + "x" + String(repeating: ")", count: 3700)
        let error = try #require(parseError(deep))
        #expect(error.kind == .syntax)
        #expect(error.message == "expression nested deeper than 256 levels")
        #expect(error.column == Expression.maximumDepth + 1)
        // The message quotes an abbreviated source, not 7,401 characters.
        #expect(error.description.count < 200)
        // Nesting within the limit still evaluates.
        let fine = String(repeating: "(", count: 200) + "x + 1" + String(repeating: ")", count: 200)
        let compiled = try CompiledExpression(fine, environment: environment)
        #expect(try compiled.evaluate(on: table, parameters: [0]) == [2, 3, 4])
    }

    @Test func longChainsFailClearlyWithoutRecursion() throws {
        // A 5,000-term sum overflowed the type checker's stack; it is a 4,999-level tree.
        let sum = Array(repeating: "x", count: 5000).joined(separator: "+")
        let error = try #require(parseError(sum))
        #expect(error.message == "expression nested deeper than 256 levels")
        let short = Array(repeating: "x", count: 200).joined(separator: " + ")
        #expect(try CompiledExpression(short, environment: environment).evaluate(on: table, parameters: [0]) == [200, 400, 600])
    }

    @Test func unaryChainsAreBounded() throws {
        // 7,500 minus signs overflowed the evaluator's stack.
        let error = try #require(parseError(String(repeating: "-", count: 7500) + "x"))
        #expect(error.message == "expression nested deeper than 256 levels")
        let even = try CompiledExpression(String(repeating: "-", count: 200) + "x", environment: environment)
        #expect(try even.evaluate(on: table, parameters: [0]) == [1, 2, 3])
        let odd = try CompiledExpression(String(repeating: "- ", count: 201) + "x", environment: environment)
        #expect(try odd.evaluate(on: table, parameters: [0]) == [-1, -2, -3])
        #expect(parseError(String(repeating: "!", count: 300) + "x")?.message == "expression nested deeper than 256 levels")
    }

    @Test func deepCallsAndIndexingAreBounded() throws {
        let calls = String(repeating: "abs(", count: 400) + "x" + String(repeating: ")", count: 400)
        #expect(parseError(calls)?.message == "expression nested deeper than 256 levels")
        let fine = String(repeating: "abs(", count: 100) + "-x" + String(repeating: ")", count: 100)
        #expect(try CompiledExpression(fine, environment: environment).evaluate(on: table, parameters: [0]) == [1, 2, 3])
        #expect(parseError("x" + String(repeating: "[0]", count: 300))?.message == "expression nested deeper than 256 levels")
    }

    @Test func hugeIndexLiteralIsATypeError() throws {
        // Int(1e300) trapped.
        let environment = ExpressionEnvironment(branches: ["jet_pt": .jagged])
        do {
            _ = try CompiledExpression("at(jet_pt, 1e300, 0)", environment: environment)
            Issue.record("accepted")
        } catch {
            #expect(error.message == "at's second argument must be a non-negative integer literal")
        }
    }

    @Test func suggestionsSkipNamesOfOtherLengths() {
        // The edit distance is quadratic; a 10,000-character name must not cost 10^8 steps per candidate.
        let long = String(repeating: "m", count: 10_000)
        let clock = ContinuousClock()
        let elapsed = clock.measure { #expect(closestName(to: long, among: ["met", "mass"] + (0..<1000).map { "b\($0)" }) == nil) }
        #expect(elapsed < .seconds(1))
        #expect(closestName(to: "mett", among: ["met", "mass"]) == "met")
    }

    @Test func overlongSourceIsRejected() throws {
        let long = "x + " + String(repeating: " ", count: Expression.maximumLength) + "1"
        let error = try #require(parseError(long))
        #expect(error.message == "expression longer than 10000 characters (\(long.count))")
        #expect(error.description.count < 300)
    }
}

@Suite struct ConfigLimitTests {
    static let base = """
        samples:
          - {name: signal, files: [s.root], tree: events, weight: weight, signal: true}
        regions:
          - name: SR
            selection: SELECTION
            observable: met
            edges: EDGES
            bandwidth: BANDWIDTH
        parameters:
          - {name: cut, init: 20, bounds: [0, 100], relaxation: 5}
        optimizer: {steps: STEPS}
        """

    static func resolve(
        selection: String = "met > cut", edges: String = "[0, 50, 100]", bandwidth: String = "2", steps: String = "100"
    ) throws(ConfigError) -> ResolvedAnalysis {
        let yaml = base.replacingOccurrences(of: "SELECTION", with: selection).replacingOccurrences(of: "EDGES", with: edges)
            .replacingOccurrences(of: "BANDWIDTH", with: bandwidth).replacingOccurrences(of: "STEPS", with: steps)
        return try AnalysisConfig.decode(yaml).resolve(baseDirectory: URL(fileURLWithPath: "/")) { _, _ in
            ["met": .scalar, "weight": .scalar]
        }
    }

    static func error(_ body: () throws(ConfigError) -> ResolvedAnalysis) -> String? {
        do {
            _ = try body()
            return nil
        } catch {
            return error.description
        }
    }

    @Test func baseResolves() throws {
        #expect(try Self.resolve().optimizer.steps == 100)
    }

    @Test func deepSelectionNamesItsPlace() {
        let deep = "'" + String(repeating: "(", count: 3700) + "met > cut" + String(repeating: ")", count: 3700) + "'"
        let message = Self.error { () throws(ConfigError) in try Self.resolve(selection: deep) }
        #expect(message?.hasPrefix("regions[0].selection: expression '((((") == true)
        #expect(message?.hasSuffix("expression nested deeper than 256 levels") == true)
    }

    @Test func stepsAreBounded() {
        #expect(Self.error { () throws(ConfigError) in try Self.resolve(steps: "1000000000") }
            == "optimizer.steps: 1000000000 exceeds the limit of 100000 steps")
        #expect(Self.error { () throws(ConfigError) in try Self.resolve(steps: "100000") } == nil)
    }

    @Test func binsAreBounded() {
        let edges = "[" + (0...AnalysisLimits.edges).map(String.init).joined(separator: ", ") + "]"
        #expect(Self.error { () throws(ConfigError) in try Self.resolve(edges: edges, bandwidth: "0.1") }
            == "regions[0].edges: 10002 edges exceed the limit of 10001")
    }

    @Test func numbersMustBeFinite() {
        #expect(Self.error { () throws(ConfigError) in try Self.resolve(bandwidth: ".inf") }
            == "regions[0].bandwidth: must be a finite number, found inf")
        #expect(Self.error { () throws(ConfigError) in try Self.resolve(bandwidth: "1e300") }
            == "regions[0].bandwidth: 1e+300 is beyond the limit of ±1e+100")
        #expect(Self.error { () throws(ConfigError) in try Self.resolve(edges: "[0, .nan, 100]") }
            == "regions[0].edges[1]: edges must be finite")
    }

    @Test func parameterCountIsBounded() {
        let parameters = (0...AnalysisLimits.parameters).map { "  - {name: p\($0), init: 1, bounds: [0, 2], relaxation: 1}" }
        let yaml = """
            samples: [{name: s, files: [s.root], tree: t, signal: true}]
            regions: [{name: SR, observable: met, edges: [0, 1]}]
            parameters:
            \(parameters.joined(separator: "\n"))
            """
        let message = Self.error { () throws(ConfigError) in
            try AnalysisConfig.decode(yaml).resolve(baseDirectory: URL(fileURLWithPath: "/")) { _, _ in ["met": .scalar] }
        }
        #expect(message == "parameters: 101 parameters exceed the limit of 100")
    }

    @Test func configFileMustBeRegularAndBounded() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hepkit-limits-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("config.yml")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        do {
            _ = try AnalysisConfig.load(contentsOf: fifo)
            Issue.record("a FIFO was read")
        } catch {
            #expect(error.description == "\(fifo.path): not a regular file")
        }
        do {
            _ = try AnalysisConfig.load(contentsOf: directory)
            Issue.record("a folder was read")
        } catch {
            #expect(error.description == "\(directory.path): not a regular file")
        }
    }
}

/// Non-finite inputs and degenerate workspaces, on the bundled example's ntuples.
@Suite struct DegenerateAnalysisTests {
    static let example = HZZReference.fixtures.appendingPathComponent("example")

    /// The example's config with one line replaced, written beside temporary output.
    static func load(replacing old: String, with new: String) throws -> LoadedAnalysis {
        var text = try String(contentsOf: example.appendingPathComponent("analysis.yml"), encoding: .utf8)
        #expect(text.contains(old))
        text = text.replacingOccurrences(of: old, with: new)
            .replacingOccurrences(of: "[signal.root]", with: "[\(example.path)/signal.root]")
            .replacingOccurrences(of: "[background.root]", with: "[\(example.path)/background.root]")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("hepkit-degenerate-\(UUID()).yml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        return try LoadedAnalysis(config: file)
    }

    static func message(_ loaded: LoadedAnalysis) -> String? {
        do {
            _ = try loaded.histograms.checkedHardWorkspace(at: loaded.analysis.initialParameters)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func exampleIsNotDegenerate() throws {
        #expect(Self.message(Example.loaded) == nil)
    }

    @Test func nonFiniteObservableNamesRegionSampleAndExpression() throws {
        let loaded = try Self.load(replacing: "observable: mass", with: "observable: log(-mass)")
        #expect(Self.message(loaded) == "region 'SR', sample 'signal': observable 'log(-mass)' is not finite for any selected "
            + "event (NaN for entry 0 of file '\(Self.example.path)/signal.root')")
        // The optimisation refuses to start instead of "converging" on an all-zero workspace.
        #expect(throws: AnalysisDataError.self) { try loaded.optimize() }
    }

    @Test func nanWeightNamesSampleFileAndExpression() throws {
        let nan = try Self.load(replacing: "    weight: weight\n    signal: true", with: "    weight: weight * sqrt(met - 25)\n    signal: true")
        let text = try #require(Self.message(nan))
        #expect(text.hasPrefix("sample 'signal': weight 'weight * sqrt(met - 25)' is NaN for entry "))
        #expect(text.hasSuffix(" of file '\(Self.example.path)/signal.root'"))
    }

    @Test func emptyRegionIsAnError() throws {
        let loaded = try Self.load(replacing: "selection: met > cut_met", with: "selection: met > 1e9 + cut_met")
        #expect(Self.message(loaded) == "region 'SR': no event of any sample falls in its bins (every histogram is zero)")
    }

    @Test func zeroSignalIsAnError() throws {
        let loaded = try Self.load(
            replacing: "    weight: weight\n    signal: true", with: "    weight: weight * 0\n    signal: true")
        #expect(Self.message(loaded) == "the signal sample 'signal' has no events in any region: the workspace cannot measure 'mu'")
    }
}
