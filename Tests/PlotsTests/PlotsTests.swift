import Foundation
import Testing
@testable import Plots

func elements(_ svg: String, with key: String) -> [[String: String]] { SVGData.elements(in: svg, with: key) }

func number(_ s: String?) -> Double { Double(s ?? "") ?? .nan }

@Suite struct TicksTests {
    @Test func linearTicksAreRoundOneTwoFiveSteps() {
        #expect(Ticks.linear(0...1.1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0])
        #expect(Ticks.linear(80...170) == [80, 100, 120, 140, 160])
        #expect(Ticks.linear(0...24.75) == [0, 5, 10, 15, 20])
        let unrounded: [Double] = Ticks.linear(0.09473...0.4)
        #expect(unrounded == [0.1, 0.2, 0.3, 0.4])
        #expect(Ticks.linear(-3...3) == [-3, -2, -1, 0, 1, 2, 3])
        #expect(Ticks.rounded(0...10.01) == 0...12)
        let steps = [Ticks.step(span: 0.9473), Ticks.step(span: 9000), Ticks.step(span: 3e-5)]
        #expect(steps == [0.2, 2000, 5e-6])
    }

    @Test func labelsUseTheStepsDecimalsAndACommonExponent() {
        #expect(Ticks.labels([0, 0.2, 0.4]).labels == ["0.0", "0.2", "0.4"])
        let plain = Ticks.labels([0, 50, 100])
        #expect(plain.labels == ["0", "50", "100"] && plain.exponent == nil)
        let large = Ticks.labels([0, 20000, 40000])
        #expect(large.labels == ["0", "2", "4"] && large.exponent == 4)
        let small = Ticks.labels([0, 0.0002, 0.0004])
        #expect(small.labels == ["0", "2", "4"] && small.exponent == -4)
        #expect(Ticks.labels([-1, -0.5, 0]).labels == ["−1.0", "−0.5", "0.0"])
        #expect(Ticks.fixed(-0.001, decimals: 2) == "0.00")
        #expect(Ticks.label(0.09473123) == "0.09473" && Ticks.label(24.75) == "24.75")
    }

    @Test func logTicksAreDecades() {
        let ticks = Ticks.logarithmic(0.5...200)
        #expect(ticks.major == [1, 10, 100])
        #expect(ticks.minor.contains(2) && ticks.minor.contains(50) && !ticks.minor.contains(300))
    }
}

@Suite struct AxesTests {
    @Test func axesMapDataToPixels() {
        let axes = Axes(frame: Rectangle(x: 10, y: 20, width: 100, height: 50), x: 0...10, y: -1...1)
        #expect(axes.px(0) == 10 && axes.px(10) == 110 && axes.px(5) == 60)
        // y grows downwards in SVG: the top of the range is the frame's top.
        #expect(axes.py(1) == 20 && axes.py(-1) == 70 && axes.py(0) == 45)
        // Degenerate ranges are widened instead of dividing by zero.
        let flat = Axes(frame: Rectangle(x: 0, y: 0, width: 10, height: 10), x: 3...3, y: 2...2)
        #expect(flat.x == 2.5...3.5 && flat.y == 1.5...2.5)
        #expect(Axes.range(of: [3, .nan, -1, .infinity]) == -1...3 && Axes.range(of: []) == 0...1)
        let log = Axes(frame: Rectangle(x: 0, y: 0, width: 100, height: 100), x: 0...1, y: 1...1000, yScale: .log)
        #expect(abs(log.py(10) - 66.6667) < 1e-3 && log.py(1000) == 0 && log.py(1) == 100)
    }

    @Test func documentRendersEscapedElements() {
        var svg = SVGDocument(width: 200, height: 100)
        let axes = Axes(frame: Rectangle(x: 20, y: 10, width: 160, height: 80), x: 0...2, y: 0...4)
        axes.drawFrame(in: &svg, title: "a < b & \"c\"", xLabel: "step", yLabel: "y")
        axes.plot([0, 1, 2], [0, .nan, 4], color: "red", width: 1.5, data: ["data-curve": "x<y"], in: &svg)
        let text = svg.rendered()
        #expect(text.hasPrefix(#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100""#))
        #expect(text.hasSuffix("</svg>\n"))
        #expect(text.contains(">a &lt; b &amp; &quot;c&quot;</text>"))
        // The NaN point is left out of the line.
        #expect(text.contains(#"<polyline fill="none" stroke="red" stroke-width="1.5" stroke-linejoin="round" points="20,90 180,10" data-curve="x&lt;y"/>"#))
    }

