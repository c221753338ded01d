import Foundation

/// Applies a ramp action to a rollout, enforcing what the verdict allows.
public enum RampTransition {
    /// Applies `action`.
    ///
    /// - Parameters:
    ///   - action: The change asked for.
    ///   - state: The rollout as it stands.
    ///   - verdict: The verdict now; a transition it does not allow is refused unless `force` is set.
    ///   - force: Override the verdict; needs a non-empty `reason`.
    ///   - reason: Why, for the audit log.
    ///   - actor: Who, for the audit log.
    ///   - variant: For `ship`, the variant to ship; defaults to the only treatment, or the verdict's winner.
    ///   - now: The time of the change.
    /// - Returns: The new state and its audit entry.
    /// - Throws: `RampartError` with code `verdictRefusal` when the verdict does not allow the action (forcing it
    ///   with a reason overrides that), `conflict` when the state does not, `invalidInput` for a force without a
    ///   reason or an unknown variant. Messages name no command-line flag or JSON field: callers add how to override.
    public static func apply(
        _ action: RampAction, to state: RolloutState, verdict: Verdict, force: Bool = false, reason: String = "",
        actor: String, variant: String? = nil, now: Date = Date()
    ) throws -> (state: RolloutState, audit: AuditEntry) {
        if force, reason.trimmingCharacters(in: .whitespaces).isEmpty {
            throw RampartError(.invalidInput, "a forced action needs a reason: overriding the verdict must be explained in the audit log")
        }
        var next = state
        var e = state.experiment
        // Which status allows which action is one table (``RampAction/available(in:)``), the console's buttons too.
        guard RampAction.available(in: e.status).contains(action) else {
            let statuses = ExperimentStatus.allCases.filter { RampAction.available(in: $0).contains(action) }.map(\.rawValue)
            throw RampartError(.conflict, "only a \(statuses.joined(separator: " or ")) experiment can \(action.verb); it is \(e.status.rawValue)")
        }
        switch action {
        case .advance:
            guard let index = state.stageIndex, index + 1 < e.ramp.count else {
                throw RampartError(.conflict, "there is no next stage: \(state.summary); use ship")
            }
            try allow(verdict, [.advance, .ship], action, force)
            e.coverage = e.ramp[index + 1].coverage
            next.stageIndex = index + 1
            next.stageStartedAt = now
        case .rollback:
            e.status = .stopped
        case .pause:
            e.status = .paused
        case .resume:
            try forbid(verdict, .rollback, action, force)
            e.status = .running
        case .ship:
            try allow(verdict, [.ship], action, force)
            let treatments = e.variants.map(\.key).filter { $0 != e.control }
            let chosen = variant ?? (treatments.count == 1 ? treatments[0] : nil)
            guard let chosen, e.variants.contains(where: { $0.key == chosen }) else {
                throw RampartError(.invalidInput, "name the variant to ship (one of \(e.variants.map(\.key).joined(separator: ", ")))")
            }
            e.status = .shipped
            e.shippedVariant = chosen
        }
        next.experiment = e
        next.revision += 1
        let audit = AuditEntry(
            experiment: e.key, action: action.rawValue, actor: actor, at: now, from: state.summary, to: next.summary,
            verdict: verdict.summary, reason: reason, forced: force
        )
        return (next, audit)
    }

    private static func allow(_ verdict: Verdict, _ allowed: Set<VerdictAction>, _ action: RampAction, _ force: Bool) throws {
        guard !allowed.contains(verdict.action), !force else { return }
        throw RampartError(.verdictRefusal, "the verdict is \(verdict.summary); \(action.rawValue) needs \(allowed.map(\.rawValue).sorted().joined(separator: " or "))")
    }

    private static func forbid(_ verdict: Verdict, _ forbidden: VerdictAction, _ action: RampAction, _ force: Bool) throws {
        guard verdict.action == forbidden, !force else { return }
        throw RampartError(.verdictRefusal, "the verdict is \(verdict.summary); \(action.rawValue) is refused")
    }
}
