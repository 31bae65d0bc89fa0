import Foundation

/// Where a field sampled on a rectangular grid crosses a level: the line segments of the
/// marching-squares algorithm, interpolating linearly along each cell edge.
public enum MarchingSquares {
    /// A contour segment between two points in data coordinates.
    public typealias Segment = (from: (x: Double, y: Double), to: (x: Double, y: Double))

    /// The segments of the `level` contour of `values[j][i]` sampled at (`xs[i]`, `ys[j]`); cells
    /// with a non-finite corner are skipped. Saddle cells are resolved by the cell's mean.
    public static func segments(xs: [Double], ys: [Double], values: [[Double]], level: Double) -> [Segment] {
        guard xs.count >= 2, ys.count >= 2, values.count == ys.count, values.allSatisfy({ $0.count == xs.count }) else { return [] }
        var segments: [Segment] = []
        for j in 0..<(ys.count - 1) {
            for i in 0..<(xs.count - 1) {
                let v00 = values[j][i], v10 = values[j][i + 1], v11 = values[j + 1][i + 1], v01 = values[j + 1][i]
                guard [v00, v10, v11, v01].allSatisfy(\.isFinite) else { continue }
                func crossing(_ a: (Double, Double, Double), _ b: (Double, Double, Double)) -> (x: Double, y: Double)? {
                    guard (a.2 >= level) != (b.2 >= level) else { return nil }
                    let t = (level - a.2) / (b.2 - a.2)
                    return (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))
                }
                let c00 = (xs[i], ys[j], v00), c10 = (xs[i + 1], ys[j], v10), c11 = (xs[i + 1], ys[j + 1], v11), c01 = (xs[i], ys[j + 1], v01)
                let bottom = crossing(c00, c10), right = crossing(c10, c11), top = crossing(c01, c11), left = crossing(c00, c01)
                let found = [bottom, right, top, left].compactMap { $0 }
                if found.count == 2 {
                    segments.append((found[0], found[1]))
                } else if found.count == 4, let bottom, let right, let top, let left {
                    let centreAbove = (v00 + v10 + v11 + v01) / 4 >= level
                    if centreAbove == (v00 >= level) {
                        segments += [(bottom, right), (top, left)]
                    } else {
                        segments += [(bottom, left), (right, top)]
                    }
                }
            }
        }
        return segments
    }
}

/// An exclusion plot over two signal-model values (masses): the grid points coloured by their
/// observed CLs, and the observed and expected contours at the CLs level.
public struct ExclusionFigure: Sendable {
    /// One signal hypothesis.
    public struct Point: Sendable {
        public var name: String, x: Double, y: Double, observed: Double, expected: Double
        public init(name: String, x: Double, y: Double, observed: Double, expected: Double) {
            self.name = name
            self.x = x
            self.y = y
            self.observed = observed
            self.expected = expected
        }
    }

    public var title: String, note: String?, xLabel: String, yLabel: String
    public var points: [Point]
    /// What the points' values are: CLs at a tested POI (excluded below 0.05), or upper limits on
    /// the signal strength (excluded below 1).
    public var scale = Quantity.cls {
        didSet { level = scale == .cls ? 0.05 : 1 }
    }
    /// The contour level.
    public var level = 0.05

    public enum Quantity: Sendable { case cls, limits }

    public init(title: String, note: String? = nil, xLabel: String, yLabel: String, points: [Point]) {
        self.title = title
        self.note = note
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.points = points
    }

    /// The grid the points span: the distinct x and y values, and each node's values (NaN where
    /// no point sits).
    func grid(_ value: (Point) -> Double) -> (xs: [Double], ys: [Double], values: [[Double]]) {
        let xs = Array(Set(points.map(\.x))).sorted(), ys = Array(Set(points.map(\.y))).sorted()
        var values = [[Double]](repeating: [Double](repeating: .nan, count: xs.count), count: ys.count)
        for p in points {
            if let i = xs.firstIndex(of: p.x), let j = ys.firstIndex(of: p.y) { values[j][i] = value(p) }
        }
        return (xs, ys, values)
    }

    /// The observed (or expected) contour's segments.
    public func contour(expected: Bool) -> [MarchingSquares.Segment] {
        let g = grid { expected ? $0.expected : $0.observed }
        return MarchingSquares.segments(xs: g.xs, ys: g.ys, values: g.values, level: level)
    }

