import Foundation
import RampartCore

/// How the service delivers notifications (`rampart serve --console-url … --webhook-…`).
public struct WebhookConfiguration: Sendable {
    /// The console's public base URL, for the link in each notification (`--console-url`); none without it.
    public var consoleBaseURL: String?
    /// Retries: exponential backoff and the attempts before giving up.
    public var backoff = WebhookBackoff()
    /// How often the outbox is polled for due deliveries.
    public var pollInterval: Duration = .seconds(1)
    /// How long a claimed delivery is reserved for this replica; longer than ``timeout``.
    public var lease: TimeInterval = 60
    /// The longest wait for an endpoint's answer, in seconds.
    public var timeout: TimeInterval = 10
    /// The most deliveries claimed (and sent concurrently) per poll.
    public var batch = 16

    public init(consoleBaseURL: String? = nil) {
        self.consoleBaseURL = consoleBaseURL
    }
}
