import Foundation
import RampartCore

/// Webhook endpoints, the durable outbox of notifications, and what was last notified per experiment.
///
/// Delivery is at least once: an event is written to the outbox (one row per endpoint that wants it) in the
/// transaction of the change that caused it where there is one (a rollout change is written with its audit entry by
/// ``ControlStore/save(_:audit:)``; a verdict change with the new ``VerdictWatch/State``), and a row leaves the
/// pending state only when its endpoint answered 2xx or its attempts ran out. Rows are claimed with a lease, so of
/// several replicas one at a time sends a row (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one writer).
public protocol WebhookStore: Sendable {
    /// Stores a new endpoint, unless an endpoint with its id exists.
    ///
    /// The id is chosen before the call (the console puts it in its form), so a request sent twice (a reload of the
    /// page that answered the form) stores one endpoint.
    ///
    /// - Returns: Whether it was stored (`false`: an endpoint with this id exists, and nothing changed).
    @discardableResult
    func addWebhook(_ endpoint: WebhookEndpoint) async throws -> Bool

    /// Every endpoint, oldest first (with their secrets: for the server that signs).
    func webhooks() async throws -> [WebhookEndpoint]

    /// Removes an endpoint and its pending deliveries (delivered and failed ones stay listed).
    ///
    /// - Returns: Whether the endpoint existed.
    @discardableResult
    func removeWebhook(_ id: String) async throws -> Bool

    /// Writes events to the outbox, one row per endpoint that wants each, due at once.
    ///
    /// - Returns: The rows written.
    @discardableResult
    func enqueue(_ events: [WebhookEvent]) async throws -> Int

    /// What was last notified about an experiment.
    func watchState(_ experiment: String) async throws -> VerdictWatch.State?

    /// Replaces what was last notified about an experiment and writes the events to the outbox, in one
    /// transaction, if the stored state is still `expected` (another replica may have recorded it first).
    ///
    /// - Returns: Whether this call recorded it (`false`: the stored state was not `expected`; nothing written).
    func recordWatch(_ experiment: String, expected: VerdictWatch.State?, new: VerdictWatch.State, events: [WebhookEvent], at: Date) async throws -> Bool

    /// Takes up to `limit` pending deliveries that are due and not leased by anyone else, leasing them to
    /// `holder` until `now + lease`.
    func claimDeliveries(holder: String, limit: Int, lease: TimeInterval, now: Date) async throws -> [WebhookDelivery]

    /// Records the outcome of an attempt by the lease holder; delivered and given-up rows are audited (actions
    /// `webhook_delivered`, `webhook_failed`, actor `webhooks`) in the same transaction.
    ///
    /// - Returns: Whether `holder` still held the row (`false`: the lease ran out and nothing was written).
    @discardableResult
    func finishDelivery(_ id: Int64, holder: String, outcome: WebhookDelivery.Outcome, at: Date) async throws -> Bool

    /// The latest deliveries, newest first.
    func deliveries(limit: Int) async throws -> [WebhookDelivery]

    /// Replaces an endpoint's secret; the old one keeps signing (beside the new) until `at + overlap`, and a
    /// secret replaced by an earlier rotation stops at once (``WebhookEndpoint/secrets(at:)``).
    ///
    /// - Parameters:
    ///   - id: The endpoint.
    ///   - secret: The new secret.
    ///   - overlap: How long the replaced secret keeps signing, in seconds (0: it stops at once).
    ///   - at: The moment of the rotation.
    ///   - expected: When given, the rotation happens only if this is still the endpoint's secret: a form sent
    ///     twice, or by two admins at once, rotates once.
    /// - Returns: The endpoint after the call (its secret is `secret` when it rotated), or `nil` when there is no
    ///   endpoint `id`.
    func rotateWebhook(_ id: String, secret: String, overlap: TimeInterval, at: Date, expected: String?) async throws -> WebhookEndpoint?
}

/// Generates endpoint ids and secrets.
public enum WebhookCredentials {
    /// `wh_` and 12 random hex digits.
    public static func newID() -> String {
        "wh_" + hex(count: 6)
    }

    /// Whether `text` has the form of an id from ``newID()``.
    public static func isID(_ text: String) -> Bool {
        let digits = text.utf8.dropFirst(3)
        return text.hasPrefix("wh_") && digits.count == 12 && digits.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// `whsec_` and 32 random bytes in hex: the endpoint's signing secret, shown once.
    public static func newSecret() -> String {
        "whsec_" + hex(count: 32)
    }

    static func hex(count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
