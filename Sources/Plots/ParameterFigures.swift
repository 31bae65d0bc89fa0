import Foundation

/// Nuisance-parameter pulls (θ̂ − θ₀)/Δθ with their post-fit widths, against the ±1σ and ±2σ
/// bands (cabinetry's `visualize.pulls`).
public struct PullsFigure: Sendable {
    /// One parameter's pull and its error bar (post-fit width over pre-fit width).
    public struct Entry: Sendable {
        public var name: String, pull: Double, error: Double
        public init(name: String, pull: Double, error: Double) {
            self.name = name
            self.pull = pull
            self.error = error
        }
    }

    public var title: String, note: String?
    public var entries: [Entry]

    public init(title: String, note: String? = nil, entries: [Entry]) {
        self.title = title
        self.note = note
        self.entries = entries
    }

    public func svg() -> String {
        let rows = Double(max(entries.count, 1)), rowHeight = 34.0
        let labelWidth = min(320, 30 + (entries.map { Axes.textWidth($0.name, size: Style.tickFont) }.max() ?? 60))
        let frame = Rectangle(x: labelWidth + 20, y: 56, width: 520, height: max(rows * rowHeight, 160))
        var svg = SVGDocument(width: frame.x + frame.width + 36, height: frame.y + frame.height + 80)
        let reach = max(3, (entries.map { abs($0.pull) + abs($0.error) }.filter(\.isFinite).max() ?? 0).rounded(.up))
        let axes = Axes(frame: frame, x: -reach...reach, y: -0.5...rows - 0.5)
        // Top to bottom in the given order: entry k sits at y = rows − 1 − k.
        let names = entries.reversed().map(\.name)
        axes.band([-2, 2], low: [-0.5, -0.5], high: [rows - 0.5, rows - 0.5], fill: Style.twoSigma, in: &svg)
        axes.band([-1, 1], low: [-0.5, -0.5], high: [rows - 0.5, rows - 0.5], fill: Style.oneSigma, in: &svg)
        axes.verticalLine(at: 0, color: Style.ink, width: 1, dash: "5 4", in: &svg)
        axes.drawFrame(in: &svg, title: title, xLabel: "(θ̂ − θ₀) / Δθ", yLabel: "", yTicks: .categories(names), note: note)
        Self.drawPoints(entries, on: axes, in: &svg)
        return svg.rendered()
    }

    /// Entry k's pull as a marker with its horizontal error bar at y = count − 1 − k (the
    /// first entry on top), tagged with its numbers.
    static func drawPoints(_ entries: [Entry], on axes: Axes, in svg: inout SVGDocument) {
        let ys = entries.indices.map { Double(entries.count - 1 - $0) }
        axes.points(entries.map(\.pull), ys, lower: ys, upper: ys, left: entries.map { $0.pull - $0.error },
                    right: entries.map { $0.pull + $0.error }, data: { k in
                        ["data-name": entries[k].name, "data-pull": SVGDocument.value(entries[k].pull),
                         "data-error": SVGDocument.value(entries[k].error)]
                    }, in: &svg)
    }
}

/// The impact of each nuisance parameter on the POI, pre-fit (outlined) and post-fit (filled),
/// with the parameters' pulls on a second axis: the ATLAS/CMS ranking ("impact") plot.
public struct RankingFigure: Sendable {
    /// One parameter: the POI shifts when it is moved up/down by its pre- and post-fit widths, and its pull.
    public struct Entry: Sendable {
        public var name: String
        public var prefitUp: Double?, prefitDown: Double?
        public var postfitUp: Double, postfitDown: Double
        public var pull: Double, pullError: Double
        public init(name: String, prefitUp: Double?, prefitDown: Double?, postfitUp: Double, postfitDown: Double, pull: Double, pullError: Double) {
            self.name = name
            self.prefitUp = prefitUp
            self.prefitDown = prefitDown
            self.postfitUp = postfitUp
            self.postfitDown = postfitDown
            self.pull = pull
            self.pullError = pullError
        }
    }

    public var title: String, note: String?, poi: String
    /// Most important first.
    public var entries: [Entry]

