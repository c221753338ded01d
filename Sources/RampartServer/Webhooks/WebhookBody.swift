import Foundation
import RampartCore

/// The body of a notification: Rampart's JSON, or Slack's message format for Slack incoming webhooks.
public enum WebhookBody {
    /// The console page of an experiment, when the service was given its public base URL (`--console-url`).
    public static func link(experiment: String, base: String?) -> String? {
        guard let base, !base.isEmpty else { return nil }
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        let key = experiment.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? experiment
        return "\(trimmed)/experiments/\(key)"
    }

    /// The bytes sent to an endpoint for an event.
    ///
    /// - Parameters:
    ///   - event: The event.
    ///   - endpoint: Where it goes (a Slack URL gets Slack's format).
    ///   - consoleBase: The console's public base URL, if known.
    public static func render(_ event: WebhookEvent, for endpoint: WebhookEndpoint, consoleBase: String?) -> [UInt8] {
        let link = link(experiment: event.experiment, base: consoleBase)
        let value = endpoint.isSlack ? slack(event, link: link) : json(event, link: link)
        return Array(value.jsonText.utf8)
    }

    /// Rampart's JSON body: a stable shape, documented in docs/integrations.md.
    public static func json(_ event: WebhookEvent, link: String?) -> JSONValue {
        [
            "id": .string(event.id.uuidString.lowercased()),
            "type": .string(event.kind.rawValue),
            "experiment": .string(event.experiment),
            "at": .string(RFC3339Seconds.string(event.at)),
            "old": event.old.map(JSONValue.string) ?? .null,
            "new": .string(event.new),
            "verdict": event.verdict.map(JSONValue.string) ?? .null,
            "reasons": .array(event.reasons.map(JSONValue.string)),
            "actor": event.actor.map(JSONValue.string) ?? .null,
            "action": event.action.map(JSONValue.string) ?? .null,
            "summary": .string(event.summary),
            "url": link.map(JSONValue.string) ?? .null,
        ]
    }

    /// Slack's incoming-webhook body: `text` (the notification's fallback) and Block Kit `blocks`.
    public static func slack(_ event: WebhookEvent, link: String?) -> JSONValue {
        let title = link.map { "<\($0)|\(escape(event.experiment))>" } ?? "*\(escape(event.experiment))*"
        var lines = ["\(title): \(escape(headline(event)))"]
        lines += event.reasons.prefix(5).map { "• " + escape($0) }
        let text = event.summary + (link.map { " (\($0))" } ?? "")
        return [
            "text": .string(text),
            "blocks": [
                ["type": "section", "text": ["type": "mrkdwn", "text": .string(lines.joined(separator: "\n"))]],
                ["type": "context", "elements": [["type": "mrkdwn", "text": .string("Rampart · \(event.kind.rawValue) · \(RFC3339Seconds.string(event.at))")]]],
            ],
        ]
    }

    static func headline(_ event: WebhookEvent) -> String {
        switch event.kind {
        case .verdictChanged: return "verdict \(event.old ?? "none") → \(event.new)"
        case .rolloutChanged: return "\(event.action ?? "change") by \(event.actor ?? "someone"): \(event.old ?? "") → \(event.new)"
        case .guardrailRegressed: return "guardrail regression (\(event.new))"
        case .srmDetected: return "sample ratio mismatch"
        }
    }

    /// Slack's mrkdwn escapes: `&`, `<` and `>`.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

/// `2026-12-01T02:30:00Z`.
enum RFC3339Seconds {
    static func string(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }
}
