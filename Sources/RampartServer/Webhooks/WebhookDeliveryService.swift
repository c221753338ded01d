import Foundation
import Logging
import RampartCore
import RampartStore
import ServiceLifecycle

/// Delivers the outbox (``WebhookStore``) in the service group: every poll it claims the due deliveries (a lease,
/// so replicas never send one row at once), sends them concurrently, and records each outcome — delivered on a
/// 2xx, else a retry after ``WebhookBackoff``'s delay or, with no attempt left, failed. A restart loses nothing:
/// rows stay pending in the store, and a lease cut short by a crash runs out and the row is sent again.
struct WebhookDeliveryService: Service {
    let store: any WebhookStore
    let configuration: WebhookConfiguration
    let sender: WebhookSender
    let logger: Logger
    /// This process, as a lease holder.
    let holder = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"

    init(store: any WebhookStore, configuration: WebhookConfiguration, logger: Logger) {
        self.store = store
        self.configuration = configuration
        self.sender = WebhookSender(timeout: configuration.timeout)
        self.logger = logger
    }

    func run() async throws {
        await runPeriodically(every: configuration.pollInterval) { await deliverDue() }
    }

    /// One poll: claims and sends the due deliveries; returns how many it attempted.
    @discardableResult
    func deliverDue(now: @escaping @Sendable () -> Date = Date.init) async -> Int {
        let claimed: [WebhookDelivery]
        do {
            claimed = try await store.claimDeliveries(holder: holder, limit: configuration.batch, lease: configuration.lease, now: now())
        } catch {
            logger.warning("webhook outbox unavailable; will retry", metadata: ["error": "\(error)"])
            return 0
        }
        await withTaskGroup(of: Void.self) { group in
            for delivery in claimed {
                group.addTask { await attempt(delivery, now: now) }
            }
        }
        return claimed.count
    }

    /// Sends one delivery and records the outcome.
    ///
    /// - Returns: The outcome of the attempt.
    @discardableResult
    func attempt(_ delivery: WebhookDelivery, now: @escaping @Sendable () -> Date) async -> WebhookDelivery.Outcome {
        let body = WebhookBody.render(delivery.event, for: delivery.endpoint, consoleBase: configuration.consoleBaseURL)
        let answer = await sender.send(body, event: delivery.event, to: delivery.endpoint, now: now())
        let outcome = Self.outcome(answer, attempts: delivery.attempts + 1, backoff: configuration.backoff, now: now(), unit: Double.random(in: 0..<1))
        let metadata: Logger.Metadata = [
            "webhook": "\(delivery.endpoint.id)", "event": "\(delivery.event.id.uuidString.lowercased())", "type": "\(delivery.event.kind.rawValue)",
            "experiment": "\(delivery.event.experiment)", "attempt": "\(delivery.attempts + 1)",
        ]
        switch outcome {
        case .delivered: logger.info("webhook delivered", metadata: metadata)
        case .retry(_, let error, let next): logger.notice("webhook failed; will retry", metadata: metadata.merging(["error": "\(error)", "next": "\(next)"]) { $1 })
        case .failed(_, let error): logger.warning("webhook failed; giving up", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
        do {
            try await store.finishDelivery(delivery.id, holder: holder, outcome: outcome, at: now())
        } catch {
            // The lease runs out and the row is sent again: at least once.
            logger.warning("cannot record a webhook delivery; it will be sent again", metadata: metadata.merging(["error": "\(error)"]) { $1 })
        }
        return outcome
    }

    /// What an answer means for a delivery after `attempts` attempts.
    ///
    /// - Parameters:
    ///   - answer: The endpoint's answer.
    ///   - attempts: Attempts made, this one included.
    ///   - backoff: The retry schedule.
    ///   - now: The moment of the answer.
    ///   - unit: A uniform draw in [0, 1) for the jitter.
    static func outcome(_ answer: WebhookSender.Answer, attempts: Int, backoff: WebhookBackoff, now: Date, unit: Double) -> WebhookDelivery.Outcome {
        let status: Int?
        let error: String
        switch answer {
        case .status(let code) where (200..<300).contains(code):
            return .delivered(status: code)
        case .status(let code):
            status = code
            error = "HTTP \(code)"
        case .error(let message):
            status = nil
            error = message
        }
        guard let delay = backoff.delay(afterAttempts: attempts, unit: unit) else { return .failed(status: status, error: error) }
        return .retry(status: status, error: error, next: now.addingTimeInterval(delay))
    }
}
