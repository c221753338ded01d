import Foundation
import HTTPTypes
import Hummingbird
import RampartAnalysis
import RampartCore
import RampartStore

extension ConsoleController {
    /// Reads `as_of` from a query: RFC 3339 (`2026-06-16T00:00:00Z`), a browser's `datetime-local`
    /// (`2026-06-16T00:00`, read as UTC) or a date (`2026-06-16`).
    static func asOf(_ text: String?) throws -> Date? {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        guard case .success(let date) = AsOfMoment.parse(text) else {
            throw ConsolePageError(status: .badRequest, title: "Not a date", message: "“view as of” expects a date and time that exists, such as 2026-06-16T00:00 (UTC).")
        }
        return date
    }

    /// The experiment page's values: the report, the ramp plan with progress, and the actions this person may take.
    func experimentValues(_ state: RolloutState, asOf: Date?, identity: ConsoleIdentity, notice: String? = nil, refusal: [String: Any]? = nil, by: String? = nil) async throws -> [String: Any] {
        var report = try await ExperimentAnalyzer(store: store).analyze(state, now: asOf ?? Date())
        report.segments = try await segmentBreakdown(state.experiment, by: by, asOf: asOf ?? report.asOf)
        let e = state.experiment
        let current = state.stageIndex
        let steps: [[String: Any]] = e.ramp.enumerated().map { index, step in
            let place = current.map { index < $0 ? "done" : index == $0 ? "current" : index == $0 + 1 ? "next" : "later" } ?? "later"
            return [
                "number": index + 1, "coverage": ReportFormat.percent(step.coverage), "place": place,
                "isCurrent": place == "current",
                "minDuration": Self.duration(step.minDuration), "minUnits": step.minUnitsPerVariant,
                "requiresApproval": step.requiresApproval,
            ]
        }
        var progress: [String: Any]?
        if let index = current, e.ramp.indices.contains(index) {
            let step = e.ramp[index]
            let elapsed = report.stage.startedAt.map { report.asOf.timeIntervalSince($0) } ?? 0
            let fewest = e.variants.map { report.units.enrolled[$0.key] ?? 0 }.min() ?? 0
            progress = [
                "elapsed": Self.duration(elapsed), "minDuration": Self.duration(step.minDuration),
                "durationPercent": step.minDuration > 0 ? min(100, Int(elapsed / step.minDuration * 100)) : 100,
                "durationMax": 100,
                "fewestUnits": fewest, "minUnits": step.minUnitsPerVariant,
                "unitsPercent": step.minUnitsPerVariant > 0 ? min(100, fewest * 100 / step.minUnitsPerVariant) : 100,
                "requiresApproval": step.requiresApproval,
            ]
        }
        // Only what the experiment's status allows: a shipped or stopped experiment offers no buttons.
        let available = RampAction.available(in: e.status)
        let actions: [[String: Any]] = available.map { action in
            ["value": action.rawValue, "label": Self.label(action)]
        }
        return [
            "key": e.key, "name": e.name, "status": e.status.rawValue, "revision": state.revision,
            "verdict": report.verdict.action.rawValue, "verdictClass": report.verdict.action.rawValue.lowercased(),
            "verdictReason": report.verdict.reasons.first { $0.decisive }?.message ?? "",
            "report": report.htmlBody,
            "asOf": asOf.map(ReportFormat.date) ?? "", "viewingPast": asOf != nil,
            "asOfInput": asOf.map { String(ReportFormat.date($0).prefix(16)) } ?? "",
            "steps": steps, "hasSteps": !steps.isEmpty, "progress": progress as Any,
            "actions": actions, "showControls": identity.canChange && asOf == nil && !actions.isEmpty,
            "canShip": available.contains(.ship),
            "variants": e.variants.filter { $0.key != e.control }.map { ["key": $0.key] },
            "notice": notice as Any, "refusal": refusal as Any,
            "exampleMetrics": Self.exampleLinks(e, asOf: asOf),
        ].merging(Self.segmentValues(e, by: by), uniquingKeysWith: { a, _ in a })
    }

    static func label(_ action: RampAction) -> String {
        switch action {
        case .advance: return "Advance to the next stage"
        case .rollback: return "Roll back (stop, everyone gets control)"
        case .pause: return "Pause"
        case .resume: return "Resume"
        case .ship: return "Ship"
        }
    }

    /// A duration in days, hours or minutes.
    static func duration(_ seconds: Double) -> String {
        if seconds >= 86_400 { return String(format: "%.1f d", seconds / 86_400) }
        if seconds >= 3_600 { return String(format: "%.1f h", seconds / 3_600) }
        return String(format: "%.0f min", max(0, seconds) / 60)
    }

