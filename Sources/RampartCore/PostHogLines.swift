import Foundation

/// A PostHog capture body turned into native NDJSON: one line per PostHog event, in order, so that line `i` is
/// event `i` (an event the mapping rejected leaves a blank line, which the NDJSON parser skips). The lines then
/// go through the native ingest path (`EventStore.ingestNDJSON`): the same scanner, parser, privacy drops and
/// encoded rows as `/v1/events`.
public struct PostHogLines: Sendable {
    /// Native NDJSON, one line per event.
    public var ndjson: [UInt8] = []
    /// Each event's PostHog name (`nil` when it has none), to name a rejected field as the client sent it.
    public var names: [String?] = []
    /// The events the mapping itself rejected (their lines are blank).
    public var rejections: [EventRejection] = []
    /// The key the body presents (its `api_key` or `token`, else the first event's), if any.
    public var presentedKey: String?

    public init() {}

    /// The number of events.
    public var count: Int { names.count }
}

extension PostHogMapping {
    /// Maps parsed PostHog events to native lines with ``native(_:index:batchSentAt:now:)``.
    ///
    /// - Parameters:
    ///   - events: The events as sent.
    ///   - batchSentAt: The request's `sent_at`.
    ///   - now: When the request arrived.
    /// - Returns: The lines (``PostHogLines/presentedKey`` is left to the caller).
    public func lines(_ events: [JSONValue], batchSentAt: JSONValue?, now: Date) -> PostHogLines {
        var lines = PostHogLines()
        for (index, object) in events.enumerated() {
            appendLine(object, index: index, batchSentAt: batchSentAt, now: now, to: &lines)
        }
        return lines
    }

    /// Maps one parsed event and appends its line (or its rejection and a blank line).
    func appendLine(_ object: JSONValue, index: Int, batchSentAt: JSONValue?, now: Date, to lines: inout PostHogLines) {
        lines.names.append(object.objectValue?["event"]?.stringValue)
        switch native(object, index: index, batchSentAt: batchSentAt, now: now) {
        case .success(let native): native.appendJSON(to: &lines.ndjson)
        case .failure(let rejection): lines.rejections.append(rejection)
        }
        lines.ndjson.append(0x0A)
    }

    /// The key a body presents, as the capture API reads it: the body's `api_key` or `token`, else the first
    /// event's `api_key`, `token`, `properties.token` or `properties.$token` (the first non-empty string).
    ///
    /// - Parameters:
    ///   - root: The body.
    ///   - first: Its first event.
    public static func presentedKey(root: JSONValue, first: JSONValue?) -> String? {
        func key(in object: JSONValue?) -> String? {
            guard let members = object?.objectValue else { return nil }
            let properties = members["properties"]?.objectValue
            for candidate in [members["api_key"], members["token"], properties?["token"], properties?["$token"]] {
                if let text = candidate?.stringValue, !text.isEmpty { return text }
            }
            return nil
        }
        return key(in: root) ?? key(in: first)
    }
}
