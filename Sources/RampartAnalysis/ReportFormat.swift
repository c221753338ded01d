import Foundation
import RampartCore

/// Number formatting shared by the text, Markdown and HTML reports.
public enum ReportFormat {
    public static func value(_ x: Double?, kind: MetricKind) -> String {
        guard let x else { return "—" }
        switch kind {
        case .proportion: return String(format: "%.2f%%", x * 100)
        case .quantile: return x >= 100 ? String(format: "%.0f", x) : String(format: "%.3g", x)
        case .mean, .ratio: return abs(x) >= 100 ? String(format: "%.1f", x) : String(format: "%.4g", x)
        }
    }

    public static func relative(_ x: Double?) -> String {
        guard let x else { return "—" }
        return String(format: "%+.1f%%", x * 100)
    }

    public static func interval(_ e: Estimate?) -> String {
        guard let e, let lower = e.lower, let upper = e.upper else { return e?.problem.map { "n/a (\($0))" } ?? "—" }
        return "\(relative(lower)) .. \(relative(upper))"
    }

    static func pValue(_ p: Double?) -> String {
        guard let p else { return "—" }
        return p < 0.0001 ? String(format: "%.1e", p) : String(format: "%.4f", p)
    }

    /// A moment as `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds: rounded to milliseconds, which are dropped), as `ISO8601DateFormatter` with
    /// `.withInternetDateTime` writes it, by arithmetic: a new formatter per call took 70 % of the console overview's
    /// own CPU time (600 dates a page; docs/performance.md, session 9).
    public static func date(_ d: Date) -> String {
        // The formatter rounds to milliseconds first, then drops them.
        let milliseconds = (d.timeIntervalSince1970 * 1000).rounded()
        guard milliseconds.isFinite, abs(milliseconds) < 1e17 else {
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime]
            return f.string(from: d)
        }
        // `YYYY-MM-DDTHH:MM:SS.mmmZ` without the milliseconds.
        let full = RFC3339.format(milliseconds: Int64(milliseconds))
        return String(full.dropLast(5)) + "Z"
    }

    /// A moment as ``date(_:)`` writes it, with its milliseconds when it has any (`2026-06-10T12:00:00.250Z`): the
    /// report's `as_of`, which must name the moment analysed, so that `--as-of` with it gives the same numbers.
    public static func moment(_ d: Date) -> String {
        let milliseconds = (d.timeIntervalSince1970 * 1000).rounded()
        guard milliseconds.isFinite, abs(milliseconds) < 1e17 else { return date(d) }
        let full = RFC3339.format(milliseconds: Int64(milliseconds))
        return full.hasSuffix(".000Z") ? String(full.dropLast(5)) + "Z" : full
    }

    public static func percent(_ x: Double) -> String {
        let v = x * 100
        return v == v.rounded() ? "\(Int(v))%" : String(format: "%.1f%%", v)
    }

    static func decision(_ v: VariantResult) -> String {
        if let g = v.guardrail { return g.replacingOccurrences(of: "_", with: " ") }
        guard let o = v.outcome else { return v.problem == nil ? "" : "n/a" }
        switch o {
        case .pass: return "win"
        case .fail: return "loss"
        case .inconclusive: return "inconclusive"
        case .missing: return "missing"
        }
    }

    static func stage(_ r: ExperimentReport) -> String {
        r.stage.description
    }

    static func units(_ r: ExperimentReport) -> String {
        let list = r.experiment.variants.map { "\($0.key) \(r.units.enrolled[$0.key] ?? 0)" }.joined(separator: ", ")
        return "\(list); \(r.units.multiVariantExcluded) excluded for seeing several variants"
    }

    /// A confidence level as a percentage: "95%".
    static func level(_ x: Double) -> String {
        percent((x * 1000).rounded() / 1000)
    }

    /// A guardrail's threshold in words.
    static func threshold(_ m: MetricReport) -> String {
        guard let t = m.threshold else { return "—" }
        switch t.type {
        case "relative_margin": return "at most \(percent(t.value)) worse than control"
        case "absolute_margin": return "at most \(String(format: "%g", t.value)) worse than control"
        default: return "\(m.direction == .decrease ? "below" : "above") \(String(format: "%g", t.value))"
        }
    }
}
