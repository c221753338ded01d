import Crypto
import Foundation
import RampartCore
import RampartStore

/// Adding and rotating from a form that may be sent twice (a reload of the page that answered it, a double click):
/// the form carries what makes the second request change nothing. An add form carries the new endpoint's id, chosen
/// when the form was shown; a rotate form carries the fingerprint of the secret it replaces.
extension WebhookAdmin {
    /// The first 16 hex digits of the SHA-256 of a secret: names which secret a rotate form replaces, without
    /// putting the secret in the page.
    public static func fingerprint(of secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    /// Adds an endpoint under the id the form was shown with, once.
    ///
    /// - Parameters:
    ///   - id: The id in the form (``WebhookCredentials/newID()`` when the form was rendered).
    ///   - url: Where to POST.
    ///   - experiment: Only this experiment's events (`nil` or empty: every experiment's).
    ///   - events: `all` or a comma-separated list (`nil` or empty: all).
    /// - Returns: The endpoint with its secret (shown once), or `nil` when an endpoint with this id exists: the form
    ///   was sent before, and nothing changed.
    /// - Throws: `invalid_input` naming `id`, `url` or `events`.
    public func add(id: String, url: String, experiment: String?, events: String?) async throws -> WebhookEndpoint? {
        let endpoint = try Self.newEndpoint(url: url, experiment: experiment, events: events, id: id)
        return try await store.addWebhook(endpoint) ? endpoint : nil
    }

    /// Gives an endpoint a new secret if its secret is still the one the form showed.
    ///
    /// - Parameters:
    ///   - id: The endpoint.
    ///   - overlap: `24h`, `90m`, `0`, … (`nil` or empty: 24h).
    ///   - replacing: The fingerprint (``fingerprint(of:)``) of the secret the form was shown with.
    /// - Returns: The endpoint with its new secret (shown once), or `nil` when the secret was rotated since the form
    ///   was shown: nothing changed.
    /// - Throws: `invalid_input` naming `overlap` or `secret`, `not_found` naming the id.
    public func rotate(_ id: String, overlap: String?, replacing: String?) async throws -> WebhookEndpoint? {
        let seconds = try Self.overlap(overlap)
        guard let replacing, !replacing.isEmpty else { throw RampartError(.invalidInput, "secret: the form names no secret to replace; reload the page") }
        guard let current = try await store.webhooks().first(where: { $0.id == id }) else { throw RampartError(.notFound, "no webhook '\(id)'") }
        guard Self.fingerprint(of: current.secret) == replacing else { return nil }
        let secret = WebhookCredentials.newSecret()
        guard let endpoint = try await store.rotateWebhook(id, secret: secret, overlap: seconds, at: Date(), expected: current.secret) else {
            throw RampartError(.notFound, "no webhook '\(id)'")
        }
        return endpoint.secret == secret ? endpoint : nil
    }
}
