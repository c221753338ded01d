import Foundation
import RampartCore

extension ExperimentReport {
    /// The report as plain text for a terminal.
    public var text: String {
        var out: [String] = []
        out.append("\(experiment.key) — \(experiment.name) (phase \(experiment.phase), \(experiment.status.rawValue))")
        out.append("as of \(ReportFormat.date(asOf)); \(ReportFormat.stage(self))")
        out.append("units: \(ReportFormat.units(self))")
        out.append("SRM: p = \(ReportFormat.pValue(srm.pValue))\(srm.mismatch ? " — MISMATCH" : "")\(srm.problem.map { " (\($0))" } ?? "")")
        out.append("")
        out.append("VERDICT: \(verdict.action.rawValue)")
        for reason in verdict.reasons where reason.decisive { out.append("  • \(reason.message)") }
        let context = verdict.reasons.filter { !$0.decisive }
        if !context.isEmpty {
            out.append("  context:")
            for reason in context { out.append("    - \(reason.message)") }
        }
        out.append("")
        let header = ["metric", "role", "variant", "units", "value", "Δ relative", "CI (\(experiment.sequential ? "sequential" : "fixed"))", "p", "decision"]
        var rows: [[String]] = [header]
        for m in metrics {
            for v in m.variants {
                let effect = experiment.sequential ? v.relative?.sequential : v.relative?.fixed
                rows.append([
                    v.variant == experiment.control ? m.key : "", v.variant == experiment.control ? m.role.rawValue : "",
                    v.variant, "\(v.units)", ReportFormat.value(v.value, kind: m.kind),
                    v.variant == experiment.control ? "" : ReportFormat.relative(effect?.estimate),
                    v.variant == experiment.control ? "" : ReportFormat.interval(effect),
                    v.variant == experiment.control ? "" : ReportFormat.pValue(effect?.pValue),
                    ReportFormat.decision(v),
                ])
            }
        }
        out += Self.table(rows)
        if !warnings.isEmpty {
            out.append("")
            out.append("warnings:")
            for w in warnings { out.append("  ! \(w)") }
        }
        if !funnel.isEmpty {
            out.append("")
            out.append("funnel (share of enrolled units):")
            var funnelRows: [[String]] = [["step"] + experiment.variants.map(\.key)]
            for step in funnel {
                funnelRows.append([step.step] + experiment.variants.map { v in
                    let share = step.share[v.key] ?? nil
                    return "\(step.units[v.key] ?? 0) (\(share.map { String(format: "%.1f%%", $0 * 100) } ?? "—"))"
                })
            }
            out += Self.table(funnelRows)
        }
        if !cost.isEmpty {
            out.append("")
            out.append("cost:")
            var costRows: [[String]] = [["variant", "model", "requests", "cost (USD)", "per unit"]]
            for c in cost {
                costRows.append([c.variant, c.model, "\(c.requests)", String(format: "%.4f", c.costUSD), c.costPerUnitUSD.map { String(format: "%.5f", $0) } ?? "—"])
            }
            out += Self.table(costRows)
        }
        return out.joined(separator: "\n") + "\n"
    }

    public static func table(_ rows: [[String]]) -> [String] {
        guard let columns = rows.map(\.count).max() else { return [] }
        let widths = (0..<columns).map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        return rows.map { row in
            var line = row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }
    }
}
