import HEPKitSupport

/// Where one basket of a branch is and which entries it holds.
struct BasketLocation: Sendable {
    enum Source: Sendable {
        case stored(seek: Int64, bytes: Int)
        case embedded(Int)
    }
    var index: Int
    var firstEntry: Int64
    var entryCount: Int
    var source: Source
}

extension ByteReader {
    /// The `TBasket` fields after the key strings (§10.1). They end at `fKeylen`; if the strings
    /// do not fill the key exactly (seen in embedded baskets), they are the 19 bytes before it.
    mutating func basketFields(keyStart: Int, keyLength: Int) throws(DecodeError) -> (entrySize: Int, entryCount: Int, last: Int, flag: UInt8) {
        func fields(_ reader: inout ByteReader, ioBits: Bool) throws(DecodeError) -> (Int, Int, Int, UInt8) {
            _ = try reader.u16() // fVersion
            _ = try reader.i32() // fBufferSize
            let nevBufSize = Int(try reader.i32())
            if ioBits, nevBufSize < 0 { _ = try reader.u8() } // fIOBits
            return (nevBufSize, Int(try reader.i32()), Int(try reader.i32()), try reader.u8())
        }
        var result = try fields(&self, ioBits: true)
        if position != keyStart + keyLength {
            let target = keyStart + keyLength - 19
            guard target >= keyStart, target <= bytes.count else { throw .malformed("basket fKeylen \(keyLength) is too small") }
            position = target
            result = try fields(&self, ioBits: false)
        }
        position = keyStart + keyLength
        return result
    }
}

/// The parsed header of a stored basket and its stored (possibly compressed) payload.
struct BasketHeader {
    var keyLength: Int
    var objectLength: Int
    var entryCount: Int
    var last: Int
    var flag: UInt8
    /// The record's bytes after the key, in the memory map.
    var stored: UnsafeRawBufferPointer

    /// Entry data bytes (`fLast - fKeylen`).
    var dataLength: Int { last - keyLength }
}

/// One basket after decompression: entry data plus where each entry starts.
struct DecodedBasket: Sendable {
    /// The entry data (`fLast - fKeylen` bytes).
    var data: [UInt8]
    var entryCount: Int
    /// `entryCount + 1` entry start positions relative to `data`, when the basket stores offsets.
    var starts: [Int]?

    /// Byte range of entry `j`, for fixed-size entries of `size` bytes when no offsets exist.
    @inline(__always)
    func range(of j: Int, fixedSize size: Int) -> Range<Int> {
        if let starts { return starts[j] ..< starts[j + 1] }
        return j * size ..< (j + 1) * size
    }
}

extension BranchModel {
    /// Every basket of the branch in entry order: the stored ones, then the embedded ones.
    func basketLocations() throws(DecodeError) -> [BasketLocation] {
        var locations: [BasketLocation] = []
        let n = Swift.min(writeBasket, basketSeek.count, basketBytes.count, basketEntry.count)
        var next: Int64 = 0
        for i in 0 ..< n {
            guard basketSeek[i] != 0, basketBytes[i] > 0 else { break }
            let first = basketEntry[i]
            let stop = i + 1 < basketEntry.count && (i + 1 < n || basketEntry[i + 1] > first) ? basketEntry[i + 1] : entries
            guard first == next, stop >= first, stop <= entries else {
                throw .malformed("branch '\(name)': basket \(i) spans entries \(first)..<\(stop) (expected to start at \(next), tree has \(entries))")
            }
            locations.append(BasketLocation(index: i, firstEntry: first, entryCount: Int(stop - first),
                                            source: .stored(seek: basketSeek[i], bytes: Int(basketBytes[i]))))
            next = stop
        }
        for (k, basket) in embedded.enumerated() where basket.entryCount > 0 {
            locations.append(BasketLocation(index: locations.count, firstEntry: next, entryCount: basket.entryCount, source: .embedded(k)))
            next += Int64(basket.entryCount)
        }
        guard next == entries else {
            throw .malformed("branch '\(name)': baskets hold \(next) entries, branch has \(entries)")
        }
        return locations
    }
}

