import Foundation
import Testing
@testable import HistFactoryXML

@Test func parsesElementsAttributesTextAndEntities() throws {
    let root = try XMLParser.parse(Array("""
        <?xml version="1.0"?>
        <!-- a comment -->
        <!DOCTYPE Channel SYSTEM 'HistFactorySchema.dtd'>
        <Channel Name="a&amp;b" Other='x&#x41;&#66;'>
          <Data HistoName="data"/>
          <POI> mu &lt;1&gt; <![CDATA[<raw>]]></POI>
        </Channel>
        """.utf8))
    #expect(root.tag == "Channel")
    #expect(root[attribute: "Name"] == "a&b")
    #expect(root[attribute: "Other"] == "xAB")
    #expect(root.children.map(\.tag) == ["Data", "POI"])
    #expect(root.children[0].line == 5)
    #expect(root.children("POI").first?.text == " mu <1> <raw>")
}

@Test(arguments: [
    ("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", "internal subset"),
    ("<a>&x;</a>", "entity &x; is not supported"),
    ("<a><b></a>", "does not match"),
    ("<a b=\"1\" b=\"2\"/>", "repeated"),
    ("<a/><b/>", "content after the root element"),
    ("<a>", "missing end tag"),
    ("<a b=1/>", "quoted attribute value"),
    ("<a>&#0;</a>", "invalid character reference"),
    ("", "no root element"),
])
func refusesMalformedOrUnsafeXML(_ text: String, _ reason: String) {
    #expect {
        _ = try XMLParser.parse(Array(text.utf8))
    } throws: { error in
        (error as? XMLSyntaxError)?.reason.contains(reason) == true
    }
}

@Test func boundsTheNestingDepth() {
    let depth = XMLParser.maximumDepth + 1
    let text = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
    #expect(throws: XMLSyntaxError.self) { _ = try XMLParser.parse(Array(text.utf8)) }
    let ok = String(repeating: "<a>", count: depth - 1) + String(repeating: "</a>", count: depth - 1)
    #expect((try? XMLParser.parse(Array(ok.utf8))) != nil)
}

/// Every truncation and thousands of seeded byte mutations of real HistFactory XML either parse or
/// throw ``XMLSyntaxError``: hostile input never traps (issue 9's rule for every parser).
@Test func mutatedConfigurationsParseOrThrow() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures/histfactory-xml/xmlimport_input/config")
    let original = Array(try Data(contentsOf: root.appendingPathComponent("example_channel.xml")))
    #expect((try? XMLParser.parse(original)) != nil)
    for length in 0 ..< original.count {
        _ = try? XMLParser.parse(Array(original[..<length]))
    }
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int(truncatingIfNeeded: state >> 33)
    }
    let alphabet = Array("<>/&;\"'=![]-?#x0 \nCDATA".utf8) + [0x00, 0xC3, 0xFF]
    var outcomes = (parsed: 0, refused: 0)
    for _ in 0 ..< 1_500 {
        var bytes = original
        for _ in 0 ..< 1 + next() % 4 {
            let at = next() % bytes.count
            switch next() % 3 {
            case 0: bytes[at] = alphabet[next() % alphabet.count]
            case 1: bytes.insert(alphabet[next() % alphabet.count], at: at)
            default: bytes.remove(at: at)
            }
        }
        do {
            _ = try XMLParser.parse(bytes)
            outcomes.parsed += 1
        } catch {
            outcomes.refused += 1
        }
    }
    // Both outcomes occur: the mutations reach past the first syntax check.
    #expect(outcomes.parsed > 100 && outcomes.refused > 100)
}
