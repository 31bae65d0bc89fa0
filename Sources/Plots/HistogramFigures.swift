import Foundation

/// Layout shared by the histogram figures: a main panel and, optionally, a ratio panel below it
/// sharing its x axis (mplhep's `histplot` with a ratio).
struct PanelLayout {
    static let width = 820.0, left = 118.0, right = 36.0, top = 56.0
    static let mainHeight = 470.0, gap = 10.0, ratioHeight = 150.0, bottomMargin = 78.0

    var hasRatio: Bool
    var height: Double { Self.top + Self.mainHeight + (hasRatio ? Self.gap + Self.ratioHeight : 0) + Self.bottomMargin }
    var main: Rectangle { Rectangle(x: Self.left, y: Self.top, width: Self.width - Self.left - Self.right, height: Self.mainHeight) }
    var ratio: Rectangle {
        Rectangle(x: Self.left, y: Self.top + Self.mainHeight + Self.gap, width: Self.width - Self.left - Self.right, height: Self.ratioHeight)
    }

    /// The y range of a histogram panel: zero (or a decade below the smallest positive value on a
    /// log axis) to the largest value with headroom for the legend.
    static func yRange(_ values: [Double], log: Bool) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite)
        let high = finite.max() ?? 1
        if log {
            let positive = finite.filter { $0 > 0 }
            let low = (positive.min() ?? 0.1) / 3, top = max(positive.max() ?? 1, low * 10)
            return low...top * pow(top / low, 0.35)
        }
        return Ticks.rounded(0...max(high, 1e-12) * 1.45)
    }

    /// A ratio panel's y range: round limits around `values`, including 1, within 0…3.
    static func ratioRange(_ values: [Double]) -> ClosedRange<Double> {
        let finite = values.filter { $0.isFinite && $0 >= 0 && $0 <= 3 }
        let spread = max(0.2, finite.map { abs($0 - 1) }.max() ?? 0.2)
        let half = min(1.0, Ticks.rounded(0...spread * 1.15, target: 4).upperBound)
        return max(0, 1 - half)...1 + half
    }
}

/// Stacked samples with data points and a total-uncertainty band, and a data/model ratio panel:
/// the yields figure of a fit (cabinetry's `visualize.data_mc`).
public struct StackedHistogramFigure: Sendable {
    /// One stacked sample.
    public struct Component: Sendable {
        public var name: String, counts: [Double]
        public init(name: String, counts: [Double]) {
            self.name = name
            self.counts = counts
        }
    }

    public var title: String, note: String?
    public var xLabel: String, yLabel: String = "Events"
    /// The bin edges (count + 1 values, increasing).
    public var edges: [Double]
    /// The samples, drawn bottom to top.
    public var components: [Component]
    /// Observed counts with the lower and upper ends of their error bars (absolute values).
    public var data: (counts: [Double], lower: [Double], upper: [Double])?
    /// The total model's uncertainty band: its lower and upper edges per bin (absolute values).
    public var band: (lower: [Double], upper: [Double])?
    /// The band's legend text.
    public var bandLabel = "Uncertainty"
    /// A logarithmic y axis.
    public var logY = false
    /// The edges are bin numbers: ticks at whole numbers only.
    public var binNumbers = false

    public init(title: String, note: String? = nil, xLabel: String, edges: [Double], components: [Component]) {
        self.title = title
        self.note = note
        self.xLabel = xLabel
        self.edges = edges
        self.components = components
    }

    /// The per-bin sum of the components.
    public var total: [Double] {
        (0..<(edges.count - 1)).map { i in components.reduce(0) { $0 + (i < $1.counts.count ? $1.counts[i] : 0) } }
    }