extension ROOTFile {
    /// Reads, decompresses and splits one basket into data and entry starts.
    func decodeBasket(_ location: BasketLocation, of branch: BranchModel) throws(DecodeError) -> DecodedBasket {
        switch location.source {
        case .embedded(let k):
            let basket = branch.embedded[k]
            let starts = try basket.offsets.map { offsets throws(DecodeError) in
                try Self.entryStarts(offsets, count: basket.entryCount, keyLength: basket.keyLength, last: basket.last)
            }
            return DecodedBasket(data: basket.data, entryCount: basket.entryCount, starts: starts)
        case let .stored(seek, bytes):
            let header = try basketHeader(seek: seek, bytes: bytes, entryCount: location.entryCount)
            let (keyLength, nevBuf, last, flag) = (header.keyLength, header.entryCount, header.last, header.flag)
            let payload = try decompressRecord(header.stored, objectLength: header.objectLength)
            let border = last - keyLength
            guard border >= 0, border <= payload.count else {
                throw .malformed("basket fLast \(last) outside the \(payload.count)-byte payload")
            }
            var starts: [Int]?
            if border < payload.count, flag < 80, nevBuf > 0 {
                starts = try payload.withBytes { raw throws(DecodeError) -> [Int] in
                        var offsetReader = ByteReader(UnsafeRawBufferPointer(rebasing: raw[border...]))
                        let n = try offsetReader.count("entry offsets", elementSize: 4)
                        guard n >= nevBuf else { throw .malformed("basket has \(n) entry offsets for \(nevBuf) entries") }
                        var offsets: [Int32] = []
                        offsets.reserveCapacity(nevBuf)
                        for _ in 0 ..< nevBuf { offsets.append(try offsetReader.i32()) }
                        return try Self.entryStarts(offsets, count: nevBuf, keyLength: keyLength, last: last)
                }
            }
            var data = payload
            data.removeLast(payload.count - border) // drops the offsets in place, no copy of the data
            return DecodedBasket(data: data, entryCount: nevBuf, starts: starts)
        }
    }

    /// The key and basket header of a stored basket (§10.1), validated against the branch's view.
    func basketHeader(seek: Int64, bytes: Int, entryCount: Int) throws(DecodeError) -> BasketHeader {
        var reader = ByteReader(try storage.slice(seek, bytes))
        let key = try ROOTKey(&reader)
        let keyLength = Int(key.keyLength)
        let fields = try reader.basketFields(keyStart: 0, keyLength: keyLength)
        guard keyLength <= bytes, Int(key.totalBytes) == bytes else {
            throw .malformed("basket key: fKeylen \(keyLength), fNbytes \(key.totalBytes), expected \(bytes) bytes")
        }
        guard fields.entryCount == entryCount else {
            throw .malformed("basket holds \(fields.entryCount) entries, branch says \(entryCount)")
        }
        return BasketHeader(keyLength: keyLength, objectLength: Int(key.objectLength), entryCount: fields.entryCount,
                            last: fields.last, flag: fields.flag, stored: UnsafeRawBufferPointer(rebasing: reader.bytes[keyLength...]))
    }

    /// Converts stored entry offsets (positions in the key-including buffer) into `count + 1`
    /// validated positions relative to the data.
    static func entryStarts(_ offsets: [Int32], count: Int, keyLength: Int, last: Int) throws(DecodeError) -> [Int] {
        guard offsets.count >= count else { throw .malformed("\(offsets.count) entry offsets for \(count) entries") }
        var starts = [Int](repeating: 0, count: count + 1)
        var previous = 0
        for j in 0 ..< count {
            let start = Int(offsets[j]) - keyLength
            guard start >= previous, start <= last - keyLength else {
                throw .malformed("entry offset \(offsets[j]) of entry \(j) is out of order or outside the basket")
            }
            starts[j] = start
            previous = start
        }
        starts[count] = last - keyLength
        return starts
    }

