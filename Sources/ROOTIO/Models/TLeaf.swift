/// A `TLeaf` as stored in the file.
struct LeafModel: Sendable {
    var className: String
    var name: String
    var title: String
    /// Elements per entry for fixed arrays (product of the fixed dimensions), 1 otherwise.
    var length: Int
    var lengthType: Int
    var isUnsigned: Bool
    /// The counter leaf's name for variable-size arrays.
    var counterName: String?
    /// `TLeafElement::fType` (a streamer type code, §6.4).
    var elementType: Int?
}

extension ObjectReader {
    mutating func leaf(className: String) throws(DecodeError) -> LeafModel {
        let outer = try versionHeader()
        let header = try versionHeader()
        let (name, title) = try tNamed()
        let length = Int(try reader.i32())
        let lengthType = Int(try reader.i32())
        _ = try reader.i32() // fOffset
        _ = try reader.bool() // fIsRange
        let isUnsigned = try reader.bool()
        let counter = try objectPointer { (className, stream) throws(DecodeError) in
            .leaf(try stream.leaf(className: className))
        }
        try finish(header.end, "TLeaf")
        var leaf = LeafModel(className: className, name: name, title: title, length: length,
                             lengthType: lengthType, isUnsigned: isUnsigned)
        if case .leaf(let count)? = counter { leaf.counterName = count.name }
        if className == "TLeafElement" {
            _ = try reader.i32() // fID
            leaf.elementType = Int(try reader.i32())
        }
        try finish(outer.end, className)
        // some writers store fLen -1 (or 0) for leaves of collection members: both read as 1
        guard length >= -1, length < 1 << 28 else { throw .malformed("leaf '\(name)' has fLen \(length)") }
        return leaf
    }
}
