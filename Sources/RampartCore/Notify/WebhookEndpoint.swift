import Foundation

/// A configured webhook receiver: where notifications go, which ones, and the secret that signs them.
///
/// The secret is kept in the store as generated, because the server must compute HMACs with it (a hash would not
/// do); it is shown once when the endpoint is created and never listed (docs/integrations.md, "Notifications").
public struct WebhookEndpoint: Sendable, Hashable, Codable {
    /// `wh_` and 12 hex digits.
    public var id: String
    public var url: String
    /// Only this experiment's events, or (`nil`) every experiment's.
    public var experiment: String?
    public var events: Set<WebhookEventKind>
    public var secret: String
    public var createdAt: Date
    /// The secret replaced by the last rotation, still signing until ``previousSecretUntil`` (``secrets(at:)``).
    public var previousSecret: String? = nil
    /// The end of the rotation's overlap.
    public var previousSecretUntil: Date? = nil

    public init(id: String, url: String, experiment: String?, events: Set<WebhookEventKind>, secret: String, createdAt: Date,
                previousSecret: String? = nil, previousSecretUntil: Date? = nil) {
        self.id = id
        self.url = url
        self.experiment = experiment
        self.events = events
        self.secret = secret
        self.createdAt = createdAt
        self.previousSecret = previousSecret
        self.previousSecretUntil = previousSecretUntil
    }

    /// Whether this endpoint takes an event.
    public func wants(_ event: WebhookEvent) -> Bool {
        events.contains(event.kind) && (experiment == nil || experiment == event.experiment)
    }

    /// Whether the URL is a Slack incoming webhook (`https://hooks.slack.com/…`), which gets Slack's body.
    public var isSlack: Bool {
        URL(string: url)?.host?.lowercased() == "hooks.slack.com"
    }

    /// The events as stored and listed: names in a fixed order, comma-separated.
    public var eventList: String {
        WebhookEventKind.allCases.filter(events.contains).map(\.rawValue).joined(separator: ",")
    }

    /// Checks a URL given for an endpoint: absolute `http` or `https` with a host.
    ///
    /// - Parameter url: The URL as typed.
    /// - Throws: `invalid_input` naming `url` and the reason.
    public static func validate(url: String) throws {
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = parsed.host, !host.isEmpty else {
            throw RampartError(.invalidInput, "url: expected an absolute http:// or https:// URL, got '\(url)'")
        }
    }
}
