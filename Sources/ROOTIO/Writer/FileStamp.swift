import CXXHash
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The time and identity a written file is stamped with: its `TDatime`s and `TUUID`.
///
/// By default, as ROOT does, the current local time and a random UUID. When the environment sets
/// `SOURCE_DATE_EPOCH` (seconds since 1970, the reproducible-builds.org convention), every
/// `TDatime` is that instant in UTC and the UUID is derived from the file's own bytes, so writing
/// the same objects twice gives identical files.
struct FileStamp: Sendable {
    /// The packed `TDatime` of every key and directory record.
    let datime: UInt32
    /// Whether the UUID comes from the content (`SOURCE_DATE_EPOCH` set) rather than at random.
    let isReproducible: Bool
    /// Why `SOURCE_DATE_EPOCH` was refused, reported when the file is finished.
    let problem: ROOTWriteError?

    static let variable = "SOURCE_DATE_EPOCH"

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let text = environment[Self.variable] else {
            datime = ROOTDatime.packed(Date(), in: .current)
            isReproducible = false
            problem = nil
            return
        }
        isReproducible = true
        guard let seconds = Int64(text), seconds >= 0 else {
            datime = 0
            problem = .invalid("\(Self.variable)='\(text)' is not a non-negative whole number of seconds")
            return
        }
        datime = ROOTDatime.packed(Date(timeIntervalSince1970: TimeInterval(seconds)), in: TimeZone(identifier: "UTC")!)
        problem = nil
    }

    /// The file's UUID: random, or (reproducible) an RFC 9562 version-8 UUID made of the
    /// XXH3-128 digest of the file's bytes as written before the UUIDs and forward pointers were
    /// filled in.
    func uuid(content: [UInt8]?) -> [UInt8] {
        guard isReproducible, let content else { return (0 ..< 16).map { _ in UInt8.random(in: 0 ... 255) } }
        var bytes = content
        bytes[6] = bytes[6] & 0x0F | 0x80
        bytes[8] = bytes[8] & 0x3F | 0x80
        return bytes
    }
}

/// An incremental XXH3-128 digest (the reproducible UUID of a streamed file).
final class ContentDigest {
    private let state: OpaquePointer

    init() {
        state = XXH3_createState()!
        XXH3_128bits_reset(state)
    }

    deinit { XXH3_freeState(state) }

    func update(_ bytes: UnsafeRawBufferPointer) {
        XXH3_128bits_update(state, bytes.baseAddress, bytes.count)
    }

    /// The 16 digest bytes, high half first.
    func digest() -> [UInt8] { Self.bytes(XXH3_128bits_digest(state)) }

    static func digest(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        self.bytes(XXH3_128bits(bytes.baseAddress, bytes.count))
    }

    private static func bytes(_ hash: XXH128_hash_t) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(16)
        withUnsafeBytes(of: hash.high64.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: hash.low64.bigEndian) { out.append(contentsOf: $0) }
        return out
    }
}
