import Foundation
import Hummingbird
import RampartAnalysis
import RampartCore
import RampartStore

extension ConsoleController {
    /// One experiment's line on the overview; without a report while its first analysis is pending.
    struct OverviewRow {
        var state: RolloutState
        var report: ExperimentReport?
        var lastAudit: AuditEntry?
        var computedAt: Date?
        /// New events of the names its analysis reads arrived since it was computed; the refresher is on it.
        var updating = false

        var values: [String: Any] {
            let e = state.experiment
            var values: [String: Any] = [
                "key": e.key, "name": e.name, "status": e.status.rawValue, "coverage": ReportFormat.percent(e.coverage),
                "lastAudit": lastAudit.map { "\($0.action) by \($0.actor)" } ?? "—",
                "lastAuditAt": ConsoleController.date(lastAudit?.at),
                "updating": updating,
            ]
            // Absent while pending (the template's "as of" line needs an analysis).
            if let computedAt { values["computedAt"] = ConsoleController.date(computedAt) }
            guard let report else {
                values.merge([
                    "pending": true, "stage": state.stageIndex.map { "stage \($0 + 1) of \(e.ramp.count)" } ?? "no ramp stage",
                    "since": "—", "verdict": "analysing…", "verdictClass": "pending",
                    "reason": "The first analysis since the service started is under way; this page fills it in when it is ready.",
                    "metric": e.metrics.first { $0.role == .primary }?.key ?? "—", "effect": "—", "interval": "—", "units": "—",
                    "srm": false, "srmP": "—",
                ]) { $1 }
                return values
            }
            let primary = report.metrics.first { $0.role == .primary }
            let treated = primary?.variants.first { $0.variant != e.control }
            let effect = treated?.relative?.sequential
            let decisive = report.verdict.reasons.first { $0.decisive }?.message ?? report.verdict.reasons.first?.message ?? ""
            values.merge([
                "stage": report.stage.index.map { "stage \($0 + 1) of \(report.stage.count)" } ?? "no ramp stage",
                "since": ConsoleController.date(report.stage.startedAt),
                "verdict": report.verdict.action.rawValue, "verdictClass": report.verdict.action.rawValue.lowercased(),
                "reason": decisive,
                "metric": primary?.name ?? "—",
                "effect": ReportFormat.relative(effect?.estimate), "interval": ReportFormat.interval(effect),
                "units": report.units.enrolled.values.reduce(0, +),
                "srm": report.srm.mismatch, "srmP": report.srm.pValue.map { String(format: "%.4g", $0) } ?? "—",
            ]) { $1 }
            return values
        }
    }

    static let verdictOrder: [VerdictAction] = [.rollback, .stop, .ship, .advance, .hold]

    /// Every experiment with its analysis and last audit entry, filtered and sorted as the query asks.
    ///
    /// An experiment whose cached analysis is of its current revision shows it, whatever its age (the background
    /// refresher renews it); at most ``OverviewCache/requestBudget`` others (new or changed) are analysed here, and
    /// the rest show as pending until the refresher has analysed them.
    ///
    /// - Parameters:
    ///   - status: Keep only this status (`running`, `paused`, …), or all.
    ///   - verdict: Keep only this verdict (`ADVANCE`, …), or all (pending rows only then).
    ///   - sort: `name`, `change` (last change first) or `verdict` (most urgent first, pending last).
    ///   - now: The moment of an analysis made here.
    func overviewRows(status: String?, verdict: String?, sort: String, now: Date = Date()) async throws -> [OverviewRow] {
        let states = try await store.rollouts()
        // One small read: whether any shown analysis predates new events it would read.
        let counts = try await store.storedEventCounts()
        var budget = overviewCache.requestBudget
        var rows: [OverviewRow] = []
        for state in states {
            if let status, state.experiment.status.rawValue != status { continue }
            var entry = overviewCache.cached(state.experiment.key).flatMap { $0.revision == state.revision ? $0 : nil }
            if entry == nil, budget > 0 {
                budget -= 1
                entry = try await overviewCache.analyse(state, store: store, counts: counts, now: now)
            }
            if let verdict, entry?.report.verdict.action.rawValue != verdict { continue }
            let updating = entry.map { $0.marker != OverviewCache.marker(state.experiment, counts: counts) } ?? false
            rows.append(OverviewRow(state: state, report: entry?.report, lastAudit: entry?.lastAudit, computedAt: entry?.computedAt, updating: updating))
        }
        // Pending rows, and rows whose new events are due for the refresher (``OverviewCache/minInterval``), ask it for a
        // pass now rather than at its next interval.
        if rows.contains(where: { $0.report == nil || ($0.updating && $0.computedAt.map { now.timeIntervalSince($0) >= overviewCache.minInterval } ?? true) }) {
            overviewCache.nudge()
        }
        switch sort {
        case "change":
            rows.sort { ($0.lastAudit?.at ?? .distantPast) > ($1.lastAudit?.at ?? .distantPast) }
        case "verdict":
            func rank(_ r: OverviewRow) -> Int { r.report.flatMap { Self.verdictOrder.firstIndex(of: $0.verdict.action) } ?? 99 }
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
            // Pending analyses are polled for sooner; updating ones are renewed at most once per minimum interval, so
            // polling sooner than usual would only render the same page more often.
            "refreshSeconds": rows.contains { $0.report == nil } && configuration.overviewRefreshSeconds > 0
                ? min(3, configuration.overviewRefreshSeconds) : configuration.overviewRefreshSeconds,
            "generatedAt": ReportFormat.date(Date()),
            "oldestAnalysis": rows.compactMap(\.computedAt).min().map(ReportFormat.date) ?? "—",
            "minIntervalSeconds": Int(overviewCache.minInterval.rounded()), "maxAgeSeconds": Int(overviewCache.maxAge.rounded()),
            "pending": rows.filter { $0.report == nil }.count, "hasPending": rows.contains { $0.report == nil },
            "updating": rows.filter(\.updating).count, "hasUpdating": rows.contains(where: \.updating),
        ]
    }

    @Sendable func overviewPage(_ request: Request, context: RampartRequestContext, identity: ConsoleIdentity) async throws -> Response {
        let query = request.uri.queryParameters
        let values = try await overviewValues(status: query.get("status"), verdict: query.get("verdict"), sort: query.get("sort"))
        return renderer.page("overview", title: "Experiments", identity: identity, values: values)
    }
}
