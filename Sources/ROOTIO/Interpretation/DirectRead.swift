extension ElementType {
    /// Same size on disk and in memory, so a basket can be expanded straight into the result.
    var isPlain: Bool {
        switch self {
        case .double32, .float16: false
        default: true
        }
    }
}

extension ROOTFile {
    /// Fixed-size entries of plain numbers: every basket is decompressed straight into its slot of
    /// the result array and converted there, baskets in parallel on all cores.
    func readFixed(_ branch: BranchModel, _ locations: [BasketLocation], range: Range<Int64>, type: ElementType,
                   perEntry: Int, shape: [Int]) throws(DecodeError) -> Column {
        let entrySize = try checkedProduct(perEntry, type.diskSize, "bytes per entry")
        // sizes come from the file: every basket must hold its entries in full before anything is allocated
        var headers: [BasketHeader?] = []
        headers.reserveCapacity(locations.count)
        for location in locations {
            let header = try checkFixedBasket(location, of: branch, entrySize: entrySize)
            headers.append(header)
        }
        let values = try makeValues(type, count: checkedProduct(range.count, perEntry, "values")) { destination throws(DecodeError) in
            nonisolated(unsafe) let destination = destination
            _ = try forEachBasket(locations) { i throws(DecodeError) in
                try self.fillFixed(locations[i], header: headers[i], of: branch, range: range, type: type,
                                   perEntry: perEntry, into: destination)
            }
        }
        return Column(values: values, entryCount: range.count, offsets: nil, innerOffsets: nil, shape: shape)
    }

    /// The header of a stored basket of fixed-size entries, after checking that its entries of
    /// `entrySize` bytes fit in its uncompressed size (validated against its compression blocks).
    private func checkFixedBasket(_ location: BasketLocation, of branch: BranchModel, entrySize: Int) throws(DecodeError) -> BasketHeader? {
        let needed = try checkedProduct(location.entryCount, entrySize, "basket bytes")
        let available: Int
        var header: BasketHeader?
        switch location.source {
        case .embedded(let k):
            available = branch.embedded[k].data.count
        case let .stored(seek, bytes):
            do {
                let stored = try basketHeader(seek: seek, bytes: bytes, entryCount: location.entryCount)
                try codecs.checkExpandedSize(stored.stored, objectLength: stored.objectLength)
                available = stored.objectLength
                header = stored
            } catch {
                throw DecodeError(error.reason.prefixed("basket \(location.index)"))
            }
        }
        guard needed <= available else {
            throw .malformed("basket \(location.index): \(location.entryCount) entries of \(entrySize) bytes need \(needed) bytes, the basket holds \(available)")
        }
        return header
    }

    /// Writes the entries of one basket that fall in `range` to their place in `destination`.
    private func fillFixed(_ location: BasketLocation, header: BasketHeader?, of branch: BranchModel, range: Range<Int64>,
                           type: ElementType, perEntry: Int, into destination: UnsafeMutableRawPointer) throws(DecodeError) {
        let entrySize = perEntry * type.diskSize
        let lower = Int(max(range.lowerBound, location.firstEntry) - location.firstEntry)
        let upper = Int(min(range.upperBound, location.firstEntry + Int64(location.entryCount)) - location.firstEntry)
        guard lower < upper else { return }
        let out = destination + Int(location.firstEntry + Int64(lower) - range.lowerBound) * entrySize
        // the common case: the whole basket is wanted and holds exactly its entries, no offsets
        if let header, lower == 0, upper == header.entryCount, header.dataLength == header.objectLength,
           header.objectLength == upper * entrySize {
            try codecs.expand(header.stored, into: UnsafeMutableRawBufferPointer(start: out, count: header.objectLength))
            toNativeInPlace(type, out, count: upper * perEntry)
            return
        }
        let basket = try decodeBasket(location, of: branch)
        try basket.requireFixedEntries(of: entrySize)
        let first = basket.range(of: lower, fixedSize: entrySize).lowerBound
        let last = basket.range(of: upper - 1, fixedSize: entrySize).upperBound
        guard first >= 0, last <= basket.data.count, last - first == (upper - lower) * entrySize else {
            throw .malformed("entries of \(entrySize) bytes expected; basket has \(basket.data.count) data bytes for \(basket.entryCount) entries")
        }
        basket.data.withUnsafeBytes { raw in
            decodeElements(type, from: raw.baseAddress! + first, count: (upper - lower) * perEntry, into: out)
        }
    }
}