    /// The figure as SVG text.
    public func svg() -> String {
        let layout = PanelLayout(hasRatio: data != nil)
        var svg = SVGDocument(width: PanelLayout.width, height: layout.height)
        let bins = edges.count - 1, total = total
        let tops = total + (data?.upper ?? []) + (band?.upper ?? [])
        let xRange = (edges.first ?? 0)...(edges.last ?? 1)
        let main = Axes(frame: layout.main, x: xRange, y: PanelLayout.yRange(tops + (logY ? components.flatMap(\.counts) : []), log: logY),
                        yScale: logY ? .log : .linear)
        let xTicks: AxisTicks = binNumbers ? .integers : .automatic
        main.drawFrame(in: &svg, title: title, xLabel: xLabel, yLabel: yLabel, xTicks: data != nil ? .unlabeled : xTicks, note: note)
        var legend: [LegendEntry] = []
        var base = [Double](repeating: logY ? main.y.lowerBound : 0, count: bins)
        svg.beginGroup(["class": "stack"])
        for (k, component) in components.enumerated() {
            let color = Style.color(k)
            let high = (0..<bins).map { base[$0] + component.counts[$0] }
            main.bars(edges: edges, low: base, high: high, fill: color, stroke: "#333333", data: { i in
                ["data-sample": component.name, "data-bin": "\(i)", "data-value": SVGDocument.value(component.counts[i]),
                 "data-low": SVGDocument.value(base[i]), "data-high": SVGDocument.value(high[i]),
                 "data-from": SVGDocument.value(edges[i]), "data-to": SVGDocument.value(edges[i + 1])]
            }, in: &svg)
            base = high
            legend.append(LegendEntry(component.name, color: color, symbol: .fill(outline: "#333333")))
        }
        svg.endGroup()
        if let band {
            let hatch = svg.hatch()
            svg.beginGroup(["class": "band"])
            main.bars(edges: edges, low: band.lower, high: band.upper, fill: hatch, data: { i in
                ["data-bin": "\(i)", "data-low": SVGDocument.value(band.lower[i]), "data-high": SVGDocument.value(band.upper[i])]
            }, in: &svg)
            svg.endGroup()
            legend.append(LegendEntry(bandLabel, color: hatch, symbol: .fill(outline: Style.bandFill)))
        }
        let centers = (0..<bins).map { (edges[$0] + edges[$0 + 1]) / 2 }
        if let data {
            svg.beginGroup(["class": "data"])
            main.points(centers, data.counts, lower: data.lower, upper: data.upper, data: { i in
                ["data-bin": "\(i)", "data-value": SVGDocument.value(data.counts[i]), "data-lower": SVGDocument.value(data.lower[i]),
                 "data-upper": SVGDocument.value(data.upper[i])]
            }, in: &svg)
            svg.endGroup()
            legend.insert(LegendEntry("Data", color: Style.ink, symbol: .marker), at: 0)
        }
        main.legend(legend, in: &svg)
        guard let data else { return svg.rendered() }
        // The ratio panel: data / model, the band relative to the model.
        func ratio(_ values: [Double]) -> [Double] { (0..<bins).map { total[$0] > 0 ? values[$0] / total[$0] : .nan } }
        let ratios = ratio(data.counts), lows = ratio(data.lower), highs = ratio(data.upper)
        let bandLow = band.map { ratio($0.lower) }, bandHigh = band.map { ratio($0.upper) }
        let lower = Axes(frame: layout.ratio, x: xRange, y: PanelLayout.ratioRange(ratios + (bandLow ?? []) + (bandHigh ?? [])))
        lower.drawFrame(in: &svg, title: "", xLabel: xLabel, yLabel: "Data / Model", xTicks: xTicks, yTickCount: 4)
        if let bandLow, let bandHigh {
            svg.beginGroup(["class": "ratio-band", "fill-opacity": "0.4"])
            lower.bars(edges: edges, low: bandLow.map { $0.isFinite ? $0 : 1 }, high: bandHigh.map { $0.isFinite ? $0 : 1 },
                       fill: Style.bandFill, data: { i in ["data-bin": "\(i)", "data-low": SVGDocument.value(bandLow[i]), "data-high": SVGDocument.value(bandHigh[i])] },
                       in: &svg)
            svg.endGroup()
        }
        lower.horizontalLine(at: 1, color: Style.ink, width: 1.2, dash: "6 4", in: &svg)
        svg.beginGroup(["class": "ratio"])
        lower.points(centers, ratios, lower: lows, upper: highs, data: { i in ["data-bin": "\(i)", "data-ratio": SVGDocument.value(ratios[i])] }, in: &svg)
        svg.endGroup()
        return svg.rendered()
    }
}

