import ArgumentParser
import ROOTIO

/// `--compression zstd:5`: an algorithm and an optional level.
struct CompressionArgument: ExpressibleByArgument {
    let setting: ROOTCompression

    init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        guard (1 ... 2).contains(parts.count) else { return nil }
        let level = parts.count == 2 ? Int(parts[1]) : nil
        if parts.count == 2 { guard let level, (1 ... 9).contains(level) else { return nil } }
        switch parts[0] {
        case "none": setting = .none
        case "zlib": setting = .zlib(level: level ?? 1)
        case "lz4": setting = .lz4(level: level ?? 4)
        case "zstd": setting = .zstd(level: level ?? 5)
        default: return nil
        }
    }

    static var defaultValueDescription: String { "zlib:1" }
    static var allValueStrings: [String] { ["none", "zlib[:1-9]", "lz4[:1-9]", "zstd[:1-9]"] }
}

struct CopyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy the trees and histograms of a ROOT file into a new ROOT file written by HEPKit.",
        discussion: """
            Numeric branches (numbers, fixed arrays, variable-length arrays with their counters) and \
            TH1D/F/I, TH2D/F histograms are copied, in the same folders; other objects and branches are \
            listed on standard error and skipped. The output is written whole or not at all.
            """)

    @Argument(help: "The ROOT file to read.")
    var input: String

    @Argument(help: "The ROOT file to write.")
    var output: String

    @Option(help: "Compression of the written file: none, zlib, lz4 or zstd, with an optional :level.")
    var compression = CompressionArgument(argument: "zlib:1")!

    @Option(help: "Entries per basket (and per cluster) of the written trees.")
    var entriesPerBasket = 100_000

    @OptionGroup var execution: ExecutionOptions

    func validate() throws {
        guard entriesPerBasket > 0 else { throw ValidationError("--entries-per-basket must be positive") }
    }

    func run() throws {
        try reportingErrors {
            // mapped, not read into memory: copying a large tree holds its columns, not the file too
            let file = input == "-" ? try ROOTFile(bytes: try readInput(input), name: inputName(input)) : try ROOTFile(path: input)
            let writer = try ROOTFileWriter(path: output, compression: compression.setting)
            for (path, key) in try file.allObjects() {
                let (folder, objectName) = ROOTFile.split(path)
                if key.isDirectory {
                    try writer.makeDirectory(path)
                } else if key.className == "TTree" {
                    try writer.write(try Self.copyTree(file.tree(path), name: objectName, entriesPerBasket: entriesPerBasket), in: folder)
                } else if ["TH1D", "TH1F", "TH1I", "TH2D", "TH2F"].contains(key.className) {
                    try writer.write(try file.histogram(path), in: folder)
                } else {
                    FileHandleOutput.standardError.write("hepkit: skipping \(path) (\(key.className))\n")
                }
            }
            try writer.commit()
        }
    }

    /// `tree`'s numeric branches as a tree to write; the other branches are listed on standard
    /// error and skipped.
    static func copyTree(_ tree: ROOTTree, name: String, entriesPerBasket: Int) throws -> WritableTree {
        let (copy, skipped) = try WritableTree.copying(tree, name: name, entriesPerBasket: entriesPerBasket)
        for branch in skipped { FileHandleOutput.standardError.write("hepkit: skipping branch \(branch.path): \(branch.reason)\n") }
        return copy
    }
}
