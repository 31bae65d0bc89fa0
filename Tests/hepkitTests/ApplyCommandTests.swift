import Analysis
import Foundation
import ROOTIO
import Testing

/// `hepkit apply --format root`: a friend tree of the scores, or a copy of the input tree with the
/// scores added, read back with ROOTIO; whole or absent output.
@Suite struct ApplyCommandTests {
    static let network = fixture("learned/network.json")
    static let signal = fixture("example/signal.root")
    static let background = fixture("example/background.root")

    func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("hepkit-apply-\(UUID())-\(name)").path
    }

    func doubles(_ tree: ROOTTree, _ branch: String) throws -> [Double] {
        guard case .double(let values) = try tree.branch(branch).column().values else {
            Issue.record("branch \(branch) is not double")
            return []
        }
        return values
    }

    /// The library's evaluation of the network on the files' events, in file order.
    func expected(_ files: [String]) throws -> [Double] {
        let trained = try TrainedNetworks.load(contentsOf: URL(fileURLWithPath: Self.network))
        let table = try ROOTColumns.load(branches: ["jet_pt", "mass", "met"], files: files.map { URL(fileURLWithPath: $0) }, tree: "events")
        return try trained.evaluate("score", on: table)
    }

    /// Default: a friend tree named like the input tree, one entry per input event (both files, in
    /// order), holding only the score, bit for bit the in-memory evaluation.
    @Test func friendTreeHoldsTheScores() throws {
        let out = temporary("friend.root")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try runHepkit(["apply", Self.network, Self.signal, Self.background, "--tree", "events", "-o", out])
        #expect(result.status == 0, "\(result.stderr)")
        let tree = try ROOTFile(path: out).tree("events")
        #expect(tree.branches.map(\.name) == ["score"])
        let scores = try doubles(tree, "score")
        let expected = try expected([Self.signal, Self.background])
        #expect(scores.count == 55_000)
        #expect(scores.map(\.bitPattern) == expected.map(\.bitPattern))
    }

    /// --copy-branches: the input tree's branches unchanged plus the score under --branch's name,
    /// in the tree named by --output-tree.
    @Test func copiedTreeGainsTheScoreBranch() throws {
        let out = temporary("copy.root")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let result = try runHepkit(["apply", Self.network, Self.signal, "--tree", "events", "--copy-branches", "--branch", "nn",
                                    "--output-tree", "scored/events", "--format", "root", "-o", out, "--compression", "zstd"])
        #expect(result.status == 0, "\(result.stderr)")
        let input = try ROOTFile(path: Self.signal).tree("events")
        let tree = try ROOTFile(path: out).tree("scored/events")
        #expect(tree.branches.map(\.name) == input.branches.map(\.name) + ["nn"])
        for branch in input.branches.map(\.name) {
            let a = try input.branch(branch).column(), b = try tree.branch(branch).column()
            #expect(a.entryCount == b.entryCount && a.offsets == b.offsets)
            #expect((0..<a.values.count).allSatisfy { a.values.double(at: $0).bitPattern == b.values.double(at: $0).bitPattern }, "\(branch)")
        }
        #expect(try doubles(tree, "nn").map(\.bitPattern) == expected([Self.signal]).map(\.bitPattern))
    }

    /// Refusals exit non-zero with a message and leave no output file.
    @Test(arguments: [
        (["--copy-branches", "EXTRA"], "one input file"),
        (["--copy-branches", "--branch", "met"], "two branches named 'met'"),
        (["--network", "nothing"], "no network 'nothing'"),
        (["--format", "csv", "--copy-branches"], "apply to --format root"),
    ])
    func refusalsWriteNothing(_ extra: [String], message: String) throws {
        let out = temporary("refused.root")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let files = extra.contains("EXTRA") ? [Self.signal, Self.background] : [Self.signal]
        let result = try runHepkit(["apply", Self.network] + files + ["--tree", "events", "-o", out] + extra.filter { $0 != "EXTRA" })
        #expect(result.status != 0)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        let missing = try runHepkit(["apply", Self.network, Self.signal, "--tree", "events", "--format", "root"])
        #expect(missing.status != 0 && missing.stderr.contains("needs --output"))
    }
}
