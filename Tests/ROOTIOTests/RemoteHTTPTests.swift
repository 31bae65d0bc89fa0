import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import ROOTIO

/// ROOT files read over HTTP with range requests (tools/range_server.py on the loopback address),
/// compared with the same files read locally.
@Suite(.serialized) struct RemoteHTTPTests {
    static let files = ["uproot-HZZ-zlib.root", "uproot-HZZ-lz4.root", "uproot-sample-6.20.04-lzma.root",
                        "uproot-Zmumu-zlib.root", "uproot-leaflist.root", "uproot-vectorVectorDouble.root"]

    @Test func everyBranchReadsAsLocally() throws {
        let server = try ServedProcess(script: "range_server.py", [Fixtures.root.path])
        for name in Self.files {
            let remote = try ROOTFile(path: "http://127.0.0.1:\(server.port)/\(name)")
            let local = try ROOTFile(path: Fixtures.path(name))
            #expect(remote.rootVersion == local.rootVersion)
            let columns = try everyColumn(of: remote)
            #expect(!columns.isEmpty)
            #expect(columns == (try everyColumn(of: local)), "\(name)")
        }
    }

    @Test func histogramsReadAsLocally() throws {
        let server = try ServedProcess(script: "range_server.py", [Fixtures.root.path])
        let remote = try ROOTFile(path: "http://127.0.0.1:\(server.port)/uproot-histograms.root")
        let local = try ROOTFile(path: Fixtures.path("uproot-histograms.root"))
        let names = try local.allObjects().filter { $0.key.className.hasPrefix("TH") }.map(\.path)
        #expect(names.count >= 3)
        for name in names {
            #expect(String(describing: try remote.histogram(name)) == String(describing: try local.histogram(name)))
        }
    }

    /// Opening fetches the header, directory, keys and streamers; a branch then costs one vectored
    /// fetch of its baskets, a small part of the file.
    @Test func readsOnlyTheBasketsOfTheBranchesRead() throws {
        let server = try ServedProcess(script: "range_server.py", [Fixtures.root.path])
        let name = "uproot-HZZ-uncompressed.root"
        let file = try ROOTFile(path: "http://127.0.0.1:\(server.port)/\(name)")
        let tree = try file.tree("events")
        let size = try #require(FileManager.default.attributesOfItem(atPath: Fixtures.path(name))[.size] as? Int)
        let opened = try #require(file.storage.remoteStatistics)
        let branch = try tree.branch("Muon_Px")
        let baskets = try branch.model.basketLocations().reduce(0) { total, location in
            guard case let .stored(_, bytes) = location.source else { return total }
            return total + bytes
        }
        let px = try branch.readJagged(as: Float.self)
        let read = try #require(file.storage.remoteStatistics)
        #expect(px.count == 2421)
        #expect(read.fetches == opened.fetches + 1)
        // the baskets are fetched (bar a page at either end that the metadata reads had fetched)
        #expect(read.bytes - opened.bytes >= Int64(baskets - 2 * Int(sysconf(Int32(_SC_PAGESIZE)))))
        #expect(read.bytes < Int64(size) / 4, "fetched \(read.bytes) of \(size) bytes")
        // read again: nothing more is fetched
        _ = try branch.readJagged(as: Float.self)
        #expect(file.storage.remoteStatistics! == read)
    }

    /// A connection dropped mid-answer is read again; the values are those of the local file.
    @Test func droppedConnectionIsRetried() throws {
        let server = try ServedProcess(script: "range_server.py", [Fixtures.root.path])
        let proxy = try ServedProcess(script: "cutting_proxy.py", ["\(server.port)", "--cut-after", "3000", "--cuts", "2"])
        let name = "uproot-HZZ-uncompressed.root"
        let remote = try ROOTFile(path: "http://127.0.0.1:\(proxy.port)/\(name)")
        proxy.send(SIGUSR1)
        let columns = try everyColumn(of: remote)
        #expect(columns == (try everyColumn(of: ROOTFile(path: Fixtures.path(name)))))
    }

