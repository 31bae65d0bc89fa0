import Foundation
#if canImport(Glibc)
import Glibc
#endif
@testable import ROOTIO

/// A helper program of tools/ (the range server, the cutting proxy) run for one test: started
/// with `python3`, its port read from the first line it prints, stopped by PID when released.
final class ServedProcess {
    let process = Process()
    let port: Int

    init(script: String, _ arguments: [String]) throws {
        let python = Fixtures.package.appendingPathComponent(".venv/bin/python")
        process.executableURL = FileManager.default.isExecutableFile(atPath: python.path)
            ? python : URL(fileURLWithPath: "/usr/bin/env")
        let interpreter = process.executableURL == python ? [] : ["python3"]
        process.arguments = interpreter + [Fixtures.package.appendingPathComponent("tools/\(script)").path] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while let byte = try output.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data("\n".utf8) {
            line.append(byte)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            kill(process.processIdentifier, SIGKILL)
            throw ROOTError(file: script, reason: .cannotOpen("the helper printed no port"))
        }
        self.port = port
    }

    /// Sends `signal` (the cutting proxy arms on SIGUSR1 and disarms on SIGUSR2).
    func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// A port nothing listens on now, chosen by the kernel (a fixed or pid-derived one can be taken).
func freeLoopbackPort() throws -> Int32 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard bound else { throw ROOTError(file: "127.0.0.1", reason: .cannotOpen("no free port on 127.0.0.1")) }
    return Int32(UInt16(bigEndian: address.sin_port))
}

/// Every readable branch of every tree of a file, as text (exact: floats print round-trip).
func everyColumn(of file: ROOTFile) throws -> [String: String] {
    var columns: [String: String] = [:]
    for (path, key) in try file.allObjects() where key.className == "TTree" {
        let tree = try file.tree(path)
        for branch in tree.allBranches where branch.typeName != nil {
            columns["\(path)/\(branch.name)"] = String(describing: try branch.column())
        }
    }
    return columns
}
