import Foundation
import Logging
import RampartAnalysis
import RampartCore
import RampartStore

/// Turns fresh analyses into notifications: given the verdict of a running experiment, compares it with what was
/// last notified (``VerdictWatch``) and, when something changed, records the new state and queues the events in one
/// transaction. Called by whatever re-analyses experiments (the console's ``OverviewRefresher``, on every replica):
/// the store's compare-and-set lets one replica record a change, and a restart compares with the stored state.
struct VerdictWatcher: Sendable {
    let store: any WebhookStore
    let logger: Logger

    /// Observes one analysis.
    ///
    /// - Parameters:
    ///   - state: The rollout analysed.
    ///   - verdict: Its verdict now.
    ///   - at: The moment of the analysis.
    /// - Returns: The events queued (none when nothing changed or another replica recorded it first).
    @discardableResult
    func observe(_ state: RolloutState, verdict: Verdict, at: Date) async -> [WebhookEvent] {
        guard state.experiment.status == .running else { return [] }
        return await observe(running: state.experiment.key, verdict: verdict, at: at)
    }

    /// Observes the verdict of an experiment known to be running (the autopilot analyses only those).
    ///
    /// - Parameters:
    ///   - key: The experiment.
    ///   - verdict: Its verdict.
    ///   - at: The moment of the analysis.
    @discardableResult
    func observe(running key: String, verdict: Verdict, at: Date) async -> [WebhookEvent] {
        do {
            let old = try await store.watchState(key)
            let (new, events) = VerdictWatch.changes(from: old, to: verdict, experiment: key, at: at)
            guard new != old else { return [] }
            guard try await store.recordWatch(key, expected: old, new: new, events: events, at: at) else { return [] }
            for event in events {
                logger.notice("notification queued: \(event.summary)", metadata: ["experiment": "\(key)", "type": "\(event.kind.rawValue)"])
            }
            return events
        } catch {
            logger.warning("cannot record notified verdicts; will retry", metadata: ["experiment": "\(key)", "error": "\(error)"])
            return []
        }
    }
}
