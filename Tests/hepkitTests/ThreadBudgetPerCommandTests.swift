import Foundation
import Testing
@testable import hepkit

/// Every command runs within a budget of one thread: with `HEPKIT_THREADS=1`, and with
/// `--threads 1` where the command declares it, `HEPKIT_REPORT_THREADS=1` reports one thread used.
///
/// The report counts the loops of HEPKitSupport's execution layer; loops a module still runs on its
/// own are not seen until that module moves onto it (Architecture issue 10).
@Suite(.serialized) struct ThreadBudgetPerCommandTests {
    /// A small real run of every command, with inputs from `fixtures/` (`{out}`: a fresh path).
    static let runs: [String: [String]] = [
        "ls": ["root/uproot-HZZ-lz4.root"],
        "dump": ["root/uproot-HZZ-zstd.root", "events", "--entries", "0:20"],
        "hist": ["root/uproot-histograms.root", "one"],
        "stats": ["root/uproot-HZZ-lzma.root", "events"],
        "copy": ["root/uproot-HZZ-lz4.root", "{out}"],
        "fit": ["pyhf/validation_1bin_shapesys.json"],
        "cls": ["pyhf/validation_1bin_shapesys.json"],
        "upperlimit": ["pyhf/validation_1bin_shapesys.json"],
        "significance": ["pyhf/validation_1bin_shapesys.json"],
        "ranking": ["pyhf/validation_1bin_shapesys.json"],
        "inspect": ["pyhf/generated_small_seed1.json"],
        "digest": ["pyhf/generated_small_seed1.json"],
        "sort": ["pyhf/generated_small_seed1.json"],
        "prune": ["pyhf/xml_xmlimport_input__example.json", "-s", "signal"],
        "rename": ["pyhf/xml_xmlimport_input__example.json", "-c", "channel1", "SR"],
        "combine": ["pyhf/validation_2bin_2channel_coupledhistosys.json", "workspace/inputs/combine_disjoint.json"],
        "patchset inspect": ["workspace/inputs/patchset.json"],
        "patchset extract": ["workspace/inputs/patchset.json", "--name", "sig_100_1"],
        "patchset apply": ["pyhf/validation_1bin_shapesys.json", "workspace/inputs/patchset.json", "--name", "sig_100_1"],
        "patchset verify": ["pyhf/validation_1bin_shapesys.json", "workspace/inputs/patchset.json"],
        "build": ["example/analysis.yml"],
        "apply": ["learned/network.json", "example/signal.root", "--tree", "events"],
        "optimize": ["{short-example}", "-o", "{out}"],
        "merge": ["batch/grid-part.0.json", "-o", "{out}"],
        "xml2json": ["histfactory-xml/xmlimport_input/config/example.xml", "--basedir", "histfactory-xml/xmlimport_input", "--hide-progress"],
        "json2xml": ["pyhf/validation_1bin_shapesys.json", "--output-dir", "{out}"],
        "completions": ["bash"],
        "submit": ["slurm", "--shards", "2", "--output-dir", "{out}", "--", "build", "example/analysis.yml"],
        "plot yields": ["pyhf/validation_1bin_shapesys.json", "--fit", "postfit", "--output-dir", "{out}"],
        "plot pulls": ["pyhf/validation_1bin_shapesys.json", "--output-dir", "{out}"],
        "plot correlation": ["pyhf/validation_1bin_shapesys.json", "--output-dir", "{out}"],
        "plot ranking": ["pyhf/validation_1bin_shapesys.json", "--output-dir", "{out}"],
        "plot templates": ["pyhf/validation_1bin_shapesys.json", "--output-dir", "{out}"],
        "plot limit": ["pyhf/validation_1bin_shapesys.json", "--scan", "0:2:3", "--output-dir", "{out}"],
        "plot scan": ["pyhf/validation_1bin_shapesys.json", "--output-dir", "{out}"],
        "plot grid": ["plots/grid.json", "--output-dir", "{out}"],
    ]

    /// Commands that have no successful run here (`contrib download` needs the network).
    static let failingByDesign: Set<String> = ["contrib download"]

    @Test func everyCommandHasARun() {
        let leaves = Set(ExecutionOptionsTests.leafCommands(HEPKitCommand.self).map(\.name))
        #expect(leaves == Set(Self.runs.keys).union(Self.failingByDesign))
    }

    @Test(arguments: runs.keys.sorted())
    func commandStaysOnOneThread(_ name: String) throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("budget-\(UUID())").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let arguments = try (Self.runs[name] ?? []).map { argument -> String in
            switch argument {
            case "{out}": return scratch + "/out-\(UUID())"
            case "{short-example}": return try shortExample(in: scratch)
            case "--", "slurm", "build": return argument
            default: return argument.contains("/") ? fixture(argument) : argument
            }
        }
        let words = name.split(separator: " ").map(String.init)
        let type = try #require(ExecutionOptionsTests.leafCommands(HEPKitCommand.self).first { $0.name == name }?.type)
        var variants: [(arguments: [String], environment: [String: String])] = [(words + arguments, ["HEPKIT_THREADS": "1"])]
        if HEPKitCommand.helpMessage(for: type).contains("--threads") {
            variants.append((words + ["--threads", "1"] + arguments.map { $0.hasPrefix(scratch + "/out-") ? $0 + "-2" : $0 }, ["HEPKIT_THREADS": "2"]))
        }
        for variant in variants {
            let result = try runHepkit(variant.arguments, environment: variant.environment.merging(["HEPKIT_REPORT_THREADS": "1"]) { $1 })
            #expect(result.status == 0, "\(variant.arguments): \(result.stderr)")
            #expect(result.stderr.hasSuffix("threads used: 1\n"), "\(variant.arguments): \(result.stderr)")
        }
    }

    /// The bundled example with 2 optimisation steps (a debug build runs 100 slowly).
    func shortExample(in folder: String) throws -> String {
        for file in ["signal.root", "background.root"] {
            try FileManager.default.copyItem(atPath: fixture("example/" + file), toPath: folder + "/" + file)
        }
        let config = try String(contentsOfFile: fixture("example/analysis.yml"), encoding: .utf8)
        let short = config.replacingOccurrences(of: "steps: 100", with: "steps: 2")
        #expect(short != config)
        try short.write(toFile: folder + "/analysis.yml", atomically: true, encoding: .utf8)
        return folder + "/analysis.yml"
    }
}
