import Foundation

/// Observed and expected CLs against the POI with the ±1σ/±2σ bands and the CLs level line
/// (pyhf's `brazil.plot_results`).
public struct LimitFigure: Sendable {
    public var title: String, note: String?, poi: String
    /// The tested POI values, increasing.
    public var values: [Double]
    public var observed: [Double]
    /// Per POI value, the expected CLs at −2σ, −1σ, median, +1σ, +2σ.
    public var expected: [[Double]]
    public var level: Double
    /// The limits drawn as vertical markers and written in the legend (nil: not shown).
    public var observedLimit: Double?, expectedLimit: Double?
    public var logY = false

    public init(title: String, note: String? = nil, poi: String, values: [Double], observed: [Double], expected: [[Double]], level: Double) {
        self.title = title
        self.note = note
        self.poi = poi
        self.values = values
        self.observed = observed
        self.expected = expected
        self.level = level
    }

    public func svg() -> String {
        var svg = SVGDocument(width: 820, height: 620)
        let frame = Rectangle(x: 118, y: 56, width: 666, height: 470)
        let low = logY ? max(1e-4, (observed + expected.flatMap { $0 }).filter { $0 > 0 }.min() ?? 1e-4) / 2 : 0
        let axes = Axes(frame: frame, x: Axes.range(of: values), y: logY ? low...2 : 0...1.1, yScale: logY ? .log : .linear)
        func band(_ k: Int) -> [Double] { expected.map { $0.count == 5 ? $0[k] : .nan } }
        axes.band(values, low: band(0), high: band(4), fill: Style.twoSigma,
                  data: ["data-curve": "expected ±2σ", "data-x": SVGDocument.values(values), "data-low": SVGDocument.values(band(0)), "data-high": SVGDocument.values(band(4))],
                  in: &svg)
        axes.band(values, low: band(1), high: band(3), fill: Style.oneSigma,
                  data: ["data-curve": "expected ±1σ", "data-x": SVGDocument.values(values), "data-low": SVGDocument.values(band(1)), "data-high": SVGDocument.values(band(3))],
                  in: &svg)
        axes.plot(values, band(2), color: Style.ink, width: 2, dash: "8 5",
                  data: ["data-curve": "expected", "data-x": SVGDocument.values(values), "data-y": SVGDocument.values(band(2))], in: &svg)
        axes.plot(values, observed, color: Style.ink, width: 2.4,
                  data: ["data-curve": "observed", "data-x": SVGDocument.values(values), "data-y": SVGDocument.values(observed)], in: &svg)
        axes.points(values, observed, lower: observed, upper: observed, radius: 3.5, in: &svg)
        axes.horizontalLine(at: level, color: Style.palette[2], width: 2, data: ["data-level": SVGDocument.value(level)], in: &svg)
        let legend = [
            LegendEntry("Observed" + (observedLimit.map { ": \(poi) < \(Ticks.label($0))" } ?? ""), color: Style.ink),
            LegendEntry("Expected" + (expectedLimit.map { ": \(poi) < \(Ticks.label($0))" } ?? ""), color: Style.ink, symbol: .line(dash: "8 5")),
            LegendEntry("Expected ±1σ", color: Style.oneSigma, symbol: .fill()),
            LegendEntry("Expected ±2σ", color: Style.twoSigma, symbol: .fill()),
            LegendEntry("CLs = \(Ticks.label(level))", color: Style.palette[2]),
        ]
        for (limit, dash) in [(observedLimit, "3 3"), (expectedLimit, "8 5")] {
            if let limit { axes.verticalLine(at: limit, color: Style.palette[2], width: 1.2, dash: dash, data: ["data-limit": SVGDocument.value(limit)], in: &svg) }
        }
        axes.drawFrame(in: &svg, title: title, xLabel: poi, yLabel: "CLs", note: note)
        axes.legend(legend, in: &svg)
        return svg.rendered()
    }
}

/// A profile-likelihood scan, −2Δln L against a parameter, with the 1σ and 2σ levels and where
/// the curve crosses them.
public struct ScanFigure: Sendable {
    public var title: String, note: String?, parameter: String
    public var values: [Double], deltas: [Double]
    /// The crossings of −2Δln L = 1 and = 4 (nil where the scan does not reach them).
    public var oneSigma: (low: Double?, high: Double?), twoSigma: (low: Double?, high: Double?)
    public var bestFit: Double?

    public init(title: String, note: String? = nil, parameter: String, values: [Double], deltas: [Double]) {
        self.title = title
        self.note = note
        self.parameter = parameter
        self.values = values
        self.deltas = deltas
        oneSigma = (nil, nil)
        twoSigma = (nil, nil)
    }

