import Foundation
import RampartCore

/// One outbox row: an event for one endpoint, and how its delivery went.
public struct WebhookDelivery: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        case pending, delivered, failed
    }

    /// The outcome of one attempt.
    public enum Outcome: Sendable, Hashable {
        /// The endpoint answered 2xx.
        case delivered(status: Int)
        /// It failed (an HTTP status, or none when the request did not complete); try again at `next`.
        case retry(status: Int?, error: String, next: Date)
        /// It failed and no attempt is left.
        case failed(status: Int?, error: String)
    }

    public var id: Int64
    public var endpoint: WebhookEndpoint
    public var event: WebhookEvent
    public var status: Status
    /// Attempts finished so far.
    public var attempts: Int
    public var nextAttemptAt: Date
    public var lastStatus: Int?
    public var lastError: String?
    /// When it was delivered or given up.
    public var finishedAt: Date?

    public init(id: Int64, endpoint: WebhookEndpoint, event: WebhookEvent, status: Status, attempts: Int, nextAttemptAt: Date, lastStatus: Int?, lastError: String?, finishedAt: Date?) {
        self.id = id
        self.endpoint = endpoint
        self.event = event
        self.status = status
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.finishedAt = finishedAt
    }

    /// The row's columns after an attempt ended with `outcome`: status, attempts, next attempt, last HTTP status,
    /// last error, and when it finished (`nil` while pending).
    func columns(after outcome: Outcome, at: Date) -> (status: String, attempts: Int, next: Double, code: Int?, error: String?, finished: Double?) {
        let keep = nextAttemptAt.timeIntervalSince1970
        switch outcome {
        case .delivered(let s): return ("delivered", attempts + 1, keep, s, nil, at.timeIntervalSince1970)
        case .retry(let s, let e, let n): return ("pending", attempts + 1, n.timeIntervalSince1970, s, e, nil)
        case .failed(let s, let e): return ("failed", attempts + 1, keep, s, e, at.timeIntervalSince1970)
        }
    }

    /// The audit entry of a finished delivery, or `nil` for a retry.
    ///
    /// - Parameters:
    ///   - outcome: How the attempt ended.
    ///   - attempts: Attempts made, this one included.
    ///   - at: When.
    public func audit(_ outcome: Outcome, attempts: Int, at: Date) -> AuditEntry? {
        let target = "\(endpoint.id) (\(endpoint.url))"
        switch outcome {
        case .delivered(let status):
            return AuditEntry(experiment: event.experiment, action: "webhook_delivered", actor: "webhooks", at: at, from: event.kind.rawValue, to: target,
                              verdict: event.verdict ?? "n/a", reason: "event \(event.id.uuidString.lowercased()): HTTP \(status) after \(attempts) attempt\(attempts == 1 ? "" : "s")", forced: false)
        case .failed(let status, let error):
            return AuditEntry(experiment: event.experiment, action: "webhook_failed", actor: "webhooks", at: at, from: event.kind.rawValue, to: target,
                              verdict: event.verdict ?? "n/a", reason: "event \(event.id.uuidString.lowercased()): gave up after \(attempts) attempts; last \(status.map { "HTTP \($0)" } ?? "error"): \(error)", forced: false)
        case .retry:
            return nil
        }
    }

    /// Encodes an event for the outbox.
    static func encode(_ event: WebhookEvent) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .secondsSince1970
        return String(decoding: try encoder.encode(event), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> WebhookEvent {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        do {
            return try decoder.decode(WebhookEvent.self, from: Data(text.utf8))
        } catch {
            throw RampartError(.storage, "a stored webhook event cannot be read", cause: error)
        }
    }

    static func encode(_ state: VerdictWatch.State) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(state), as: UTF8.self)
    }

    static func decodeState(_ text: String) throws -> VerdictWatch.State {
        do {
            return try JSONDecoder().decode(VerdictWatch.State.self, from: Data(text.utf8))
        } catch {
            throw RampartError(.storage, "a stored notification state cannot be read", cause: error)
        }
    }

    /// An endpoint from its stored columns.
    static func endpoint(id: String, url: String, experiment: String?, events: String, secret: String, createdAt: Double,
                         previousSecret: String? = nil, previousUntil: Double? = nil) -> WebhookEndpoint {
        let kinds = Set(events.split(separator: ",").compactMap { WebhookEventKind(rawValue: String($0)) })
        return WebhookEndpoint(id: id, url: url, experiment: experiment, events: kinds, secret: secret, createdAt: Date(timeIntervalSince1970: createdAt),
                               previousSecret: previousSecret, previousSecretUntil: previousUntil.map(Date.init(timeIntervalSince1970:)))
    }
}
