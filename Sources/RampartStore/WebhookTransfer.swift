import Foundation
import RampartCore

/// Copying the notifications' state between stores (`rampart migrate-store`): the endpoints with their secrets,
/// the pending outbox, and what was last notified per experiment, so that the target neither loses a queued
/// notification nor sends again what the source already notified.
public protocol WebhookTransfer: Sendable {
    /// Every endpoint (secrets included), every pending delivery, and every notified state.
    func exportWebhooks() async throws -> WebhookSnapshot

    /// Copies a snapshot in one transaction, idempotently:
    /// - an endpoint is inserted when the target has none with its id, and brought up to date (URL, scope,
    ///   secrets) when it differs;
    /// - a pending delivery is inserted unless the target has a row for the same endpoint and event (pending,
    ///   delivered or failed there), with its attempts and next attempt, and no lease;
    /// - a notified state is written when the target has none for the experiment, or an older different one.
    ///
    /// - Parameter snapshot: From another store's ``exportWebhooks()``.
    /// - Returns: What changed in the target.
    func importWebhooks(_ snapshot: WebhookSnapshot) async throws -> WebhookImport
}

/// The notifications' state of a store, as stored.
public struct WebhookSnapshot: Sendable, Equatable {
    /// One experiment's last notified state (``VerdictWatch/State``) and when it was recorded.
    public struct Watch: Sendable, Equatable {
        public var experiment: String
        public var state: VerdictWatch.State
        public var updatedAt: Date

        public init(experiment: String, state: VerdictWatch.State, updatedAt: Date) {
            self.experiment = experiment
            self.state = state
            self.updatedAt = updatedAt
        }
    }

    /// Every endpoint, oldest first.
    public var endpoints: [WebhookEndpoint]
    /// Every pending delivery, oldest first.
    public var pending: [WebhookDelivery]
    /// Every notified state, in key order.
    public var watches: [Watch]

    public init(endpoints: [WebhookEndpoint], pending: [WebhookDelivery], watches: [Watch]) {
        self.endpoints = endpoints
        self.pending = pending
        self.watches = watches
    }
}

/// What ``WebhookTransfer/importWebhooks(_:)`` changed.
public struct WebhookImport: Sendable, Equatable {
    public var endpointsInserted = 0
    public var endpointsUpdated = 0
    public var endpointsUnchanged = 0
    public var pendingInserted = 0
    public var pendingPresent = 0
    public var watchesWritten = 0
    public var watchesUnchanged = 0

    public init() {}

    /// The summary line of `rampart migrate-store`.
    public var summary: String {
        "webhooks: endpoints inserted \(endpointsInserted), updated \(endpointsUpdated), unchanged \(endpointsUnchanged); "
            + "pending deliveries copied \(pendingInserted), already there \(pendingPresent); "
            + "notified states written \(watchesWritten), unchanged \(watchesUnchanged)"
    }

    /// Whether a target endpoint must be replaced by the source's.
    static func differs(_ source: WebhookEndpoint, _ target: WebhookEndpoint) -> Bool {
        source.url != target.url || source.experiment != target.experiment || source.events != target.events || source.secret != target.secret
            || source.previousSecret != target.previousSecret
            || source.previousSecretUntil?.timeIntervalSince1970 != target.previousSecretUntil?.timeIntervalSince1970
    }
}