    /// A server that drops every connection: a clear error naming the URL after a bounded number of
    /// attempts, nothing half-read kept (the same file reads correctly once the server behaves).
    @Test func connectionDroppedEveryTimeFailsClearly() throws {
        let server = try ServedProcess(script: "range_server.py", [Fixtures.root.path])
        let proxy = try ServedProcess(script: "cutting_proxy.py", ["\(server.port)", "--cut-after", "3000", "--cuts", "-1"])
        let name = "uproot-HZZ-uncompressed.root"
        let url = "http://127.0.0.1:\(proxy.port)/\(name)"
        let remote = try ROOTFile(path: url)
        let branch = try remote.tree("events").branch("Jet_Px")
        proxy.send(SIGUSR1)
        do {
            _ = try branch.column()
            Issue.record("a read through a proxy that drops every connection succeeded")
        } catch {
            guard case .readFailed(let why) = error.reason else { Issue.record("unexpected error \(error)"); return }
            #expect(error.file == url)
            #expect(why.contains(url) && why.contains("failed \(RemoteFile.retries + 1) times"), "\(why)")
        }
        proxy.send(SIGUSR2)
        let local = try ROOTFile(path: Fixtures.path(name)).tree("events").branch("Jet_Px").column()
        #expect(String(describing: try branch.column()) == String(describing: local))
    }

    @Test func missingFilesAndServersWithoutRangesAreClearErrors() throws {
        let server = try ServedProcess(script: "range_server.py", [Fixtures.root.path])
        let missing = "http://127.0.0.1:\(server.port)/absent.root"
        #expect {
            try ROOTFile(path: missing)
        } throws: { error in
            guard let error = error as? ROOTError, case .cannotOpen(let why) = error.reason else { return false }
            return error.file == missing && why.contains("404")
        }
        // Python's own http.server ignores Range and answers with the whole file
        let plain = Process()
        plain.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let port = try freeLoopbackPort()
        plain.arguments = ["python3", "-m", "http.server", "--bind", "127.0.0.1", "--directory", Fixtures.root.path, "\(port)"]
        plain.standardOutput = FileHandle.nullDevice
        plain.standardError = FileHandle.nullDevice
        try plain.run()
        defer { kill(plain.processIdentifier, SIGKILL); plain.waitUntilExit() }
        let url = "http://127.0.0.1:\(port)/uproot-HZZ-zlib.root"
        var outcome: ROOTError?
        for _ in 0 ..< 50 {
            do { _ = try ROOTFile(path: url) } catch { outcome = error }
            if case .cannotOpen(let why)? = outcome?.reason, why.contains("Couldn't connect") || why.contains("onnect") {
                usleep(100_000)
                continue
            }
            break
        }
        guard case .cannotOpen(let why)? = outcome?.reason else { Issue.record("no error: \(String(describing: outcome))"); return }
        #expect(why.contains("does not answer range requests"), "\(why)")
    }
}

extension RemoteHTTPTests {
    /// An RNTuple field over HTTP: all its pages (3 clusters × offsets, inner offsets and values of
    /// `vector<vector<int32>>`; a sub-field with its parent collection's offsets) arrive in one
    /// vectored fetch per read, not page by page, and read as locally.
    @Test func oneVectoredFetchPerRNTupleField() throws {
        let folder = Fixtures.package.appendingPathComponent("fixtures/rntuple")
        let server = try ServedProcess(script: "range_server.py", [folder.path])
        let name = "uproot-rntuple-clusters.root"
        let file = try ROOTFile(path: "http://127.0.0.1:\(server.port)/\(name)")
        let ntuple = try file.rntuple("events")
        let local = try ROOTFile(path: folder.appendingPathComponent(name).path).rntuple("events")
        #expect(ntuple.clusters.count == 3)
        for path in ["vvi", "vrec.a"] {
            let field = try ntuple.field(path)
            #expect(ntuple.pageRanges(of: field, clusters: 0 ..< 3).count >= 6, "\(path)")
            let before = try #require(file.storage.remoteStatistics)
            let values = try ntuple.read(field)
            let after = try #require(file.storage.remoteStatistics)
            #expect(after.fetches == before.fetches + 1, "\(path): \(after.fetches - before.fetches) fetches")
            #expect(String(describing: values) == String(describing: try local.read(path)), "\(path)")
            // read again: every page is there already
            _ = try ntuple.read(field)
            #expect(file.storage.remoteStatistics! == after)
        }
        // uproot (the truth file): vvi holds 1210 numbers summing to -521
        guard case .list(_, .list(_, .values(.int32(let numbers)))) = try ntuple.read("vvi") else {
            Issue.record("vvi is not a list of lists of int32"); return
        }
        #expect(numbers.count == 1210 && numbers.reduce(0, +) == -521)
    }
}