    /// Entry starts for baskets of a variable-size leaf stored without entry offsets (third-party
    /// writers): the sizes come from the counter branch over the same entries.
    func addStartsFromCounter(_ counter: BranchModel, to baskets: inout [DecodedBasket], locations: [BasketLocation],
                              itemSize: Int) throws(DecodeError) {
        guard let first = locations.first, let last = locations.last else { return }
        let span = first.firstEntry ..< last.firstEntry + Int64(last.entryCount)
        let interpretation = try counter.interpretation()
        guard case .fixed(1) = interpretation.layout, let type = interpretation.type else {
            throw .malformed("counter branch '\(counter.name)' does not hold one integer per entry")
        }
        let counterLocations = try counter.basketLocations().filter {
            $0.firstEntry < span.upperBound && $0.firstEntry + Int64($0.entryCount) > span.lowerBound
        }
        let counts = try readFixed(counter, counterLocations, range: span, type: type, perEntry: 1, shape: []).values
        for (i, location) in locations.enumerated() where baskets[i].starts == nil {
            var starts = [0]
            starts.reserveCapacity(location.entryCount + 1)
            for j in 0 ..< location.entryCount {
                let n = counts.double(at: Int(location.firstEntry - span.lowerBound) + j)
                guard n >= 0, n <= Double(baskets[i].data.count) else { throw .malformed("counter value \(n) out of range") }
                starts.append(starts[j] + Int(n) * itemSize)
            }
            guard starts.last! <= baskets[i].data.count else {
                throw .malformed("counter '\(counter.name)' asks for \(starts.last!) bytes, basket has \(baskets[i].data.count)")
            }
            baskets[i].starts = starts
        }
    }

    /// Decodes the baskets in parallel (on the ``HEPKitSupport/ThreadBudget``); the first failure is rethrown naming the basket.
    func decodeBaskets(_ locations: [BasketLocation], of branch: BranchModel) throws(DecodeError) -> [DecodedBasket] {
        try forEachBasket(locations) { i throws(DecodeError) in try decodeBasket(locations[i], of: branch) }
    }
}

/// Runs `body(i)` for every basket on the thread budget and returns the results in basket
/// order; a failure is rethrown naming its basket (the first in basket order, so the error does
/// not depend on thread timing).
func forEachBasket<T>(_ locations: [BasketLocation], _ body: (Int) throws(DecodeError) -> T) throws(DecodeError) -> [T] {
    let results = ResultSlots<Result<T, DecodeError>>(count: locations.count)
    parallelForEach(locations.count) { i in
        do throws(DecodeError) {
            results[i] = .success(try body(i))
        } catch {
            results[i] = .failure(error)
        }
    }
    var values: [T] = []
    values.reserveCapacity(locations.count)
    for (i, result) in results.take().enumerated() {
        switch result {
        case .success(let value): values.append(value)
        case .failure(let error): throw DecodeError(error.reason.prefixed("basket \(locations[i].index)"))
        case nil: throw .malformed("basket \(locations[i].index) was not decoded")
        }
    }
    return values
}

/// A basket serialised inside its branch (a tree that was not closed cleanly).
struct EmbeddedBasket: Sendable {
    var keyLength: Int
    var entryCount: Int
    var last: Int
    /// The entry data (`fLast - fKeylen` bytes).
    var data: [UInt8]
    /// Entry start positions in the key-including buffer, if stored.
    var offsets: [Int32]?
}

extension ObjectReader {
    /// A `TBasket` serialised inside a branch's `fBaskets` (§8.3).
    mutating func embeddedBasket() throws(DecodeError) -> EmbeddedBasket {
        let keyStart = reader.position
        let key = try ROOTKey(&reader)
        let keyLength = Int(key.keyLength)
        let header = try reader.basketFields(keyStart: keyStart, keyLength: keyLength)
        let (nevBuf, last) = (header.entryCount, header.last)
        guard nevBuf >= 0, last >= keyLength else {
            throw .malformed("embedded basket of '\(key.name)': fNevBuf \(nevBuf), fLast \(last), fKeylen \(keyLength)")
        }
        // TBasket::Streamer: offsets for flags other than 0, x2 and >= 80, displacements above 40
        var offsets: [Int32]?
        let flag = Int(header.flag)
        if nevBuf > 0, flag != 0, flag % 10 != 2, flag < 80 {
            let n = try reader.count("embedded basket offsets", elementSize: 4)
            guard n >= nevBuf else { throw .malformed("embedded basket has \(n) offsets for \(nevBuf) entries") }
            offsets = try (0 ..< n).map { _ throws(DecodeError) in try reader.i32() }
            if flag > 40 { try reader.skip(4 * reader.count("embedded basket displacements", elementSize: 4)) }
        }
        // ROOT writes the buffer only for flag 1 or > 10; otherwise the basket is an empty placeholder
        guard header.flag == 1 || header.flag > 10 else {
            return EmbeddedBasket(keyLength: keyLength, entryCount: 0, last: keyLength, data: [], offsets: nil)
        }
        let buffer = try reader.rawBytes(last)
        return EmbeddedBasket(keyLength: keyLength, entryCount: nevBuf, last: last,
                              data: Array(buffer[keyLength...]), offsets: offsets)
    }
}
