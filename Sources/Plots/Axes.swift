import Foundation

/// How an axis maps data to pixels.
public enum Scale: Sendable, Equatable {
    case linear, log
}

/// How an axis is labelled.
public enum AxisTicks: Sendable, Equatable {
    /// Round 1-2-5 ticks (decades on a log axis), labelled.
    case automatic
    /// The same ticks without labels (a panel whose x axis the panel below labels).
    case unlabeled
    /// One labelled tick per category at the values 0, 1, 2, …
    case categories([String])
    /// Round ticks at whole numbers only (bin numbers).
    case integers
}

/// A legend line: its text and the symbol drawn before it.
public struct LegendEntry: Sendable, Equatable {
    public enum Symbol: Sendable, Equatable {
        /// A line segment, dashed when `dash` is given.
        case line(dash: String? = nil)
        /// A filled square (stacked samples, bands); `opacity` below 1 for translucent fills.
        case fill(opacity: Double = 1, outline: String? = nil)
        /// A marker with a vertical error bar (data).
        case marker
    }

    public var name: String, color: String, symbol: Symbol

    public init(_ name: String, color: String, symbol: Symbol = .line()) {
        self.name = name
        self.color = color
        self.symbol = symbol
    }
}

/// A plotting panel: a frame in pixels and the data ranges it shows, mapping data to pixels.
///
/// Drawing through the panel records the data's pixel boxes in the document, so ``legend(_:in:)``
/// can choose the corner where it hides no data, and tags the elements with the plotted numbers.
public struct Axes: Sendable {
    /// The panel's frame in the image.
    public let frame: Rectangle
    /// The data ranges shown (never empty: a degenerate range is widened by ±0.5, by a decade on a log axis).
    public let x: ClosedRange<Double>, y: ClosedRange<Double>
    /// The scales of the axes.
    public let xScale: Scale, yScale: Scale

    public init(frame: Rectangle, x: ClosedRange<Double>, y: ClosedRange<Double>, xScale: Scale = .linear, yScale: Scale = .linear) {
        self.frame = frame
        self.xScale = xScale
        self.yScale = yScale
        self.x = Self.widened(x, scale: xScale)
        self.y = Self.widened(y, scale: yScale)
    }

    private static func widened(_ r: ClosedRange<Double>, scale: Scale) -> ClosedRange<Double> {
        if scale == .log {
            let low = r.lowerBound > 0 ? r.lowerBound : (r.upperBound > 0 ? r.upperBound * 1e-3 : 1e-3)
            let high = max(r.upperBound, low)
            return high > low * (1 + 1e-12) ? low...high : low / 10...high * 10
        }
        let flat = r.upperBound - r.lowerBound < 1e-12 * max(1, abs(r.upperBound))
        return flat ? r.lowerBound - 0.5...r.upperBound + 0.5 : r
    }

