import ArgumentParser
import Foundation
import ROOTIO
import Testing
@testable import hepkit

/// `hepkit json2xml`: pyhf's files, with a patch applied first.
@Suite struct JSON2XMLCommandTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fixtures")

    @Test func writesPyhfsFilesAfterThePatch() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("json2xml-\(UUID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let patch = folder.appendingPathComponent("patch.json")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(#"[{"op": "replace", "path": "/observations/0/data", "value": [100, 160]}]"#.utf8).write(to: patch)
        let workspace = Self.fixtures.appendingPathComponent("pyhf/xml_multichannel_histfactory__example.json").path
        var command = try HEPKitCommand.parseAsRoot(["json2xml", workspace, "--output-dir", folder.path + "/out",
                                                     "--resultprefix", "Fit", "-p", patch.path])
        try command.run()
        let out = folder.path + "/out"
        let names = Set(try FileManager.default.subpathsOfDirectory(atPath: out))
        #expect(names == ["Fit.xml", "HistFactorySchema.dtd", "config", "config/Fit_channel1.xml", "config/Fit_channel2.xml",
                          "data", "data/data.root"])
        let file = try ROOTFile(path: out + "/data/data.root")
        #expect(try file.histogram("histchannel1_data").values == [100, 160])
        #expect(try file.histogram("histchannel2_bkg").values == [200, 350])
        let combination = try String(contentsOfFile: out + "/Fit.xml", encoding: .utf8)
        #expect(combination.contains("<Input>\(out)/config/Fit_channel1.xml</Input>"))
    }
}
