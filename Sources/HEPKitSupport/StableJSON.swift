import Foundation

/// The bytes of HEPKit's own JSON files (part files, `network.json`, `optimize`'s outputs): sorted
/// keys and indented, so equal values give equal bytes; numbers in their shortest exact form; a
/// final newline.
public func stableJSON<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return try encoder.encode(value) + Data("\n".utf8)
}
