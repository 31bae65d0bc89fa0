import Foundation
import HistFactory
import ROOTIO
import Testing
@testable import HistFactoryXML

@Suite struct XMLExportTests {
    /// A two-channel workspace with every modifier type XML has.
    static let workspace = Workspace(
        channels: [
            Channel(name: "SR", samples: [
                Sample(name: "signal", data: [2, 4], modifiers: [
                    Modifier(name: "mu", kind: .normfactor),
                    Modifier(name: "lumi", kind: .lumi),
                    Modifier(name: "staterror_SR", kind: .staterror, data: .perBin([0.5, 1])),
                ]),
                Sample(name: "bkg", data: [10, 0], modifiers: [
                    Modifier(name: "jes", kind: .histosys, data: .histosys(hiData: [11, 0.5], loData: [9, 0])),
                    Modifier(name: "xsec", kind: .normsys, data: .normsys(hi: 1.1, lo: 0.9)),
                    Modifier(name: "shape", kind: .shapesys, data: .perBin([2.5, 1])),
                    Modifier(name: "staterror_SR", kind: .staterror, data: .perBin([1, 0])),
                ]),
            ]),
            Channel(name: "CR", samples: [Sample(name: "bkg", data: [50], modifiers: [Modifier(name: "free", kind: .shapefactor)])]),
        ],
        observations: [Observation(name: "SR", data: [13, 5]), Observation(name: "CR", data: [48])],
        measurements: [HistFactory.Measurement(name: "meas", config: MeasurementConfig(poi: "mu", parameters: [
            ParameterConfig(name: "mu", inits: [0.5], bounds: [[-2, 20]]),
            ParameterConfig(name: "lumi", inits: [2], bounds: [[1, 3]], fixed: true, auxdata: [2], sigmas: [0.2]),
            ParameterConfig(name: "xsec", inits: [0.25], fixed: true),
        ]))])

    @Test func writesPyhfLayoutWithRelativeUncertainties() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("xml-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let export = try HistFactoryXMLExport(Self.workspace, layout: .init(outputDirectory: folder))
        try export.write()
        #expect(export.notes.isEmpty)
        let combination = try String(contentsOfFile: folder + "/FitConfig.xml", encoding: .utf8)
        #expect(combination.hasPrefix("<!DOCTYPE Combination SYSTEM 'HistFactorySchema.dtd'>\n\n<Combination OutputFilePrefix=\"\(folder)/config/FitConfig\">"))
        #expect(combination.contains("<Input>\(folder)/config/FitConfig_SR.xml</Input>"))
        // lumi 2 ± 0.2 is a 10 % relative error (pyhf 0.7.6 writes 0.2)
        #expect(combination.contains("<Measurement Name=\"meas\" Lumi=\"2.0\" LumiRelErr=\"0.1\" ExportOnly=\"True\">"))
        #expect(combination.contains("<ParamSetting Const=\"True\">Lumi</ParamSetting>"))
        #expect(combination.contains("<ParamSetting Const=\"True\" Val=\"0.25\">alpha_xsec</ParamSetting>"))
        let sr = try String(contentsOfFile: folder + "/config/FitConfig_SR.xml", encoding: .utf8)
        #expect(sr.hasPrefix("<!DOCTYPE Channel SYSTEM '../HistFactorySchema.dtd'>"))
        #expect(sr.contains("<NormFactor Name=\"mu\" Val=\"0.5\" Low=\"-2.0\" High=\"20.0\" />"))
        #expect(sr.contains("<Sample Name=\"signal\" HistoName=\"histSR_signal\" InputFile=\"\(folder)/data/data.root\" NormalizeByTheory=\"True\">"))
        #expect(sr.contains("<OverallSys Name=\"xsec\" High=\"1.1\" Low=\"0.9\" />"))
        #expect(sr.contains("<ShapeSys Name=\"shape\" ConstraintType=\"Poisson\" HistoName=\"histSR_bkg_shape\" />"))
        #expect(FileManager.default.fileExists(atPath: folder + "/HistFactorySchema.dtd"))

        let file = try ROOTFile(path: folder + "/data/data.root")
        #expect(try file.histogram("histSR_data").values == [13, 5])
        #expect(try file.histogram("histSR_bkg_jesHigh").values == [11, 0.5])
        #expect(try file.histogram("histSR_bkg_jesLow").values == [9, 0])
        // per-bin uncertainties relative to the nominal, 0 where the nominal is 0
        #expect(try file.histogram("histSR_bkg_shape").values == [0.25, 0])
        #expect(try file.histogram("histSR_signal_staterror_SR").values == [0.25, 0.25])
        #expect(try file.histogram("histCR_bkg").axes[0].edges == [0, 1])
    }

    @Test func notesWhatXMLCannotExpress() throws {
        var workspace = Self.workspace
        workspace.channels[1].samples[0].modifiers.append(Modifier(name: "mystat", kind: .staterror, data: .perBin([1])))
        workspace.measurements[0].config.parameters.append(ParameterConfig(name: "jes", bounds: [[-3, 3]]))
        // a setting for a name no modifier has (pyhf ignores it; as XML `alpha_xsec` it would fix xsec)
        workspace.measurements[0].config.parameters.append(ParameterConfig(name: "alpha_jes", fixed: true))
        workspace.observations.removeLast()
        let export = try HistFactoryXMLExport(workspace)
        #expect(export.notes == [
            "channel 'CR' has no observations: no Data element",
            "channel 'CR', sample 'bkg', modifier 'mystat': XML names every staterror 'staterror_CR'",
            "measurement 'meas', parameter 'jes': XML cannot set bounds of a constrained parameter",
            "measurement 'meas', parameter 'alpha_jes': no modifier of the workspace has this name (pyhf ignores the setting); not written",
        ])
        #expect(!export.channels[1].text.contains("<Data"))
        #expect(!export.combination.contains("alpha_jes"))
    }

    @Test func collidingHistogramNamesAreRefused() throws {
        var workspace = Self.workspace
        workspace.channels[1].samples.append(Sample(name: "data", data: [1]))
        #expect(throws: XMLExportError("two histograms would be named 'histCR_data' (a sample named 'data', or names joined by '_' that collide)")) {
            try HistFactoryXMLExport(workspace)
        }
    }
}

@Suite struct PathJoinTests {
    @Test func joinsAsPathlibPrints() {
        #expect(HistFactoryXMLExport.join(".", "config", "FitConfig") == "config/FitConfig")
        #expect(HistFactoryXMLExport.join("out/", "./config/", "a.xml") == "out/config/a.xml")
        #expect(HistFactoryXMLExport.join("/", "data", "data.root") == "/data/data.root")
        #expect(HistFactoryXMLExport.join(".", ".") == ".")
    }
}
