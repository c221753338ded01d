import Foundation

extension WebhookEndpoint {
    /// The URL as shown to a viewer: scheme, host and port, the rest replaced by `…`, because a webhook URL often
    /// carries a credential (a Slack incoming webhook's path, a token in the query). Admins see the whole URL.
    public var redactedURL: String {
        guard let parts = URLComponents(string: url), let scheme = parts.scheme, let host = parts.host else { return "…" }
        let port = parts.port.map { ":\($0)" } ?? ""
        let rest = parts.percentEncodedPath.isEmpty || parts.percentEncodedPath == "/" ? (parts.query == nil ? parts.percentEncodedPath : "/…") : "/…"
        return "\(scheme)://\(host)\(port)\(rest)"
    }

    /// The endpoint as the API and the console list it (never its secret).
    ///
    /// - Parameters:
    ///   - at: Now, to tell whether a rotation's overlap still runs.
    ///   - redacted: Whether to show ``redactedURL``.
    public func json(at: Date, redacted: Bool) -> JSONValue {
        let formatter = ISO8601DateFormatter()
        return [
            "id": .string(id), "url": .string(redacted ? redactedURL : url), "experiment": experiment.map(JSONValue.string) ?? .null,
            "events": .array(WebhookEventKind.allCases.filter(events.contains).map { .string($0.rawValue) }),
            "created_at": .string(formatter.string(from: createdAt)),
            "previous_secret_until": isRotating(at: at) ? previousSecretUntil.map { .string(formatter.string(from: $0)) } ?? .null : .null,
        ]
    }
}
