import Foundation
import Testing

@testable import HistFactory

/// Loading, validating, inspecting and operating on a workspace are linear in its number of
/// channels (issue 9: `inspect` of 10^6 channels took 20.7 s and 2.65 GB). Each test times the
/// same work at n and 4n channels (best of two runs): linear work takes about 4 times as long,
/// the quadratic steps fixed here took 16 times as long.
@Suite struct WorkspaceScalingTests {
    /// `tools/make_many_channels.py --own-modifiers`: one bin per channel, a staterror and a normsys
    /// of its own per channel plus the shared `mu` and `lumi`.
    static func manyChannels(_ count: Int, prefix: String = "ch") -> String {
        var channels: [String] = [], observations: [String] = []
        for c in 0..<count {
            channels.append(
                """
                {"name": "\(prefix)\(c)", "samples": [{"name": "signal", "data": [\(1 + c % 7).0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]}, \
                {"name": "background", "data": [\(50 + c % 11).0], "modifiers": [{"name": "staterror_\(prefix)\(c)", "type": "staterror", "data": [\(1 + c % 3).0]}, \
                {"name": "norm_\(prefix)\(c)", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}}, {"name": "lumi", "type": "lumi", "data": null}]}]}
                """)
            observations.append("{\"name\": \"\(prefix)\(c)\", \"data\": [\(52 + c % 13).0]}")
        }
        return """
            {"channels": [\(channels.joined(separator: ", "))], "observations": [\(observations.joined(separator: ", "))], \
            "measurements": [{"name": "meas", "config": {"poi": "mu", "parameters": [{"name": "lumi", "auxdata": [1.0], "sigmas": [0.02], \
            "bounds": [[0.9, 1.1]], "inits": [1.0]}]}}], "version": "1.0.0"}
            """
    }

    /// The best of two runs of `work` on a workspace of `n` channels, in seconds.
    static func seconds(_ n: Int, _ work: (String) throws -> Void) throws -> Double {
        let text = manyChannels(n)
        var best = Double.infinity
        for _ in 0..<2 {
            let clock = ContinuousClock()
            let start = clock.now
            try work(text)
            let d = (clock.now - start).components
            best = min(best, Double(d.seconds) + Double(d.attoseconds) * 1e-18)
        }
        return best
    }

    @Test func inspectIsLinearInChannels() throws {
        func inspect(_ text: String) throws {
            let document = try WorkspaceDocument(parsing: Array(text.utf8))
            try document.validateModels()
            let inspection = try WorkspaceInspection(document)
            _ = inspection.text
            _ = inspection.json.pythonJSON(indent: 4)
        }
        let small = try Self.seconds(1_000, inspect), large = try Self.seconds(4_000, inspect)
        #expect(large / small < 9, "load + validate + inspect: \(small) s for 10^3 channels, \(large) s for 4·10^3")

        let inspection = try WorkspaceInspection(try WorkspaceDocument(parsing: Array(Self.manyChannels(4_000).utf8)))
        #expect(inspection.channels.count == 4_000)
        #expect(inspection.parameters.count == 2 + 2 * 4_000)
        #expect(inspection.systematics.first { $0.name == "norm_ch3999" }?.types == ["normsys"])
        #expect(inspection.systematics.first { $0.name == "lumi" }?.constraint == "constrained_by_normal")
        #expect(inspection.json["modifiers"]?.objectValue?.count == 2 + 2 * 4_000)
    }

    @Test func operationsAreLinearInChannels() throws {
        func operate(_ text: String) throws {
            let left = try WorkspaceDocument(parsing: Array(text.utf8))
            let right = try left.renamed(channels: left.channels.map { ($0, "other_" + $0) })
            let combined = try WorkspaceDocument.combine(left, right, join: .outer)
            let again = try WorkspaceDocument.combine(combined, left, join: .outer)  // `left`'s channels twice
            let sorted = try again.sorted()
            let pruned = try sorted.pruned(channels: Array(left.channels.prefix(left.channels.count / 2)))
            _ = pruned.digest()
        }
        let small = try Self.seconds(1_000, operate), large = try Self.seconds(4_000, operate)
        #expect(large / small < 9, "rename, combine, sort, prune, digest: \(small) s for 10^3 channels, \(large) s for 4·10^3")

        let left = try WorkspaceDocument(parsing: Array(Self.manyChannels(300).utf8))
        let right = try left.renamed(channels: left.channels.map { ($0, "other_" + $0) })
        let combined = try WorkspaceDocument.combine(try WorkspaceDocument.combine(left, right, join: .outer), left, join: .outer)
        #expect(combined.workspace.channels.count == 600)
        #expect(combined.channels.first == "ch0" && combined.channels.last == "other_ch99")
        #expect(try combined.sorted().workspace.channels.prefix(3).map(\.name) == ["ch0", "ch1", "ch10"])
    }
}
