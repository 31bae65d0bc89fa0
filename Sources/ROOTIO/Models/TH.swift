/// A histogram (`TH1*`, `TH2*`, `TH3*`, `TProfile`) with its bin contents including under- and overflow.
public struct Histogram: Sendable {
    /// One axis.
    public struct Axis: Sendable, Equatable {
        public var name: String
        public var title: String
        public var binCount: Int
        public var low: Double
        public var high: Double
        /// Bin edges for variable binning (`binCount + 1` values), empty for uniform bins.
        public var variableEdges: [Double]

        /// The `binCount + 1` bin edges.
        public var edges: [Double] {
            if variableEdges.count == binCount + 1 { return variableEdges }
            // numpy.linspace arithmetic, so edges match uproot bit for bit
            let step = (high - low) / Double(binCount)
            return (0 ... binCount).map { $0 == binCount ? high : low + Double($0) * step }
        }
    }

    public var className: String
    public var name: String
    public var title: String
    /// The x, y and z axes (only the first ``dimension`` are meaningful).
    public var axes: [Axis]
    /// 1, 2 or 3.
    public var dimension: Int
    /// `fEntries`.
    public var entries: Double
    /// Raw contents with flow bins, ROOT's order (x fastest): for a `TProfile` the per-bin sums.
    public var contentsWithFlow: [Double]
    /// `fSumw2` with flow bins, if stored.
    public var sumw2WithFlow: [Double]?
    /// `TProfile` only: entries per bin, with flow bins.
    public var binEntriesWithFlow: [Double]?

    /// Bin values with flow bins: contents, or bin means for profiles (0 where a bin has no entries).
    public var valuesWithFlow: [Double] {
        guard let binEntries = binEntriesWithFlow, binEntries.count == contentsWithFlow.count else { return contentsWithFlow }
        return zip(contentsWithFlow, binEntries).map { $1 == 0 ? 0 : $0 / $1 }
    }

    /// Bin values without flow bins, x fastest.
    public var values: [Double] { withoutFlow(valuesWithFlow) }

    /// `fSumw2` without flow bins, x fastest; nil when the histogram stores none.
    public var sumw2: [Double]? {
        guard let stored = sumw2WithFlow, stored.count == contentsWithFlow.count else { return nil }
        return withoutFlow(stored)
    }

    /// The cells of `all` (one per bin, flow bins included) that are not flow bins, x fastest.
    private func withoutFlow(_ all: [Double]) -> [Double] {
        let nx = axes[0].binCount, ny = axes[1].binCount
        let xs = 1 ..< nx + 1
        let ys = dimension > 1 ? 1 ..< ny + 1 : 0 ..< 1
        let zs = dimension > 2 ? 1 ..< axes[2].binCount + 1 : 0 ..< 1
        var result: [Double] = []
        for iz in zs {
            for iy in ys {
                for ix in xs {
                    let index = ix + (nx + 2) * (iy + (ny + 2) * iz)
                    result.append(index < all.count ? all[index] : .nan)
                }
            }
        }
        return result
    }
}

extension Histogram {
    /// Bins including under- and overflow, `Π (binCount + 2)`: axis sizes come from the file, so
    /// a product past `Int.max` is a malformed histogram, not a trap.
    static func cellCount(_ axes: ArraySlice<Axis>, name: String) throws(DecodeError) -> Int {
        var cells = 1
        for axis in axes {
            let (product, overflow) = cells.multipliedReportingOverflow(by: axis.binCount + 2)
            guard !overflow else {
                throw .malformed("histogram '\(name)': axis sizes \(axes.map(\.binCount)) give more than \(Int.max) bins")
            }
            cells = product
        }
        return cells
    }
}

extension ROOTFile {
    /// The histogram at `path` (`dir/name`, optionally `;cycle`).
    public func histogram(_ path: String) throws(ROOTError) -> Histogram {
        let key = try key(path)
        guard key.className.hasPrefix("TH1") || key.className.hasPrefix("TH2") || key.className.hasPrefix("TH3")
                || key.className.hasPrefix("TProfile") else {
            throw ROOTError(file: self.path, object: path, reason: .typeMismatch("\(key.className) is not a histogram"))
        }
        return try withContext(file: self.path, object: path) { () throws(DecodeError) -> Histogram in
            let bytes = try objectBytes(of: key)
            return try bytes.withBytes { raw throws(DecodeError) in
                var stream = ObjectReader(ByteReader(raw, origin: Int(key.keyLength)))
                return try stream.histogram(className: key.className)
            }
        }
    }
}

