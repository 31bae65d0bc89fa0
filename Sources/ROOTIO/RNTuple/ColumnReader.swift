import Foundation
import HEPKitSupport

/// The decoded elements of one logical column of a field over a run of clusters.
struct DecodedColumn {
    var values: Column.Values
    /// Elements per cluster, in cluster order.
    var clusterCounts: [Int]
    var kind: DecodedKind
}

extension RNTuple {
    /// Decodes column `position` of field `fieldID` over `clusters`. Pages are decompressed and
    /// decoded in parallel, each straight into its place in the result array.
    ///
    /// `multiplicity` is the number of column elements per entry when that is fixed (fields not
    /// inside a collection): a deferred column (of a field added after writing started) then has
    /// implicit zeros at the front, which are filled in.
    func decodeColumn(field fieldID: Int, position: Int, clusters: Range<Int>, multiplicity: Int?) throws(DecodeError) -> DecodedColumn {
        let representations = columnsOfField[fieldID]
        guard !representations.isEmpty else { throw .malformed("field '\(descriptor.fields[fieldID].name)' has no columns") }
        struct Piece { var column: Int; var padding: Int; var elements: Int }
        var pieces: [Piece] = []
        var found: DecodedKind?
        var paddingLeft: [Int: UInt64] = [:]
        var implicit = 0
        for c in clusters {
            let cluster = descriptor.clusters[c]
            // the representation active in this cluster: the first one not suppressed
            let active = representations.first { columns in
                columns.allSatisfy { $0 >= cluster.columns.count || cluster.columns[$0].elementOffset != nil }
            } ?? representations[0]
            guard position < active.count else { throw .malformed("field '\(descriptor.fields[fieldID].name)' lacks column \(position)") }
            let physical = active[position]
            let record = descriptor.columns[physical]
            if found == nil { found = record.type.output }
            guard record.type.output == found else {
                throw .unsupported("alternative column representations of different types (\(record.type)) in one read")
            }
            let pages = physical < cluster.columns.count ? cluster.columns[physical].pages : []
            var elements = 0
            for page in pages {
                let (sum, overflow) = elements.addingReportingOverflow(page.elementCount)
                guard !overflow else { throw .malformed("page element counts overflow") }
                elements = sum
            }
            var padding = 0
            if let multiplicity {
                let expected = try checkedProduct(Int(cluster.entryCount), multiplicity, "elements of a cluster")
                guard elements <= expected else {
                    throw .malformed("column \(physical) has \(elements) elements in cluster \(c), its field has \(expected)")
                }
                padding = expected - elements
                if padding > 0 {
                    // only the elements before a deferred column's first index are implicit
                    let left = paddingLeft[physical] ?? record.firstElementIndex
                    guard UInt64(padding) <= left else {
                        throw .malformed("column \(physical) has \(elements) elements in cluster \(c), its field has \(expected)")
                    }
                    paddingLeft[physical] = left - UInt64(padding)
                    // implicit zeros are backed by no bytes: a lying entry count must not allocate without bound
                    implicit += padding
                    guard implicit <= Self.maximumImplicitElements else {
                        throw .unsupported("more than \(Self.maximumImplicitElements) implicit elements of deferred column \(physical) in one read")
                    }
                }
            }
            pieces.append(Piece(column: physical, padding: padding, elements: elements))
        }
        let kind = found ?? descriptor.columns[representations[0][position]].type.output
        var total = 0
        var tasks: [(page: ColumnPages.Page, column: Int, start: Int)] = []
        for (piece, c) in zip(pieces, clusters) {
            total += piece.padding
            if piece.elements > 0 {
                for page in descriptor.clusters[c].columns[piece.column].pages {
                    tasks.append((page, piece.column, total))
                    total += page.elementCount
                }
            }
            guard total >= 0 else { throw .malformed("column elements overflow") }
        }
        let paddings = zip(pieces, pieces.indices).map { ($0.0.padding, $0.1) }
        var starts: [Int] = []
        var position = 0
        for piece in pieces {
            starts.append(position)
            position += piece.padding + piece.elements
        }
        let decoders = Dictionary(uniqueKeysWithValues: Set(pieces.map(\.column)).map { ($0, PageDecoder(descriptor.columns[$0])) })

        // every page's size claim is checked against its stored bytes before the output is allocated
        for task in tasks {
            let decoder = decoders[task.column]!
            let length = try decoder.pageBytes(elements: task.page.elementCount)
            let stored = try file.rntupleBytes(at: task.page.locator.offset, count: task.page.locator.size)
            try file.codecs.checkExpandedSize(stored, objectLength: length)
        }
        _ = try checkedProduct(total, kind.stride, "column bytes")

        let failure = FirstError()
        func fill(_ base: UnsafeMutableRawPointer) {
            for (padding, p) in paddings where padding > 0 {
                (base + starts[p] * kind.stride).initializeMemory(as: UInt8.self, repeating: 0, count: padding * kind.stride)
            }
            parallelForEach(tasks.count) { t in
                let task = tasks[t]
                do throws(DecodeError) {
                    try decodePage(task.page, decoder: decoders[task.column]!, into: base + task.start * kind.stride)
                } catch {
                    failure.record(error)
                }
            }
        }
        let values: Column.Values
        switch kind {
        case .bool: values = .bool(Self.filled(Bool.self, total, fill))
        case .uint8: values = .uint8(Self.filled(UInt8.self, total, fill))
        case .int8: values = .int8(Self.filled(Int8.self, total, fill))
        case .int16: values = .int16(Self.filled(Int16.self, total, fill))
        case .uint16: values = .uint16(Self.filled(UInt16.self, total, fill))
        case .int32: values = .int32(Self.filled(Int32.self, total, fill))
        case .uint32: values = .uint32(Self.filled(UInt32.self, total, fill))
        case .int64, .index: values = .int64(Self.filled(Int64.self, total, fill))
        case .uint64: values = .uint64(Self.filled(UInt64.self, total, fill))
        case .float: values = .float(Self.filled(Float.self, total, fill))
        case .double: values = .double(Self.filled(Double.self, total, fill))
        case .switch: values = .uint64(Self.filled(UInt64.self, 2 * total, fill))
        }
        if let error = failure.error { throw error }
        return DecodedColumn(values: values, clusterCounts: pieces.map { $0.padding + $0.elements }, kind: kind)
    }

