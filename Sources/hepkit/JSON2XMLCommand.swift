import ArgumentParser
import Foundation
import HistFactory
import HistFactoryXML

/// `hepkit json2xml`: a pyhf workspace as HistFactory XML + ROOT histograms (as `pyhf json2xml`).
struct JSON2XMLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "json2xml",
        abstract: "Convert a pyhf JSON workspace to HistFactory XML and ROOT histograms (as `pyhf json2xml`).",
        discussion: """
            Writes OUTPUT-DIR/RESULTPREFIX.xml (the combination), OUTPUT-DIR/HistFactorySchema.dtd, \
            OUTPUT-DIR/SPECROOT/RESULTPREFIX_<channel>.xml and OUTPUT-DIR/DATAROOT/data.root, each file \
            whole or not at all. Settings XML cannot express are listed on standard error.
            """)

    @Argument(help: "The pyhf JSON workspace ('-' for standard input).")
    var workspace: String = "-"

    @Option(name: .customLong("output-dir"), help: "The folder to write into.")
    var outputDirectory = "."

    @Option(help: "The folder (under the output folder) of the channel XML files.")
    var specroot = "config"

    @Option(help: "The folder (under the output folder) of data.root.")
    var dataroot = "data"

    @Option(help: "The name of the combination file and the prefix of the channel files.")
    var resultprefix = "FitConfig"

    @Option(name: .shortAndLong, help: "A JSON Patch to apply to the workspace first (repeatable).")
    var patch: [String] = []

    @OptionGroup var execution: ExecutionOptions

    func run() throws {
        try reportingErrors {
            var json: JSONValue
            do { json = try JSONValue(parsing: try readInput(workspace)) } catch let error as JSONSyntaxError {
                throw WorkspaceError.invalidJSON(source: inputName(workspace), error)
            }
            for path in patch {
                let patchJSON: JSONValue
                do { patchJSON = try JSONValue(parsing: try readInput(path)) } catch let error as JSONSyntaxError {
                    throw CommandError("invalid JSON in patch '\(path)': \(error)")
                }
                do { json = try JSONPatch(patchJSON).apply(to: json) } catch { throw CommandError("patch '\(path)': \(error)") }
            }
            let document = try WorkspaceDocument(json, source: inputName(workspace))
            let layout = HistFactoryXMLExport.Layout(outputDirectory: outputDirectory, specRoot: specroot, dataRoot: dataroot,
                                                     resultPrefix: resultprefix)
            let export = try HistFactoryXMLExport(document.workspace, layout: layout)
            for note in export.notes { FileHandleOutput.standardError.write("hepkit: json2xml: \(note)\n") }
            try export.write()
        }
    }
}
