import Foundation

/// The sections of a report, in the order every format (text, Markdown, HTML) shows them, with the heading they
/// carry and the JSON field that holds their content. A section with nothing to show is left out of every format.
public enum ReportSection: String, Sendable, CaseIterable {
    case verdict, findings, warnings, variants, servedVersusRan, metrics, guardrails, bayesian, plan, timeline, funnel, cost, examples, segments

    /// The heading; the verdict's adds the action.
    public var title: String {
        switch self {
        case .verdict: return "Verdict"
        case .findings: return "All findings"
        case .warnings: return "Warnings"
        case .variants: return "Variants"
        case .servedVersusRan: return "Served vs. ran"
        case .metrics: return "Metrics"
        case .guardrails: return "Guardrails"
        case .bayesian: return "Bayesian view of the primary metric"
        case .plan: return "Power and days to a decision"
        case .timeline: return "Cumulative effect over time"
        case .funnel: return "Funnel by variant"
        case .cost: return "Cost by variant and model"
        case .examples: return "Examples behind each metric"
        case .segments: return "By segment"
        }
    }

    /// The top-level JSON field the section's content comes from (docs/report-format.md).
    public var jsonField: String {
        switch self {
        case .verdict, .findings: return "verdict"
        case .warnings: return "warnings"
        case .variants: return "units"
        case .servedVersusRan: return "served_vs_ran"
        case .metrics, .guardrails, .bayesian: return "metrics"
        case .plan: return "plan"
        case .timeline: return "timeline"
        case .funnel: return "funnel"
        case .cost: return "cost"
        case .examples: return "examples"
        case .segments: return "segments"
        }
    }
}

extension ExperimentReport {
    /// The sections this report shows, in order: the same list for every format.
    public var sections: [ReportSection] {
        ReportSection.allCases.filter { section in
            switch section {
            case .verdict, .variants, .metrics: return true
            case .findings: return verdict.reasons.contains { !$0.decisive }
            case .warnings: return !warnings.isEmpty
            case .servedVersusRan: return servedVersusRan?.variants.contains { $0.events > 0 } == true
            case .guardrails: return metrics.contains { $0.role == .guardrail }
            case .bayesian: return metrics.contains { $0.role == .primary && $0.variants.contains { $0.bayesian != nil } }
            case .plan: return plan != nil
            case .timeline: return !timeline.isEmpty
            case .funnel: return !funnel.isEmpty
            case .cost: return !cost.isEmpty
            case .examples: return examples?.isEmpty == false
            case .segments: return segments != nil
            }
        }
    }

    /// A section's heading as shown: the verdict's carries the action.
    func heading(_ section: ReportSection) -> String {
        section == .verdict ? "Verdict: \(verdict.action.rawValue)" : section.title
    }

    /// How the two-sided intervals of `relative` are labelled: "95% CI (two-sided, sequential)".
    func intervalLabel(sequential: Bool) -> String {
        "\(ReportFormat.level(1 - experiment.alpha)) CI (two-sided, \(sequential ? "sequential" : "fixed"))"
    }

    /// How guardrail bounds are labelled: "one-sided 95% bounds (sequential)".
    var boundsLabel: String {
        "one-sided \(ReportFormat.level(1 - experiment.alpha)) bounds (\(experiment.sequential ? "sequential" : "fixed"))"
    }

    /// The variants table: what each serves and its units.
    var variantRows: [[String]] {
        [["variant", "weight", "prompt version", "model", "units"]] + experiment.variants.map { v in
            [v.key + (v.key == experiment.control ? " (control)" : ""), ReportFormat.percent(v.weight), v.promptVersionId, v.provider + "/" + v.model, "\(units.enrolled[v.key] ?? 0)"]
        }
    }

