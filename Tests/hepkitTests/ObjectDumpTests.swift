import Foundation
import Testing
@testable import hepkit

/// `hepkit dump` and `ls` on object-valued branches (issue 11): records as JSON objects, map
/// items as `[key, value]`, duplicate names by their address, unreadable branches with a reason.
@Suite struct ObjectDumpTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures")

    static func path(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

    @Test func objectsAndMapsAsUprootShowsThem() throws {
        // uproot 5.7.7, HZZ-objects: MET[0] = {fX: 5.912771224975586, fY: 2.5636332035064697}
        let met = try ROOTCommandTests.dump([Self.path("root-objects/uproot-HZZ-objects.root"), "events", "--branches", "MET", "--entries", "0:1"])
        #expect(met.text == "{\"MET\":[{\"fX\":5.912771224975586,\"fY\":2.5636332035064697}]}\n")
        // uproot: map_string_vector_string[1] = [("one", ["one"]), ("two", ["one", "two"])]
        let map = try ROOTCommandTests.dump([Self.path("root-extra/uproot-stl_containers.root"), "tree", "--branches", "map_string_vector_string",
                                              "--entries", "1:2"])
        #expect(map.text == "{\"map_string_vector_string\":[[[\"one\",[\"one\"]],[\"two\",[\"one\",\"two\"]]]]}\n")
    }

    @Test func duplicateNamesAreAddressable() throws {
        // uproot: the second Particle branch of Delphes' file holds 201 particles in entry 0
        let second = try ROOTCommandTests.dump([Self.path("root-objects/uproot-issue513.root"), "Delphes", "--branches", "Particle;2", "--entries", "0:1"])
        #expect(second.text == "{\"Particle;2\":[201]}\n")
    }

    @Test func lsNamesWhatStopsAnUnreadableBranch() throws {
        // a pointer member (uproot cannot read it either): listed as unsupported, with member and type
        let command = try LsCommand.parse([Self.path("root-extra/uproot-issue213.root")])
        var output = CapturedText()
        _ = try command.list(to: &output)
        #expect(output.text.contains("eventPack/fGenInfo             unsupported"))
        #expect(output.text.contains("member fGenInfo of JPetGeantEventPack has type JPetGeantEventInformation* (streamer type 64)"))
    }
}
