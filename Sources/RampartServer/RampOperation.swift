import Foundation
import RampartAnalysis
import RampartCore
import RampartStore

/// One guarded ramp action, shared by `POST /v1/experiments/{key}/ramp` and the console's ramp form, so both go
/// through exactly the same rules: the verdict now, ``RampTransition``, the optimistic revision, the audit entry.
struct RampOperation {
    let store: any ValueDistributionStore & ControlStore
    let registry: ExperimentRegistry

    /// What a person asked for.
    struct Intent: Sendable {
        var action: RampAction
        var force = false
        var reason = ""
        var actor: String
        var variant: String?
    }

    /// Decides the action against the verdict now: the new state and its audit entry, nothing saved yet.
    ///
    /// - Parameters:
    ///   - intent: The action and who asks.
    ///   - state: The rollout as loaded.
    ///   - now: The moment of the action.
    /// - Returns: The state to save, its audit entry and the verdict that allowed it.
    /// - Throws: `RampartError` `verdictRefusal` (the policy's words), `conflict` (the state forbids it),
    ///   `invalidInput` (a force without a reason, an unknown variant); store errors as they are.
    func decide(_ intent: Intent, for state: RolloutState, now: Date = Date()) async throws -> (state: RolloutState, audit: AuditEntry, verdict: Verdict) {
        let report = try await ExperimentAnalyzer(store: store).analyze(state, now: now)
        let next = try RampTransition.apply(
            intent.action, to: state, verdict: report.verdict, force: intent.force, reason: intent.reason,
            actor: intent.actor, variant: intent.variant, now: now
        )
        return (next.state, next.audit, report.verdict)
    }

    /// Saves a decided change with its audit entry (refused with `RampartError` `conflict` when another writer
    /// changed the rollout first) and applies it to the registry evaluation answers from.
    ///
    /// - Parameters:
    ///   - state: The new state, revision + 1.
    ///   - audit: Its audit entry.
    func commit(_ state: RolloutState, audit: AuditEntry) async throws {
        try await store.save(state, audit: audit)
        registry.upsert(state.experiment)
    }
}
