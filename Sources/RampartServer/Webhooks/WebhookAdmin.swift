import Foundation
import RampartCore
import RampartStore

/// What the webhooks API (`/v1/webhooks`) and the console's Webhooks page share: listing endpoints with their
/// latest delivery, adding one (its secret returned once), removing, rotating, and the latest deliveries. Input is
/// checked here, so both give the same errors (`invalid_input` naming the field, `not_found` naming the id).
struct WebhookAdmin: Sendable {
    /// An endpoint with its latest delivery, if any.
    struct Listed: Sendable {
        var endpoint: WebhookEndpoint
        var last: WebhookDelivery?
    }

    let store: any WebhookStore

    /// How many recent deliveries are read to find each endpoint's latest.
    static let recent = 500

    /// Every endpoint, oldest first, with its latest delivery among the most recent ones.
    func list() async throws -> [Listed] {
        let endpoints = try await store.webhooks()
        let deliveries = try await store.deliveries(limit: Self.recent)
        var latest: [String: WebhookDelivery] = [:]
        for delivery in deliveries where latest[delivery.endpoint.id] == nil { latest[delivery.endpoint.id] = delivery }
        return endpoints.map { Listed(endpoint: $0, last: latest[$0.id]) }
    }

    /// Adds an endpoint.
    ///
    /// - Parameters:
    ///   - url: Where to POST.
    ///   - experiment: Only this experiment's events (`nil` or empty: every experiment's).
    ///   - events: `all` or a comma-separated list (`nil` or empty: all).
    /// - Returns: The endpoint, with its secret: shown once.
    func add(url: String, experiment: String?, events: String?) async throws -> WebhookEndpoint {
        let url = url.trimmingCharacters(in: .whitespaces)
        try WebhookEndpoint.validate(url: url)
        let kinds = try WebhookEventKind.parseList(events ?? "all").get()
        let scope = experiment?.trimmingCharacters(in: .whitespaces)
        let endpoint = WebhookEndpoint(id: WebhookCredentials.newID(), url: url, experiment: scope?.isEmpty == false ? scope : nil, events: kinds,
                                       secret: WebhookCredentials.newSecret(), createdAt: Date())
        try await store.addWebhook(endpoint)
        return endpoint
    }

    /// Removes an endpoint and its pending deliveries.
    func remove(_ id: String) async throws {
        guard try await store.removeWebhook(id) else { throw RampartError(.notFound, "no webhook '\(id)'") }
    }

    /// Gives an endpoint a new secret; the old one signs beside it during the overlap.
    ///
    /// - Parameters:
    ///   - id: The endpoint.
    ///   - overlap: `24h`, `90m`, `0`, … (`nil` or empty: 24h).
    /// - Returns: The endpoint with its new secret: shown once.
    func rotate(_ id: String, overlap: String?) async throws -> WebhookEndpoint {
        let text = overlap?.trimmingCharacters(in: .whitespaces) ?? ""
        let seconds = try WebhookEndpoint.parseOverlap(text.isEmpty ? "24h" : text).get()
        guard let endpoint = try await store.rotateWebhook(id, secret: WebhookCredentials.newSecret(), overlap: seconds, at: Date()) else {
            throw RampartError(.notFound, "no webhook '\(id)'")
        }
        return endpoint
    }

    /// The latest deliveries, newest first.
    func deliveries(limit: Int) async throws -> [WebhookDelivery] {
        try await store.deliveries(limit: limit)
    }
}
