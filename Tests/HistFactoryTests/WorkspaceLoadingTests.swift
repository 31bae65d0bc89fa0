import Foundation
import Testing
@testable import HistFactory

@Suite struct RepeatedKeyTests {
    /// Python's `json.loads` keeps the last of repeated keys; the typed view must agree with the
    /// document (and with pyhf), whichever decoding path is taken.
    @Test func lastRepeatedKeyWinsInDocumentAndTypedView() throws {
        let text = """
            {"channels": [{"name": "ch", "samples": [{"name": "s", "data": [1.0], "data": [2.5],
              "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]}]}],
             "observations": [{"name": "ch", "data": [3.0]}],
             "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}], "version": "1.0.0"}
            """
        let doc = try WorkspaceDocument(parsing: Array(text.utf8))
        #expect(doc.workspace.channels[0].samples[0].data == [2.5])
        #expect(doc.json["channels"]?.arrayValue?[0]["samples"]?.arrayValue?[0]["data"] == [2.5])
    }
}
