import Foundation

extension Histogram.Axis {
    /// A uniform axis of `binCount` bins over `[low, high)`.
    public init(binCount: Int, low: Double, high: Double, title: String = "") {
        self.init(name: "", title: title, binCount: binCount, low: low, high: high, variableEdges: [])
    }

    /// An axis with the given bin edges (`binCount + 1` increasing values).
    public init(edges: [Double], title: String = "") {
        self.init(name: "", title: title, binCount: max(edges.count - 1, 0),
                  low: edges.first ?? 0, high: edges.last ?? 1, variableEdges: edges)
    }
}

extension Histogram {
    /// The storage types ``ROOTWriter`` writes, by ROOT class.
    public enum StorageType: String, Sendable, CaseIterable {
        case double = "D", float = "F", int = "I"
    }

    /// A histogram to write: `TH1x` for one axis, `TH2x` for two.
    ///
    /// - Parameters:
    ///   - contentsWithFlow: `Π (binCount + 2)` values including under- and overflow, x fastest.
    ///   - sumw2WithFlow: the sums of squared weights in the same layout, or `nil` (ROOT then takes
    ///     the contents as variances).
    ///   - entries: `fEntries`; defaults to the sum of all contents.
    public init(name: String, title: String = "", axes: [Axis], storage: StorageType = .double,
                contentsWithFlow: [Double], sumw2WithFlow: [Double]? = nil, entries: Double? = nil) {
        let dimension = min(max(axes.count, 1), 3)
        var all = axes
        for (k, axisName) in ["xaxis", "yaxis", "zaxis"].enumerated() {
            if k < all.count { all[k].name = axisName } else { all.append(Axis(name: axisName, title: "", binCount: 1, low: 0, high: 1, variableEdges: [])) }
        }
        self.init(className: "TH\(dimension)\(storage.rawValue)", name: name, title: title, axes: all, dimension: dimension,
                  entries: entries ?? contentsWithFlow.reduce(0, +), contentsWithFlow: contentsWithFlow,
                  sumw2WithFlow: sumw2WithFlow, binEntriesWithFlow: nil)
    }
}

/// Serialises `TH1D/F/I` (`TH1` v8) and `TH2D/F` (`TH2` v5) as ROOT 6 writes them.
struct HistogramRecord {
    /// The classes this record type writes.
    static let classes: Set<String> = ["TH1D", "TH1F", "TH1I", "TH2D", "TH2F"]

    let histogram: Histogram

    /// Checks that the class is writable and the arrays match the axes.
    init(_ histogram: Histogram) throws(ROOTWriteError) {
        let h = histogram
        guard Self.classes.contains(h.className) else {
            throw .unsupported("histogram '\(h.name)': cannot write class \(h.className) (writable: \(Self.classes.sorted().joined(separator: ", ")))")
        }
        guard h.axes.count == 3, h.dimension == (h.className.hasPrefix("TH2") ? 2 : 1) else {
            throw .invalid("histogram '\(h.name)': \(h.className) needs \(h.className.hasPrefix("TH2") ? 2 : 1) axes")
        }
        for axis in h.axes.prefix(h.dimension) {
            guard axis.binCount > 0, axis.low.isFinite, axis.high.isFinite, axis.low < axis.high else {
                throw .invalid("histogram '\(h.name)': axis \(axis.name) needs at least one bin over a finite increasing range")
            }
            if !axis.variableEdges.isEmpty {
                guard axis.variableEdges.count == axis.binCount + 1,
                      zip(axis.variableEdges, axis.variableEdges.dropFirst()).allSatisfy({ $0 < $1 && $0.isFinite && $1.isFinite }) else {
                    throw .invalid("histogram '\(h.name)': axis \(axis.name) edges must be \(axis.binCount + 1) finite increasing values")
                }
            }
        }
        var cells = 1
        for axis in h.axes.prefix(h.dimension) {
            let (product, overflow) = cells.multipliedReportingOverflow(by: axis.binCount + 2)
            guard !overflow, product <= Int(Int32.max) / 8 else { throw .invalid("histogram '\(h.name)': too many bins") }
            cells = product
        }
        guard h.contentsWithFlow.count == cells else {
            throw .invalid("histogram '\(h.name)': \(h.contentsWithFlow.count) contents for \(cells) bins including flow bins")
        }
        if let sumw2 = h.sumw2WithFlow, sumw2.count != cells {
            throw .invalid("histogram '\(h.name)': \(sumw2.count) sumw2 values for \(cells) bins including flow bins")
        }
        self.histogram = histogram
    }

    var className: String { histogram.className }