    @Test func legendGoesWhereItHidesNoData() {
        var svg = SVGDocument(width: 400, height: 300)
        let axes = Axes(frame: Rectangle(x: 50, y: 20, width: 300, height: 240), x: 0...10, y: 0...10)
        // Tall bars on the right half: the upper-right corner is taken, the upper left is free.
        axes.bars(edges: [5, 7.5, 10], low: [0, 0], high: [9.5, 9.5], fill: "blue", in: &svg)
        axes.legend([LegendEntry("a", color: "red"), LegendEntry("b", color: "blue")], in: &svg)
        let legendLine = elements(svg.rendered(), with: "stroke").first { $0["stroke"] == "red" }
        #expect(number(legendLine?["x1"]) < axes.px(5))
        let occupiedByBars = Rectangle(x: axes.px(5), y: axes.py(9.5), width: axes.px(10) - axes.px(5), height: axes.py(0) - axes.py(9.5))
        #expect(svg.occupied.last.map { $0.overlap(occupiedByBars) } == 0)
    }
}

@Suite struct FigureTests {
    @Test func stackedBarsHaveTheComponentHeights() throws {
        var figure = StackedHistogramFigure(title: "SR", xLabel: "m [GeV]", edges: [80, 100, 130, 170], components: [
            .init(name: "background", counts: [100, 80, 20]), .init(name: "signal", counts: [5, 30, 2]),
        ])
        figure.data = ([110, 100, 25], [100, 90, 20], [120, 110, 30])
        figure.band = ([95, 100, 20], [115, 120, 24])
        let svg = figure.svg()
        let bars = elements(svg, with: "data-sample")
        #expect(bars.count == 6)
        var pixelsPerEvent: [Double] = []
        for bar in bars {
            let value = number(bar["data-value"]), low = number(bar["data-low"]), high = number(bar["data-high"])
            #expect(abs(high - low - value) < 1e-12)
            pixelsPerEvent.append(number(bar["height"]) / value)
        }
        // Every bar's height is its count on one linear scale (to the 0.01 px the SVG is written with).
        #expect(pixelsPerEvent.allSatisfy { abs($0 - pixelsPerEvent[0]) < 0.02 / 2 })
        let signalTops = bars.filter { $0["data-sample"] == "signal" }.map { number($0["data-high"]) }
        #expect(signalTops == [105, 110, 22])
        let points = elements(svg, with: "data-lower").map { [number($0["data-value"]), number($0["data-lower"]), number($0["data-upper"])] }
        #expect(points == [[110, 100, 120], [100, 90, 110], [25, 20, 30]])
        let ratios = elements(svg, with: "data-ratio").map { number($0["data-ratio"]) }
        let expectedRatios: [Double] = [110.0 / 105, 100.0 / 110, 25.0 / 22]
        #expect(ratios == expectedRatios)
        let band = elements(svg, with: "data-high").filter { $0["data-sample"] == nil && $0["fill"]?.hasPrefix("url(#hatch") == true }
        let edges: [[Double]] = band.prefix(3).map { [number($0["data-low"]), number($0["data-high"])] }
        #expect(edges == [[95, 115], [100, 120], [20, 24]])
    }

    @Test func limitFigureCarriesTheCurves() {
        var figure = LimitFigure(title: "t", poi: "μ", values: [0, 1, 2], observed: [1, 0.3, 0.01],
                                 expected: [[0.9, 0.95, 1, 1, 1], [0.1, 0.2, 0.4, 0.6, 0.8], [0.001, 0.005, 0.02, 0.05, 0.1]], level: 0.05)
        figure.observedLimit = 1.7
        let svg = figure.svg()
        let curves = Dictionary(uniqueKeysWithValues: elements(svg, with: "data-curve").map { ($0["data-curve"]!, $0) })
        #expect(curves["observed"]?["data-y"] == "1.0 0.3 0.01")
        #expect(curves["expected"]?["data-y"] == "1.0 0.4 0.02")
        #expect(curves["expected ±2σ"]?["data-low"] == "0.9 0.1 0.001" && curves["expected ±2σ"]?["data-high"] == "1.0 0.8 0.1")
        #expect(elements(svg, with: "data-limit").first?["data-limit"] == "1.7")
        #expect(elements(svg, with: "data-level").first?["data-level"] == "0.05")
    }

