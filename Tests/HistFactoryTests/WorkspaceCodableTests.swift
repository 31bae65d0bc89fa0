import Foundation
import Testing
@testable import HistFactory

@Suite struct WorkspaceCodableTests {
    @Test(arguments: Fixtures.pyhfWorkspaces)
    func roundTripsThroughJSONEncoder(name: String) throws {
        let data = try Fixtures.data("pyhf/" + name)
        let ws = try JSONDecoder().decode(Workspace.self, from: data)
        #expect(!ws.channels.isEmpty)
        let back = try JSONDecoder().decode(Workspace.self, from: try JSONEncoder().encode(ws))
        #expect(back == ws)
        // Bit-exact numbers: compare every nominal against Python's parse of the file.
        let object = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let channels = object["channels"] as! [[String: Any]]
        for (c, channel) in channels.enumerated() {
            for (s, sample) in (channel["samples"] as! [[String: Any]]).enumerated() {
                let nominal = (sample["data"] as! [NSNumber]).map(\.doubleValue)
                #expect(back.channels[c].samples[s].data.map(\.bitPattern) == nominal.map(\.bitPattern))
            }
        }
    }

    @Test func modifierKindsDecodeWithTypedData() throws {
        let json = """
        {"name": "s", "data": [1.0, 2.0], "modifiers": [
          {"name": "mu", "type": "normfactor", "data": null},
          {"name": "n", "type": "normsys", "data": {"hi": 1.1, "lo": 0.9}},
          {"name": "h", "type": "histosys", "data": {"hi_data": [2, 3], "lo_data": [0.5, 1]}},
          {"name": "st", "type": "staterror", "data": [0.1, 0.2]}]}
        """
        let sample = try JSONDecoder().decode(Sample.self, from: Data(json.utf8))
        #expect(sample.modifiers.map(\.kind) == [.normfactor, .normsys, .histosys, .staterror])
        #expect(sample.modifiers[1].data == .normsys(hi: 1.1, lo: 0.9))
        #expect(sample.modifiers[2].data == .histosys(hiData: [2, 3], loData: [0.5, 1]))
        #expect(sample.modifiers[3].data == .perBin([0.1, 0.2]))
        let encoded = String(decoding: try JSONEncoder().encode(sample.modifiers[0]), as: UTF8.self)
        #expect(encoded.contains("\"data\":null"))
    }
}
