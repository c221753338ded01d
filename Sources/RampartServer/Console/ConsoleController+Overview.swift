import Foundation
import Hummingbird
import RampartAnalysis
import RampartCore
import RampartStore

extension ConsoleController {
    /// One experiment's line on the overview.
    struct OverviewRow {
        var state: RolloutState
        var report: ExperimentReport
        var lastAudit: AuditEntry?
        var computedAt: Date

        var values: [String: Any] {
            let e = state.experiment
            let primary = report.metrics.first { $0.role == .primary }
            let treated = primary?.variants.first { $0.variant != e.control }
            let effect = treated?.relative?.sequential
            let decisive = report.verdict.reasons.first { $0.decisive }?.message ?? report.verdict.reasons.first?.message ?? ""
            return [
                "key": e.key, "name": e.name, "status": e.status.rawValue,
                "stage": report.stage.index.map { "stage \($0 + 1) of \(report.stage.count)" } ?? "no ramp stage",
                "coverage": ReportFormat.percent(e.coverage),
                "since": ConsoleController.date(report.stage.startedAt),
                "verdict": report.verdict.action.rawValue, "verdictClass": report.verdict.action.rawValue.lowercased(),
                "reason": decisive,
                "metric": primary?.name ?? "—",
                "effect": ReportFormat.relative(effect?.estimate), "interval": ReportFormat.interval(effect),
                "units": report.units.enrolled.values.reduce(0, +),
                "srm": report.srm.mismatch, "srmP": report.srm.pValue.map { String(format: "%.4g", $0) } ?? "—",
                "lastAudit": lastAudit.map { "\($0.action) by \($0.actor)" } ?? "—",
                "lastAuditAt": ConsoleController.date(lastAudit?.at),
                "computedAt": ConsoleController.date(computedAt),
            ]
        }
    }

    static let verdictOrder: [VerdictAction] = [.rollback, .stop, .ship, .advance, .hold]

    /// Every experiment with its analysis and last audit entry, filtered and sorted as the query asks.
    ///
    /// - Parameters:
    ///   - status: Keep only this status (`running`, `paused`, …), or all.
    ///   - verdict: Keep only this verdict (`ADVANCE`, …), or all.
    ///   - sort: `name`, `change` (last change first) or `verdict` (most urgent first).
    ///   - now: The moment of the analysis.
    func overviewRows(status: String?, verdict: String?, sort: String, now: Date = Date()) async throws -> [OverviewRow] {
        let states = try await store.rollouts()
        var rows: [OverviewRow] = []
        for state in states {
            if let status, state.experiment.status.rawValue != status { continue }
            let entry = try await overviewCache.entry(for: state, store: store, now: now)
            if let verdict, entry.report.verdict.action.rawValue != verdict { continue }
            rows.append(OverviewRow(state: state, report: entry.report, lastAudit: entry.lastAudit, computedAt: entry.computedAt))
        }
        switch sort {
        case "change":
            rows.sort { ($0.lastAudit?.at ?? .distantPast) > ($1.lastAudit?.at ?? .distantPast) }
        case "verdict":
            func rank(_ r: OverviewRow) -> Int { Self.verdictOrder.firstIndex(of: r.report.verdict.action) ?? 99 }
            rows.sort { (rank($0), $0.state.experiment.name) < (rank($1), $1.state.experiment.name) }
        default:
            rows.sort { ($0.state.experiment.name.lowercased(), $0.state.experiment.key) < ($1.state.experiment.name.lowercased(), $1.state.experiment.key) }
        }
        return rows
    }

    /// The overview's values for a query's `status`, `verdict` and `sort` (shared by the page and
    /// ``ConsoleOverviewProbe``, which `rampart bench console` times).
    func overviewValues(status rawStatus: String?, verdict rawVerdict: String?, sort rawSort: String?) async throws -> [String: Any] {
        let status = rawStatus.flatMap { ExperimentStatus(rawValue: $0) }?.rawValue
        let verdict = rawVerdict.flatMap { VerdictAction(rawValue: $0) }?.rawValue
        let sort = ["name", "change", "verdict"].contains(rawSort ?? "") ? rawSort! : "name"
        let rows = try await overviewRows(status: status, verdict: verdict, sort: sort)
        func options(_ all: [String], selected: String?) -> [[String: Any]] {
            all.map { ["value": $0, "selected": $0 == selected] }
        }
        return [
            "experiments": rows.map(\.values), "count": rows.count, "empty": rows.isEmpty,
            "statuses": options(ExperimentStatus.allCases.map(\.rawValue), selected: status),
            "verdicts": options(VerdictAction.allCases.map(\.rawValue), selected: verdict),
            "sorts": [["value": "name", "label": "name", "selected": sort == "name"],
                      ["value": "change", "label": "last change", "selected": sort == "change"],
                      ["value": "verdict", "label": "verdict", "selected": sort == "verdict"]],
            "refreshSeconds": configuration.overviewRefreshSeconds,
            "generatedAt": ReportFormat.date(Date()),
            "oldestAnalysis": rows.map(\.computedAt).min().map(ReportFormat.date) ?? "—",
        ]
    }

    @Sendable func overviewPage(_ request: Request, context: RampartRequestContext, identity: ConsoleIdentity) async throws -> Response {
        let query = request.uri.queryParameters
        let values = try await overviewValues(status: query.get("status"), verdict: query.get("verdict"), sort: query.get("sort"))
        return renderer.page("overview", title: "Experiments", identity: identity, values: values)
    }
}
