import Foundation
import Testing

@testable import HistFactory

/// One writer for every workspace HEPKit writes (issue 10): the typed `Workspace` of `hepkit build`
/// is printed with Python's `json.dumps(indent=4, sort_keys=True)` spelling, as `hepkit sort` does.
@Suite struct WorkspaceWritingTests {
    @Test func typedWorkspaceIsWrittenAsPython() throws {
        let workspace = Workspace(
            channels: [
                Channel(name: "SR", samples: [
                    Sample(name: "sig", data: [1e-05, 0.1, 100], modifiers: [
                        Modifier(name: "mu", kind: .normfactor),
                        Modifier(name: "n", kind: .normsys, data: .normsys(hi: 1.1, lo: 0.9)),
                        Modifier(name: "h", kind: .histosys, data: .histosys(hiData: [2, 3, 1e20], loData: [0.5, 0.25, 0.125])),
                        Modifier(name: "s", kind: .staterror, data: .perBin([0.3, 1, 2.5])),
                    ])
                ])
            ],
            observations: [Observation(name: "SR", data: [1, 2, 3])],
            measurements: [
                Measurement(name: "m", config: MeasurementConfig(poi: "mu", parameters: [
                    ParameterConfig(name: "mu", inits: [1], bounds: [[0, 10]], fixed: false)
                ]))
            ])
        let expected = String(decoding: try Fixtures.data("workspace/typed_writer_expected.json"), as: UTF8.self)
        #expect(workspace.pyhfText + "\n" == expected)
        // What `hepkit sort` prints for the same document is the same text.
        let document = try WorkspaceDocument(parsing: Array(workspace.pyhfText.utf8))
        #expect(document.pyhfText == workspace.pyhfText)
        #expect(document.workspace == workspace)
    }

    /// For every pyhf fixture whose numbers are all floats, the typed writer and the document writer agree.
    @Test(arguments: Fixtures.pyhfWorkspaces)
    func typedAndDocumentWritersAgree(name: String) throws {
        let document = try WorkspaceDocument(parsing: Array(try Fixtures.data("pyhf/" + name)))
        let reparsed = try WorkspaceDocument(parsing: Array(document.workspace.pyhfText.utf8))
        #expect(reparsed.workspace == document.workspace)
        if Self.allFloats(document.json) {
            #expect(document.workspace.pyhfText == document.pyhfText)
        }
    }

    static func allFloats(_ value: JSONValue) -> Bool {
        switch value {
        case .number(let n): return !n.isInteger
        case .array(let items): return items.allSatisfy(allFloats)
        case .object(let o): return o.entries.allSatisfy { allFloats($0.value) }
        default: return true
        }
    }
}
