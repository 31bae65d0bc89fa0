import Foundation
import HistFactory
import Testing
@testable import HistFactoryXML

/// Locates the package's `fixtures/histfactory-xml/` folder from this source file.
enum Fixtures {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/histfactory-xml")

    /// (folder, XML path inside it, expected JSON file) for every expected file that
    /// tools/make-xml2json-expected.sh wrote with pyhf 0.7.6.
    static var cases: [(folder: String, xml: String, expected: URL)] {
        let expected = root.appendingPathComponent("expected")
        let folders = ((try? FileManager.default.contentsOfDirectory(atPath: expected.path)) ?? []).sorted()
        return folders.flatMap { folder -> [(String, String, URL)] in
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: expected.appendingPathComponent(folder).path)) ?? []).sorted()
            return files.map { file in
                let stem = String(file.dropLast(5))
                let xml = FileManager.default.fileExists(atPath: root.appendingPathComponent("\(folder)/config/\(stem).xml").path)
                    ? "config/\(stem).xml" : "config/examples/\(stem).xml"
                return (folder, xml, expected.appendingPathComponent("\(folder)/\(file)"))
            }
        }
    }

    static func convert(folder: String, xml: String) throws -> JSONValue {
        let base = root.appendingPathComponent(folder).path
        return try XMLImporter(paths: InputPaths(basedir: base)).workspace(topLevel: base + "/" + xml)
    }
}

@Test func everyPyhfValidationFolderIsCovered() {
    // 11 folders of pyhf's validation/ tree, 15 top-level XML files pyhf converts.
    #expect(Fixtures.cases.count == 15)
}

@Test(arguments: Fixtures.cases.map { "\($0.folder)/\($0.xml)" })
func xml2jsonEqualsPyhf(_ name: String) throws {
    let entry = try #require(Fixtures.cases.first { "\($0.folder)/\($0.xml)" == name })
    let expectedText = try Data(contentsOf: entry.expected)
    let expected = try JSONValue(parsing: Array(expectedText))
    let converted = try Fixtures.convert(folder: entry.folder, xml: entry.xml)
    // Every key and number (Python float repr included), then the text pyhf's json.dump writes.
    #expect(converted == expected)
    #expect(converted.pythonJSON(indent: 4) == String(decoding: expectedText, as: UTF8.self))
    _ = try WorkspaceDocument(converted, source: name)
}

@Test func unweightedFloatHistogramsHaveFloat32Errors() throws {
    // numpy's sqrt of a TH1F's float32 contents: sqrt(20) rounded to float32, as pyhf writes it.
    let workspace = try Fixtures.convert(folder: "xmlimport_input", xml: "config/examples/example_DataDriven.xml")
    let staterror = workspace["channels"]?.arrayValue?[1]["samples"]?.arrayValue?[0]["modifiers"]?.arrayValue?[1]
    #expect(staterror?["data"] == [4.4721360206604, 4.4721360206604])
}

@Test func twoDimensionalHistogramsAreFlattenedInROOTOrder() throws {
    // pyhf 0.7.6 fails on this input (TypeError); HEPKit flattens x fastest. The ROOT file holds
    // background1 = [[100, 10], [100, 10]] (x, y) and relative errors [[0.1, 0.1], [0.15, 0.15]] (float32).
    let workspace = try Fixtures.convert(folder: "xmlimport_input", xml: "config/examples/example_ShapeSys2D.xml")
    let sample = try #require(workspace["channels"]?.arrayValue?[0]["samples"]?.arrayValue?[1])
    #expect(sample["name"] == "background1")
    #expect(sample["data"] == [100.0, 100.0, 10.0, 10.0])
    let shapesys = sample["modifiers"]?.arrayValue?[1]
    #expect(shapesys?["type"] == "shapesys")
    #expect(shapesys?["data"] == [.number(JSONNumber(100 * Double(Float(0.1)))), .number(JSONNumber(100 * Double(Float(0.15)))),
                                  .number(JSONNumber(10 * Double(Float(0.1)))), .number(JSONNumber(10 * Double(Float(0.15))))])
    _ = try WorkspaceDocument(workspace, source: "ShapeSys2D")
}

@Test func notesReportWhatAWorkspaceCannotExpress() throws {
    let base = Fixtures.root.appendingPathComponent("xmlimport_input").path
    let notes = NoteCollector()
    _ = try XMLImporter(paths: InputPaths(basedir: base), notes: notes.add).workspace(topLevel: base + "/config/example.xml")
    #expect(notes.lines.contains { $0.contains("<StatErrorConfig>") && $0.contains("ConstraintType=Poisson RelErrorThreshold=0.05") })
    #expect(notes.lines.filter { $0.contains("<ConstraintTerm>") }.count == 2)
}

