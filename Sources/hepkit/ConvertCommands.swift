import ArgumentParser
import Foundation
import HistFactory
import HistFactoryXML

// `hepkit xml2json`: HistFactory XML + ROOT histograms → pyhf workspace (as `pyhf xml2json`).

struct XML2JSONCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xml2json",
        abstract: "Convert a HistFactory XML configuration and its ROOT histograms to a pyhf workspace (as `pyhf xml2json`).")

    @OptionGroup var execution: ExecutionOptions
    @Argument(help: ArgumentHelp("The top-level XML file (with the <Combination>).", valueName: "entrypoint-xml"))
    var entrypointXML: String

    @Option(help: "The folder the paths inside the XML are relative to (default: the current folder). Files outside it (or a mount) are refused.")
    var basedir: String?

    @Option(name: [.customShort("v"), .long], help: ArgumentHelp(
        "HOST:XMLPATH: read files the XML names under XMLPATH from the local folder HOST (repeatable).", valueName: "host:path"))
    var mount: [String] = []

    @Option(name: .customLong("output-file"), help: "Write the workspace here instead of standard output.")
    var outputFile: String?

    @Flag(name: .customLong("track-progress"), help: "Report each channel and sample read, and the parts of the XML a pyhf workspace cannot express, on standard error (the default).")
    var trackProgress = false

    @Flag(name: .customLong("hide-progress"), help: "Print nothing on standard error unless the conversion fails.")
    var hideProgress = false

    @Flag(name: .customLong("validation-as-warning"), help: "Write the workspace even if it violates pyhf's schema (with a warning).")
    var validationAsWarning = false

    @Flag(name: .customLong("validation-as-error"), help: "Fail if the workspace violates pyhf's schema (the default).")
    var validationAsError = false

    func validate() throws {
        var info = stat()
        guard stat(entrypointXML, &info) == 0 else {
            throw ValidationError("Invalid value for 'ENTRYPOINT_XML': Path '\(entrypointXML)' does not exist.")
        }
        if let basedir, stat(basedir, &info) != 0 {
            throw ValidationError("Invalid value for '--basedir': Path '\(basedir)' does not exist.")
        }
        for text in mount {
            let parsed: InputPaths.Mount
            do { parsed = try InputPaths.Mount(parsing: text) } catch {
                throw ValidationError("Invalid value for '-v' / '--mount': \(error.reason)")
            }
            guard stat(parsed.host, &info) == 0 else {
                throw ValidationError("Invalid value for '-v' / '--mount': Path '\(parsed.host)' does not exist.")
            }
        }
    }

    func run() throws {
        try reportingErrors {
            // The last of --track-progress / --hide-progress given wins in click; both are flags
            // here, and hiding wins when both appear.
            let showProgress = !hideProgress
            let report: (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
            let mounts = try mount.map { text throws(XMLImportError) in try InputPaths.Mount(parsing: text) }
            let importer = XMLImporter(
                paths: InputPaths(basedir: basedir ?? FileManager.default.currentDirectoryPath, mounts: mounts),
                progress: showProgress ? report : nil, notes: showProgress ? report : nil)
            let workspace = try importer.workspace(topLevel: entrypointXML)
            do {
                _ = try WorkspaceDocument(workspace, source: entrypointXML)
            } catch {
                guard validationAsWarning && !validationAsError else { throw error }
                report("hepkit: warning: \(error)")
            }
            try writeOutput(workspace.pythonJSON(indent: 4), to: outputFile)
        }
    }
}
