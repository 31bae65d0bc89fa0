import CLZ4
import CLibDeflate
import CXXHash
import CZstd
import Foundation

/// A compressor for one ROOT compression algorithm: the writing side of ``Codec``.
///
/// To write another algorithm, conform a type to `BlockCompressor` and pass it in a
/// ``ROOTCompression``; the writer's framing (block headers, 16 MiB blocks, raw fallback) is shared.
public protocol BlockCompressor: Sendable {
    /// The two ASCII characters that start each block (`"ZL"`, `"L4"`, `"ZS"`).
    var tag: String { get }
    /// The method/version byte after the tag.
    var method: UInt8 { get }
    /// ROOT's algorithm number in `fCompress = 100 * algorithm + level`.
    var algorithm: Int { get }
    /// Compresses one block (at most 16 MiB − 1 bytes) into a block payload, or `nil` if the
    /// payload would not be smaller than `capacity` bytes.
    func compress(_ input: UnsafeRawBufferPointer, level: Int, capacity: Int) -> [UInt8]?
}

/// The compression setting of a written file: an algorithm and a level (0 = uncompressed).
public struct ROOTCompression: Sendable {
    public var compressor: (any BlockCompressor)?
    public var level: Int

    public init(_ compressor: (any BlockCompressor)?, level: Int) {
        self.compressor = compressor
        self.level = compressor == nil ? 0 : level
    }

    /// No compression (`fCompress = 0`).
    public static let none = ROOTCompression(nil, level: 0)
    /// zlib (ROOT's algorithm 1); levels 1–9. ROOT's compiled-in default is level 1.
    public static func zlib(level: Int = 1) -> ROOTCompression { ROOTCompression(ZlibCompressor(), level: level) }
    /// LZ4 (algorithm 4).
    public static func lz4(level: Int = 4) -> ROOTCompression { ROOTCompression(LZ4Compressor(), level: level) }
    /// ZSTD (algorithm 5).
    public static func zstd(level: Int = 5) -> ROOTCompression { ROOTCompression(ZstdCompressor(), level: level) }

    /// The header's and the trees' `fCompress`.
    public var code: Int32 { Int32((compressor?.algorithm ?? 0) * 100 + level) }

    /// ROOT's largest block input (`kMAXZIPBUF`).
    static let maximumBlock = 0xFF_FFFF

    /// `object` as stored in a record: a chain of compression blocks, or the object itself when
    /// compression is off or does not make it smaller (ROOT's rule: then readers see
    /// `fNbytes - fKeylen == fObjlen` and copy).
    func store(_ object: [UInt8]) -> [UInt8] {
        guard let compressor, level > 0, object.count > 0 else { return object }
        var stored: [UInt8] = []
        stored.reserveCapacity(object.count / 2)
        let tag = Array(compressor.tag.utf8)
        let fitted = object.withUnsafeBytes { all -> Bool in
            var start = 0
            while start < all.count {
                let end = min(all.count, start + Self.maximumBlock)
                let block = UnsafeRawBufferPointer(rebasing: all[start ..< end])
                // a block must shrink the whole object: give up at the first one that does not
                let room = object.count - stored.count - 9 - (all.count - end)
                guard room > 0, let payload = compressor.compress(block, level: level, capacity: room) else { return false }
                stored.append(contentsOf: tag)
                stored.append(compressor.method)
                for size in [payload.count, block.count] {
                    stored.append(UInt8(size & 0xFF))
                    stored.append(UInt8(size >> 8 & 0xFF))
                    stored.append(UInt8(size >> 16 & 0xFF))
                }
                stored.append(contentsOf: payload)
                start = end
            }
            return true
        }
        return fitted && stored.count < object.count ? stored : object
    }
}

/// `ZL`: a zlib-wrapped deflate stream (libdeflate).
public struct ZlibCompressor: BlockCompressor {
    /// Compressors kept for reuse, one pool per level (index 1–12): allocating one costs more
    /// than compressing a small basket.
    static let compressors = (0 ... 12).map { level in
        ContextPool(make: { libdeflate_alloc_compressor(Int32(max(level, 1))) }, free: libdeflate_free_compressor)
    }
    public init() {}
    public var tag: String { "ZL" }
    public var method: UInt8 { 8 }
    public var algorithm: Int { 1 }
    public func compress(_ input: UnsafeRawBufferPointer, level: Int, capacity: Int) -> [UInt8]? {
        let pool = Self.compressors[min(max(level, 1), 12)]
        guard let compressor = pool.take() else { return nil }
        defer { pool.put(compressor) }
        let out = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            initialized = libdeflate_zlib_compress(compressor, input.baseAddress, input.count, buffer.baseAddress, capacity)
        }
        return out.isEmpty ? nil : out
    }
}

/// `L4`: the big-endian XXH64 of the LZ4 block, then one raw LZ4 block. The level only goes into
/// `fCompress`: blocks are always LZ4's fast mode (ROOT switches to LZ4HC from level 4; readers cannot tell).
public struct LZ4Compressor: BlockCompressor {
    public init() {}
    public var tag: String { "L4" }
    public var method: UInt8 { 1 }
    public var algorithm: Int { 4 }
    public func compress(_ input: UnsafeRawBufferPointer, level: Int, capacity: Int) -> [UInt8]? {
        guard capacity > 8, input.count <= Int(Int32.max) else { return nil }
        let out = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            let source = input.baseAddress?.assumingMemoryBound(to: CChar.self)
            let destination = UnsafeMutableRawPointer(buffer.baseAddress! + 8).assumingMemoryBound(to: CChar.self)
            let produced = Int(LZ4_compress_default(source, destination, Int32(input.count), Int32(capacity - 8)))
            guard produced > 0 else { initialized = 0; return }
            let checksum = XXH64(buffer.baseAddress! + 8, produced, 0).bigEndian
            withUnsafeBytes(of: checksum) { for k in 0 ..< 8 { buffer[k] = $0[k] } }
            initialized = 8 + produced
        }
        return out.isEmpty ? nil : out
    }
}

/// `ZS`: one zstd frame.
public struct ZstdCompressor: BlockCompressor {
    /// Compression contexts kept for reuse: a level-5 context is megabytes of tables.
    static let contexts = ContextPool(make: ZSTD_createCCtx, free: { _ = ZSTD_freeCCtx($0) })
    public init() {}
    public var tag: String { "ZS" }
    public var method: UInt8 { 1 }
    public var algorithm: Int { 5 }
    public func compress(_ input: UnsafeRawBufferPointer, level: Int, capacity: Int) -> [UInt8]? {
        guard let context = Self.contexts.take() else { return nil }
        defer { Self.contexts.put(context) }
        let out = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            let produced = ZSTD_compressCCtx(context, buffer.baseAddress, capacity, input.baseAddress, input.count, Int32(level))
            initialized = ZSTD_isError(produced) == 0 ? produced : 0
        }
        return out.isEmpty ? nil : out
    }
}
