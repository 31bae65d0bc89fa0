import Foundation
import Testing
@testable import ROOTIO

/// Truncated and bit-flipped copies of every fixture either read or throw a ``ROOTError``:
/// never a crash, hang or out-of-bounds read.
@Suite struct MutationTests {
    /// SplitMix64: a fixed-seed generator so failures reproduce.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Reads everything HEPKit can read in `path`; returns how many objects failed with a ROOTError.
    static func readEverything(_ path: String) -> Int {
        var failures = 0
        do {
            let file = try ROOTFile(path: path)
            for (full, key) in try file.allObjects() {
                do {
                    if key.className == "TTree" {
                        for branch in try file.tree("\(full);\(key.cycle)").allBranches where branch.typeName != nil {
                            do { _ = try branch.column() } catch { failures += 1 }
                        }
                    } else if key.className == "ROOT::RNTuple" {
                        let ntuple = try file.rntuple("\(full);\(key.cycle)")
                        for field in ntuple.fields {
                            do { _ = try ntuple.read(field) } catch { failures += 1 }
                        }
                    } else if key.className.hasPrefix("TH") {
                        _ = try file.histogram("\(full);\(key.cycle)")
                    }
                } catch {
                    failures += 1 // typed throws: always a ROOTError
                }
            }
        } catch {
            failures += 1
        }
        return failures
    }

    @Test func mutatedFixturesReadOrThrow() throws {
        // (the ROOT 4 file's histograms, TH1 v3, are not read: it would not read cleanly)
        let files = try Fixtures.classicFiles() + Fixtures.objectFiles().filter { !$0.hasSuffix("uproot-from-geant4.root") }
        try mutate(files, variantsPerFile: 110, seed: 20_261_129, minimumVariants: 2000)
    }

    /// The RNTuple files (ROOT- and uproot-written, fixtures/rntuple), mutated the same way.
    @Test func mutatedRNTuplesReadOrThrow() throws {
        let folder = Fixtures.package.appendingPathComponent("fixtures/rntuple")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".root") }.sorted()
        try mutate(files.map { folder.appendingPathComponent($0).path }, variantsPerFile: 16, seed: 20_261_207, minimumVariants: 400)
    }

    func mutate(_ files: [String], variantsPerFile: Int, seed: UInt64, minimumVariants: Int) throws {
        var rng = SplitMix64(state: seed)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("rootio-mutants-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var variants = 0, failed = 0
        for path in files {
            let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
            #expect(Self.readEverything(path) == 0, "\(path) must read cleanly before mutation")
            for v in 0 ..< variantsPerFile {
                var bytes = original
                if v % 4 == 0 {
                    bytes.removeLast(Int.random(in: 1 ..< bytes.count, using: &rng))
                } else {
                    // flips concentrated in the metadata (first/last 2 kB) half of the time
                    for _ in 0 ..< Int.random(in: 1 ... 4, using: &rng) {
                        let region = Int.random(in: 0 ..< 3, using: &rng)
                        let i: Int
                        switch region {
                        case 0: i = Int.random(in: 0 ..< min(2048, bytes.count), using: &rng)
                        case 1: i = Int.random(in: max(0, bytes.count - 2048) ..< bytes.count, using: &rng)
                        default: i = Int.random(in: 0 ..< bytes.count, using: &rng)
                        }
                        bytes[i] ^= UInt8.random(in: 1 ... 255, using: &rng)
                    }
                }
                let url = directory.appendingPathComponent("m\(variants).root")
                try Data(bytes).write(to: url)
                if Self.readEverything(url.path) > 0 { failed += 1 }
                try FileManager.default.removeItem(at: url)
                variants += 1
            }
        }
        #expect(variants >= minimumVariants)
        // most mutations must be detected (truncations always are), none may crash
        #expect(failed > variants / 4, "\(failed) of \(variants) mutants detected")
    }
}