    public init(title: String, note: String? = nil, poi: String, entries: [Entry]) {
        self.title = title
        self.note = note
        self.poi = poi
        self.entries = entries
    }

    static let upColor = Style.palette[0], downColor = Style.palette[6]

    public func svg() -> String {
        let rows = Double(max(entries.count, 1)), rowHeight = 38.0
        let labelWidth = min(320, 30 + (entries.map { Axes.textWidth($0.name, size: Style.tickFont) }.max() ?? 60))
        let frame = Rectangle(x: labelWidth + 20, y: 150, width: 560, height: max(rows * rowHeight, 160))
        var svg = SVGDocument(width: frame.x + frame.width + 36, height: frame.y + frame.height + 84)
        let impacts = entries.flatMap { [$0.prefitUp, $0.prefitDown, $0.postfitUp, $0.postfitDown].compactMap { $0 } }.filter(\.isFinite)
        let largest = Ticks.rounded(0...max(impacts.map(abs).max() ?? 1, 1e-12) * 1.05, target: 3).upperBound
        let pullReach = max(2, (entries.map { abs($0.pull) + abs($0.pullError) }.filter(\.isFinite).max() ?? 0).rounded(.up))
        let ySpan = -0.5...rows - 0.5
        let pulls = Axes(frame: frame, x: -pullReach...pullReach, y: ySpan)
        let impact = Axes(frame: frame, x: -largest...largest, y: ySpan)
        let names = entries.reversed().map(\.name)
        pulls.drawFrame(in: &svg, title: "", xLabel: "(θ̂ − θ₀) / Δθ", yLabel: "", yTicks: .categories(names))
        // The impact axis along the top: its own ticks and label.
        let impactTicks = Ticks.linear(impact.x, target: 4)
        for (value, text) in zip(impactTicks, Ticks.labels(impactTicks).labels) {
            svg.text(text, x: impact.px(value), y: frame.y - 10, size: Style.tickFont, anchor: .middle)
        }
        svg.text("Δ\(poi)", x: frame.x + frame.width, y: frame.y - 36, size: Style.labelFont, anchor: .end)
        svg.text(title, x: frame.x - labelWidth, y: 30, size: Style.titleFont, weight: "bold")
        if let note { svg.text(note, x: frame.x + frame.width, y: 30, size: Style.legendFont, anchor: .end, style: "italic") }
        pulls.verticalLine(at: 0, color: Style.ink, width: 1, dash: "5 4", in: &svg)
        for (k, entry) in entries.enumerated() {
            let y = rows - 1 - Double(k)
            func bar(_ value: Double?, color: String, filled: Bool, kind: String) {
                guard let value, value.isFinite else { return }
                let half = filled ? 0.28 : 0.4
                let x0 = impact.px(min(0, value)), x1 = impact.px(max(0, value))
                svg.rectangle(Rectangle(x: x0, y: impact.py(y + half), width: x1 - x0, height: impact.py(y - half) - impact.py(y + half)),
                              fill: filled ? color : "none", fillOpacity: filled ? 0.75 : nil, stroke: color, strokeWidth: filled ? nil : 1.6,
                              data: ["data-name": entry.name, "data-impact": kind, "data-value": SVGDocument.value(value)])
            }
            bar(entry.prefitUp, color: Self.upColor, filled: false, kind: "prefit-up")
            bar(entry.prefitDown, color: Self.downColor, filled: false, kind: "prefit-down")
            bar(entry.postfitUp, color: Self.upColor, filled: true, kind: "postfit-up")
            bar(entry.postfitDown, color: Self.downColor, filled: true, kind: "postfit-down")
        }
        PullsFigure.drawPoints(entries.map { PullsFigure.Entry(name: $0.name, pull: $0.pull, error: $0.pullError) }, on: pulls, in: &svg)
        // The key sits above the impact axis, where it can hide nothing.
        let key: [(String, String, Bool)] = [("Pre-fit +Δθ", Self.upColor, false), ("Pre-fit −Δθ", Self.downColor, false),
                                             ("Post-fit +Δθ", Self.upColor, true), ("Post-fit −Δθ", Self.downColor, true)]
        for (k, item) in key.enumerated() {
            let x = frame.x + Double(k % 2) * 230, y = 62 + Double(k / 2) * 26
            svg.rectangle(Rectangle(x: x, y: y - 13, width: 28, height: 16), fill: item.2 ? item.1 : "none",
                          fillOpacity: item.2 ? 0.75 : nil, stroke: item.1, strokeWidth: 1.6)
            svg.text(item.0, x: x + 36, y: y, size: Style.legendFont)
        }
        svg.circle(x: frame.x + 470, y: 56, radius: 4.5, fill: Style.ink)
        svg.line(from: (frame.x + 456, 56), to: (frame.x + 484, 56), color: Style.ink, width: 1.8)
        svg.text("Pull", x: frame.x + 494, y: 62, size: Style.legendFont)
        return svg.rendered()
    }
}

