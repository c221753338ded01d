import Foundation
import RampartCore

extension ExperimentReport {
    /// The report as GitHub-flavoured Markdown, for pull requests and chat.
    public var markdown: String {
        var out: [String] = []
        out.append("# \(experiment.name)")
        out.append("")
        out.append("`\(experiment.key)` · phase \(experiment.phase) · \(experiment.status.rawValue) · \(ReportFormat.stage(self)) · as of \(ReportFormat.date(asOf))")
        out.append("")
        out.append("## Verdict: **\(verdict.action.rawValue)**")
        out.append("")
        for reason in verdict.reasons where reason.decisive { out.append("- \(reason.message)") }
        out.append("")
        out.append("Units: \(ReportFormat.units(self)). SRM p = \(ReportFormat.pValue(srm.pValue))\(srm.mismatch ? " (**mismatch**)" : "").")
        out.append("")
        out.append("## Metrics")
        out.append("")
        out.append("| metric | role | variant | units | value | Δ relative | CI (sequential) | CI (fixed) | p (sequential) | decision |")
        out.append("| --- | --- | --- | ---: | ---: | ---: | --- | --- | ---: | --- |")
        for m in metrics {
            for v in m.variants {
                let isControl = v.variant == experiment.control
                out.append("| \(isControl ? m.name : "") | \(isControl ? m.role.rawValue : "") | \(v.variant) | \(v.units) | \(ReportFormat.value(v.value, kind: m.kind)) | \(isControl ? "" : ReportFormat.relative(v.relative?.sequential.estimate)) | \(isControl ? "" : ReportFormat.interval(v.relative?.sequential)) | \(isControl ? "" : ReportFormat.interval(v.relative?.fixed)) | \(isControl ? "" : ReportFormat.pValue(v.relative?.sequential.pValue)) | \(ReportFormat.decision(v)) |")
            }
        }
        if !warnings.isEmpty {
            out.append("")
            out.append("## Warnings")
            out.append("")
            for w in warnings { out.append("- \(w)") }
        }
        let context = verdict.reasons.filter { !$0.decisive }
        if !context.isEmpty {
            out.append("")
            out.append("## All findings")
            out.append("")
            for reason in context { out.append("- \(reason.message)") }
        }
        return out.joined(separator: "\n") + "\n"
    }
}
