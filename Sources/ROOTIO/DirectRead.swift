import Dispatch

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
        let values = try makeValues(type, count: range.count * perEntry) { destination throws(DecodeError) in
            nonisolated(unsafe) let destination = destination
            let results = ResultSlots<Void>(count: locations.count)
            DispatchQueue.concurrentPerform(iterations: locations.count) { i in
                do {
                    try self.fillFixed(locations[i], of: branch, range: range, type: type, perEntry: perEntry, into: destination)
                    results[i] = .success(())
                } catch let error as DecodeError {
                    results[i] = .failure(error)
                } catch {
                    results[i] = .failure(.malformed("\(error)"))
                }
            }
            for (i, result) in results.take().enumerated() {
                if case .failure(let error)? = result { throw DecodeError(error.reason.prefixed("basket \(locations[i].index)")) }
            }
        }
        return Column(values: values, entryCount: range.count, offsets: nil, innerOffsets: nil, shape: shape)
    }

    /// Writes the entries of one basket that fall in `range` to their place in `destination`.
    private func fillFixed(_ location: BasketLocation, of branch: BranchModel, range: Range<Int64>, type: ElementType,
                           perEntry: Int, into destination: UnsafeMutableRawPointer) throws(DecodeError) {
        let entrySize = perEntry * type.diskSize
        let lower = Int(max(range.lowerBound, location.firstEntry) - location.firstEntry)
        let upper = Int(min(range.upperBound, location.firstEntry + Int64(location.entryCount)) - location.firstEntry)
        guard lower < upper else { return }
        let out = destination + Int(location.firstEntry + Int64(lower) - range.lowerBound) * entrySize
        if case let .stored(seek, bytes) = location.source {
            let header = try basketHeader(seek: seek, bytes: bytes, entryCount: location.entryCount)
            // the common case: the whole basket is wanted and holds exactly its entries, no offsets
            if lower == 0, upper == header.entryCount, header.dataLength == header.objectLength,
               header.objectLength == upper * entrySize {
                try codecs.checkExpandedSize(header.stored, objectLength: header.objectLength)
                try codecs.expand(header.stored, into: UnsafeMutableRawBufferPointer(start: out, count: header.objectLength))
                toNativeInPlace(type, out, count: upper * perEntry)
                return
            }
        }
        let basket = try decodeBasket(location, of: branch)
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
