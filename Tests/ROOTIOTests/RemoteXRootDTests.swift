import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import ROOTIO

/// A local `xrootd` (Debian's xrootd-server) on the loopback address serving copies of fixtures,
/// stopped by PID when released.
final class XRootDServer {
    let process = Process()
    let folder: URL
    let port: Int32

    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/xrootd") }

    /// `names`: fixtures found by `Fixtures.path`, or paths (served under their file name).
    init(serving names: [String]) throws {
        let files = FileManager.default
        folder = files.temporaryDirectory.appendingPathComponent("hepkit-xrootd-\(getpid())-\(UInt32.random(in: 0 ... .max))")
        let data = folder.appendingPathComponent("data"), run = folder.appendingPathComponent("run")
        try files.createDirectory(at: data, withIntermediateDirectories: true)
        try files.createDirectory(at: run, withIntermediateDirectories: true)
        // xrootd refuses to run as root and switches to nobody: readable data, writable run folder
        try files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
        try files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: data.path)
        try files.setAttributes([.posixPermissions: 0o777], ofItemAtPath: run.path)
        for name in names {
            let source = name.contains("/") ? name : Fixtures.path(name)
            let copy = data.appendingPathComponent(URL(fileURLWithPath: name).lastPathComponent)
            try files.copyItem(atPath: source, toPath: copy.path)
            try files.setAttributes([.posixPermissions: 0o644], ofItemAtPath: copy.path)
        }
        port = try freeLoopbackPort()
        let config = folder.appendingPathComponent("xrd.cfg")
        // The pid file goes into this server's own folder: by default every instance of a name shares
        // /tmp/NAME/xrootd.pid, and xrootd exits at once when the pid written there by an earlier,
        // killed server has since been reused by a live process.
        try "all.export /\noss.localroot \(data.path)\nxrd.port \(port)\nall.pidpath \(run.path)\n".write(to: config, atomically: true, encoding: .utf8)
        try files.setAttributes([.posixPermissions: 0o644], ofItemAtPath: config.path)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/xrootd")
        process.arguments = ["-R", "nobody", "-c", config.path, "-n", "test", "-l", run.appendingPathComponent("log").path, "-a", run.path]
        process.currentDirectoryURL = run
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Under a fully loaded test run xrootd can take many seconds to load its plugins.
        for _ in 0 ..< 600 where process.isRunning && !Self.listens(port) { usleep(100_000) }
        guard Self.listens(port) else {
            // xrootd writes its log below a folder named after the instance
            let log = (try? String(contentsOf: run.appendingPathComponent("test/log"), encoding: .utf8)) ?? ""
            if process.isRunning { process.terminate() }
            throw ROOTError(file: "xrootd", reason: .cannotOpen(
                "did not start on port \(port) (\(process.isRunning ? "still starting" : "exited")): \(log.suffix(600))"))
        }
    }

    func url(_ name: String) -> String { "root://127.0.0.1:\(port)//\(name)" }

    private static func listens(_ port: Int32) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: folder)
    }
}

/// ROOT files read over XRootD (libXrdCl through libHEPKitXRootD.so), compared with local reads.
/// Needs Debian's xrootd-server and libxrootd-client-dev (installed by tools/install-deps.sh for CI).
@Suite(.serialized, .enabled(if: XRootDServer.isInstalled, "xrootd (Debian: xrootd-server) is not installed"))
struct RemoteXRootDTests {
    static let files = ["uproot-HZZ-zlib.root", "uproot-sample-6.20.04-lzma.root", "uproot-vectorVectorDouble.root",
                        "uproot-HZZ-uncompressed.root"]

    @Test func everyBranchReadsAsLocally() throws {
        let server = try XRootDServer(serving: Self.files)
        for name in Self.files {
            let columns = try everyColumn(of: ROOTFile(path: server.url(name)))
            #expect(!columns.isEmpty)
            #expect(columns == (try everyColumn(of: ROOTFile(path: Fixtures.path(name)))), "\(name)")
        }
    }

    @Test func oneVectoredFetchPerBranch() throws {
        let server = try XRootDServer(serving: Self.files)
        let file = try ROOTFile(path: server.url("uproot-HZZ-uncompressed.root"))
        let branch = try file.tree("events").branch("Muon_Px")
        let before = try #require(file.storage.remoteStatistics)
        _ = try branch.readJagged(as: Float.self)
        let after = try #require(file.storage.remoteStatistics)
        #expect(after.fetches == before.fetches + 1)
        #expect(after.bytes < 681_925 / 4)
    }

    @Test func missingFileNamesTheURL() throws {
        let server = try XRootDServer(serving: [])
        let url = server.url("absent.root")
        #expect {
            try ROOTFile(path: url)
        } throws: { error in
            guard let error = error as? ROOTError, case .cannotOpen(let why) = error.reason else { return false }
            return error.file == url && why.contains("open failed")
        }
    }
}

extension RemoteXRootDTests {
    /// Reading an RNTuple field over XRootD fetches all its pages (3 clusters; every column,
    /// sub-field and parent collection offsets) in one vectored read, and reads as locally.
    @Test func oneVectoredFetchPerRNTupleField() throws {
        let path = Fixtures.package.appendingPathComponent("fixtures/rntuple/uproot-rntuple-clusters.root").path
        let server = try XRootDServer(serving: [path])
        let file = try ROOTFile(path: server.url("uproot-rntuple-clusters.root"))
        let ntuple = try file.rntuple("events")
        let local = try ROOTFile(path: path).rntuple("events")
        for name in ["vvi", "vrec.c", "arr"] {
            let field = try ntuple.field(name)
            #expect(ntuple.pageRanges(of: field, clusters: 0 ..< ntuple.clusters.count).count >= 3)
            let before = try #require(file.storage.remoteStatistics)
            let values = try ntuple.read(field)
            let after = try #require(file.storage.remoteStatistics)
            #expect(after.fetches == before.fetches + 1, "\(name): \(after.fetches - before.fetches) fetches")
            #expect(String(describing: values) == String(describing: try local.read(name)), "\(name)")
        }
    }
}
