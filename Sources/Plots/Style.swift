import Foundation

/// The one look of every HEPKit figure: matplotlib/mplhep proportions, fonts readable on a slide,
/// and colour-blind-safe colours.
public enum Style {
    /// Series colours: M. Petroff's 10-colour sequence (arXiv:2107.02270), mplhep's default cycle,
    /// chosen to stay distinguishable under the common colour-vision deficiencies.
    public static let palette = [
        "#3f90da", "#ffa90e", "#bd1f01", "#94a4a2", "#832db6", "#a96b59", "#e76300", "#b9ac70", "#717581", "#92dadd",
    ]

    /// The colour of series `index`, cycling through ``palette``.
    public static func color(_ index: Int) -> String { palette[((index % palette.count) + palette.count) % palette.count] }

    /// Text and axis colour.
    public static let ink = "#000000"
    /// The font stack: matplotlib's default (DejaVu Sans), then the usual sans-serif faces.
    public static let fontFamily = "DejaVu Sans, Helvetica, Arial, sans-serif"
    /// Tick-label size (px); axis labels and titles are larger.
    public static let tickFont = 17.0, labelFont = 19.0, titleFont = 19.0, legendFont = 16.0
    /// Lengths of the inward major and minor ticks (px).
    public static let majorTick = 9.0, minorTick = 5.0

    /// The Brazil band's ±1σ and ±2σ fills (the colours limit plots conventionally use, softened).
    public static let oneSigma = "#38b84f", twoSigma = "#ffd92f"
    /// The uncertainty hatching/fill of total-model bands.
    public static let bandFill = "#555555"

    /// A colour of the diverging blue-white-red map (ColorBrewer RdBu, colour-blind safe) for
    /// `value` in −1…1 (clamped).
    public static func diverging(_ value: Double) -> String {
        let t = max(-1, min(1, value.isFinite ? value : 0))
        let white = (247.0, 247.0, 247.0), red = (178.0, 24.0, 43.0), blue = (33.0, 102.0, 172.0)
        let end = t >= 0 ? red : blue, f = abs(t)
        func channel(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * f).rounded()) }
        return String(format: "#%02x%02x%02x", channel(white.0, end.0), channel(white.1, end.1), channel(white.2, end.2))
    }

    /// A sequential light-to-dark map (ColorBrewer YlGnBu) for `fraction` in 0…1 (clamped).
    public static func sequential(_ fraction: Double) -> String {
        let stops: [(Double, Double, Double)] = [(255, 255, 217), (199, 233, 180), (65, 182, 196), (34, 94, 168), (8, 29, 88)]
        let t = max(0, min(1, fraction.isFinite ? fraction : 0)) * Double(stops.count - 1)
        let i = min(Int(t), stops.count - 2), f = t - Double(i)
        let a = stops[i], b = stops[i + 1]
        func mix(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * f).rounded()) }
        return String(format: "#%02x%02x%02x", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}
