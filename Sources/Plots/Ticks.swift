import Foundation

/// Tick positions and labels as matplotlib chooses them: steps of 1, 2 or 5 times a power of ten,
/// labels with just the decimals the step needs, and a common ×10ⁿ factor for very large or very
/// small values; decades on logarithmic axes.
public enum Ticks {
    /// The 1-2-5 step giving about `target` intervals over `span`.
    public static func step(span: Double, target: Int = 6) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / Double(max(target, 1))
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / magnitude
        let nice: Double = fraction <= 1 + 1e-9 ? 1 : fraction <= 2 + 1e-9 ? 2 : fraction <= 5 + 1e-9 ? 5 : 10
        return Double(String(format: "%.12g", nice * magnitude)) ?? nice * magnitude
    }

    /// The multiples of ``step(span:target:)`` inside `range`.
    public static func linear(_ range: ClosedRange<Double>, target: Int = 6) -> [Double] {
        let step = step(span: range.upperBound - range.lowerBound, target: target)
        let first = (range.lowerBound / step - 1e-9).rounded(.up), last = (range.upperBound / step + 1e-9).rounded(.down)
        guard first <= last, last - first < 1000 else { return [] }
        return stride(from: first, through: last, by: 1).map { clean($0 * step, step: step) }
    }

    /// `range` widened outwards to the nearest multiples of its tick step (matplotlib's round limits).
    public static func rounded(_ range: ClosedRange<Double>, target: Int = 6) -> ClosedRange<Double> {
        let span = range.upperBound - range.lowerBound
        guard span > 0, span.isFinite else { return range }
        let step = step(span: span, target: target)
        return clean((range.lowerBound / step + 1e-9).rounded(.down) * step, step: step)
            ... clean((range.upperBound / step - 1e-9).rounded(.up) * step, step: step)
    }

    /// The decades 10ᵏ inside a positive `range`, and the 2…9 × 10ᵏ minor positions.
    public static func logarithmic(_ range: ClosedRange<Double>) -> (major: [Double], minor: [Double]) {
        guard range.lowerBound > 0, range.upperBound.isFinite else { return ([], []) }
        let low = Int((log10(range.lowerBound) - 1e-9).rounded(.down)), high = Int((log10(range.upperBound) + 1e-9).rounded(.up))
        guard high - low < 400 else { return ([], []) }
        var major: [Double] = [], minor: [Double] = []
        for k in low...high {
            let decade = pow(10, Double(k))
            if range.contains(decade * (1 + 1e-12)) || range.contains(decade * (1 - 1e-12)) { major.append(decade) }
            for m in 2...9 where range.contains(Double(m) * decade) { minor.append(Double(m) * decade) }
        }
        return (major, minor)
    }

    /// Labels for evenly stepped `values` and the common power of ten factored out of them (nil
    /// unless the values reach 10⁴ or stay below 10⁻³, as matplotlib's scalar formatter does).
    public static func labels(_ values: [Double]) -> (labels: [String], exponent: Int?) {
        guard let largest = values.map(abs).max(), largest > 0 else { return (values.map { _ in "0" }, nil) }
        let step = values.count > 1 ? abs(values[1] - values[0]) : largest
        var exponent: Int? = nil
        if largest >= 1e4 || largest < 1e-3 { exponent = Int(log10(largest).rounded(.down)) }
        let scale = pow(10, Double(exponent ?? 0))
        let decimals = max(0, -Int((log10(step / scale) + 1e-9).rounded(.down)))
        return (values.map { fixed($0 / scale, decimals: decimals) }, exponent)
    }

    /// `value` with `decimals` decimals, a typographic minus, and no "−0".
    public static func fixed(_ value: Double, decimals: Int) -> String {
        let text = String(format: "%.\(max(0, decimals))f", value)
        return text.hasPrefix("-") && Double(text) == 0 ? String(text.dropFirst()) : text.replacingOccurrences(of: "-", with: "−")
    }

    /// One value with four significant digits at most and no trailing zeros (legends, annotations).
    public static func label(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : value > 0 ? "∞" : "−∞" }
        let magnitude = abs(value)
        let text = magnitude != 0 && (magnitude >= 1e5 || magnitude < 1e-3) ? String(format: "%.3e", value) : String(format: "%.4g", value)
        return text.replacingOccurrences(of: "-", with: "−")
    }

    /// `value` rounded to the precision its step implies, so 3 × 0.1 prints as 0.3.
    private static func clean(_ value: Double, step: Double) -> Double {
        let unit = step / 1000
        let cleaned = (value / unit).rounded() * unit
        return Double(String(format: "%.12g", cleaned)) ?? cleaned
    }
}
