import Foundation
import Testing
@testable import Plots

@Suite struct PlotsTests {
    @Test func axesMapDataToPixels() {
        let axes = Axes(frame: Rectangle(x: 10, y: 20, width: 100, height: 50), x: 0...10, y: -1...1)
        #expect(axes.px(0) == 10 && axes.px(10) == 110 && axes.px(5) == 60)
        // y grows downwards in SVG: the top of the range is the frame's top.
        #expect(axes.py(1) == 20 && axes.py(-1) == 70 && axes.py(0) == 45)
        // Degenerate ranges are widened instead of dividing by zero.
        let flat = Axes(frame: Rectangle(x: 0, y: 0, width: 10, height: 10), x: 3...3, y: 2...2)
        #expect(flat.x == 3...4 && flat.y == 1.5...2.5)
        #expect(Axes.range(of: [3, .nan, -1, .infinity]) == -1...3 && Axes.range(of: []) == 0...1)
    }

    @Test func documentRendersEscapedElements() {
        var svg = SVGDocument(width: 200, height: 100)
        let axes = Axes(frame: Rectangle(x: 20, y: 10, width: 160, height: 80), x: 0...2, y: 0...4)
        axes.drawFrame(in: &svg, title: "a < b & \"c\"", xLabel: "step", yLabel: "y")
        axes.plot([0, 1, 2], [0, .nan, 4], color: "red", in: &svg)
        axes.legend([("one", "red"), ("two", "blue")], in: &svg)
        let text = svg.rendered()
        #expect(text.hasPrefix(#"<svg xmlns="http://www.w3.org/2000/svg" width="200.0" height="100.0""#))
        #expect(text.hasSuffix("</svg>\n"))
        #expect(text.contains(">a &lt; b &amp; &quot;c&quot;</text>"))
        // The NaN point is left out of the line.
        #expect(text.contains(#"<polyline fill="none" stroke="red" stroke-width="1.5" points="20.0,90.0 180.0,10.0"/>"#))
        #expect(text.contains(#"transform="rotate(-90 16.0 50.0)""#))
        #expect(text.components(separatedBy: "<line ").count - 1 == 2)
    }
}