/// A correlation matrix as coloured cells (blue −1 … red +1) with the values written in them.
public struct CorrelationFigure: Sendable {
    public var title: String, note: String?
    public var names: [String]
    /// Row-major, `names.count`² values.
    public var values: [Double]

    public init(title: String, note: String? = nil, names: [String], values: [Double]) {
        self.title = title
        self.note = note
        self.names = names
        self.values = values
    }

    public func svg() -> String {
        let n = names.count
        let cell = max(26, min(60, 640 / Double(max(n, 1))))
        let labelWidth = min(300, 20 + (names.map { Axes.textWidth($0, size: Style.tickFont - 2) }.max() ?? 40))
        let origin = (x: labelWidth + 20, y: 60.0)
        var svg = SVGDocument(width: origin.x + cell * Double(n) + 130, height: origin.y + cell * Double(n) + labelWidth * 0.75 + 30)
        svg.text(title, x: 20, y: 34, size: Style.titleFont, weight: "bold")
        if let note { svg.text(note, x: origin.x + cell * Double(n), y: 34, size: Style.legendFont, anchor: .end, style: "italic") }
        // Values are written in the cells while they stay legible.
        let fontSize = min(Style.tickFont - 2, cell * 0.32), annotated = n <= 25
        for row in 0..<n {
            for column in 0..<n {
                let value = values[row * n + column]
                let box = Rectangle(x: origin.x + cell * Double(column), y: origin.y + cell * Double(row), width: cell, height: cell)
                svg.rectangle(box, fill: Style.diverging(value), stroke: "white", strokeWidth: 1, data: [
                    "data-row": names[row], "data-column": names[column], "data-value": SVGDocument.value(value),
                ])
                guard annotated else { continue }
                svg.text(Ticks.fixed(value, decimals: 2), x: box.x + cell / 2,
                         y: box.y + cell / 2 + 0.35 * fontSize, size: fontSize, anchor: .middle, color: abs(value) > 0.6 ? "white" : Style.ink)
            }
            let y = origin.y + cell * (Double(row) + 0.5) + 0.35 * (Style.tickFont - 2)
            svg.text(names[row], x: origin.x - 8, y: y, size: Style.tickFont - 2, anchor: .end)
            let x = origin.x + cell * (Double(row) + 0.5), bottom = origin.y + cell * Double(n) + 10
            svg.text(names[row], x: x, y: bottom, size: Style.tickFont - 2, anchor: .end, rotation: -45)
        }
        // The colour scale.
        let scaleX = origin.x + cell * Double(n) + 30, height = cell * Double(n)
        for k in 0..<50 {
            let value = 1 - 2 * (Double(k) + 0.5) / 50
            svg.rectangle(Rectangle(x: scaleX, y: origin.y + height * Double(k) / 50, width: 22, height: height / 50 + 0.5), fill: Style.diverging(value))
        }
        svg.rectangle(Rectangle(x: scaleX, y: origin.y, width: 22, height: height), stroke: Style.ink, strokeWidth: 1)
        for value in [-1.0, -0.5, 0, 0.5, 1] {
            let y = origin.y + height * (1 - value) / 2
            svg.line(from: (scaleX + 22, y), to: (scaleX + 28, y), color: Style.ink, width: 1)
            svg.text(Ticks.fixed(value, decimals: 1), x: scaleX + 32, y: y + 5, size: Style.tickFont - 3)
        }
        return svg.rendered()
    }
}
