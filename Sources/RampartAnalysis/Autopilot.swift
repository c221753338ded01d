import Foundation
import RampartCore
import RampartStore

/// The optional automatic mode: evaluates every running experiment's verdict and applies ADVANCE or ROLLBACK
/// itself. Off by default (`rampart serve --autopilot`, or `rampart autopilot` from a scheduler).
///
/// It never ships, never stops, never overrides a verdict, and never leaves a stage that `requires_approval`:
/// those stay decisions for people (docs/rollouts.md).
public struct Autopilot: Sendable {
    /// What the autopilot did to one experiment.
    public struct Action: Sendable, Hashable {
        public var experiment: String
        public var verdict: VerdictAction
        /// The audit entry of the change, or `nil` when it changed nothing.
        public var applied: AuditEntry?
        /// Why it did nothing, when it did nothing.
        public var skipped: String?
        /// The verdict with its reasons, as analysed before acting (for notifications).
        public var detail: Verdict? = nil
    }

    public let store: any ValueDistributionStore & ControlStore
    /// The actor recorded in the audit log.
    public var actor: String

    public init(store: any ValueDistributionStore & ControlStore, actor: String = "autopilot") {
        self.store = store
        self.actor = actor
    }

    /// Evaluates every running experiment once and applies what the verdict allows.
    ///
    /// - Parameter now: The moment of the evaluation and of any change.
    /// - Returns: One entry per running experiment.
    public func tick(now: Date = Date()) async throws -> [Action] {
        var actions: [Action] = []
        for state in try await store.rollouts() where state.experiment.status == .running {
            let report = try await ExperimentAnalyzer(store: store).analyze(state, now: now)
            let verdict = report.verdict
            var action = Action(experiment: state.experiment.key, verdict: verdict.action, detail: verdict)
            switch verdict.action {
            case .rollback:
                let (next, audit) = try RampTransition.apply(.rollback, to: state, verdict: verdict, reason: "automatic rollback: " + verdict.summary, actor: actor, now: now)
                try await save(next, audit: audit, into: &action)
            case .advance:
                if let stage = state.stageIndex.flatMap({ state.experiment.ramp.indices.contains($0) ? state.experiment.ramp[$0] : nil }), stage.requiresApproval {
                    action.skipped = "stage \((state.stageIndex ?? 0) + 1) requires approval to leave"
                } else {
                    // A transition the rollout's state refuses (an experiment with no plan, or off it, has no next
                    // stage) is that experiment's answer, not the run's: the other experiments are still decided.
                    do {
                        let (next, audit) = try RampTransition.apply(.advance, to: state, verdict: verdict, reason: "automatic advance: " + verdict.summary, actor: actor, now: now)
                        try await save(next, audit: audit, into: &action)
                    } catch let error as RampartError where error.code == .conflict {
                        action.skipped = "cannot advance: \(error.message)"
                    }
                }
            case .ship, .stop, .hold:
                action.skipped = "\(verdict.action.rawValue) is left to people"
            }
            actions.append(action)
        }
        return actions
    }

    /// Saves a transition through the rollout's optimistic revision. When someone else (a person, or another
    /// autopilot run overlapping this one) changed the rollout since it was read, nothing is applied and the
    /// action says so: the next run decides on the new state, and an overlapping run is not an error.
    func save(_ next: RolloutState, audit: AuditEntry, into action: inout Action) async throws {
        do {
            try await store.save(next, audit: audit)
            action.applied = audit
        } catch let error as RampartError where error.code == .conflict {
            action.skipped = "the rollout changed since this run read it (\(error.message)); left to the next run"
        }
    }
}
