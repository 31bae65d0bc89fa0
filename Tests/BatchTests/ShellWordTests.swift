import Foundation
import Testing
@testable import Batch

/// Runs `script` with bash; returns exit status, standard output and standard error.
func bash(_ script: String, environment: [String: String] = [:]) throws -> (status: Int32, output: String, error: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = ["-c", script]
    process.environment = ["PATH": "/usr/bin:/bin"].merging(environment) { $1 }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // The scripts under test write little: reading one pipe after the other cannot block.
    let data = out.fileHandleForReading.readDataToEndOfFile()
    let error = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self), String(decoding: error, as: UTF8.self))
}

/// Words that would change a script if written unquoted.
let hostileWords = [
    "file with space.root", "it's", #"say "hi""#, "$(touch pwned)", "`touch pwned`", "${HOME}", "$HOME",
    "line one\nline two", "*", "~", "a;b", "a|b&c", "\\", "#comment", "-", "", "'", "''", "é ü 😀", "\t",
]

@Suite struct ShellWordTests {
    @Test func plainWordsStayBare() {
        #expect(ShellWord.quote("build") == "build")
        #expect(ShellWord.quote("/data/x-1.2,3+4@5%6") == "/data/x-1.2,3+4@5%6")
        #expect(ShellWord.quote("") == "''")
        #expect(ShellWord.quote("a b") == "'a b'")
        #expect(ShellWord.quote("it's") == #"'it'\''s'"#)
    }

    /// bash reads every quoted word back unchanged, and nothing in one runs.
    @Test func bashReadsBackEveryWordExactly() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shellword-\(UUID())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let words = hostileWords.map(ShellWord.init)
        let result = try bash("cd \(ShellWord(folder).quoted) && printf '%s\\0' \(words.commandLine)")
        #expect(result.status == 0)
        #expect(result.output.split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init) == hostileWords)
        #expect(!FileManager.default.fileExists(atPath: folder + "/pwned"))
    }

    @Test func variablesAreSplicedIntoLiteralText() throws {
        let word = ShellWord(pieces: [.text("/jobs/it's here/part."), .variable("shard"), .text(".json")])
        #expect(word.quoted == #"'/jobs/it'\''s here/part.'"${shard}".json"#)
        let result = try bash("shard='3 4'; printf '%s\\0' \(word.quoted)")
        #expect(result.output == "/jobs/it's here/part.3 4.json\0")
    }
}
