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
