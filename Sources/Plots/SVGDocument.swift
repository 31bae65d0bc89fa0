import Foundation

/// An SVG image built element by element, rendered as text.
///
/// ```swift
/// var svg = SVGDocument(width: 400, height: 300)
/// let axes = Axes(frame: Rectangle(x: 60, y: 20, width: 320, height: 240), x: 0...10, y: 0...1)
/// axes.drawFrame(in: &svg, title: "efficiency", xLabel: "step", yLabel: "fraction")
/// axes.plot(xs, ys, color: SVGDocument.palette[0], in: &svg)
/// let text = svg.rendered()
/// ```
public struct SVGDocument: Sendable {
    /// The image size in pixels.
    public let width: Double, height: Double
    private var elements: [String] = []

    /// Distinguishable line colours (matplotlib's), cycled by series index.
    public static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    /// An empty image on a white background.
    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// How text is aligned on its anchor point.
    public enum TextAnchor: String, Sendable {
        case start, middle, end
    }

    /// Text at (x, y) (the baseline), optionally rotated about that point by `rotation` degrees.
    public mutating func text(
        _ content: String, x: Double, y: Double, size: Double, anchor: TextAnchor = .start, rotation: Double? = nil
    ) {
        let anchorAttribute = anchor == .start ? "" : #" text-anchor="\#(anchor.rawValue)""#
        let transform = rotation.map { #" transform="rotate(\#(Self.number($0)) \#(x) \#(y))""# } ?? ""
        elements.append(#"<text x="\#(x)" y="\#(y)" font-size="\#(Self.number(size))"\#(anchorAttribute)\#(transform)>\#(Self.escaped(content))</text>"#)
    }

    /// A rectangle, outlined (`stroke`) and/or filled (`fill`, with an opacity below 1 if given).
    public mutating func rectangle(_ r: Rectangle, fill: String = "none", fillOpacity: Double? = nil, stroke: String? = nil) {
        let opacity = fillOpacity.map { #" fill-opacity="\#($0)""# } ?? ""
        let outline = stroke.map { #" stroke="\#($0)""# } ?? ""
        elements.append(#"<rect x="\#(r.x)" y="\#(r.y)" width="\#(r.width)" height="\#(r.height)" fill="\#(fill)"\#(opacity)\#(outline)/>"#)
    }

    /// A straight line segment.
    public mutating func line(from a: (x: Double, y: Double), to b: (x: Double, y: Double), color: String, width: Double) {
        elements.append(#"<line x1="\#(a.x)" y1="\#(a.y)" x2="\#(b.x)" y2="\#(b.y)" stroke="\#(color)" stroke-width="\#(Self.number(width))"/>"#)
    }

    /// A polyline through points given in pixels.
    public mutating func polyline(_ points: [(x: Double, y: Double)], color: String, width: Double) {
        let list = points.map { "\($0.x),\($0.y)" }.joined(separator: " ")
        elements.append(#"<polyline fill="none" stroke="\#(color)" stroke-width="\#(Self.number(width))" points="\#(list)"/>"#)
    }

    /// The SVG text of the image.
    public func rendered() -> String {
        (["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"sans-serif\">",
          "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>"] + elements + ["</svg>", ""]).joined(separator: "\n")
    }

    /// Text with the XML metacharacters escaped (names from inputs reach labels).
    static func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Whole numbers without a fractional part (font sizes, widths).
    static func number(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }
}

/// A rectangle in pixels (y grows downwards).
public struct Rectangle: Sendable, Equatable {
    public var x: Double, y: Double, width: Double, height: Double

    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x
        self.y = y
        self.width = width
        self.height = height
    }
}
