import Foundation
import HEPKitSupport
import Testing
@testable import HEPKitSupport

@Suite struct ParallelTests {
    @Test func forEachVisitsEveryIndexOnce() {
        let slots = ResultSlots<Int>(count: 1000)
        parallelForEach(1000) { i in slots[i] = i * i }
        #expect(slots.take().map { $0! } == (0..<1000).map { $0 * $0 })
    }

    @Test func mapKeepsOrderAndFailures() {
        struct Odd: Error {}
        let results = parallelMap(10) { i throws -> Int in
            if i % 2 == 1 { throw Odd() }
            return i
        }
        #expect(results.count == 10)
        for (i, r) in results.enumerated() {
            switch r {
            case .success(let v): #expect(i % 2 == 0 && v == i)
            case .failure: #expect(i % 2 == 1)
            }
        }
    }

    @Test func chunkingDependsOnCountOnly() {
        let ranges = mapChunks(count: 1_000_000, minimumChunk: 100_000, maximumChunks: 4) { $0 }
        #expect(ranges == [0..<250_000, 250_000..<500_000, 500_000..<750_000, 750_000..<1_000_000])
        #expect(mapChunks(count: 10, minimumChunk: 100) { $0 } == [0..<10])
    }

    @Test func peakThreadsRecordsTheWidestLoop() {
        // Other suites run concurrently in this process, so only the upper end is checked here;
        // the one-thread case is checked on whole `hepkit` processes.
        parallelForEach(64) { _ in }
        #expect(ThreadBudget.peakThreads == min(64, ThreadBudget.threadCount))
    }

    @Test func nestedLoopsRunOnTheirWorker() {
        let nestedActive = ResultSlots<Bool>(count: 4)
        parallelForEach(4) { i in
            parallelForEach(3) { _ in nestedActive[i] = ParallelRegion.isActive || ThreadBudget.threadCount == 1 }
        }
        #expect(nestedActive.take().allSatisfy { $0 == true })
    }
}

@Suite struct OutputTests {
    private func scratch() -> String {
        let dir = NSTemporaryDirectory() + "hepkit-support-\(UInt32.random(in: 0 ... .max))"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func atomicFileLeavesNoTemporary() throws {
        let dir = scratch()
        try AtomicFile.write(Data("one".utf8), to: dir + "/out.json")
        try AtomicFile.write(Data("two".utf8), to: dir + "/out.json")
        #expect(try String(contentsOfFile: dir + "/out.json", encoding: .utf8) == "two")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.json"])
        #expect(throws: OutputError.self) { try AtomicFile.write(Data(), to: dir + "/missing/out.json") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["out.json"])
    }

    @Test func folderIsReplacedWhole() throws {
        let dir = scratch(), out = dir + "/result"
        let first = try OutputFolder(out)
        try first.write(Data("a".utf8), as: "a.json")
        try first.write(Data("b".utf8), as: "b.json")
        try first.commit()
        let second = try OutputFolder(out)
        try second.write(Data("c".utf8), as: "c.json")
        try second.commit()
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == [OutputFolder.markerName, "c.json"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["result"])
    }

    @Test func discardedFolderLeavesNothing() throws {
        let dir = scratch()
        do {
            let folder = try OutputFolder(dir + "/result")
            try folder.write(Data("a".utf8), as: "a.json")
            folder.discard()
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test func foreignFolderIsRefused() throws {
        let dir = scratch()
        try Data("mine".utf8).write(to: URL(fileURLWithPath: dir + "/thesis.tex"))
        #expect(throws: OutputError.self) { try OutputFolder(dir) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["thesis.tex"])
    }

    @Test func unsafeNamesAreRejected() throws {
        for bad in ["", ".", "..", "../x", "/etc/passwd", "a/b", "tab\there", String(repeating: "x", count: 201)] {
            #expect(throws: SafeName.Unsafe.self) { try SafeName.check(bad) }
        }
        #expect(try SafeName.check("SR_2j signal (up)") == "SR_2j signal (up)")
        #expect(SafeName.quoted("a\nb") == "'a\\u{a}b'")
    }
}

@Suite struct DigestTests {
    @Test func knownVectors() {
        #expect(HashAlgorithm.sha256.hexDigest(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(HashAlgorithm.md5.hexDigest(Array("abc".utf8)) == "900150983cd24fb0d6963f7d28e17f72")
    }
}