    /// The most implicit zeros of deferred columns one read fills in (read in chunks beyond that).
    static let maximumImplicitElements = 1 << 31

    private static func filled<T>(_: T.Type, _ count: Int, _ fill: (UnsafeMutableRawPointer) -> Void) -> [T] {
        [T](unsafeUninitializedCapacity: count) { buffer, initialized in
            if let base = buffer.baseAddress { fill(UnsafeMutableRawPointer(base)) }
            initialized = count
        }
    }

    /// Verifies, expands and decodes one page into `destination`.
    private func decodePage(_ page: ColumnPages.Page, decoder: PageDecoder, into destination: UnsafeMutableRawPointer) throws(DecodeError) {
        let stored = try file.rntupleBytes(at: page.locator.offset, count: page.locator.size)
        if page.hasChecksum {
            let (end, overflow) = page.locator.offset.addingReportingOverflow(page.locator.size)
            guard !overflow else { throw .malformed("page checksum offset overflows") }
            let checksum = try file.rntupleBytes(at: end, count: 8)
            guard UInt64(littleEndian: checksum.loadUnaligned(as: UInt64.self)) == xxh3(stored) else {
                throw .malformed("page at offset \(page.locator.offset): checksum mismatch")
            }
        }
        let length = try decoder.pageBytes(elements: page.elementCount)
        if stored.count == length {
            decoder.decode(stored, count: page.elementCount, into: destination)
            return
        }
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: length, alignment: 16)
        defer { scratch.deallocate() }
        do throws(DecodeError) {
            try file.codecs.expand(stored, into: scratch)
        } catch {
            throw DecodeError(error.reason.prefixed("page at offset \(page.locator.offset)"))
        }
        decoder.decode(UnsafeRawBufferPointer(scratch), count: page.elementCount, into: destination)
    }
}

/// The first error raised by parallel iterations.
final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var error: DecodeError?

    func record(_ error: DecodeError) {
        lock.lock()
        if self.error == nil { self.error = error }
        lock.unlock()
    }
}
