import Foundation
import RampartCore

extension ExperimentReport {
    /// The report as GitHub-flavoured Markdown, for pull requests and chat: every section of ``sections`` under a
    /// `##` heading.
    public var markdown: String {
        var out: [String] = []
        out.append("# \(experiment.name)")
        out.append("")
        out.append("`\(experiment.key)` · phase \(experiment.phase) · \(experiment.status.rawValue) · \(ReportFormat.stage(self)) · as of \(ReportFormat.moment(asOf))")
        out.append("")
        out.append("Units: \(ReportFormat.units(self)). SRM p = \(ReportFormat.pValue(srm.pValue))\(srm.mismatch ? " (**mismatch**)" : "").")
        for section in sections {
            out += ["", section == .verdict ? "## Verdict: **\(verdict.action.rawValue)**" : "## \(section.title)", ""]
            switch section {
            case .verdict: out += verdict.reasons.filter(\.decisive).map { "- \(Self.markdownEscaped($0.message))" }
            case .findings: out += verdict.reasons.filter { !$0.decisive }.map { "- \(Self.markdownEscaped($0.message))" }
            case .warnings: out += warnings.map { "- \(Self.markdownEscaped($0))" }
            case .variants: out += Self.markdownTable(variantRows) + ["", variantNote]
            case .servedVersusRan: out += Self.markdownTable(servedRows) + ["", Self.markdownEscaped(servedNote)]
            case .metrics: out += Self.markdownTable(metricRows)
            case .guardrails: out += Self.markdownTable(guardrailRows)
            case .bayesian: out += Self.markdownTable(bayesianRows)
            case .plan: out += [planNote] + (plan?.metrics.isEmpty == false ? [""] + Self.markdownTable(planRows) : [])
            case .timeline: out += Self.markdownTable(timelineRows)
            case .funnel: out += Self.markdownTable(funnelRows)
            case .cost: out += Self.markdownTable(costRows)
            case .examples: out += Self.markdownTable(exampleRows)
            case .segments: out += [Self.markdownEscaped(segmentNote), ""] + Self.markdownTable(segmentRows) + ["", Self.markdownEscaped(segmentHeterogeneityLines.joined(separator: "; "))]
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// A GitHub table: the first row is the header.
    static func markdownTable(_ rows: [[String]]) -> [String] {
        guard let header = rows.first else { return [] }
        let line = { (cells: [String]) in "| " + cells.map(markdownEscaped).joined(separator: " | ") + " |" }
        return [line(header), "|" + String(repeating: " --- |", count: header.count)] + rows.dropFirst().map(line)
    }

    /// Text safe in a table cell or list item: pipes escaped.
    static func markdownEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|")
    }
}