    /// The object bytes (what follows the key).
    func serialized() -> [UInt8] {
        let h = histogram
        var out = OutputBuffer(capacity: 600 + 16 * h.contentsWithFlow.count)
        let isTwoDimensional = h.dimension == 2
        let top = out.beginCounted(version: isTwoDimensional ? 4 : 3)
        let th2 = isTwoDimensional ? out.beginCounted(version: 5) : nil
        writeTH1(&out)
        if let th2 {
            let s = statistics
            out.f64(1) // fScalefactor
            out.f64(s.wy)
            out.f64(s.wy2)
            out.f64(s.wxy)
            out.endCounted(th2)
        }
        out.i32(Int32(h.contentsWithFlow.count))
        switch h.className.last {
        case "F": for v in h.contentsWithFlow { out.f32(Float(v)) }
        case "I": for v in h.contentsWithFlow { out.i32(v.isFinite ? Int32(clamping: Int64(v.rounded())) : 0) }
        default: for v in h.contentsWithFlow { out.f64(v) }
        }
        out.endCounted(top)
        return out.bytes
    }

    private func writeTH1(_ out: inout OutputBuffer) {
        let h = histogram
        let th1 = out.beginCounted(version: 8)
        out.tNamed(name: h.name, title: h.title, bits: 0x8)
        out.defaultAttributes()
        out.i32(Int32(h.contentsWithFlow.count))
        for axis in h.axes { Self.writeAxis(axis, &out) }
        let s = statistics
        out.i16(0) // fBarOffset
        out.i16(1000) // fBarWidth
        out.f64(h.entries)
        out.f64(s.w)
        out.f64(s.w2)
        out.f64(s.wx)
        out.f64(s.wx2)
        out.f64(-1111) // fMaximum
        out.f64(-1111) // fMinimum
        out.f64(0) // fNormFactor
        out.i32(0) // fContour
        if let sumw2 = h.sumw2WithFlow {
            out.i32(Int32(sumw2.count))
            for v in sumw2 { out.f64(v) }
        } else {
            out.i32(0)
        }
        out.string("") // fOption
        out.emptyList() // fFunctions
        out.i32(0) // fBufferSize
        out.u8(0) // fBuffer (null)
        out.i32(0) // fBinStatErrOpt
        out.i32(2) // fStatOverflows: kNeutral
        out.endCounted(th1)
    }

    static func writeAxis(_ axis: Histogram.Axis, _ out: inout OutputBuffer) {
        let start = out.beginCounted(version: 10)
        out.tNamed(name: axis.name, title: axis.title)
        let attributes = out.beginCounted(version: 4)
        out.i32(510) // fNdivisions
        out.i16(1); out.i16(1); out.i16(42) // axis colour, label colour, label font
        out.f32(0.005); out.f32(0.035); out.f32(0.03); out.f32(1); out.f32(0.035)
        out.i16(1); out.i16(42) // title colour, title font
        out.endCounted(attributes)
        out.i32(Int32(axis.binCount))
        out.f64(axis.low)
        out.f64(axis.high)
        out.i32(Int32(axis.variableEdges.count))
        for edge in axis.variableEdges { out.f64(edge) }
        out.i32(0); out.i32(0) // fFirst, fLast
        out.u16(0) // fBits2
        out.bool(false) // fTimeDisplay
        out.string("") // fTimeFormat
        out.u32(0) // fLabels
        out.u32(0) // fModLabs
        out.endCounted(start)
    }

    /// ROOT's running sums over in-range bins, weights at bin centres (what `TH1::Fill` accumulates).
    private var statistics: (w: Double, w2: Double, wx: Double, wx2: Double, wy: Double, wy2: Double, wxy: Double) {
        let h = histogram
        let xCentres = Self.centres(h.axes[0])
        let yCentres = h.dimension == 2 ? Self.centres(h.axes[1]) : [0]
        let nx = h.axes[0].binCount
        var s = (w: 0.0, w2: 0.0, wx: 0.0, wx2: 0.0, wy: 0.0, wy2: 0.0, wxy: 0.0)
        for (iy, y) in yCentres.enumerated() {
            for (ix, x) in xCentres.enumerated() {
                let cell = (ix + 1) + (nx + 2) * (h.dimension == 2 ? iy + 1 : 0)
                let w = h.contentsWithFlow[cell]
                s.w += w
                s.w2 += h.sumw2WithFlow?[cell] ?? w
                s.wx += w * x
                s.wx2 += w * x * x
                s.wy += w * y
                s.wy2 += w * y * y
                s.wxy += w * x * y
            }
        }
        return s
    }

    private static func centres(_ axis: Histogram.Axis) -> [Double] {
        let edges = axis.edges
        return (0 ..< axis.binCount).map { (edges[$0] + edges[$0 + 1]) / 2 }
    }
}
