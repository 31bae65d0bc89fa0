import Foundation
import Testing
@testable import HistFactory

@Suite struct RepeatedKeyTests {
    /// Python's `json.loads` silently keeps the last of repeated keys, which would change the
    /// numbers without a word (issue 9): HEPKit refuses the document and names the key's place.
    @Test func repeatedKeyIsRejectedWithItsPlace() throws {
        let text = """
            {"channels": [{"name": "ch", "samples": [{"name": "s", "data": [1.0], "data": [2.5],
              "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]}]}],
             "observations": [{"name": "ch", "data": [3.0]}],
             "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}], "version": "1.0.0"}
            """
        let error = try #require(throws: WorkspaceError.self) { try WorkspaceDocument(parsing: Array(text.utf8)) }
        #expect("\(error)".contains("(channels[0].samples[0].data): duplicate key \"data\""))
    }
}

@Suite struct CorruptedInputTests {
    /// Truncated and byte-corrupted workspaces must produce typed errors (or, by chance, a valid
    /// workspace), never a crash; whatever loads must also summarise and digest.
    @Test func corruptedBytesNeverCrash() throws {
        let original = Array(try Fixtures.data("workspace/inputs/example3.json"))
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {  // xorshift64*, fixed seed: the same corpus on every run
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return state &* 0x2545_F491_4F6C_DD1D
        }
        let replacements = Array("{}[],:\"\\-0123456789.eE+ntrufalsx \u{00}\n".utf8)
        var variants: [[UInt8]] = stride(from: 0, to: original.count, by: 23).map { Array(original[..<$0]) }
        for _ in 0..<400 {
            var bytes = original
            for _ in 0..<(1 + Int(next() % 3)) {
                bytes[Int(next() % UInt64(bytes.count))] = replacements[Int(next() % UInt64(replacements.count))]
            }
            variants.append(bytes)
        }
        var loaded = 0, rejected = 0
        for bytes in variants {
            do {
                let document = try WorkspaceDocument.validated(parsing: bytes)
                _ = document.digest()
                _ = try? WorkspaceInspection(document)
                loaded += 1
            } catch {
                #expect(!"\(error)".isEmpty)
                rejected += 1
            }
        }
        #expect(loaded + rejected == variants.count)
        #expect(rejected > variants.count / 2)
    }
}
