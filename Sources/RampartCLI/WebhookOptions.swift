import ArgumentParser
import Foundation
import RampartCore
import RampartServer

/// The notification options of `rampart serve` and `rampart autopilot` (serve's outbox poll is its own option,
/// ``ServeCommand/webhookPoll``: `autopilot` delivers once and exits).
struct WebhookOptions: ParsableArguments {
    @Option(name: .customLong("console-url"), help: "The console's public base URL (e.g. https://rampart.example.com), for the link in each notification.")
    var consoleURL: String?

    @Option(name: .customLong("webhook-retry-base"), help: ArgumentHelp("The delay after a failed delivery; it doubles with each attempt, up to an hour.", valueName: "seconds"))
    var retryBase: Double = 10

    @Option(name: .customLong("webhook-max-attempts"), help: "Attempts before a delivery is given up (and audited as failed).")
    var maxAttempts: Int = 12

    /// The delivery settings.
    func configuration() throws -> WebhookConfiguration {
        if let consoleURL { try Self.check { try WebhookEndpoint.validate(url: consoleURL) } }
        guard retryBase.isFinite, retryBase > 0, retryBase <= 3_600 else { throw ValidationError("--webhook-retry-base \(retryBase): expected more than 0 and at most 3600 seconds") }
        guard maxAttempts >= 1 else { throw ValidationError("--webhook-max-attempts \(maxAttempts): expected at least 1") }
        var configuration = WebhookConfiguration(consoleBaseURL: consoleURL)
        configuration.backoff = WebhookBackoff(base: retryBase, cap: max(retryBase, 3_600), maxAttempts: maxAttempts)
        return configuration
    }

    static func check(_ body: () throws -> Void) throws {
        do { try body() } catch let error as RampartError { throw ValidationError("--console-url: " + error.message.replacingOccurrences(of: "url: ", with: "")) }
    }
}
