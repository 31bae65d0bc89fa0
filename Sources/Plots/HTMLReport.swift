import Foundation

/// A self-contained HTML page of figures and tables: inline SVG, inline style, no script and no
/// network access, so it opens the same anywhere (a laptop, a batch node's browser, an archive).
public struct HTMLReport: Sendable {
    public var title: String
    private var body: [String] = []

    public init(title: String) { self.title = title }

    /// A section heading.
    public mutating func heading(_ text: String) { body.append("<h2>\(SVGDocument.escaped(text))</h2>") }

    /// A paragraph of plain text.
    public mutating func paragraph(_ text: String) { body.append("<p>\(SVGDocument.escaped(text))</p>") }

    /// A figure: the SVG inline (without its XML prologue) and a caption.
    public mutating func figure(_ svg: String, caption: String) {
        body.append("<figure>\(svg.trimmingCharacters(in: .whitespacesAndNewlines))<figcaption>\(SVGDocument.escaped(caption))</figcaption></figure>")
    }

    /// A table with a header row.
    public mutating func table(header: [String], rows: [[String]]) {
        let head = "<tr>" + header.map { "<th>\(SVGDocument.escaped($0))</th>" }.joined() + "</tr>"
        let lines = rows.map { "<tr>" + $0.map { "<td>\(SVGDocument.escaped($0))</td>" }.joined() + "</tr>" }
        body.append("<table>" + ([head] + lines).joined(separator: "\n") + "</table>")
    }

    /// The page's text.
    public func rendered() -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(SVGDocument.escaped(title))</title>
        <style>
        body { font-family: \(Style.fontFamily); margin: 2em auto; max-width: 1800px; color: #111; }
        h1 { font-size: 28px; } h2 { font-size: 22px; margin-top: 1.6em; border-bottom: 1px solid #ccc; }
        figure { display: inline-block; margin: 0.5em; vertical-align: top; }
        figure svg { max-width: 100%; height: auto; }
        figcaption { font-size: 15px; color: #444; max-width: 820px; }
        table { border-collapse: collapse; font-size: 16px; margin: 0.5em 0; }
        th, td { border: 1px solid #bbb; padding: 4px 10px; text-align: right; } th { background: #f0f0f0; }
        td:first-child, th:first-child { text-align: left; }
        </style></head>
        <body>
        <h1>\(SVGDocument.escaped(title))</h1>
        \(body.joined(separator: "\n"))
        </body></html>

        """
    }
}
