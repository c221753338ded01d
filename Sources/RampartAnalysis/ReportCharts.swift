import Foundation
import RampartCore

/// Inline SVG charts for the HTML report: no scripts, no network.
enum ReportCharts {
    /// A forest plot: one row per treatment, the relative effect's sequential CI as a thick bar and, on the same
    /// axis, the fixed-horizon CI as a thin dark bar, the estimate as a dot, zero and the guardrail margin as
    /// vertical lines.
    static func effectInterval(_ estimate: Estimate?, fixed: Estimate? = nil, margin: Double?, direction: MetricDirection, width: Int = 260) -> String {
        guard let estimate, let lower = estimate.lower, let upper = estimate.upper, let point = estimate.estimate else {
            return "<span class=\"na\">n/a</span>"
        }
        let marginLine = margin.map { direction == .decrease ? $0 : -$0 }
        let fixedBounds = [fixed?.lower, fixed?.upper].compactMap { $0 }.map(abs)
        let extent = max(0.05, ([abs(lower), abs(upper), abs(marginLine ?? 0)] + fixedBounds).max()! * 1.15)
        let w = Double(width), h = 22.0
        func x(_ v: Double) -> Double { (v + extent) / (2 * extent) * w }
        let good = direction == .increase ? lower > 0 : upper < 0
        let bad = direction == .increase ? upper < 0 : lower > 0
        let color = good ? "#1a7f37" : (bad ? "#cf222e" : "#57606a")
        let fixedLabel = fixed.map { "; fixed-horizon CI \(ReportFormat.interval($0))" } ?? ""
        var svg = "<svg class=\"ci\" width=\"\(width)\" height=\"\(Int(h))\" viewBox=\"0 0 \(width) \(Int(h))\" role=\"img\" aria-label=\"relative effect \(ReportFormat.relative(point)), sequential CI \(ReportFormat.interval(estimate))\(fixedLabel)\">"
        svg += "<line x1=\"\(x(0))\" y1=\"0\" x2=\"\(x(0))\" y2=\"\(h)\" stroke=\"#8c959f\" stroke-width=\"1\"/>"
        if let m = marginLine {
            svg += "<line x1=\"\(x(m))\" y1=\"0\" x2=\"\(x(m))\" y2=\"\(h)\" stroke=\"#bf8700\" stroke-width=\"1\" stroke-dasharray=\"3,2\"><title>margin \(ReportFormat.relative(m))</title></line>"
        }
        svg += "<line x1=\"\(x(lower))\" y1=\"\(h / 2)\" x2=\"\(x(upper))\" y2=\"\(h / 2)\" stroke=\"\(color)\" stroke-width=\"4\" stroke-linecap=\"round\"/>"
        if let fl = fixed?.lower, let fu = fixed?.upper {
            svg += "<line x1=\"\(x(fl))\" y1=\"\(h / 2 + 6)\" x2=\"\(x(fu))\" y2=\"\(h / 2 + 6)\" stroke=\"#24292f\" stroke-width=\"1.5\"><title>fixed-horizon CI \(ReportFormat.interval(fixed))</title></line>"
        }
        svg += "<circle cx=\"\(x(point))\" cy=\"\(h / 2)\" r=\"4\" fill=\"\(color)\"/>"
        svg += "</svg>"
        return svg
    }

    /// The cumulative relative effect of the primary metric over time, with its sequential CI as a band.
    static func timeline(_ points: [TimelinePoint], variant: String, width: Int = 640, height: Int = 200) -> String {
        let series = points.filter { $0.variant == variant }.compactMap { p -> (Date, Double, Double, Double)? in
            guard let e = p.relative, let v = e.estimate, let l = e.lower, let u = e.upper else { return nil }
            return (p.at, v, l, u)
        }
        guard series.count >= 2, let first = series.first?.0, let last = series.last?.0, last > first else {
            return "<p class=\"na\">Not enough days of data for a timeline yet.</p>"
        }
        let low = min(series.map(\.2).min()!, 0), high = max(series.map(\.3).max()!, 0)
        let span = max(high - low, 0.01)
        let w = Double(width), h = Double(height), pad = 30.0
        func x(_ d: Date) -> Double { pad + (d.timeIntervalSince(first) / last.timeIntervalSince(first)) * (w - 2 * pad) }
        func y(_ v: Double) -> Double { h - pad - (v - low) / span * (h - 2 * pad) }
        let upper = series.map { "\(x($0.0)),\(y($0.3))" }
        let lower = series.reversed().map { "\(x($0.0)),\(y($0.2))" }
        let line = series.map { "\(x($0.0)),\(y($0.1))" }.joined(separator: " ")
        var svg = "<svg class=\"timeline\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\" aria-label=\"cumulative effect over time\">"
        svg += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"#54aeff\" fill-opacity=\"0.25\"/>"
        svg += "<line x1=\"\(pad)\" y1=\"\(y(0))\" x2=\"\(w - pad)\" y2=\"\(y(0))\" stroke=\"#8c959f\"/>"
        svg += "<polyline points=\"\(line)\" fill=\"none\" stroke=\"#0969da\" stroke-width=\"2\"/>"
        svg += "<text x=\"2\" y=\"\(y(high) + 4)\" font-size=\"10\">\(html(ReportFormat.relative(high)))</text>"
        svg += "<text x=\"2\" y=\"\(y(low))\" font-size=\"10\">\(html(ReportFormat.relative(low)))</text>"
        svg += "<text x=\"\(pad)\" y=\"\(h - 6)\" font-size=\"10\">\(html(ReportFormat.date(first)))</text>"
        svg += "<text x=\"\(w - pad)\" y=\"\(h - 6)\" font-size=\"10\" text-anchor=\"end\">\(html(ReportFormat.date(last)))</text>"
        svg += "</svg>"
        return svg
    }

    /// A horizontal bar for a share in [0, 1].
    static func bar(_ share: Double?, width: Int = 160) -> String {
        guard let share, share.isFinite else { return "" }
        let w = Double(width) * min(max(share, 0), 1)
        return "<svg class=\"bar\" width=\"\(width)\" height=\"12\" viewBox=\"0 0 \(width) 12\"><rect width=\"\(width)\" height=\"12\" fill=\"#eaeef2\"/><rect width=\"\(w)\" height=\"12\" fill=\"#0969da\"/></svg>"
    }
}