    public func svg() -> String {
        var svg = SVGDocument(width: 820, height: 620)
        let frame = Rectangle(x: 118, y: 56, width: 666, height: 470)
        let top = Ticks.rounded(0...max(5, (deltas.filter(\.isFinite).max() ?? 5) * 1.3)).upperBound
        let axes = Axes(frame: frame, x: Axes.range(of: values), y: 0...top)
        for (level, name) in [(1.0, "1σ"), (4.0, "2σ")] {
            axes.horizontalLine(at: level, color: Style.palette[3], width: 1.5, dash: "6 4", in: &svg)
            svg.text(name, x: frame.x + frame.width - 8, y: axes.py(level) - 6, size: Style.legendFont, anchor: .end, color: "#555555")
        }
        axes.plot(values, deltas, color: Style.palette[0], width: 2.5,
                  data: ["data-curve": "scan", "data-x": SVGDocument.values(values), "data-y": SVGDocument.values(deltas)], in: &svg)
        axes.points(values, deltas, lower: deltas, upper: deltas, color: Style.palette[0], radius: 3, in: &svg)
        for (crossing, level, name) in [(oneSigma.low, 1.0, "1σ low"), (oneSigma.high, 1.0, "1σ high"),
                                        (twoSigma.low, 4.0, "2σ low"), (twoSigma.high, 4.0, "2σ high")] {
            guard let crossing else { continue }
            svg.line(from: (axes.px(crossing), axes.py(0)), to: (axes.px(crossing), axes.py(level)), color: Style.palette[2], width: 1.5,
                     dash: "3 3", data: ["data-crossing": name, "data-value": SVGDocument.value(crossing)])
        }
        var legend = [LegendEntry("Profile likelihood", color: Style.palette[0])]
        if let low = oneSigma.low, let high = oneSigma.high, let best = bestFit {
            legend.append(LegendEntry("\(parameter) = \(Ticks.label(best)) −\(Ticks.label(best - low)) +\(Ticks.label(high - best))",
                                      color: Style.palette[2], symbol: .line(dash: "3 3")))
        }
        axes.drawFrame(in: &svg, title: title, xLabel: parameter, yLabel: "−2 Δln L", note: note)
        axes.legend(legend, in: &svg)
        return svg.rendered()
    }
}

/// The optimiser's trajectory: the objective on a log axis (soft per step, hard at the end and
/// any other tracked series) and each parameter in its own units against step.
public struct TrajectoryFigure: Sendable {
    /// A series against step.
    public struct Series: Sendable {
        public var name: String, values: [Double], dash: String?
        public init(name: String, values: [Double], dash: String? = nil) {
            self.name = name
            self.values = values
            self.dash = dash
        }
    }

    public var title: String, yLabel: String
    public var steps: [Double]
    public var series: [Series]
    /// Single values drawn as markers at the last step (the hard objective at the optimum).
    public var finalPoints: [(name: String, value: Double)] = []
    /// A band drawn behind the series (a parameter's bounds).
    public var bounds: ClosedRange<Double>?
    public var logY: Bool

    public init(title: String, yLabel: String, steps: [Double], series: [Series], logY: Bool) {
        self.title = title
        self.yLabel = yLabel
        self.steps = steps
        self.series = series
        self.logY = logY
    }

    public func svg() -> String {
        var svg = SVGDocument(width: 820, height: 560)
        let frame = Rectangle(x: 118, y: 56, width: 666, height: 410)
        let values = series.flatMap(\.values) + finalPoints.map(\.value)
        let yRange: ClosedRange<Double>
        if logY {
            let positive = values.filter { $0 > 0 && $0.isFinite }
            let low = (positive.min() ?? 1e-3) / 2, high = (positive.max() ?? 1) * 2
            yRange = low...high * pow(high / low, 0.35)
        } else {
            let all = values + (bounds.map { [$0.lowerBound, $0.upperBound] } ?? [])
            let r = Axes.range(of: all)
            yRange = Ticks.rounded(r.lowerBound...r.upperBound + 0.3 * (r.upperBound - r.lowerBound))
        }
        let axes = Axes(frame: frame, x: Axes.range(of: steps), y: yRange, yScale: logY ? .log : .linear)
        if let bounds {
            axes.band([axes.x.lowerBound, axes.x.upperBound], low: [bounds.lowerBound, bounds.lowerBound],
                      high: [bounds.upperBound, bounds.upperBound], fill: "#eeeeee", in: &svg)
        }
        var legend: [LegendEntry] = []
        for (k, s) in series.enumerated() {
            axes.plot(steps, s.values, color: Style.color(k), width: 2.2, dash: s.dash,
                      data: ["data-series": s.name, "data-x": SVGDocument.values(steps), "data-y": SVGDocument.values(s.values)], in: &svg)
            legend.append(LegendEntry(s.name, color: Style.color(k), symbol: .line(dash: s.dash)))
        }
        for (k, point) in finalPoints.enumerated() where point.value.isFinite {
            let color = Style.color(series.count + k)
            let last = steps.last ?? 0
            axes.points([last], [point.value], lower: [point.value], upper: [point.value], color: color, radius: 6,
                        data: { _ in ["data-series": point.name, "data-value": SVGDocument.value(point.value)] }, in: &svg)
            legend.append(LegendEntry("\(point.name): \(Ticks.label(point.value))", color: color, symbol: .marker))
        }
        if let bounds { legend.append(LegendEntry("bounds [\(Ticks.label(bounds.lowerBound)), \(Ticks.label(bounds.upperBound))]", color: "#dddddd", symbol: .fill())) }
        axes.drawFrame(in: &svg, title: title, xLabel: "step", yLabel: yLabel)
        axes.legend(legend, in: &svg)
        return svg.rendered()
    }
}
