import CLZ4
import CLZMA
import CLibDeflate
import CXXHash
import CZlib
import CZstd
import Foundation

/// A decompressor for one ROOT compression algorithm, identified by the two-byte tag that starts
/// each compression block (`"ZL"`, `"XZ"`, `"L4"`, `"ZS"`, `"CS"`).
///
/// To support another algorithm, conform a type to `Codec` and ``CodecRegistry/register(_:)`` it;
/// nothing else in the reader needs to change.
public protocol Codec: Sendable {
    /// The two ASCII characters at the start of a block, e.g. `"ZL"`.
    var tag: String { get }
    /// Decompresses one block payload `source` into exactly `destination.count` bytes.
    /// Throws a ``CodecError`` if the payload is corrupt or does not expand to that size.
    func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws(CodecError)
    /// The most bytes one stored byte of a block can expand to: what a block header's claimed
    /// size is checked against before its output is allocated.
    var maximumExpansion: Int { get }
}

extension Codec {
    /// A bound that holds for the container formats ROOT uses (an .xz stream of LZMA2 chunks of at
    /// most 2 MiB, each with its header, expands at most ~150 000-fold).
    public var maximumExpansion: Int { 1 << 18 }
}

/// Why a codec failed on a block.
public struct CodecError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The codecs a ``ROOTFile`` can use, keyed by block tag.
public struct CodecRegistry: Sendable {
    private var codecs: [UInt16: any Codec] = [:]

    /// An empty registry (reads only uncompressed files).
    public init() {}

    /// zlib (libdeflate, zlib fallback), LZMA, LZ4 (with XXH64 check), zstd and the old `CS` deflate.
    public static let standard: CodecRegistry = {
        var registry = CodecRegistry()
        for codec: any Codec in [ZlibCodec(), LZMACodec(), LZ4Codec(), ZstdCodec(), OldROOTCodec()] {
            registry.register(codec)
        }
        return registry
    }()

    /// Adds `codec`, replacing any codec with the same tag.
    public mutating func register(_ codec: any Codec) {
        codecs[Self.key(Array(codec.tag.utf8))] = codec
    }

    func codec(_ a: UInt8, _ b: UInt8) -> (any Codec)? { codecs[UInt16(a) << 8 | UInt16(b)] }

    private static func key(_ bytes: [UInt8]) -> UInt16 {
        precondition(bytes.count == 2, "a codec tag has exactly two ASCII characters")
        return UInt16(bytes[0]) << 8 | UInt16(bytes[1])
    }

    /// Checks, before anything is allocated, that the block headers of `source` add up to
    /// `objectLength` (a lying `fObjlen` must not make the reader allocate gigabytes).
    func checkExpandedSize(_ source: UnsafeRawBufferPointer, objectLength: Int) throws(DecodeError) {
        guard objectLength >= 0 else { throw DecodeError(.malformed("negative object length \(objectLength)")) }
        if source.count == objectLength { return }
        var inPos = 0
        var total = 0
        while source.count - inPos >= 9 {
            let c = Int(source[inPos + 3]) | Int(source[inPos + 4]) << 8 | Int(source[inPos + 5]) << 16
            let u = Int(source[inPos + 6]) | Int(source[inPos + 7]) << 8 | Int(source[inPos + 8]) << 16
            // A few stored bytes claiming megabytes would make the reader allocate for output the
            // block cannot hold: the claim must be within what the codec can expand c bytes to.
            if let codec = codec(source[inPos], source[inPos + 1]), u > c * codec.maximumExpansion + 64 {
                throw DecodeError(.corruptCompression(
                    "\(codec.tag) block at byte \(inPos) claims \(u) bytes from \(c) stored; \(codec.tag) expands at most \(codec.maximumExpansion)-fold"))
            }
            total += u
            inPos += 9 + c
        }
        guard total == objectLength, inPos == source.count else {
            throw DecodeError(.corruptCompression(
                "block headers describe \(total) bytes in \(inPos) stored bytes; record says \(objectLength) in \(source.count)"))
        }
    }

