import Foundation
import Testing
@testable import ROOTIO

/// Bad input gives typed errors naming the file and object.
@Suite struct ErrorTests {
    /// Writes `bytes` to a fresh temporary file and returns its path.
    static func temporaryFile(_ bytes: [UInt8], name: String = "bad.root") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rootio-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    static func fixtureBytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.path(name))))
    }

    @Test func wrongMagic() throws {
        var bytes = try Self.fixtureBytes("uproot-simple.root")
        bytes[0] = UInt8(ascii: "x")
        let path = try Self.temporaryFile(bytes)
        #expect(throws: ROOTError(file: path, object: "file header", reason: .notROOTFile)) { try ROOTFile(path: path) }
    }

    @Test func missingFileAndEmptyFile() throws {
        #expect { try ROOTFile(path: "/nonexistent/x.root") } throws: { error in
            guard let error = error as? ROOTError, case .cannotOpen = error.reason else { return false }
            return error.file == "/nonexistent/x.root"
        }
        let empty = try Self.temporaryFile([])
        #expect { try ROOTFile(path: empty) } throws: { error in
            guard let error = error as? ROOTError, case .truncated = error.reason else { return false }
            return true
        }
    }

    @Test func truncatedFileNamesTheObject() throws {
        let bytes = try Self.fixtureBytes("uproot-HZZ-zlib.root")
        // cut inside the baskets: the top directory's keys list at the end is gone
        let path = try Self.temporaryFile(Array(bytes.prefix(bytes.count / 2)))
        #expect { try ROOTFile(path: path).tree("events") } throws: { error in
            guard let error = error as? ROOTError else { return false }
            return error.file == path && error.object != nil && "\(error)".contains(path)
        }
    }

    @Test func corruptCompressedBasketNamesBranchAndBasket() throws {
        var bytes = try Self.fixtureBytes("uproot-HZZ-lz4.root")
        let file = try ROOTFile(path: Fixtures.path("uproot-HZZ-lz4.root"))
        let branch = try file.tree("events").branch("Jet_Px")
        let location = try #require(try branch.model.basketLocations().first)
        guard case let .stored(seek, size) = location.source else { Issue.record("expected a stored basket"); return }
        // flip a byte near the end of the basket's compressed payload (inside the LZ4 data)
        bytes[Int(seek) + size - 5] ^= 0xFF
        let path = try Self.temporaryFile(bytes)
        let bad = try ROOTFile(path: path).tree("events").branch("Jet_Px")
        #expect { try bad.column() } throws: { error in
            guard let error = error as? ROOTError, case .corruptCompression(let why) = error.reason else { return false }
            return error.object == "events/Jet_Px" && why.contains("basket 0") && why.contains("checksum")
        }
    }

    @Test func unknownNamesAreNotFound() throws {
        let file = try ROOTFile(path: Fixtures.path("uproot-HZZ-zlib.root"))
        #expect { try file.tree("nope") } throws: { error in
            guard let error = error as? ROOTError, case .notFound = error.reason else { return false }
            return true
        }
        #expect { try file.tree("events").branch("nope") } throws: { error in
            guard let error = error as? ROOTError, case .notFound = error.reason else { return false }
            return error.object == "events"
        }
        #expect { try file.histogram("events") } throws: { error in
            guard let error = error as? ROOTError, case .typeMismatch = error.reason else { return false }
            return true
        }
    }

    @Test func lyingObjectLengthIsRejectedBeforeAllocation() throws {
        var bytes = try Self.fixtureBytes("uproot-HZZ-zlib.root")
        let file = try ROOTFile(path: Fixtures.path("uproot-HZZ-zlib.root"))
        let key = try file.key("events")
        // the key header appears twice (record and keys list); make both claim fObjlen = 2 GB
        var header = [UInt8]()
        withUnsafeBytes(of: key.totalBytes.bigEndian) { header += $0 }
        withUnsafeBytes(of: key.version.bigEndian) { header += $0 }
        withUnsafeBytes(of: key.objectLength.bigEndian) { header += $0 }
        var replaced = 0
        for start in 0 ..< bytes.count - header.count where Array(bytes[start ..< start + header.count]) == header {
            for (i, b) in [UInt8(0x7F), 0xFF, 0xFF, 0xF0].enumerated() { bytes[start + 6 + i] = b }
            replaced += 1
        }
        #expect(replaced == 2)
        let path = try Self.temporaryFile(bytes)
        #expect { try ROOTFile(path: path).tree("events") } throws: { error in
            guard let error = error as? ROOTError, case .corruptCompression = error.reason else { return false }
            return error.object == "events"
        }
    }
}