    public func svg() -> String {
        var svg = SVGDocument(width: 900, height: 620)
        let frame = Rectangle(x: 118, y: 56, width: 620, height: 470)
        func padded(_ r: ClosedRange<Double>) -> ClosedRange<Double> {
            let pad = 0.08 * max(r.upperBound - r.lowerBound, abs(r.upperBound) * 0.1, 1e-9)
            return r.lowerBound - pad...r.upperBound + pad
        }
        let axes = Axes(frame: frame, x: padded(Axes.range(of: points.map(\.x))), y: padded(Axes.range(of: points.map(\.y))))
        // Colour by log10 of the value over 10⁻³…1 (CLs) or 10⁻¹…10 (limits): excluded points are the dark end.
        let (lowExponent, highExponent) = scale == .cls ? (-3, 0) : (-1, 1)
        let span = Double(highExponent - lowExponent)
        func shade(_ value: Double) -> String {
            Style.sequential(1 - max(0, min(1, (log10(max(value, 1e-300)) - Double(lowExponent)) / span)))
        }
        for p in points {
            svg.circle(x: axes.px(p.x), y: axes.py(p.y), radius: 9, fill: shade(p.observed), stroke: "#333333", data: [
                "data-name": p.name, "data-x": SVGDocument.value(p.x), "data-y": SVGDocument.value(p.y),
                "data-observed": SVGDocument.value(p.observed), "data-expected": SVGDocument.value(p.expected),
            ])
        }
        for (expected, dash, name) in [(true, "9 6", "expected"), (false, nil, "observed")] {
            let segments = contour(expected: expected)
            let d = segments.map { "M\(SVGDocument.number(axes.px($0.from.x))),\(SVGDocument.number(axes.py($0.from.y)))L\(SVGDocument.number(axes.px($0.to.x))),\(SVGDocument.number(axes.py($0.to.y)))" }.joined()
            let coordinates = segments.map { "\($0.from.x),\($0.from.y),\($0.to.x),\($0.to.y)" }.joined(separator: " ")
            svg.path(d, stroke: expected ? Style.palette[0] : Style.palette[2], width: 3, dash: dash,
                     data: ["data-contour": name, "data-segments": coordinates])
        }
        axes.drawFrame(in: &svg, title: title, xLabel: xLabel, yLabel: yLabel, note: note)
        // Key and colour scale to the right of the frame, where they hide no point.
        let keyX = frame.x + frame.width + 24
        svg.line(from: (keyX, 80), to: (keyX + 30, 80), color: Style.palette[2], width: 3)
        svg.text("Observed", x: keyX + 36, y: 86, size: Style.legendFont)
        svg.line(from: (keyX, 110), to: (keyX + 30, 110), color: Style.palette[0], width: 3, dash: "9 6")
        svg.text("Expected", x: keyX + 36, y: 116, size: Style.legendFont)
        svg.text(scale == .cls ? "CLs = \(Ticks.label(level))" : "μ limit = \(Ticks.label(level))", x: keyX, y: 146, size: Style.legendFont - 2)
        let scaleTop = 190.0, scaleHeight = 300.0
        for k in 0..<60 {
            let fraction = (Double(k) + 0.5) / 60
            svg.rectangle(Rectangle(x: keyX, y: scaleTop + scaleHeight * fraction - scaleHeight / 120, width: 22, height: scaleHeight / 60 + 0.5),
                          fill: Style.sequential(fraction))
        }
        svg.rectangle(Rectangle(x: keyX, y: scaleTop, width: 22, height: scaleHeight), stroke: Style.ink, strokeWidth: 1)
        for exponent in stride(from: highExponent, through: lowExponent, by: -1) {
            let y = scaleTop + scaleHeight * Double(highExponent - exponent) / span
            svg.text("10", x: keyX + 30, y: y + 6, size: Style.tickFont - 3, superscript: "\(exponent)".replacingOccurrences(of: "-", with: "−"))
        }
        svg.text(scale == .cls ? "observed CLs" : "observed limit", x: keyX, y: scaleTop - 12, size: Style.legendFont - 2)
        return svg.rendered()
    }
}
