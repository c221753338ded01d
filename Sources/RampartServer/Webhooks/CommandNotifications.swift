import Foundation
import Logging
import RampartCore
import RampartStore

/// Notifications for a command that runs outside `rampart serve`, such as `rampart autopilot` from cron: the
/// verdicts it sees go through the same compare-and-set on the last notified state as the server's
/// (``VerdictWatcher``), so a cron autopilot, `serve` and other replicas never notify one change twice, and the
/// outbox it filled is delivered by the same code as the server's (``WebhookDeliveryService``), with the same
/// leases, so a server running beside it never sends a row the command is sending.
public struct CommandNotifications: Sendable {
    /// What ``deliverDue(within:)`` did.
    public struct Summary: Sendable, Equatable {
        /// Rows the endpoint took (2xx).
        public var delivered = 0
        /// Rows that failed and wait for their next attempt (by a later run or a server).
        public var retrying = 0
        /// Rows that failed with no attempt left.
        public var failed = 0

        public init() {}

        /// Rows attempted.
        public var attempted: Int { delivered + retrying + failed }
    }

    let watcher: VerdictWatcher
    let delivery: WebhookDeliveryService

    /// - Parameters:
    ///   - store: The store's outbox and notified states.
    ///   - configuration: Retries, timeouts and the console link, as `serve` takes them.
    ///   - logger: Where queued and failed notifications are logged.
    public init(store: any WebhookStore, configuration: WebhookConfiguration, logger: Logger) {
        watcher = VerdictWatcher(store: store, logger: logger)
        delivery = WebhookDeliveryService(store: store, configuration: configuration, logger: logger)
    }

    /// Compares the verdict of a running experiment with what was last notified and queues what changed.
    ///
    /// - Returns: The events queued (none when nothing changed or another process recorded the change first).
    @discardableResult
    public func observe(running key: String, verdict: Verdict, at: Date) async -> [WebhookEvent] {
        await watcher.observe(running: key, verdict: verdict, at: at)
    }

    /// Delivers the outbox's due rows (every endpoint's, not only this command's) until none is due or `within`
    /// seconds have passed; a row that fails keeps its retry time and is left for the next run or a server.
    ///
    /// - Parameter within: The longest time spent claiming new rows, in seconds (a request already sent may
    ///   take up to the configured timeout more).
    public func deliverDue(within: TimeInterval) async -> Summary {
        let deadline = Date().addingTimeInterval(within)
        var summary = Summary()
        let store = delivery.store, configuration = delivery.configuration
        while Date() < deadline {
            let claimed: [WebhookDelivery]
            do {
                claimed = try await store.claimDeliveries(holder: delivery.holder, limit: configuration.batch, lease: configuration.lease, now: Date())
            } catch {
                delivery.logger.warning("webhook outbox unavailable", metadata: ["error": "\(error)"])
                break
            }
            if claimed.isEmpty { break }
            let outcomes = await withTaskGroup(of: WebhookDelivery.Outcome.self) { group in
                for row in claimed { group.addTask { await delivery.attempt(row, now: Date.init) } }
                return await group.reduce(into: [WebhookDelivery.Outcome]()) { $0.append($1) }
            }
            for outcome in outcomes {
                switch outcome {
                case .delivered: summary.delivered += 1
                case .retry: summary.retrying += 1
                case .failed: summary.failed += 1
                }
            }
        }
        return summary
    }
}
