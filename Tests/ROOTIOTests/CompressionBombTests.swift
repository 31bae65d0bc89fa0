import Testing
@testable import ROOTIO

/// A compression block's header claims its expanded size; the reader allocates that much before
/// the codec runs, so the claim is checked against what the codec can expand the stored bytes to.
@Suite struct CompressionBombTests {
    /// One block: tag, method, 3-byte little-endian stored and expanded sizes, then `stored` bytes.
    func block(_ tag: String, stored: Int, expanded: Int) -> [UInt8] {
        Array(tag.utf8) + [8]
            + [0, 8, 16].map { UInt8(truncatingIfNeeded: stored >> $0) }
            + [0, 8, 16].map { UInt8(truncatingIfNeeded: expanded >> $0) }
            + [UInt8](repeating: 0, count: stored)
    }

    @Test(arguments: [("ZL", 1040), ("L4", 260), ("ZS", 1 << 16), ("XZ", 1 << 18)])
    func claimsBeyondTheCodecsRatioAreRefused(tag: String, ratio: Int) throws {
        let registry = CodecRegistry.standard
        let stored = 12, fair = stored * ratio + 64, bomb = fair + 1
        let honest = block(tag, stored: stored, expanded: fair)
        try honest.withUnsafeBytes { try registry.checkExpandedSize($0, objectLength: fair) }
        let lying = block(tag, stored: stored, expanded: bomb)
        #expect(throws: DecodeError.self) {
            try lying.withUnsafeBytes { try registry.checkExpandedSize($0, objectLength: bomb) }
        }
    }

    @Test func sixteenMegabytesFromTwelveBytesIsRefusedForEveryCodec() {
        for tag in ["ZL", "CS", "L4", "ZS", "XZ"] {
            let lying = block(tag, stored: 12, expanded: (1 << 24) - 1)
            do {
                try lying.withUnsafeBytes { try CodecRegistry.standard.checkExpandedSize($0, objectLength: (1 << 24) - 1) }
                Issue.record("\(tag): a 16 MB claim from 12 bytes was accepted")
            } catch {
                #expect("\(error)".contains("claims 16777215 bytes from 12 stored"), "\(tag): \(error)")
            }
        }
    }
}
