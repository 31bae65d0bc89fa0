import HistFactoryXML

// Bytes → HistFactory XML (HEPKit's own bounded parser) → every element, attribute and text
// visited: the parser must return or throw XMLSyntaxError, never trap, hang or blow the stack.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let root = try? XMLParser.parse(Array(UnsafeBufferPointer(start: data, count: size))) else { return 0 }
    var visited = root.text.utf8.count
    for element in [root] + root.descendants {
        visited &+= element.tag.utf8.count &+ element.attributes.count
        _ = element[attribute: "Name"]
    }
    return visited == Int.min ? 1 : 0
}
