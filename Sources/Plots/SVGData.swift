import Foundation

/// Reads back what a figure shows: the attributes of its drawn elements (with their `data-*`
/// values), for tests and scripts that check a figure against the numbers it was drawn from.
public enum SVGData {
    /// The attributes of every `rect`, `circle`, `line`, `polyline`, `polygon` and `path` element of
    /// `svg` that has the attribute `key`, in document order, unescaped.
    public static func elements(in svg: String, with key: String) -> [[String: String]] {
        var found: [[String: String]] = []
        for match in tag.matches(in: svg, range: NSRange(svg.startIndex..., in: svg)) {
            let text = String(svg[Range(match.range(at: 2), in: svg)!])
            var attributes = ["tag": String(svg[Range(match.range(at: 1), in: svg)!])]
            for a in attribute.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                attributes[String(text[Range(a.range(at: 1), in: text)!])] = unescaped(String(text[Range(a.range(at: 2), in: text)!]))
            }
            if attributes[key] != nil { found.append(attributes) }
        }
        return found
    }

    /// A space-separated list of numbers (a `data-*` series) as doubles; nil if any is not a number.
    public static func numbers(_ text: String?) -> [Double]? {
        guard let text else { return nil }
        let values = text.split(separator: " ").map { Double($0) }
        return values.contains(nil) ? nil : values.map { $0! }
    }

    private static let tag = try! NSRegularExpression(pattern: "<(rect|circle|polyline|polygon|path|line)\\b([^>]*)/>")
    private static let attribute = try! NSRegularExpression(pattern: #"([a-zA-Z0-9-]+)="([^"]*)""#)

    private static func unescaped(_ s: String) -> String {
        s.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }
}