    @Sendable func experimentPage(_ request: Request, context: RampartRequestContext, identity: ConsoleIdentity) async throws -> Response {
        let state = try await rollout(context)
        let asOf = try Self.asOf(request.uri.queryParameters.get("as_of"))
        let notice = try await doneNotice(request.uri.queryParameters.get("done"), state: state, identity: identity)
        let by = request.uri.queryParameters.get("by").flatMap { $0.isEmpty ? nil : $0 }
        let values = try await experimentValues(state, asOf: asOf, identity: identity, notice: notice, by: by)
        return renderer.page("experiment", title: state.experiment.name, identity: identity, values: values)
    }

    /// The notice after a ramp form's redirect (`?done=ship`), shown only when the audit log's last change is that
    /// action by this person within the last 10 minutes: a link with `?done=` cannot announce what did not happen.
    ///
    /// - Parameters:
    ///   - done: The query's action.
    ///   - state: The experiment.
    ///   - identity: Who is looking.
    func doneNotice(_ done: String?, state: RolloutState, identity: ConsoleIdentity) async throws -> String? {
        guard let action = done.flatMap(RampAction.init(rawValue:)),
              let last = try await store.auditEntries(state.experiment.key).lastChange,
              last.action == action.rawValue, last.actor == identity.session.keyName, Date().timeIntervalSince(last.at) < 600
        else { return nil }
        return "Done: \(action.rawValue) recorded in the audit log as \(identity.session.keyName) at \(ReportFormat.date(last.at))."
    }

    /// A ramp form: the same guarded transition as `POST /v1/experiments/{key}/ramp` (``RampOperation``), by the
    /// signed-in key's name, refused when the rollout changed since the page was loaded (its revision).
    @Sendable func rampAction(_ request: Request, context: RampartRequestContext, identity: ConsoleIdentity) async throws -> Response {
        let fields = try await form(request, identity)
        try requireChange(identity)
        let state = try await rollout(context)
        func refuse(_ status: HTTPResponse.Status, _ refusal: [String: Any]) async throws -> Response {
            let values = try await experimentValues(state, asOf: nil, identity: identity, refusal: refusal)
            return renderer.page("experiment", title: state.experiment.name, identity: identity, status: status, values: values)
        }
        guard let raw = fields["action"], let action = RampAction(rawValue: raw) else {
            return try await refuse(.unprocessableContent, ["message": "Choose an action: advance, rollback, pause, resume or ship."])
        }
        guard let loaded = fields["revision"].flatMap(Int.init), loaded == state.revision else {
            let last = try await store.auditEntries(state.experiment.key).lastChange
            let who = last.map { "changed by \($0.actor) at \(ReportFormat.date($0.at))" } ?? "changed by someone else"
            return try await refuse(.conflict, ["message": "This experiment was \(who) since you loaded the page; nothing was done. Reload and decide again.", "conflict": true])
        }
        let force = fields["force"] == "on" || fields["force"] == "true"
        var reason = fields.trimmed("reason") ?? ""
        if force, reason.isEmpty {
            return try await refuse(.unprocessableContent, ConsoleRenderer.compact([
                "message": "Forcing an action against the verdict needs a written reason; it goes to the audit log.", "offerForce": true,
                "action": action.rawValue, "forceVariant": (action == .ship ? fields.trimmed("variant") : nil) as Any,
            ]))
        }
        if action == .advance, let index = state.stageIndex, state.experiment.ramp.indices.contains(index), state.experiment.ramp[index].requiresApproval {
            reason = reason.isEmpty ? "approved by \(identity.session.keyName)" : "\(reason) (approved by \(identity.session.keyName))"
        }
        let operation = RampOperation(store: store, registry: registry)
        let intent = RampOperation.Intent(action: action, force: force, reason: reason, actor: identity.session.keyName, variant: fields.trimmed("variant"))
        let next: (state: RolloutState, audit: AuditEntry, verdict: Verdict)
        do {
            next = try await operation.decide(intent, for: state)
        } catch let error as RampartError where error.code == .verdictRefusal {
            // The force form carries the variant chosen, so that a multi-arm experiment can be force-shipped.
            return try await refuse(.conflict, ConsoleRenderer.compact([
                "message": error.message, "offerForce": true, "action": action.rawValue,
                "forceVariant": (action == .ship ? fields.trimmed("variant") : nil) as Any,
            ]))
        } catch let error as RampartError where error.code == .conflict || error.code == .invalidInput {
            return try await refuse(.conflict, ["message": error.message])
        }
        do {
            try await operation.commit(next.state, audit: next.audit)
        } catch let error as RampartError where error.code == .conflict {
            let last = try await store.auditEntries(state.experiment.key).lastChange
            let who = last.map { "changed by \($0.actor) at \(ReportFormat.date($0.at))" } ?? "changed by someone else"
            return try await refuse(.conflict, ["message": "This experiment was \(who) meanwhile; nothing was done. Reload and decide again.", "conflict": true])
        }
        let path = "/experiments/\(Self.pathComponent(state.experiment.key))?done=\(action.rawValue)"
        return Response(status: .seeOther, headers: [.location: path, .cacheControl: "no-store"])
    }

    static func pathComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}
