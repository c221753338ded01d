import Foundation
import RampartCore

extension WebhookDelivery {
    /// The delivery as `rampart webhooks deliveries --json` and `GET /v1/webhooks/deliveries` show it (never a
    /// secret): the row, its endpoint and event, the status, attempts, next attempt while pending, the last answer.
    ///
    /// - Parameter url: The endpoint's URL as shown (a viewer sees it redacted, and the last error as
    ///   ``lastError(redacted:)`` gives it); the stored one by default.
    public func json(url: String? = nil) -> JSONValue {
        let formatter = ISO8601DateFormatter()
        return [
            "id": .number(Double(id)), "webhook": .string(endpoint.id), "url": .string(url ?? endpoint.url),
            "event": .string(event.id.uuidString.lowercased()), "type": .string(event.kind.rawValue), "experiment": .string(event.experiment),
            "status": .string(status.rawValue), "attempts": .number(Double(attempts)),
            "next_attempt_at": status == .pending ? .string(formatter.string(from: nextAttemptAt)) : .null,
            "last_status": lastStatus.map { .number(Double($0)) } ?? .null, "last_error": lastError(redacted: url != nil).map(JSONValue.string) ?? .null,
            "finished_at": finishedAt.map { .string(formatter.string(from: $0)) } ?? .null,
        ]
    }

    /// The last error as a reader may see it. Errors are recorded in words without the URL, but a row written before
    /// that (session 30) may hold Foundation's text with the whole URL, credentials included: a viewer sees such text
    /// as a note that an admin can read it.
    ///
    /// - Parameter redacted: Whether the reader sees the endpoint's URL redacted (a viewer).
    public func lastError(redacted: Bool) -> String? {
        guard let lastError, redacted, lastError.contains("://") || lastError.contains(endpoint.url) else { return lastError }
        return "the request failed (the recorded error names the URL; an admin can read it)"
    }
}
