import Foundation

/// An SVG image built element by element, rendered as text.
///
/// Data drawn through ``Axes`` also records where it lies (``occupied``), so a legend can be put
/// where it hides nothing, and carries `data-*` attributes with the plotted numbers, so tests and
/// scripts can read back what a figure shows.
///
/// ```swift
/// var svg = SVGDocument(width: 800, height: 600)
/// let axes = Axes(frame: Rectangle(x: 90, y: 40, width: 680, height: 480), x: 0...10, y: 0...1)
/// axes.drawFrame(in: &svg, title: "efficiency", xLabel: "step", yLabel: "fraction")
/// axes.plot(xs, ys, color: Style.color(0), in: &svg)
/// let text = svg.rendered()
/// ```
public struct SVGDocument: Sendable {
    /// The image size in pixels.
    public let width: Double, height: Double
    private var elements: [String] = []
    private var definitions: [String: String] = [:]
    /// Pixel boxes covered by plotted data (bars, markers, line segments, bands).
    public private(set) var occupied: [Rectangle] = []

    /// Distinguishable series colours (``Style/palette``).
    public static let palette = Style.palette

    /// An empty image on a white background.
    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// How text is aligned on its anchor point.
    public enum TextAnchor: String, Sendable {
        case start, middle, end
    }

    /// Extra attributes of an element, usually `data-*` values for readers of the figure.
    public typealias Attributes = KeyValuePairs<String, String>

    /// Text at (x, y) (the baseline), optionally rotated about that point by `rotation` degrees,
    /// with an optional raised `superscript` after it (exponents).
    public mutating func text(
        _ content: String, x: Double, y: Double, size: Double, anchor: TextAnchor = .start, rotation: Double? = nil,
        superscript: String? = nil, weight: String? = nil, style: String? = nil, color: String? = nil
    ) {
        var attributes = [("x", Self.number(x)), ("y", Self.number(y)), ("font-size", Self.number(size))]
        if anchor != .start { attributes.append(("text-anchor", anchor.rawValue)) }
        if let rotation { attributes.append(("transform", "rotate(\(Self.number(rotation)) \(Self.number(x)) \(Self.number(y)))")) }
        if let weight { attributes.append(("font-weight", weight)) }
        if let style { attributes.append(("font-style", style)) }
        if let color { attributes.append(("fill", color)) }
        var body = Self.escaped(content)
        if let superscript {
            // dy, not baseline-shift: every renderer (rsvg, browsers) honours it.
            body += #"<tspan dy="\#(Self.number(-0.45 * size))" font-size="\#(Self.number(0.72 * size))">\#(Self.escaped(superscript))</tspan>"#
        }
        append("text", attributes, content: body)
    }

    /// A rectangle, outlined (`stroke`) and/or filled (`fill`, with an opacity below 1 if given).
    public mutating func rectangle(
        _ r: Rectangle, fill: String = "none", fillOpacity: Double? = nil, stroke: String? = nil, strokeWidth: Double? = nil,
        data: Attributes = [:]
    ) {
        var attributes = [("x", Self.number(r.x)), ("y", Self.number(r.y)), ("width", Self.number(r.width)),
                          ("height", Self.number(r.height)), ("fill", fill)]
        if let fillOpacity { attributes.append(("fill-opacity", Self.number(fillOpacity))) }
        if let stroke { attributes.append(("stroke", stroke)) }
        if let strokeWidth { attributes.append(("stroke-width", Self.number(strokeWidth))) }
        append("rect", attributes + data.map { ($0.key, $0.value) })
    }

    /// A straight line segment, optionally dashed (`dash` as in `stroke-dasharray`).
    public mutating func line(
        from a: (x: Double, y: Double), to b: (x: Double, y: Double), color: String, width: Double, dash: String? = nil,
        data: Attributes = [:]
    ) {
        var attributes = [("x1", Self.number(a.x)), ("y1", Self.number(a.y)), ("x2", Self.number(b.x)), ("y2", Self.number(b.y)),
                          ("stroke", color), ("stroke-width", Self.number(width))]
        if let dash { attributes.append(("stroke-dasharray", dash)) }
        append("line", attributes + data.map { ($0.key, $0.value) })
    }

    /// A polyline through points given in pixels.
    public mutating func polyline(
        _ points: [(x: Double, y: Double)], color: String, width: Double, dash: String? = nil, data: Attributes = [:]
    ) {
        var attributes = [("fill", "none"), ("stroke", color), ("stroke-width", Self.number(width))]
        if let dash { attributes.append(("stroke-dasharray", dash)) }
        attributes.append(("stroke-linejoin", "round"))
        attributes.append(("points", points.map { "\(Self.number($0.x)),\(Self.number($0.y))" }.joined(separator: " ")))
        append("polyline", attributes + data.map { ($0.key, $0.value) })
    }

    /// A closed filled polygon through points given in pixels.
    public mutating func polygon(
        _ points: [(x: Double, y: Double)], fill: String, opacity: Double? = nil, stroke: String? = nil, data: Attributes = [:]
    ) {
        var attributes = [("fill", fill)]
        if let opacity { attributes.append(("fill-opacity", Self.number(opacity))) }
        if let stroke { attributes.append(("stroke", stroke)) }
        attributes.append(("points", points.map { "\(Self.number($0.x)),\(Self.number($0.y))" }.joined(separator: " ")))
        append("polygon", attributes + data.map { ($0.key, $0.value) })
    }

