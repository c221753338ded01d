import Foundation
import Hummingbird
import RampartAnalysis
import RampartCore
import RampartStore

extension ConsoleController {
    static let auditPageSize = 50

    /// The audit log of one experiment, or of all, newest first, one page of ``auditPageSize`` entries.
    func auditValues(experiment: String?, page: Int) async throws -> [String: Any] {
        var entries: [AuditEntry] = []
        if let experiment {
            entries = try await store.auditEntries(experiment)
        } else {
            for state in try await store.rollouts() { entries += try await store.auditEntries(state.experiment.key) }
        }
        // Newest first; entries of one experiment keep their stored order when the times are equal.
        entries = entries.enumerated().sorted { ($0.element.at, $0.offset) > ($1.element.at, $1.offset) }.map(\.element)
        let pages = max(1, (entries.count + Self.auditPageSize - 1) / Self.auditPageSize)
        let page = min(max(page, 1), pages)
        let slice = entries.dropFirst((page - 1) * Self.auditPageSize).prefix(Self.auditPageSize)
        let base = experiment.map { "/experiments/\(Self.pathComponent($0))/audit" } ?? "/audit"
        return [
            "experiment": experiment as Any, "all": experiment == nil,
            "entries": slice.map { a -> [String: Any] in
                ["at": ReportFormat.date(a.at), "experiment": a.experiment, "action": a.action, "actor": a.actor,
                 "from": a.from, "to": a.to, "verdict": a.verdict, "reason": a.reason, "forced": a.forced]
            },
            "empty": entries.isEmpty, "total": entries.count, "page": page, "pages": pages,
            "newer": page > 1 ? "\(base)?page=\(page - 1)" : nil as String?,
            "older": page < pages ? "\(base)?page=\(page + 1)" : nil as String?,
        ]
    }

    @Sendable func auditPage(_ request: Request, context: RampartRequestContext, identity: ConsoleIdentity) async throws -> Response {
        let page = request.uri.queryParameters.get("page").flatMap(Int.init) ?? 1
        var experiment: String?
        if context.parameters.get("key") != nil {
            experiment = try await rollout(context).experiment.key
        }
        let values = try await auditValues(experiment: experiment, page: page)
        return renderer.page("audit", title: experiment.map { "Audit log: \($0)" } ?? "Audit log", identity: identity, values: values)
    }
}