    /// Expands a record's stored bytes into `destination`, whose size is the record's `fObjlen`.
    ///
    /// Raw records (stored size equal to the object size) are copied; otherwise the input is a chain
    /// of blocks (9-byte header: tag, method, 3-byte LE compressed and uncompressed sizes).
    func expand(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws(DecodeError) {
        if source.count == destination.count {
            destination.copyMemory(from: source)
            return
        }
        var inPos = 0
        var outPos = 0
        while inPos < source.count {
            guard source.count - inPos >= 9 else {
                throw DecodeError(.corruptCompression("\(source.count - inPos) trailing bytes are too few for a block header"))
            }
            let a = source[inPos], b = source[inPos + 1]
            let c = Int(source[inPos + 3]) | Int(source[inPos + 4]) << 8 | Int(source[inPos + 5]) << 16
            let u = Int(source[inPos + 6]) | Int(source[inPos + 7]) << 8 | Int(source[inPos + 8]) << 16
            let tag = String(decoding: [a, b], as: UTF8.self)
            guard let codec = codec(a, b) else {
                let printable = (32..<127).contains(a) && (32..<127).contains(b)
                throw DecodeError(.corruptCompression(printable ? "unknown compression algorithm \"\(tag)\""
                                                                : "no compression block header (bytes \(a), \(b))"))
            }
            guard c <= source.count - inPos - 9 else {
                throw DecodeError(.corruptCompression("\(tag) block claims \(c) bytes, only \(source.count - inPos - 9) stored"))
            }
            guard u <= destination.count - outPos else {
                throw DecodeError(.corruptCompression("\(tag) block expands to \(u) bytes, only \(destination.count - outPos) expected"))
            }
            let payload = UnsafeRawBufferPointer(rebasing: source[(inPos + 9) ..< (inPos + 9 + c)])
            let out = UnsafeMutableRawBufferPointer(rebasing: destination[outPos ..< outPos + u])
            do {
                try codec.decompress(payload, into: out)
            } catch {
                throw DecodeError(.corruptCompression("\(tag) block at byte \(inPos): \(error.message)"))
            }
            inPos += 9 + c
            outPos += u
        }
        guard outPos == destination.count else {
            throw DecodeError(.corruptCompression("blocks expand to \(outPos) bytes, object size is \(destination.count)"))
        }
    }
}

/// `ZL`: a zlib-wrapped deflate stream. libdeflate is used because ROOT stores the output size
/// up front (it is much faster than zlib's streaming inflate); zlib is the fallback.
public struct ZlibCodec: Codec {
    static let decompressors = ContextPool(make: libdeflate_alloc_decompressor, free: libdeflate_free_decompressor)
    public init() {}
    public var tag: String { "ZL" }
    /// Deflate encodes at most 258 bytes in a 2-bit length/distance pair (1032:1), plus headers.
    public var maximumExpansion: Int { 1040 }
    public func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws(CodecError) {
        if let decompressor = Self.decompressors.take() {
            defer { Self.decompressors.put(decompressor) }
            var produced = 0
            let result = libdeflate_zlib_decompress(decompressor, source.baseAddress, source.count,
                                                    destination.baseAddress, destination.count, &produced)
            if result == LIBDEFLATE_SUCCESS {
                guard produced == destination.count else { throw CodecError("zlib produced \(produced) of \(destination.count) bytes") }
                return
            }
        }
        var produced = uLongf(destination.count)
        let status = uncompress(destination.baseAddress?.assumingMemoryBound(to: Bytef.self), &produced,
                                source.baseAddress?.assumingMemoryBound(to: Bytef.self), uLong(source.count))
        guard status == Z_OK else { throw CodecError("zlib error \(status)") }
        guard Int(produced) == destination.count else { throw CodecError("zlib produced \(produced) of \(destination.count) bytes") }
    }
}

/// `CS`: ROOT's pre-zlib deflate (ROOT 3 era), a raw deflate stream without zlib header.
public struct OldROOTCodec: Codec {
    public init() {}
    public var tag: String { "CS" }
    public var maximumExpansion: Int { 1040 }
    public func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws(CodecError) {
        guard let decompressor = ZlibCodec.decompressors.take() else { throw CodecError("out of memory") }
        defer { ZlibCodec.decompressors.put(decompressor) }
        let result = libdeflate_deflate_decompress(decompressor, source.baseAddress, source.count,
                                                   destination.baseAddress, destination.count, nil)
        guard result == LIBDEFLATE_SUCCESS else { throw CodecError("raw deflate error \(result.rawValue)") }
    }
}

/// `XZ`: a complete .xz container (liblzma).
public struct LZMACodec: Codec {
    public init() {}
    public var tag: String { "XZ" }
    public func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws(CodecError) {
        var memoryLimit = UInt64.max
        var inPos = 0
        var outPos = 0
        let status = lzma_stream_buffer_decode(&memoryLimit, 0, nil,
                                               source.baseAddress?.assumingMemoryBound(to: UInt8.self), &inPos, source.count,
                                               destination.baseAddress?.assumingMemoryBound(to: UInt8.self), &outPos, destination.count)
        guard status == LZMA_OK else { throw CodecError("lzma error \(status.rawValue)") }
        guard outPos == destination.count else { throw CodecError("lzma produced \(outPos) of \(destination.count) bytes") }
    }
}

/// `L4`: an 8-byte big-endian XXH64 checksum of the LZ4 data, then one raw LZ4 block.
public struct LZ4Codec: Codec {
    public init() {}
    public var tag: String { "L4" }
    /// An LZ4 sequence adds at most 255 bytes of match length per byte.
    public var maximumExpansion: Int { 260 }
    public func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws(CodecError) {
        guard source.count >= 8 else { throw CodecError("LZ4 block shorter than its checksum") }
        let stored = UInt64(bigEndian: source.loadUnaligned(as: UInt64.self))
        let data = UnsafeRawBufferPointer(rebasing: source[8...])
        guard XXH64(data.baseAddress, data.count, 0) == stored else { throw CodecError("LZ4 checksum mismatch") }
        guard data.count <= Int(Int32.max), destination.count <= Int(Int32.max) else { throw CodecError("LZ4 block too large") }
        let produced = LZ4_decompress_safe(data.baseAddress?.assumingMemoryBound(to: CChar.self),
                                           destination.baseAddress?.assumingMemoryBound(to: CChar.self),
                                           Int32(data.count), Int32(destination.count))
        guard Int(produced) == destination.count else {
            throw CodecError(produced < 0 ? "LZ4 error \(produced)" : "LZ4 produced \(produced) of \(destination.count) bytes")
        }
    }
}

/// `ZS`: one zstd frame.
public struct ZstdCodec: Codec {
    static let contexts = ContextPool(make: ZSTD_createDCtx, free: { _ = ZSTD_freeDCtx($0) })
    public init() {}
    public var tag: String { "ZS" }
    /// A zstd block of at most 128 KiB takes at least a 3-byte header and one byte (an RLE block).
    public var maximumExpansion: Int { 1 << 16 }
    public func decompress(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer) throws(CodecError) {
        guard let context = Self.contexts.take() else { throw CodecError("zstd: cannot allocate a decompression context") }
        defer { Self.contexts.put(context) }
        let produced = ZSTD_decompressDCtx(context, destination.baseAddress, destination.count, source.baseAddress, source.count)
        if ZSTD_isError(produced) != 0 { throw CodecError("zstd: " + String(cString: ZSTD_getErrorName(produced))) }
        guard produced == destination.count else { throw CodecError("zstd produced \(produced) of \(destination.count) bytes") }
    }
}

/// Decompression contexts kept for reuse: a zstd context is ~160 KB that would otherwise be
/// allocated, faulted in and freed for every block. Each thread takes one, uses it alone and puts
/// it back, so the pool holds at most one per thread that ever decompressed concurrently.
final class ContextPool<Context>: @unchecked Sendable {
    private let lock = NSLock()
    private var idle: [Context] = []
    private let make: () -> Context?
    private let free: (Context) -> Void

    init(make: @escaping () -> Context?, free: @escaping (Context) -> Void) {
        self.make = make
        self.free = free
    }

    deinit { idle.forEach(free) }

    /// An idle context, or a new one (`nil` if it cannot be allocated).
    func take() -> Context? {
        lock.lock()
        let context = idle.popLast()
        lock.unlock()
        return context ?? make()
    }

    func put(_ context: Context) {
        lock.lock()
        idle.append(context)
        lock.unlock()
    }
}
