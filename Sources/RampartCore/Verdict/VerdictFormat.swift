import Foundation

/// Formats the numbers in verdict reasons so that a PM can check them.
enum VerdictFormat {
    static func percent(_ x: Double) -> String {
        let v = x * 100
        return v == v.rounded() ? "\(Int(v))%" : String(format: "%.1f%%", v)
    }

    /// A probability with one decimal, e.g. "93.4%"; "<0.1%" below a thousandth.
    static func probability(_ p: Double) -> String {
        p < 0.000_5 ? "<0.1%" : String(format: "%.1f%%", p * 100)
    }

    static func signedPercent(_ x: Double) -> String {
        String(format: "%+.1f%%", x * 100)
    }

    static func number(_ x: Double) -> String {
        String(format: "%g", x)
    }

    static func signedNumber(_ x: Double) -> String {
        String(format: "%+.4g", x)
    }

    static func pValue(_ p: Double) -> String {
        p < 0.001 ? String(format: "%.1e", p) : String(format: "%.3f", p)
    }

    static func duration(_ seconds: Double) -> String {
        if seconds >= 86_400 { return String(format: "%.1fd", seconds / 86_400) }
        if seconds >= 3_600 { return String(format: "%.1fh", seconds / 3_600) }
        return String(format: "%.0fm", max(seconds, 0) / 60)
    }

    static func units(_ s: ExperimentSnapshot) -> String {
        s.experiment.variants.map { "\($0.key) \(s.unitsPerVariant[$0.key] ?? 0)" }.joined(separator: ", ")
    }

    static func weights(_ e: Experiment) -> String {
        e.variants.map { percent($0.weight) }.joined(separator: "/")
    }

    /// "escalation rate (treatment) +31.2% relative (CI +18.0% .. +45.1%), margin +2%: regression".
    static func describe(_ a: MetricAssessment, direction: MetricDirection) -> String {
        let who = "\(a.name) (\(a.variant))"
        if a.outcome == .missing { return "\(who) is missing: \(a.problem ?? "no result")" }
        let verdict = word(a)
        if case .ceiling(let limit) = a.threshold {
            let value = a.value.map(number) ?? "?"
            let ci = (a.lower != nil && a.upper != nil) ? " (\(a.intervalLabel ?? "CI") \(number(a.lower!)) .. \(number(a.upper!)))" : ""
            let side = direction == .decrease ? "ceiling" : "floor"
            return "\(who) \(value)\(ci), \(side) \(number(limit)): \(verdict)"
        }
        let relative = a.relative
        let fmt = { (x: Double) -> String in relative ? signedPercent(x) : signedNumber(x) }
        let effect = a.effect.map(fmt) ?? "?"
        let ci = (a.lower != nil && a.upper != nil) ? " (\(a.intervalLabel ?? "CI") \(fmt(a.lower!)) .. \(fmt(a.upper!)))" : ""
        var text = "\(who) \(effect)\(a.relative ? " relative" : "")\(ci)"
        if let threshold = a.threshold, !isCeiling(threshold) {
            text += ", \(limit(threshold, direction: direction))"
        }
        // An inconclusive result with a reason (an α-spending design whose α is spent) says why.
        if a.outcome == .inconclusive, let why = a.problem { return "\(text): \(verdict); \(why)" }
        return "\(text): \(verdict)"
    }

    /// "margin +2%", "margin -0.01", "ceiling 4000" or "floor 0.8".
    static func limit(_ threshold: GuardrailThreshold, direction: MetricDirection) -> String {
        let sign = direction == .decrease ? "+" : "-"
        switch threshold {
        case .relativeMargin(let m): return "margin \(sign)\(percent(m))"
        case .absoluteMargin(let m): return "margin \(sign)\(number(m))"
        case .ceiling(let c): return "\(direction == .decrease ? "ceiling" : "floor") \(number(c))"
        }
    }

    /// "Escalation rate (treatment): 93% probability of being beyond its margin +2% (above advance_risk 20%);
    /// estimate +26.9% relative (CI -16.3% .. +70.1%)".
    static func atRisk(_ a: MetricAssessment, direction: MetricDirection, limit risk: Double) -> String {
        let chance = a.probabilityBeyondThreshold.map(probability) ?? "?"
        let threshold = a.threshold.map { limit($0, direction: direction) } ?? "threshold"
        let ceiling = isCeiling(a.threshold)
        let fmt = { (x: Double) -> String in a.relative ? signedPercent(x) : (ceiling ? number(x) : signedNumber(x)) }
        let estimate = (ceiling ? a.value : a.effect).map(fmt) ?? "?"
        let ci = (a.lower != nil && a.upper != nil) ? " (\(a.intervalLabel ?? "CI") \(fmt(a.lower!)) .. \(fmt(a.upper!)))" : ""
        return "\(a.name) (\(a.variant)): \(chance) probability of being beyond its \(threshold) (above advance_risk \(percent(risk))); estimate \(estimate)\(a.relative && !ceiling ? " relative" : "")\(ci)"
    }

    static func isCeiling(_ threshold: GuardrailThreshold?) -> Bool {
        if case .ceiling = threshold { return true }
        return false
    }

    static func word(_ a: MetricAssessment) -> String {
        switch (a.role, a.outcome) {
        case (.primary, .pass): return "significant improvement"
        case (.primary, .fail): return "significantly worse"
        case (_, .pass): return isCeiling(a.threshold) ? "within limit" : "non-inferior"
        case (_, .fail): return isCeiling(a.threshold) ? "beyond limit" : "regression"
        case (_, .inconclusive): return "inconclusive"
        case (_, .missing): return "missing"
        }
    }
}