extension ObjectReader {
    mutating func histogram(className: String) throws(DecodeError) -> Histogram {
        let isProfile = className.hasPrefix("TProfile")
        let dimension = className.hasPrefix("TH2") || className == "TProfile2D" ? 2
            : className.hasPrefix("TH3") || className == "TProfile3D" ? 3 : 1
        let arrayType: Character = isProfile ? "D" : (className.last ?? "D")
        let outer = try versionHeader()
        var profileInner: (version: Int, end: Int?)?
        if isProfile { profileInner = try versionHeader() } // the TH1D part
        var dimensionHeader: (version: Int, end: Int?)?
        if dimension > 1 { dimensionHeader = try versionHeader() }
        var histogram = try th1(className: className, dimension: dimension)
        if dimension == 3 { try skipPart("TAtt3D") }
        if let dimensionHeader { try finish(dimensionHeader.end, "TH\(dimension)") }
        histogram.contentsWithFlow = try tArray(arrayType)
        let cells = try Histogram.cellCount(histogram.axes.prefix(dimension), name: histogram.name)
        guard histogram.contentsWithFlow.count == cells else {
            throw .malformed("histogram '\(histogram.name)' has \(histogram.contentsWithFlow.count) contents for \(cells) cells")
        }
        if let profileInner {
            try finish(profileInner.end, "TH1D")
            histogram.binEntriesWithFlow = try tArray("D")
        }
        try finish(outer.end, className)
        return histogram
    }

    private mutating func th1(className: String, dimension: Int) throws(DecodeError) -> Histogram {
        let header = try versionHeader()
        let (name, title) = try tNamed()
        try skipPart("TAttLine"); try skipPart("TAttFill"); try skipPart("TAttMarker")
        let cells = Int(try reader.i32())
        let axes = [try axis(), try axis(), try axis()]
        try reader.skip(4) // fBarOffset, fBarWidth
        let entries = try reader.f64()
        try reader.skip(8 * 7) // fTsumw, fTsumw2, fTsumwx, fTsumwx2, fMaximum, fMinimum, fNormFactor
        _ = try tArray("D") // fContour
        let sumw2 = try tArray("D")
        try finish(header.end, "TH1")
        let expected = try Histogram.cellCount(axes.prefix(dimension), name: name)
        guard cells == expected else { throw .malformed("histogram '\(name)': fNcells \(cells) but axes give \(expected)") }
        return Histogram(className: className, name: name, title: title, axes: axes, dimension: dimension,
                         entries: entries, contentsWithFlow: [], sumw2WithFlow: sumw2.count == cells && cells > 0 ? sumw2 : nil)
    }

    private mutating func axis() throws(DecodeError) -> Histogram.Axis {
        let header = try versionHeader()
        let (name, title) = try tNamed()
        try skipPart("TAttAxis")
        let bins = try reader.count("axis bins", elementSize: 0, limit: 1 << 28)
        let low = try reader.f64()
        let high = try reader.f64()
        let edges = try tArray("D")
        try finish(header.end, "TAxis")
        return Histogram.Axis(name: name, title: title, binCount: bins, low: low, high: high, variableEdges: edges)
    }

    /// A `TArrayC/S/I/F/D` (no header): `i32 n` and `n` values, as Doubles.
    mutating func tArray(_ type: Character) throws(DecodeError) -> [Double] {
        let size: Int
        switch type {
        case "C": size = 1
        case "S": size = 2
        case "I", "F": size = 4
        case "D", "L": size = 8
        default: throw .unsupported("TArray\(type)")
        }
        let n = try reader.count("TArray\(type) values", elementSize: size)
        var values: [Double] = []
        values.reserveCapacity(n)
        for _ in 0 ..< n {
            switch type {
            case "C": values.append(Double(Int8(bitPattern: try reader.u8())))
            case "S": values.append(Double(try reader.i16()))
            case "I": values.append(Double(try reader.i32()))
            case "F": values.append(Double(try reader.f32()))
            case "L": values.append(Double(try reader.i64()))
            default: values.append(try reader.f64())
            }
        }
        return values
    }
}
