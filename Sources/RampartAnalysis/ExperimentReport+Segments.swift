import Foundation
import RampartCore

extension ExperimentReport {
    /// The sentence above the segments table: the attribute, the rule for small segments and the correction.
    var segmentNote: String {
        guard let s = segments else { return "" }
        var note = "By \(s.attribute), each unit counted in the value of its first exposure; relative effects fixed-horizon, "
            + "p-values Holm-corrected across segments; a segment with fewer than \(s.minUnitsPerVariant) units in some variant shows too few units; "
            + "\"differs\" flags a segment whose effect differs from the pooled effect beyond chance (Holm, α = \(experiment.alpha))."
        if s.unitsWithoutValue > 0 { note += " \(s.unitsWithoutValue) units recorded no \(s.attribute) and are in no segment." }
        return note
    }

    /// The segments table: per segment, metric and variant, the units, value and relative effect.
    var segmentRows: [[String]] {
        var rows = [["segment", "metric", "variant", "units", "value", "relative", "95% CI (fixed)", "p (Holm)", "differs"]]
        for segment in segments?.values ?? [] {
            for metric in segment.metrics {
                let kind = metrics.first { $0.key == metric.key }?.kind ?? .mean
                for v in metric.variants {
                    let isControl = v.variant == experiment.control
                    let effect: [String]
                    if isControl {
                        effect = ["", "", "", ""]
                    } else if segment.tooFewUnits {
                        effect = ["too few units", "", "", ""]
                    } else {
                        effect = [
                            ReportFormat.relative(v.relative?.fixed.estimate), ReportFormat.interval(v.relative?.fixed),
                            ReportFormat.pValue(v.adjustedPValue), v.deviation?.differs == true ? "yes" : "no",
                        ]
                    }
                    rows.append([segment.value, metric.name, v.variant, "\(v.units)", ReportFormat.value(v.value, kind: kind)] + effect)
                }
            }
        }
        return rows
    }

    /// One line per metric and treatment: Cochran's Q across the segments.
    var segmentHeterogeneityLines: [String] {
        (segments?.heterogeneity ?? []).map { h in
            let name = metrics.first { $0.key == h.metric }?.name ?? h.metric
            guard let q = h.q, let dof = h.degreesOfFreedom else {
                return "\(name) (\(h.variant)): no heterogeneity test (\(h.problem ?? "no estimate"))"
            }
            return "\(name) (\(h.variant)): Cochran's Q = \(String(format: "%.2f", q)) on \(dof) df, p = \(ReportFormat.pValue(h.pValue)), "
                + "I² = \(ReportFormat.percent(h.iSquared ?? 0)), pooled relative effect \(ReportFormat.relative(h.pooled))"
        }
    }
}