    /// The range spanned by the finite values of some series, for ``init(frame:x:y:xScale:yScale:)``;
    /// an empty input gives 0...1.
    public static func range(of values: [Double]) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return 0...1 }
        return low...high
    }

    /// The fraction of the way along `range` (in `scale`) at which `value` lies.
    private static func fraction(_ value: Double, _ range: ClosedRange<Double>, _ scale: Scale) -> Double {
        switch scale {
        case .linear: return (value - range.lowerBound) / (range.upperBound - range.lowerBound)
        case .log:
            guard value > 0 else { return -1 }
            return log10(value / range.lowerBound) / log10(range.upperBound / range.lowerBound)
        }
    }

    /// The pixel column of data value `value` (clamped a little beyond the frame).
    public func px(_ value: Double) -> Double {
        frame.x + max(-0.02, min(1.02, Self.fraction(value, x, xScale))) * frame.width
    }

    /// The pixel row of data value `value` (clamped a little beyond the frame).
    public func py(_ value: Double) -> Double {
        frame.y + frame.height - max(-0.02, min(1.02, Self.fraction(value, y, yScale))) * frame.height
    }

    // MARK: frame

    /// The title above (left) and an optional note (right), the outline with inward ticks on all
    /// four sides, tick labels and the axis labels at the axes' ends, as matplotlib/mplhep draw them.
    public func drawFrame(
        in svg: inout SVGDocument, title: String, xLabel: String, yLabel: String, ticks: Int = 6,
        xTicks: AxisTicks = .automatic, yTicks: AxisTicks = .automatic, yTickCount: Int? = nil, note: String? = nil
    ) {
        let left = frame.x, right = frame.x + frame.width, top = frame.y, bottom = frame.y + frame.height
        if !title.isEmpty { svg.text(title, x: left, y: top - 10, size: Style.titleFont, weight: "bold") }
        if let note { svg.text(note, x: right, y: top - 10, size: Style.legendFont, anchor: .end, style: "italic") }
        svg.rectangle(frame, stroke: Style.ink, strokeWidth: 1.3)
        // x axis
        var xLabelDepth = 0.0
        let xMarks = marks(xTicks, range: x, scale: xScale, target: ticks)
        for (value, isMajor) in xMarks.positions {
            let p = px(value), length = isMajor ? Style.majorTick : Style.minorTick
            svg.line(from: (p, bottom), to: (p, bottom - length), color: Style.ink, width: 1)
            svg.line(from: (p, top), to: (p, top + length), color: Style.ink, width: 1)
        }
        if xTicks != .unlabeled {
            for (value, label) in xMarks.labels {
                svg.text(label.text, x: px(value), y: bottom + Style.tickFont + 6, size: Style.tickFont, anchor: .middle,
                         superscript: label.superscript)
            }
            xLabelDepth = Style.tickFont + 8
            if let exponent = xMarks.exponent {
                svg.text("×10", x: right, y: bottom + 2 * Style.tickFont + 10, size: Style.tickFont, anchor: .end, superscript: "\(exponent)")
            }
            svg.text(xLabel, x: right, y: bottom + xLabelDepth + Style.labelFont + 10, size: Style.labelFont, anchor: .end)
        }
        // y axis
        let yMarks = marks(yTicks, range: y, scale: yScale, target: yTickCount ?? ticks)
        for (value, isMajor) in yMarks.positions {
            let p = py(value), length = isMajor ? Style.majorTick : Style.minorTick
            svg.line(from: (left, p), to: (left + length, p), color: Style.ink, width: 1)
            svg.line(from: (right, p), to: (right - length, p), color: Style.ink, width: 1)
        }
        var widest = 0.0
        for (value, label) in yMarks.labels {
            svg.text(label.text, x: left - 8, y: py(value) + 0.35 * Style.tickFont, size: Style.tickFont, anchor: .end,
                     superscript: label.superscript)
            widest = max(widest, Self.textWidth(label.text + (label.superscript ?? ""), size: Style.tickFont))
        }
        if let exponent = yMarks.exponent {
            svg.text("×10", x: left, y: top - 10, size: Style.tickFont, superscript: "\(exponent)")
        }
        let yLabelX = left - widest - 16
        svg.text(yLabel, x: yLabelX, y: top, size: Style.labelFont, anchor: .end, rotation: -90)
    }

    /// An estimate of a text's width in pixels (DejaVu Sans averages ≈ 0.6 em per character).
    public static func textWidth(_ text: String, size: Double) -> Double { Double(text.count) * 0.6 * size }

    private struct Marks {
        var positions: [(Double, Bool)] = []
        var labels: [(Double, (text: String, superscript: String?))] = []
        var exponent: Int?
    }

    private func marks(_ kind: AxisTicks, range: ClosedRange<Double>, scale: Scale, target: Int) -> Marks {
        var marks = Marks()
        if case .categories(let names) = kind {
            for (i, name) in names.enumerated() where range.contains(Double(i)) {
                marks.positions.append((Double(i), true))
                marks.labels.append((Double(i), (name, nil)))
            }
            return marks
        }
        switch scale {
        case .log:
            let (major, minor) = Ticks.logarithmic(range)
            // A range within one decade gets its 2…9 positions labelled too.
            let labelled = major.count >= 2 ? major : (major + minor).sorted()
            marks.positions = major.map { ($0, true) } + minor.map { ($0, false) }
            marks.labels = labelled.map { value in
                let k = Int(log10(value).rounded())
                let isDecade = abs(pow(10, Double(k)) - value) < 1e-9 * value
                return (value, isDecade ? ("10", "\(k)".replacingOccurrences(of: "-", with: "−")) : (Ticks.label(value), nil))
            }
        case .linear:
            var major = Ticks.linear(range, target: target)
            if kind == .integers, Ticks.step(span: range.upperBound - range.lowerBound, target: target) < 1 {
                major = stride(from: range.lowerBound.rounded(.up), through: range.upperBound, by: 1).map { $0 }
            }
            let step = major.count > 1 ? major[1] - major[0] : Ticks.step(span: range.upperBound - range.lowerBound, target: target)
            let subdivisions = kind == .integers && step <= 1 ? 1 : abs((step / pow(10, log10(step).rounded(.down))) - 2) < 1e-9 ? 4 : 5
            let minorStep = step / Double(subdivisions)
            let first = (range.lowerBound / minorStep).rounded(.up), last = (range.upperBound / minorStep).rounded(.down)
            if first <= last, last - first < 2000 {
                for k in stride(from: first, through: last, by: 1) where Int(k) % subdivisions != 0 {
                    marks.positions.append((k * minorStep, false))
                }
            }
            marks.positions += major.map { ($0, true) }
            let (texts, exponent) = Ticks.labels(major)
            marks.labels = zip(major, texts).map { ($0, ($1, nil)) }
            marks.exponent = exponent
        }
        return marks
    }

    // MARK: data

    /// A line through the points (xs[i], ys[i]) whose coordinates are finite (positive on a log axis).
    public func plot(
        _ xs: [Double], _ ys: [Double], color: String, width: Double = 2, dash: String? = nil,
        data: SVGDocument.Attributes = [:], in svg: inout SVGDocument
    ) {
        let points = zip(xs, ys).filter { drawable($0.0, xScale) && drawable($0.1, yScale) }.map { (x: px($0.0), y: py($0.1)) }
        svg.polyline(points, color: color, width: width, dash: dash, data: data)
        for (a, b) in zip(points, points.dropFirst()) {
            svg.occupy(Rectangle(x: min(a.x, b.x) - 2, y: min(a.y, b.y) - 2, width: abs(b.x - a.x) + 4, height: abs(b.y - a.y) + 4))
        }
    }

    private func drawable(_ v: Double, _ scale: Scale) -> Bool { v.isFinite && (scale == .linear || v > 0) }

    /// Filled bars from `low[i]` to `high[i]` over the bins `edges[i]…edges[i+1]`; `data(i)`
    /// gives each bar's attributes.
    public func bars(
        edges: [Double], low: [Double], high: [Double], fill: String, stroke: String? = nil,
        data: (Int) -> SVGDocument.Attributes = { _ in [:] }, in svg: inout SVGDocument
    ) {
        for i in 0..<min(edges.count - 1, low.count, high.count) {
            let top = py(max(low[i], high[i])), base = py(min(low[i], high[i]))
            let box = Rectangle(x: px(edges[i]), y: top, width: px(edges[i + 1]) - px(edges[i]), height: base - top)
            svg.rectangle(box, fill: fill, stroke: stroke, strokeWidth: stroke == nil ? nil : 0.8, data: data(i))
            svg.occupy(box)
        }
    }

    /// A histogram outline: horizontal steps at `values[i]` over `edges[i]…edges[i+1]`.
    public func steps(
        edges: [Double], values: [Double], color: String, width: Double = 2, dash: String? = nil,
        data: SVGDocument.Attributes = [:], in svg: inout SVGDocument
    ) {
        var points: [(x: Double, y: Double)] = []
        for i in 0..<min(edges.count - 1, values.count) {
            points.append((px(edges[i]), py(values[i])))
            points.append((px(edges[i + 1]), py(values[i])))
            svg.occupy(Rectangle(x: px(edges[i]), y: py(values[i]) - 3, width: px(edges[i + 1]) - px(edges[i]), height: 6))
        }
        svg.polyline(points, color: color, width: width, dash: dash, data: data)
    }

    /// A translucent band between `low` and `high` through the points `xs` (a polygon).
    public func band(
        _ xs: [Double], low: [Double], high: [Double], fill: String, opacity: Double = 1, data: SVGDocument.Attributes = [:],
        in svg: inout SVGDocument
    ) {
        let kept = xs.indices.filter { drawable(xs[$0], xScale) && low[$0].isFinite && high[$0].isFinite }
        let upper = kept.map { (x: px(xs[$0]), y: py(high[$0])) }, lower = kept.reversed().map { (x: px(xs[$0]), y: py(low[$0])) }
        svg.polygon(upper + lower, fill: fill, opacity: opacity, data: data)
        for (a, b) in zip(kept, kept.dropFirst()) {
            let top = min(py(high[a]), py(high[b])), base = max(py(low[a]), py(low[b]))
            svg.occupy(Rectangle(x: px(xs[a]), y: top, width: px(xs[b]) - px(xs[a]), height: base - top))
        }
    }

    /// Markers at (xs[i], ys[i]) with vertical error bars from `lower[i]` to `upper[i]` and, if
    /// given, horizontal bars from `left[i]` to `right[i]`.
    public func points(
        _ xs: [Double], _ ys: [Double], lower: [Double], upper: [Double], left: [Double]? = nil, right: [Double]? = nil,
        color: String = Style.ink, radius: Double = 4.5, data: (Int) -> SVGDocument.Attributes = { _ in [:] },
        in svg: inout SVGDocument
    ) {
        for i in xs.indices where ys[i].isFinite && drawable(xs[i], xScale) {
            let x = px(xs[i]), y = py(ys[i])
            if lower[i].isFinite && upper[i].isFinite {
                svg.line(from: (x, py(lower[i])), to: (x, py(upper[i])), color: color, width: 1.8)
                svg.occupy(Rectangle(x: x - radius, y: py(upper[i]), width: 2 * radius, height: py(lower[i]) - py(upper[i])))
            }
            if let left, let right, left[i].isFinite, right[i].isFinite {
                svg.line(from: (px(left[i]), y), to: (px(right[i]), y), color: color, width: 1.8)
                svg.occupy(Rectangle(x: px(left[i]), y: y - radius, width: px(right[i]) - px(left[i]), height: 2 * radius))
            }
            svg.circle(x: x, y: y, radius: radius, fill: color, data: data(i))
            svg.occupy(Rectangle(x: x - radius, y: y - radius, width: 2 * radius, height: 2 * radius))
        }
    }

    /// A horizontal reference line across the panel at data value `value`.
    public func horizontalLine(at value: Double, color: String, width: Double = 1.5, dash: String? = nil,
                               data: SVGDocument.Attributes = [:], in svg: inout SVGDocument) {
        guard y.contains(value) else { return }
        svg.line(from: (frame.x, py(value)), to: (frame.x + frame.width, py(value)), color: color, width: width, dash: dash, data: data)
    }

    /// A vertical reference line across the panel at data value `value`.
    public func verticalLine(at value: Double, color: String, width: Double = 1.5, dash: String? = nil,
                             data: SVGDocument.Attributes = [:], in svg: inout SVGDocument) {
        guard x.contains(value) else { return }
        svg.line(from: (px(value), frame.y), to: (px(value), frame.y + frame.height), color: color, width: width, dash: dash, data: data)
    }

    // MARK: legend

    /// A legend of lines in the panel's corner that hides the least data.
    public func legend(_ entries: [(name: String, color: String)], in svg: inout SVGDocument) {
        legend(entries.map { LegendEntry($0.name, color: $0.color) }, in: &svg)
    }

    /// The legend, placed in the first of the upper-right, upper-left, lower-right, lower-left
    /// and middle positions that overlaps no plotted data (or else the one overlapping least), so
    /// it never hides a curve it could avoid. Frameless, as mplhep draws it.
    public func legend(_ entries: [LegendEntry], in svg: inout SVGDocument) {
        guard !entries.isEmpty else { return }
        let row = Style.legendFont * 1.5, inset = 12.0
        let width = 44 + (entries.map { Self.textWidth($0.name, size: Style.legendFont) }.max() ?? 0)
        let height = row * Double(entries.count) + 6
        let left = frame.x + inset, right = frame.x + frame.width - inset - width
        let top = frame.y + inset, bottom = frame.y + frame.height - inset - height, middle = frame.y + (frame.height - height) / 2
        let candidates = [(right, top), (left, top), (right, bottom), (left, bottom), (right, middle), (left, middle),
                          (frame.x + (frame.width - width) / 2, top)]
        let boxes = candidates.map { Rectangle(x: $0.0, y: $0.1, width: width, height: height) }
        let costs = boxes.map { box in svg.occupied.reduce(0) { $0 + box.overlap($1) } }
        let best = costs.indices.min { costs[$0] < costs[$1] || (costs[$0] == costs[$1] && $0 < $1) } ?? 0
        let box = boxes[best]
        svg.beginGroup(["class": "legend"])
        for (k, entry) in entries.enumerated() {
            let middleY = box.y + row * (Double(k) + 0.5) + 3
            let symbolX = box.x + 4
            switch entry.symbol {
            case .line(let dash):
                svg.line(from: (symbolX, middleY), to: (symbolX + 30, middleY), color: entry.color, width: 2.5, dash: dash)
            case .fill(let opacity, let outline):
                svg.rectangle(Rectangle(x: symbolX, y: middleY - 0.35 * row, width: 30, height: 0.7 * row), fill: entry.color,
                              fillOpacity: opacity < 1 ? opacity : nil, stroke: outline, strokeWidth: outline == nil ? nil : 1)
            case .marker:
                svg.line(from: (symbolX + 15, middleY - 0.4 * row), to: (symbolX + 15, middleY + 0.4 * row), color: entry.color, width: 1.8)
                svg.circle(x: symbolX + 15, y: middleY, radius: 4.5, fill: entry.color)
            }
            svg.text(entry.name, x: symbolX + 40, y: middleY + 0.35 * Style.legendFont, size: Style.legendFont)
        }
        svg.endGroup()
        svg.occupy(box)
    }

    /// A legend or annotation label: four significant digits.
    public static func label(_ value: Double) -> String { Ticks.label(value) }
}
