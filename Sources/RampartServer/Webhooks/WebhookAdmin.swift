import Foundation
import RampartCore
import RampartStore

/// What the webhooks API (`/v1/webhooks`), the console's Webhooks page and `rampart webhooks` share: listing
/// endpoints with their latest delivery, adding one (its secret returned once), removing, rotating, and the latest
/// deliveries. Input is checked here, so all give the same errors (`invalid_input` naming the field, `not_found`
/// naming the id).
public struct WebhookAdmin: Sendable {
    /// An endpoint with its latest delivery, if any.
    public struct Listed: Sendable {
        public var endpoint: WebhookEndpoint
        public var last: WebhookDelivery?
    }

    let store: any WebhookStore

    public init(store: any WebhookStore) {
        self.store = store
    }

    /// How many recent deliveries are read to find each endpoint's latest.
    static let recent = 500

    /// Every endpoint, oldest first, with its latest delivery among the most recent ones.
    public func list() async throws -> [Listed] {
        let endpoints = try await store.webhooks()
        let deliveries = try await store.deliveries(limit: Self.recent)
        var latest: [String: WebhookDelivery] = [:]
        for delivery in deliveries where latest[delivery.endpoint.id] == nil { latest[delivery.endpoint.id] = delivery }
        return endpoints.map { Listed(endpoint: $0, last: latest[$0.id]) }
    }

    /// A new endpoint with a fresh id and secret, from input checked as every caller checks it (not stored).
    ///
    /// - Parameters:
    ///   - url: Where to POST.
    ///   - experiment: Only this experiment's events (`nil` or empty: every experiment's).
    ///   - events: `all` or a comma-separated list (`nil` or empty: all).
    ///   - id: The id chosen beforehand (``WebhookCredentials/newID()``); `nil`: a new one.
    /// - Throws: `invalid_input` naming `url`, `events` or `id`.
    public static func newEndpoint(url: String, experiment: String?, events: String?, id: String? = nil) throws -> WebhookEndpoint {
        if let id, !WebhookCredentials.isID(id) { throw RampartError(.invalidInput, "id: expected wh_ and 12 hex digits, got '\(id)'") }
        let url = url.trimmingCharacters(in: .whitespaces)
        try WebhookEndpoint.validate(url: url)
        let kinds = try WebhookEventKind.parseList(events ?? "all").get()
        let scope = experiment?.trimmingCharacters(in: .whitespaces)
        return WebhookEndpoint(id: id ?? WebhookCredentials.newID(), url: url, experiment: scope?.isEmpty == false ? scope : nil, events: kinds,
                               secret: WebhookCredentials.newSecret(), createdAt: Date())
    }

    /// Adds an endpoint (``newEndpoint(url:experiment:events:)``).
    ///
    /// - Returns: The endpoint, with its secret: shown once.
    public func add(url: String, experiment: String?, events: String?) async throws -> WebhookEndpoint {
        let endpoint = try Self.newEndpoint(url: url, experiment: experiment, events: events)
        try await store.addWebhook(endpoint)
        return endpoint
    }

    /// Removes an endpoint and its pending deliveries.
    public func remove(_ id: String) async throws {
        guard try await store.removeWebhook(id) else { throw RampartError(.notFound, "no webhook '\(id)'") }
    }

    /// Gives an endpoint a new secret; the old one signs beside it during the overlap.
    ///
    /// - Parameters:
    ///   - id: The endpoint.
    ///   - overlap: `24h`, `90m`, `0`, … (`nil` or empty: 24h).
    /// - Returns: The endpoint with its new secret: shown once.
    public func rotate(_ id: String, overlap: String?) async throws -> WebhookEndpoint {
        try await rotate(id, seconds: try Self.overlap(overlap))
    }

    /// The seconds of an overlap as typed (`nil` or empty: 24h).
    ///
    /// - Throws: `invalid_input` naming `overlap`.
    public static func overlap(_ text: String?) throws -> TimeInterval {
        let trimmed = text?.trimmingCharacters(in: .whitespaces) ?? ""
        return try WebhookEndpoint.parseOverlap(trimmed.isEmpty ? "24h" : trimmed).get()
    }

    /// Gives an endpoint a new secret, the old one signing beside it for `seconds`.
    ///
    /// - Throws: `not_found` naming the id.
    public func rotate(_ id: String, seconds: TimeInterval) async throws -> WebhookEndpoint {
        guard let endpoint = try await store.rotateWebhook(id, secret: WebhookCredentials.newSecret(), overlap: seconds, at: Date(), expected: nil) else {
            throw RampartError(.notFound, "no webhook '\(id)'")
        }
        return endpoint
    }

    /// The latest deliveries, newest first.
    public func deliveries(limit: Int) async throws -> [WebhookDelivery] {
        try await store.deliveries(limit: limit)
    }
}
