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
