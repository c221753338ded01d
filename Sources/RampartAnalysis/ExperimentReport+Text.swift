import Foundation
import RampartCore

extension ExperimentReport {
    /// The report as plain text for a terminal: a header, then every section of ``sections`` under an underlined
    /// heading.
    public var text: String {
        var out: [String] = []
        out.append("\(experiment.key) — \(experiment.name) (phase \(experiment.phase), \(experiment.status.rawValue))")
        out.append("as of \(ReportFormat.moment(asOf)); \(ReportFormat.stage(self))")
        out.append("units: \(ReportFormat.units(self))")
        out.append("SRM: p = \(ReportFormat.pValue(srm.pValue))\(srm.mismatch ? " — MISMATCH" : "")\(srm.problem.map { " (\($0))" } ?? "")")
        for section in sections {
            let title = heading(section)
            out += ["", title, String(repeating: "-", count: title.count)]
            out += textBody(section)
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The plan section alone, with the experiment and the moment (`rampart plan`).
    public var planText: String {
        let title = "\(experiment.key) — \(heading(.plan)) as of \(ReportFormat.moment(asOf))"
        return ([title, String(repeating: "-", count: title.count)] + textBody(.plan)).joined(separator: "\n") + "\n"
    }

    /// The text under a section's heading.
    func textBody(_ section: ReportSection) -> [String] {
        switch section {
        case .verdict: return verdict.reasons.filter(\.decisive).map { "  • \($0.message)" }
        case .findings: return verdict.reasons.filter { !$0.decisive }.map { "  - \($0.message)" }
        case .warnings: return warnings.map { "  ! \($0)" }
        case .variants: return Self.table(variantRows) + [variantNote]
        case .servedVersusRan: return Self.table(servedRows) + [servedNote]
        case .metrics: return Self.table(metricRows)
        case .guardrails: return Self.table(guardrailRows)
        case .bayesian: return Self.table(bayesianRows)
        case .plan: return [planNote] + (plan?.metrics.isEmpty == false ? Self.table(planRows) : [])
        case .timeline: return Self.table(timelineRows)
        case .funnel: return Self.table(funnelRows)
        case .cost: return Self.table(costRows)
        case .examples: return Self.table(exampleRows)
        case .segments: return [segmentNote] + Self.table(segmentRows) + segmentHeterogeneityLines
        }
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