    /// The served-vs-ran table: per variant, what it serves and how often its LLM events ran something else.
    var servedRows: [[String]] {
        [["variant", "serves", "LLM events", "ran something else", "share", "most frequent mismatches"]] + (servedVersusRan?.variants ?? []).map { v in
            [
                v.variant, "\(v.servedPromptVersionId) / \(v.servedModel)", "\(v.events)", "\(v.mismatched)",
                v.share.map { String(format: "%.1f%%", $0 * 100) + (v.aboveThreshold ? " (above threshold)" : "") } ?? "—",
                v.top.isEmpty ? "—" : v.top.map { "\($0.promptVersionId ?? "none") / \($0.model ?? "none") × \($0.events)" }.joined(separator: "; "),
            ]
        }
    }

    /// The line under the served-vs-ran table: the threshold and the rule.
    var servedNote: String {
        "LLM events of each variant's units whose prompt_version_id or model differs from the variant's payload; above \(ReportFormat.percent(servedVersusRan?.threshold ?? 0)) the verdict holds (data_quality)"
    }

    /// The line under the variants table: exclusions, exposures and the SRM test.
    var variantNote: String {
        "\(units.multiVariantExcluded) units excluded for seeing several variants · \(units.exposures) exposures · SRM p = \(ReportFormat.pValue(srm.pValue))\(srm.mismatch ? " — sample ratio mismatch" : "")\(srm.problem.map { " (\($0))" } ?? "")"
    }

    /// The metrics table: every metric and variant, both two-sided intervals of the relative effect, labelled.
    var metricRows: [[String]] {
        var rows = [["metric", "role", "variant", "units", "value", "Δ relative", intervalLabel(sequential: true), intervalLabel(sequential: false), "p (\(experiment.sequential ? "sequential" : "fixed"))", "decision"]]
        for m in metrics {
            for v in m.variants {
                let isControl = v.variant == experiment.control
                let deciding = experiment.sequential ? v.relative?.sequential : v.relative?.fixed
                rows.append([
                    isControl ? m.name : "", isControl ? m.role.rawValue : "", v.variant, "\(v.units)", ReportFormat.value(v.value, kind: m.kind),
                    isControl ? "" : ReportFormat.relative(deciding?.estimate),
                    isControl ? "" : ReportFormat.interval(v.relative?.sequential),
                    isControl ? "" : ReportFormat.interval(v.relative?.fixed),
                    isControl ? "" : ReportFormat.pValue(deciding?.pValue),
                    ReportFormat.decision(v) + (v.problem.map { " (\($0))" } ?? ""),
                ])
            }
        }
        return rows
    }

    /// The guardrails table: each threshold with the one-sided bounds its decision reads.
    var guardrailRows: [[String]] {
        var rows = [["guardrail", "variant", "threshold", "estimate", boundsLabel, "limit", "decision"]]
        for m in metrics where m.role == .guardrail {
            for v in m.variants where v.variant != experiment.control {
                let b = v.guardrailBounds
                let fmt: (Double?) -> String = { x in
                    guard let x else { return "—" }
                    switch b?.scale ?? "value" {
                    case "relative": return ReportFormat.relative(x)
                    case "absolute": return String(format: "%+.4g", x)
                    default: return ReportFormat.value(x, kind: m.kind)
                    }
                }
                let bounds = b.map { ($0.lower == nil || $0.upper == nil) ? "—" : "\(fmt($0.lower)) .. \(fmt($0.upper))" } ?? (v.problem.map { "n/a (\($0))" } ?? "—")
                rows.append([m.name, v.variant, ReportFormat.threshold(m), fmt(b?.estimate), bounds, b.map { fmt($0.limit) } ?? "—", ReportFormat.decision(v)])
            }
        }
        return rows
    }

    /// The Bayesian view of the primary metric's treatments.
    var bayesianRows: [[String]] {
        var rows = [["metric", "variant", "chance to beat control", "expected loss if shipped", "expected loss if kept"]]
        for m in metrics where m.role == .primary {
            for v in m.variants {
                guard let b = v.bayesian else { continue }
                let loss: (Double?) -> String = { x in
                    guard let x else { return "—" }
                    return b.scale == "relative" ? String(format: "%.3g%%", x * 100) : String(format: "%.3g", x)
                }
                rows.append([m.name, v.variant, b.chanceToBeatControl.map { String(format: "%.1f%%", $0 * 100) } ?? "n/a (\(b.problem ?? "no estimate"))", loss(b.expectedLoss), loss(b.expectedLossControl)])
            }
        }
        return rows
    }