extension DecodedBasket {
    /// Checks that a basket of fixed-size entries stored without offsets holds exactly its entries:
    /// a wrong entry size (a corrupt `fLen`) must not read the wrong bytes as values, even when
    /// only the first entries are wanted.
    func requireFixedEntries(of entrySize: Int) throws(DecodeError) {
        guard starts == nil else { return }
        let (needed, overflow) = entryCount.multipliedReportingOverflow(by: entrySize)
        guard !overflow, needed == data.count else {
            throw .malformed("\(entryCount) entries of \(entrySize) bytes expected; basket has \(data.count) data bytes")
        }
    }
}

extension ROOTFile {
    /// Variable-size arrays of plain numbers sized by a counter leaf (`x[n]`), every basket wanted
    /// whole and storing entry offsets: the value count comes from the basket headers, then each
    /// basket is decompressed once and converted straight into the result, its entry offsets into
    /// the result's offsets, baskets in parallel. No per-basket data copies or entry-start arrays.
    /// `nil` when a basket does not fit this pattern; the general path then reads (or rejects) it.
    func readJaggedDirect(_ locations: [BasketLocation], range: Range<Int64>, type: ElementType, itemCount: Int,
                          shape: [Int]) throws(DecodeError) -> Column? {
        let itemSize = itemCount * type.diskSize
        guard itemSize > 0 else { return nil }
        var headers: [BasketHeader] = []
        var valueStarts: [Int] = []
        var total = 0
        headers.reserveCapacity(locations.count)
        for location in locations {
            guard case let .stored(seek, bytes) = location.source, location.firstEntry >= range.lowerBound,
                  location.firstEntry + Int64(location.entryCount) <= range.upperBound,
                  let header = try? basketHeader(seek: seek, bytes: bytes, entryCount: location.entryCount),
                  header.flag < 80, header.entryCount > 0, header.dataLength >= 0,
                  header.dataLength < header.objectLength, header.dataLength % itemSize == 0,
                  // the entry offsets after the data must have room for every entry
                  header.entryCount <= (header.objectLength - header.dataLength) / 4,
                  (try? codecs.checkExpandedSize(header.stored, objectLength: header.objectLength)) != nil else { return nil }
            headers.append(header)
            valueStarts.append(total)
            total += header.dataLength / type.diskSize
        }
        var offsets = [Int](repeating: 0, count: range.count + 1)
        let values = try offsets.withUnsafeMutableBufferPointer { offsets throws(DecodeError) in
            nonisolated(unsafe) let offsets = offsets
            return try makeValues(type, count: total) { destination throws(DecodeError) in
                nonisolated(unsafe) let destination = destination
                _ = try forEachBasket(locations) { i throws(DecodeError) in
                    try self.fillJagged(headers[i], type: type, itemSize: itemSize, valueStart: valueStarts[i],
                                   into: destination, offsets: offsets.baseAddress! + Int(locations[i].firstEntry - range.lowerBound))
                }
            }
        }
        return Column(values: values, entryCount: range.count, offsets: offsets, innerOffsets: nil, shape: shape)
    }

    /// Decompresses one basket, converts its data to values from `valueStart` on and writes the
    /// end offset of each of its entries to `offsets[1...]` (the basket's first entry is `offsets[0]`).
    private func fillJagged(_ header: BasketHeader, type: ElementType, itemSize: Int, valueStart: Int,
                            into destination: UnsafeMutableRawPointer, offsets: UnsafeMutablePointer<Int>) throws(DecodeError) {
        let payload = try decompressRecord(header.stored, objectLength: header.objectLength)
        let border = header.dataLength
        try payload.withBytes { raw throws(DecodeError) in
            var reader = ByteReader(UnsafeRawBufferPointer(rebasing: raw[border...]))
            let n = try reader.count("entry offsets", elementSize: 4)
            guard n >= header.entryCount else { throw .malformed("basket has \(n) entry offsets for \(header.entryCount) entries") }
            var start = Int(try reader.i32()) - header.keyLength
            guard start == 0 else { throw .malformed("first entry offset \(start + header.keyLength) is not the basket's data start \(header.keyLength)") }
            var value = valueStart
            for j in 0 ..< header.entryCount {
                let end = j + 1 < header.entryCount ? Int(try reader.i32()) - header.keyLength : border
                guard end >= start, end <= border, (end - start) % itemSize == 0 else {
                    throw .malformed("entry \(j): offsets \(start)..<\(end) are out of order, outside the basket or not whole \(itemSize)-byte items")
                }
                value += (end - start) / type.diskSize
                offsets[j + 1] = value
                start = end
            }
            if let base = raw.baseAddress {
                decodeElements(type, from: base, count: border / type.diskSize, into: destination + valueStart * type.memorySize)
            }
        }
    }
}