final class NoteCollector: @unchecked Sendable {
    var lines: [String] = []
    func add(_ line: String) { lines.append(line) }
}

/// A folder with `config/top.xml`, `config/channel.xml` (the given `<Sample>` body) and the
/// histograms of xmlimport_input's example.root.
private func scratchAnalysis(sample: String, paramSetting: String = "Lumi") throws -> String {
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("xml2json-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: base + "/config", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: base + "/data", withIntermediateDirectories: true)
    try FileManager.default.copyItem(atPath: Fixtures.root.appendingPathComponent("xmlimport_input/data/example.root").path,
                                     toPath: base + "/data/example.root")
    try """
        <Combination OutputFilePrefix="x">
          <Input>config/channel.xml</Input>
          <Measurement Name="m" Lumi="1." LumiRelErr="0.1"><POI>mu</POI><ParamSetting Const="True">\(paramSetting)</ParamSetting></Measurement>
        </Combination>
        """.write(toFile: base + "/config/top.xml", atomically: true, encoding: .utf8)
    try """
        <Channel Name="c" InputFile="data/example.root">
          <Data HistoName="data"/>
          <Sample Name="signal" HistoName="signal">
            \(sample)
          </Sample>
        </Channel>
        """.write(toFile: base + "/config/channel.xml", atomically: true, encoding: .utf8)
    return base
}

@Test func errorsNameTheFileAndElement() throws {
    let base = try scratchAnalysis(sample: #"<OverallSys Name="syst1" Low="0.95"/>"#)
    defer { try? FileManager.default.removeItem(atPath: base) }
    #expect {
        _ = try XMLImporter(paths: InputPaths(basedir: base)).workspace(topLevel: base + "/config/top.xml")
    } throws: { error in
        (error as? XMLImportError)?.description == #"config/channel.xml: <OverallSys Name="syst1"> (line 4): attribute High is missing"#
    }
}

@Test func missingHistogramsNameBothLookups() throws {
    let base = try scratchAnalysis(sample: #"<HistoSys Name="s" HistoNameLow="nope" HistoPathLow="/dir/" HistoNameHigh="signal"/>"#)
    defer { try? FileManager.default.removeItem(atPath: base) }
    #expect {
        _ = try XMLImporter(paths: InputPaths(basedir: base)).workspace(topLevel: base + "/config/top.xml")
    } throws: { error in
        let text = (error as? XMLImportError)?.description ?? ""
        return text.hasPrefix(#"config/channel.xml: <HistoSys Name="s"> (line 4): data/example.root: Both nope and dir/nope were tried and not found"#)
    }
}

@Test func paramSettingMovesNormFactorsAndRefusesGammas() throws {
    let base = try scratchAnalysis(sample: #"<NormFactor Name="mu" Val="1" Low="0" High="5"/><NormFactor Name="k" Val="2" Low="0" High="3" Const="True"/>"#,
                                   paramSetting: "alpha_syst mu Lumi")
    defer { try? FileManager.default.removeItem(atPath: base) }
    let workspace = try XMLImporter(paths: InputPaths(basedir: base)).workspace(topLevel: base + "/config/top.xml")
    let parameters = workspace["measurements"]?.arrayValue?[0]["config"]?["parameters"]
    #expect(parameters == [
        ["name": "lumi", "auxdata": [1.0], "bounds": [[0.5, 1.5]], "fixed": true, "inits": [1.0], "sigmas": [0.1]],
        ["name": "k", "bounds": [[0.0, 3.0]], "fixed": true, "inits": [2.0]],
        ["name": "syst", "fixed": true],
        ["name": "mu", "bounds": [[0.0, 5.0]], "fixed": true, "inits": [1.0]],
    ])
    try "<Combination><Input>config/channel.xml</Input><Measurement Name=\"m\" Lumi=\"1\" LumiRelErr=\"0.1\"><POI>mu</POI><ParamSetting Const=\"True\">gamma_stat_c_bin_0</ParamSetting></Measurement></Combination>"
        .write(toFile: base + "/config/top.xml", atomically: true, encoding: .utf8)
    #expect {
        _ = try XMLImporter(paths: InputPaths(basedir: base)).workspace(topLevel: base + "/config/top.xml")
    } throws: { error in
        (error as? XMLImportError)?.reason.contains("non-scalar parameters") == true
    }
}
