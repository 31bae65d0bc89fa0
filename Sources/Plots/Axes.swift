import Foundation

/// A plotting panel: a frame in pixels and the data ranges it shows, mapping data to pixels.
public struct Axes: Sendable {
    /// The panel's frame in the image.
    public let frame: Rectangle
    /// The data ranges shown (never empty: a degenerate range is widened by ±0.5).
    public let x: ClosedRange<Double>, y: ClosedRange<Double>

    public init(frame: Rectangle, x: ClosedRange<Double>, y: ClosedRange<Double>) {
        self.frame = frame
        self.x = x.upperBound > x.lowerBound ? x : x.lowerBound...x.lowerBound + 1
        let flat = y.upperBound - y.lowerBound < 1e-12 * max(1, abs(y.upperBound))
        self.y = flat ? y.lowerBound - 0.5...y.upperBound + 0.5 : y
    }

    /// The ranges spanned by the finite values of some series, for ``init(frame:x:y:)``; an
    /// empty input gives 0...1.
    public static func range(of values: [Double]) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return 0...1 }
        return low...high
    }

    /// The pixel column of data value `value`.
    public func px(_ value: Double) -> Double { frame.x + (value - x.lowerBound) / (x.upperBound - x.lowerBound) * frame.width }
    /// The pixel row of data value `value`.
    public func py(_ value: Double) -> Double {
        frame.y + frame.height - (value - y.lowerBound) / (y.upperBound - y.lowerBound) * frame.height
    }

    /// The title above, the outline, `ticks` + 1 labelled values along each axis and the axis labels.
    public func drawFrame(in svg: inout SVGDocument, title: String, xLabel: String, yLabel: String, ticks: Int = 4) {
        let left = frame.x, right = frame.x + frame.width, top = frame.y, bottom = frame.y + frame.height
        svg.text(title, x: left, y: top - 8, size: 14)
        svg.rectangle(frame, stroke: "dimgray")
        for i in 0...ticks {
            let fraction = Double(i) / Double(ticks)
            let yValue = y.lowerBound + fraction * (y.upperBound - y.lowerBound)
            let xValue = x.lowerBound + fraction * (x.upperBound - x.lowerBound)
            svg.text(Self.label(yValue), x: left - 6, y: py(yValue) + 4, size: 11, anchor: .end)
            svg.text(Self.label(xValue), x: px(xValue), y: bottom + 15, size: 11, anchor: .middle)
        }
        svg.text(xLabel, x: (left + right) / 2, y: bottom + 30, size: 12, anchor: .middle)
        svg.text(yLabel, x: 16, y: top + frame.height / 2, size: 12, anchor: .middle, rotation: -90)
    }

    /// A line through the points (xs[i], ys[i]) whose y is finite.
    public func plot(_ xs: [Double], _ ys: [Double], color: String, width: Double = 1.5, in svg: inout SVGDocument) {
        svg.polyline(zip(xs, ys).filter { $0.1.isFinite }.map { (px($0.0), py($0.1)) }, color: color, width: width)
    }

    /// A legend in the top-left corner over a translucent box, so lines under it stay visible.
    public func legend(_ entries: [(name: String, color: String)], in svg: inout SVGDocument) {
        let left = frame.x, top = frame.y
        svg.rectangle(
            Rectangle(x: left + 4, y: top + 4, width: 230, height: 14 * Double(entries.count) + 6), fill: "white", fillOpacity: 0.8)
        for (k, entry) in entries.enumerated() {
            let baseline = top + 16 + 14 * Double(k)
            svg.line(from: (left + 8, baseline - 4), to: (left + 28, baseline - 4), color: entry.color, width: 2)
            svg.text(entry.name, x: left + 32, y: baseline, size: 11)
        }
    }

    /// A tick label: four significant digits.
    public static func label(_ value: Double) -> String { String(format: "%.4g", value) }
}