    @Test func marchingSquaresFindsTheLevelOnEachEdge() {
        // A plane rising in x: the 0.5 contour is the vertical line x = 0.5.
        let segments = MarchingSquares.segments(xs: [0, 1, 2], ys: [0, 1], values: [[0, 1, 2], [0, 1, 2]], level: 0.5)
        #expect(segments.count == 1)
        #expect(segments[0].from == (0.5, 0) || segments[0].from == (0.5, 1))
        #expect(segments.allSatisfy { $0.from.x == 0.5 && $0.to.x == 0.5 })
        // A saddle is cut into two segments; a missing corner skips the cell.
        #expect(MarchingSquares.segments(xs: [0, 1], ys: [0, 1], values: [[1, 0], [0, 1]], level: 0.5).count == 2)
        #expect(MarchingSquares.segments(xs: [0, 1], ys: [0, 1], values: [[1, .nan], [0, 1]], level: 0.5).isEmpty)
    }

    @Test func exclusionContoursCrossTheLevel() {
        // CLs falling with mass and rising with the second value: points on a 3×3 grid.
        var points: [ExclusionFigure.Point] = []
        for (i, x) in [100.0, 200, 300].enumerated() {
            for (j, y) in [10.0, 20, 30].enumerated() {
                points.append(.init(name: "p\(i)\(j)", x: x, y: y, observed: 0.01 * Double(1 + 3 * j) * Double(1 + i), expected: 0.02 * Double(1 + i + j)))
            }
        }
        let figure = ExclusionFigure(title: "t", xLabel: "m₁ [GeV]", yLabel: "m₂ [GeV]", points: points)
        let svg = figure.svg()
        let observed = elements(svg, with: "data-contour").first { $0["data-contour"] == "observed" }!
        let coordinates = observed["data-segments"]!.split(separator: " ").flatMap { $0.split(separator: ",").map { Double($0)! } }
        #expect(!coordinates.isEmpty)
        // Each contour point lies on a grid edge where the linear interpolation of CLs is 0.05.
        func cls(_ x: Double, _ y: Double) -> Double? { points.first { $0.x == x && $0.y == y }?.observed }
        for k in stride(from: 0, to: coordinates.count, by: 2) {
            let x = coordinates[k], y = coordinates[k + 1]
            let xs = [100.0, 200, 300], ys = [10.0, 20, 30]
            if let a = xs.firstIndex(where: { abs($0 - x) < 1e-9 }) {
                let j = ys.lastIndex { $0 <= y }!, j1 = min(j + 1, 2)
                let t = ys[j1] == ys[j] ? 0 : (y - ys[j]) / (ys[j1] - ys[j])
                let value = cls(xs[a], ys[j])! + t * (cls(xs[a], ys[j1])! - cls(xs[a], ys[j])!)
                #expect(abs(value - 0.05) < 1e-9)
            } else {
                let b = ys.firstIndex { abs($0 - y) < 1e-9 }!
                let i = xs.lastIndex { $0 <= x }!, i1 = min(i + 1, 2)
                let t = (x - xs[i]) / (xs[i1] - xs[i])
                let value = cls(xs[i], ys[b])! + t * (cls(xs[i1], ys[b])! - cls(xs[i], ys[b])!)
                #expect(abs(value - 0.05) < 1e-9)
            }
        }
        #expect(elements(svg, with: "data-observed").count == 9)
    }

    @Test func reportIsSelfContained() {
        var report = HTMLReport(title: "run <1>")
        report.heading("Objective")
        report.figure(SVGDocument(width: 10, height: 10).rendered(), caption: "a & b")
        report.table(header: ["name", "value"], rows: [["cut", "20"]])
        let html = report.rendered()
        #expect(html.contains("<title>run &lt;1&gt;</title>") && html.contains("<svg ") && html.contains("<td>cut</td><td>20</td>"))
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").count - 1 == html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1)
        #expect(!html.contains("<script") && !html.contains("<link"))
    }
}
