import ArgumentParser
import Foundation
import ROOTIO
import Testing
@testable import hepkit

#if canImport(Glibc)
import Glibc
#endif

/// Collects what a command writes, piece by piece.
struct CapturedText: TextSink {
    var pieces: [String] = []
    mutating func write(_ text: String) { pieces.append(text) }
    var text: String { pieces.joined() }
}

/// `hepkit ls` and `hepkit dump` on real and crafted files (issue 9).
@Suite struct ROOTCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/root")

    static func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    /// A copy of fixture `name` with `edit` applied, in a fresh temporary folder.
    static func patchedCopy(_ name: String, _ edit: (inout [UInt8]) throws -> Void) throws -> String {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture(name))))
        try edit(&bytes)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hepkit-root-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// Offset just after the first `pattern`.
    static func offset(after pattern: [UInt8], in bytes: [UInt8]) throws -> Int {
        let n = pattern.count
        let i = try #require((0 ... bytes.count - n).first { bytes[$0] == pattern[0] && Array(bytes[$0 ..< $0 + n]) == pattern })
        return i + n
    }

    static func shortString(_ text: String) -> [UInt8] { [UInt8(text.utf8.count)] + Array(text.utf8) }

    static func dump(_ arguments: [String]) throws -> CapturedText {
        let command = try DumpCommand.parse(arguments)
        var output = CapturedText()
        try command.dump(to: &output)
        return output
    }

    @Test func negativeAndReversedEntryRangesAreUsageErrors() throws {
        let file = Self.fixture("uproot-HZZ-uncompressed.root")
        for range in ["-3:", ":-1", "5:3", "-5:-1", "x:3", "3"] {
            #expect(throws: (any Error).self, "--entries \(range)") { try DumpCommand.parse([file, "events", "--entries=\(range)"]) }
        }
        // a start past the last entry would print nothing: a usage error, not an empty success
        #expect(throws: ValidationError.self) { try Self.dump([file, "events", "--entries", "2422:2500"]) }
        // a stop past the end means the end
        let tail = try Self.dump([file, "events", "--branches", "NJet", "--entries", "2416:9999"])
        #expect(tail.text == "{\"NJet\":[1,2,1,2,0]}\n")
        #expect(try Self.dump([file, "events", "--branches", "NJet", "--entries", "2421:"]).text == "{\"NJet\":[]}\n")
    }

    /// A corrupt `fLen` (1 → 2 on a float scalar): `dump --entries 0:3` printed pairs of wrong
    /// values and exited 0.
    @Test func corruptLeafLengthIsAnErrorForAnEntryRange() throws {
        let path = try Self.patchedCopy("uproot-HZZ-uncompressed.root") { bytes in
            let at = try Self.offset(after: Self.shortString("MET_px") + Self.shortString("MET_px"), in: bytes)
            #expect(bytes[at ..< at + 4] == [0, 0, 0, 1])
            bytes[at + 3] = 2
        }
        let command = try DumpCommand.parse([path, "events", "--branches", "MET_px", "--entries", "0:3"])
        var output = CapturedText()
        #expect { try command.dump(to: &output) } throws: { error in
            guard let error = error as? ROOTError, case .malformed(let why) = error.reason else { return false }
            return error.object == "events/MET_px" && why.contains("basket 0")
        }
        #expect(output.text.isEmpty, "a read that fails at once prints nothing")
    }

    /// The whole file in JSON, streamed: many pieces, none holding more than a small part of the
    /// output, and the same text as the entries read in one go.
    @Test func jsonDumpIsStreamedAndUnchanged() throws {
        let file = Self.fixture("uproot-HZZ-zlib.root")
        let output = try Self.dump([file, "events"])
        let tree = try ROOTFile(path: file).tree("events")
        let readable = tree.allBranches.filter { $0.typeName != nil }
        #expect(output.pieces.count >= 2 * readable.count)
        let largest = output.pieces.map(\.utf8.count).max() ?? 0
        #expect(largest * 10 < output.text.utf8.count, "largest piece \(largest) of \(output.text.utf8.count) bytes")
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(output.text.utf8)) as? [String: [Any]])
        #expect(parsed.count == readable.count)
        #expect(parsed.values.allSatisfy { $0.count == 2421 })
        let px = try #require(parsed["Muon_Px"] as? [[Double]])
        #expect(px.joined().count == 3825)
        // Floats spelled shortest: 1.1418697834014893 as a Float is 1.1418698
        #expect(Array(px.suffix(2)) == [[1.1418698], [23.913206]])
    }

    @Test func csvDumpMatchesTheValues() throws {
        let file = Self.fixture("uproot-HZZ-zlib.root")
        let output = try Self.dump([file, "events", "--branches", "NJet,Muon_Px,MET_px", "--entries", "2419:", "--format", "csv"])
        #expect(output.text == "NJet,Muon_Px,MET_px\n2,[1.1418698],79.87519\n0,[23.913206],19.713749\n")
    }

    /// A histogram whose axis disagrees with its contents: `ls` still lists every object, marks
    /// this one unreadable and reports it.
    @Test func lsSurvivesAnUnreadableHistogram() throws {
        let path = try Self.patchedCopy("uproot-histograms.root") { bytes in
            // the x axis of "one" (stored uncompressed): fNbins follows the title and TAttAxis
            var at = try Self.offset(after: Self.shortString("xaxis"), in: bytes)
            at += 1 + Int(bytes[at])
            let attAxis = bytes[at ..< at + 4].reduce(0) { $0 << 8 | Int($1) } & 0x3FFF_FFFF
            at += 4 + attAxis
            bytes[at] = 0x0F // 2^28-ish bins against 102 cells
        }
        var output = CapturedText()
        let unreadable = try LsCommand.parse([path]).list(to: &output)
        #expect(unreadable.count == 1)
        #expect(unreadable.first?.object == "one;1")
        let lines = output.text.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("TH1F") }.count == 3)
        #expect(lines.filter { $0.contains("UNREADABLE") }.count == 1)
        var json = CapturedText()
        _ = try LsCommand.parse([path, "--json"]).list(to: &json)
        #expect(json.text.contains("\"unreadable\":"))
    }

    @Test func fifoAndDirectoryInputsFailWithoutBlocking() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hepkit-fifo-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("events.root").path
        try #require(mkfifo(fifo, 0o600) == 0)
        for path in [fifo, dir.path] {
            var output = CapturedText()
            #expect { _ = try LsCommand.parse([path]).list(to: &output) } throws: { error in
                guard let error = error as? ROOTError, case .cannotOpen(let why) = error.reason else { return false }
                return error.file == path && why.contains("not a regular file")
            }
            #expect { try Self.dump([path, "events"]) } throws: { ($0 as? ROOTError)?.file == path }
        }
    }
}