    /// The line above the plan table: the traffic it projects with.
    var planNote: String {
        guard let plan else { return "" }
        guard let window = plan.trafficWindowDays else { return plan.problem ?? "no traffic yet" }
        let rates = experiment.variants.map { "\($0.key) \(String(format: "%.1f", plan.unitsPerDay[$0.key] ?? 0))" }.joined(separator: ", ")
        return "units per day over the last \(String(format: "%.3g", window)) d: \(rates); power \(ReportFormat.percent(plan.power)); \(experiment.testsDescription) tests at α = \(experiment.alpha)"
    }

    /// The plan table: per primary and guardrail test, its MDE now and the days to a decision.
    var planRows: [[String]] {
        var rows = [["metric", "variant", "test", "units", "units/day", "MDE now", "assumed", "towards", "units needed", "days to decision"]]
        for p in plan?.metrics ?? [] {
            let fmt: (Double?) -> String = { x in
                guard let x else { return "—" }
                switch p.scale {
                case "relative": return ReportFormat.relative(x)
                case "absolute": return String(format: "%+.4g", x)
                default: return String(format: "%.4g", x)
                }
            }
            let mde = p.minimumDetectableEffect.map { m in p.scale == "relative" ? String(format: "±%.1f%%", m * 100) : String(format: "±%.4g", m) } ?? "—"
            let test = p.test == "effect" ? "effect ≠ 0" : "\(p.test) \(fmt(p.boundary))"
            let days: String
            if p.decided { days = "decided" } else if let d = p.daysRemaining { days = d > 3650 ? "> 10 years" : String(format: "%.1f", d) } else { days = "n/a (\(p.problem ?? "unknown"))" }
            rows.append([
                p.name, p.variant, test, "\(p.units)", p.unitsPerDay.map { String(format: "%.1f", $0) } ?? "—", mde,
                "\(fmt(p.assumed)) \(p.assumption)", p.towards?.replacingOccurrences(of: "_", with: " ") ?? "—",
                p.unitsNeeded.map { $0 > 1e9 ? String(format: "%.2g", $0) : String(format: "%.0f", $0.rounded(.up)) } ?? "—", days,
            ])
        }
        return rows
    }

    /// The timeline table: the primary's cumulative relative effect with its sequential interval.
    var timelineRows: [[String]] {
        [["at", "variant", "units", "Δ relative", intervalLabel(sequential: true)]] + timeline.map { p in
            [ReportFormat.date(p.at), p.variant, "\(p.units)", ReportFormat.relative(p.relative?.estimate), ReportFormat.interval(p.relative)]
        }
    }

    /// The funnel table: units reaching each step and their share of enrolled units.
    var funnelRows: [[String]] {
        [["step"] + experiment.variants.map(\.key)] + funnel.map { step in
            [step.step] + experiment.variants.map { v in
                let share = step.share[v.key] ?? nil
                return "\(step.units[v.key] ?? 0) (\(share.map { String(format: "%.1f%%", $0 * 100) } ?? "—"))"
            }
        }
    }

    /// The examples table: per metric, variant and group, each example unit with its trace id (or link).
    var exampleRows: [[String]] {
        var rows = [["metric", "variant", "examples", "unit", "value", "trace"]]
        for set in examples ?? [] {
            for group in set.groups {
                for x in group.examples {
                    rows.append([set.name, set.variant, group.kind.replacingOccurrences(of: "_", with: " "), x.unit, String(format: "%.6g", x.value), x.traceURL ?? x.traceID ?? "—"])
                }
            }
        }
        return rows
    }

    /// The cost table.
    var costRows: [[String]] {
        [["variant", "model", "requests", "cost (USD)", "per unit (USD)"]] + cost.map { c in
            [c.variant, c.model, "\(c.requests)", String(format: "%.4f", c.costUSD), c.costPerUnitUSD.map { String(format: "%.5f", $0) } ?? "—"]
        }
    }
}
