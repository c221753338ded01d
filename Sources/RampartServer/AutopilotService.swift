import Foundation
import Logging
import RampartAnalysis
import RampartCore
import RampartStore
import ServiceLifecycle

/// Runs the autopilot on a schedule inside the service (`rampart serve --autopilot`), reloading the registry after
/// each change so evaluation follows at once.
struct AutopilotService: Service {
    let autopilot: Autopilot
    let registry: ExperimentRegistry
    let interval: Duration
    let logger: Logger
    /// Told each verdict the round analysed, before the refresher may see the rollout changed (``VerdictWatcher``).
    var watcher: VerdictWatcher? = nil

    func run() async throws {
        await runPeriodically(every: interval) { await tick() }
    }

    /// One round: apply what the verdicts allow, then reload the registry if anything changed.
    func tick() async {
        do {
            // Several replicas on one store: whoever holds the lease acts, the others skip this round.
            if let leases = autopilot.store as? any LeaseStore,
                try await !leases.acquireLease("autopilot", holder: Self.holder, duration: max(0.5, interval.seconds * 0.9)) {
                return
            }
            let now = Date()
            let actions = try await autopilot.tick(now: now)
            for action in actions {
                if let verdict = action.detail { await watcher?.observe(running: action.experiment, verdict: verdict, at: now) }
                if let audit = action.applied {
                    logger.notice("autopilot: \(audit.action)", metadata: ["experiment": "\(action.experiment)", "from": "\(audit.from)", "to": "\(audit.to)"])
                }
            }
            if actions.contains(where: { $0.applied != nil }) {
                try await registry.reload(from: autopilot.store)
            }
        } catch {
            logger.warning("autopilot tick failed; will retry", metadata: ["error": "\(error)"])
        }
    }

    /// This process, as a lease holder.
    static let holder = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
}
