import HEPKitSupport

/// sha256 of values as little-endian float64, NaN canonicalised (the truth files' `sha256`).
func valuesDigest(_ values: [Double]) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(8 * values.count)
    for v in values {
        let canonical = v.isNaN ? Double(bitPattern: 0x7FF8_0000_0000_0000) : v
        withUnsafeBytes(of: canonical.bitPattern.littleEndian) { bytes += $0 }
    }
    return HashAlgorithm.sha256.hexDigest(bytes)
}

/// sha256 over each string as uint32-LE byte length + UTF-8 bytes.
func stringsDigest(_ values: [String]) -> String {
    var bytes: [UInt8] = []
    for s in values {
        withUnsafeBytes(of: UInt32(s.utf8.count).littleEndian) { bytes += $0 }
        bytes += s.utf8
    }
    return HashAlgorithm.sha256.hexDigest(bytes)
}
