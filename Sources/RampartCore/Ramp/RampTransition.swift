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
        switch action {
        case .advance:
            try require(e.status == .running, "only a running experiment can advance; it is \(e.status.rawValue)")
            guard let index = state.stageIndex, index + 1 < e.ramp.count else {
                throw RampartError(.conflict, "there is no next stage: \(state.summary); use ship")
            }
            try allow(verdict, [.advance, .ship], action, force)
            e.coverage = e.ramp[index + 1].coverage
            next.stageIndex = index + 1
            next.stageStartedAt = now
        case .rollback:
            try require(e.status == .running || e.status == .paused, "only a running or paused experiment can roll back; it is \(e.status.rawValue)")
            e.status = .stopped
        case .pause:
            try require(e.status == .running, "only a running experiment can pause; it is \(e.status.rawValue)")
            e.status = .paused
        case .resume:
            try require(e.status == .paused, "only a paused experiment can resume; it is \(e.status.rawValue)")
            try forbid(verdict, .rollback, action, force)
            e.status = .running
        case .ship:
            try require(e.status == .running, "only a running experiment can ship; it is \(e.status.rawValue)")
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

    private static func require(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw RampartError(.conflict, message()) }
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