    /// A path (`d` in SVG path syntax), stroked and/or filled.
    public mutating func path(
        _ d: String, fill: String = "none", stroke: String? = nil, width: Double? = nil, dash: String? = nil, data: Attributes = [:]
    ) {
        var attributes = [("d", d), ("fill", fill)]
        if let stroke { attributes.append(("stroke", stroke)) }
        if let width { attributes.append(("stroke-width", Self.number(width))) }
        if let dash { attributes.append(("stroke-dasharray", dash)) }
        append("path", attributes + data.map { ($0.key, $0.value) })
    }

    /// A filled circle (a marker) of `radius` pixels.
    public mutating func circle(x: Double, y: Double, radius: Double, fill: String, stroke: String? = nil, data: Attributes = [:]) {
        var attributes = [("cx", Self.number(x)), ("cy", Self.number(y)), ("r", Self.number(radius)), ("fill", fill)]
        if let stroke { attributes.append(("stroke", stroke)) }
        append("circle", attributes + data.map { ($0.key, $0.value) })
    }

    /// Starts a group (`<g>`) with the given attributes; close it with ``endGroup()``.
    public mutating func beginGroup(_ attributes: Attributes) {
        elements.append("<g" + attributes.map { #" \#($0.key)="\#(Self.escaped($0.value))""# }.joined() + ">")
    }

    /// Ends the group ``beginGroup(_:)`` started.
    public mutating func endGroup() { elements.append("</g>") }

    /// The fill `url(#hatch)`: diagonal lines over the data beneath (uncertainty bands, as
    /// mplhep hatches them), defined once per image.
    public mutating func hatch(color: String = Style.bandFill) -> String {
        let id = "hatch-" + color.filter { $0.isLetter || $0.isNumber }
        definitions[id] = #"<pattern id="\#(id)" patternUnits="userSpaceOnUse" width="8" height="8"><path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="\#(color)" stroke-width="1.2"/></pattern>"#
        return "url(#\(id))"
    }

    /// Records that plotted data covers `box` (pixels), for legend placement.
    public mutating func occupy(_ box: Rectangle) { occupied.append(box) }

    /// The SVG text of the image.
    public func rendered() -> String {
        ([#"<svg xmlns="http://www.w3.org/2000/svg" width="\#(Self.number(width))" height="\#(Self.number(height))" viewBox="0 0 \#(Self.number(width)) \#(Self.number(height))" font-family="\#(Style.fontFamily)">"#,
          #"<rect width="100%" height="100%" fill="white"/>"#]
            + (definitions.isEmpty ? [] : ["<defs>" + definitions.keys.sorted().map { definitions[$0]! }.joined() + "</defs>"])
            + elements + ["</svg>", ""]).joined(separator: "\n")
    }

    /// Several rendered images one above the other in one image (nested `<svg>` elements).
    public static func stacked(_ images: [String]) -> String {
        var y = 0.0, width = 0.0, parts: [String] = []
        let size = try! NSRegularExpression(pattern: #"^<svg [^>]*width="([0-9.]+)" height="([0-9.]+)""#)
        for image in images {
            guard let match = size.firstMatch(in: image, range: NSRange(image.startIndex..., in: image)),
                  let w = Double(image[Range(match.range(at: 1), in: image)!]), let h = Double(image[Range(match.range(at: 2), in: image)!])
            else { continue }
            parts.append(image.replacingOccurrences(of: "<svg ", with: #"<svg x="0" y="\#(number(y))" "#, options: .anchored))
            y += h
            width = max(width, w)
        }
        return ([#"<svg xmlns="http://www.w3.org/2000/svg" width="\#(number(width))" height="\#(number(y))" viewBox="0 0 \#(number(width)) \#(number(y))" font-family="\#(Style.fontFamily)">"#]
            + parts + ["</svg>", ""]).joined(separator: "\n")
    }

    private mutating func append(_ name: String, _ attributes: [(String, String)], content: String? = nil) {
        let list = attributes.map { #" \#($0.0)="\#($0.0 == "points" || $0.0 == "d" ? $0.1 : Self.escaped($0.1))""# }.joined()
        elements.append(content.map { "<\(name)\(list)>\($0)</\(name)>" } ?? "<\(name)\(list)/>")
    }

    /// Text with the XML metacharacters escaped (names from inputs reach labels).
    static func escaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A coordinate or size rounded to 1/100 px, whole numbers without a fractional part.
    public static func number(_ x: Double) -> String {
        guard x.isFinite else { return "0" }
        let rounded = (x * 100).rounded() / 100
        return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int(rounded)) : "\(rounded)"
    }

    /// A data value for a `data-*` attribute: the shortest text that reads back to the same number.
    public static func value(_ x: Double) -> String { x.isNaN ? "nan" : x.isInfinite ? (x > 0 ? "inf" : "-inf") : "\(x)" }

    /// Several data values, space-separated.
    public static func values(_ xs: [Double]) -> String { xs.map(value).joined(separator: " ") }
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

    /// The area shared with `other` (0 when they do not meet).
    public func overlap(_ other: Rectangle) -> Double {
        let w = min(x + width, other.x + other.width) - max(x, other.x)
        let h = min(y + height, other.y + other.height) - max(y, other.y)
        return w > 0 && h > 0 ? w * h : 0
    }
}