/// Histograms drawn as outlines over shared bins, with an optional ratio panel to the first one
/// and vertical markers (cut positions): systematic templates, and the optimiser's before/after
/// distributions.
public struct HistogramOverlayFigure: Sendable {
    /// One outlined histogram.
    public struct Line: Sendable {
        public var name: String, counts: [Double], color: String, dash: String?
        public init(name: String, counts: [Double], color: String, dash: String? = nil) {
            self.name = name
            self.counts = counts
            self.color = color
            self.dash = dash
        }
    }

    /// A vertical line across the panels at `position` (a cut value, a bin edge), labelled.
    public struct Marker: Sendable {
        public var position: Double, label: String, color: String, dash: String?
        public init(position: Double, label: String, color: String = Style.ink, dash: String? = "8 5") {
            self.position = position
            self.label = label
            self.color = color
            self.dash = dash
        }
    }

    public var title: String, note: String?
    public var xLabel: String, yLabel: String = "Events"
    public var edges: [Double]
    public var lines: [Line]
    public var markers: [Marker] = []
    /// A panel below with every line divided by the first.
    public var ratioLabel: String?
    public var logY = false
    /// The edges are bin numbers: ticks at whole numbers only.
    public var binNumbers = false

    public init(title: String, note: String? = nil, xLabel: String, edges: [Double], lines: [Line]) {
        self.title = title
        self.note = note
        self.xLabel = xLabel
        self.edges = edges
        self.lines = lines
    }

    public func svg() -> String {
        let layout = PanelLayout(hasRatio: ratioLabel != nil && !lines.isEmpty)
        var svg = SVGDocument(width: PanelLayout.width, height: layout.height)
        let xRange = Axes.range(of: edges + markers.map(\.position))
        let main = Axes(frame: layout.main, x: xRange, y: PanelLayout.yRange(lines.flatMap(\.counts), log: logY), yScale: logY ? .log : .linear)
        let xTicks: AxisTicks = binNumbers ? .integers : .automatic
        main.drawFrame(in: &svg, title: title, xLabel: xLabel, yLabel: yLabel, xTicks: layout.hasRatio ? .unlabeled : xTicks, note: note)
        for marker in markers { drawMarker(marker, on: main, in: &svg, labelled: true) }
        for line in lines {
            main.steps(edges: edges, values: line.counts, color: line.color, width: 2.2, dash: line.dash,
                       data: ["data-name": line.name, "data-values": SVGDocument.values(line.counts), "data-edges": SVGDocument.values(edges)],
                       in: &svg)
        }
        main.legend(lines.map { LegendEntry($0.name, color: $0.color, symbol: .line(dash: $0.dash)) }, in: &svg)
        guard layout.hasRatio, let reference = lines.first else { return svg.rendered() }
        let ratios = lines.map { line in zip(line.counts, reference.counts).map { $1 != 0 ? $0 / $1 : .nan } }
        let lower = Axes(frame: layout.ratio, x: xRange, y: PanelLayout.ratioRange(ratios.flatMap { $0 }))
        lower.drawFrame(in: &svg, title: "", xLabel: xLabel, yLabel: ratioLabel ?? "", xTicks: xTicks, yTickCount: 4)
        for marker in markers { drawMarker(marker, on: lower, in: &svg, labelled: false) }
        for (line, values) in zip(lines, ratios) {
            lower.steps(edges: edges, values: values.map { $0.isFinite ? $0 : 1 }, color: line.color, width: 2, dash: line.dash, in: &svg)
        }
        return svg.rendered()
    }

    private func drawMarker(_ marker: Marker, on axes: Axes, in svg: inout SVGDocument, labelled: Bool) {
        axes.verticalLine(at: marker.position, color: marker.color, width: 1.6, dash: marker.dash,
                          data: ["data-marker": marker.label, "data-value": SVGDocument.value(marker.position)], in: &svg)
        guard labelled, !marker.label.isEmpty, axes.x.contains(marker.position) else { return }
        // Along the line from the panel's top down, where the headroom above the histograms is.
        let size = Style.legendFont - 2, length = Axes.textWidth(marker.label, size: size)
        let x = axes.px(marker.position) - 5, y = axes.frame.y + 8
        svg.text(marker.label, x: x, y: y, size: size, anchor: .end, rotation: -90, color: marker.color)
        svg.occupy(Rectangle(x: x - size, y: y, width: size + 2, height: length))
    }
}
