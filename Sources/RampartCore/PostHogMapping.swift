import Foundation

/// Turns events of PostHog's capture API into Rampart's native event objects (docs/integrations.md).
///
/// The result is a native JSON object (`uuid`, `event`, `unit`, `timestamp`, `properties`) that then goes
/// through ``EventParser/event(from:index:now:)`` like any event posted to `/v1/events`, so validation, privacy
/// drops and rejections are the native ones; ``postHogField(_:event:)`` names a rejected field as the client sent
/// it. The mapping:
///
/// - `distinct_id` → `unit`; `uuid` → `uuid`, or, when missing, a uuid derived from the event's content
///   (``contentID``), so a retried batch is not counted twice;
/// - `timestamp` / `sent_at` / `offset` as PostHog's ingestion reads them (``timestamp(of:batchSentAt:now:)``);
/// - `$ai_generation` → `llm_request_completed`, or `llm_request_failed` when `$ai_is_error`, with the `$ai_*`
///   properties of ``aiProperties`` renamed (`$ai_latency` seconds → `latency_ms`);
/// - `$feature_flag_called` for a flag that is a Rampart experiment → `exposure` of the `$feature_flag_response`
///   variant in the experiment's current phase;
/// - raw model content (``rawContentProperties``) dropped from every event; everything else kept as it is.
public struct PostHogMapping: Sendable {
    /// What the mapping needs to know of one Rampart experiment.
    public struct ExperimentInfo: Sendable, Hashable {
        /// The experiment's current phase, recorded on exposures.
        public var phase: Int
        /// Its variant keys.
        public var variants: [String]

        public init(phase: Int, variants: [String]) {
            self.phase = phase
            self.variants = variants
        }
    }

    /// PostHog's LLM-analytics properties and the native properties they become.
    public static let aiProperties: [(postHog: String, native: String)] = [
        ("$ai_model", "model"), ("$ai_provider", "provider"), ("$ai_latency", "latency_ms"),
        ("$ai_input_tokens", "input_tokens"), ("$ai_output_tokens", "output_tokens"),
        ("$ai_total_cost_usd", "estimated_cost_usd"), ("$ai_trace_id", "trace_id"), ("$ai_session_id", "session_id"),
        ("$ai_http_status", "http_status"),
    ]

    /// PostHog properties that carry raw model input or output (or error text quoting it): dropped from every
    /// event before storage, on top of the parser's own dropped properties.
    public static let rawContentProperties: Set<String> = [
        "$ai_input", "$ai_output_choices", "$ai_output", "$ai_input_state", "$ai_output_state", "$ai_tools",
        "$ai_error",
    ]

    /// The Rampart experiments, by key: `$feature_flag_called` for one of them is an exposure.
    public var experiments: [String: ExperimentInfo]
    /// Derives a uuid from an event's canonical JSON text, for events sent without one. It must be deterministic
    /// (the server uses SHA-256); RampartCore holds no cryptographic hash, so the caller supplies it.
    public var contentID: @Sendable ([UInt8]) -> UUID

    /// Creates a mapping.
    ///
    /// - Parameters:
    ///   - experiments: The Rampart experiments, by key.
    ///   - contentID: A deterministic uuid from an event's canonical JSON text.
    public init(experiments: [String: ExperimentInfo], contentID: @escaping @Sendable ([UInt8]) -> UUID) {
        self.experiments = experiments
        self.contentID = contentID
    }

    /// Maps one PostHog event to a native event object.
    ///
    /// - Parameters:
    ///   - object: The event as sent.
    ///   - index: Its position in the batch, for a rejection.
    ///   - batchSentAt: The request's `sent_at`, if any (an event's own `sent_at` wins).
    ///   - now: When the request arrived.
    /// - Returns: The native event object, or why the event cannot be mapped.
    public func native(_ object: JSONValue, index: Int, batchSentAt: JSONValue?, now: Date) -> Result<JSONValue, EventRejection> {
        guard case .object(let fields) = object else {
            return .failure(EventRejection(index: index, field: "$", reason: "expected a JSON object, found \(object.typeName)"))
        }
        func reject(_ field: String, _ reason: String) -> Result<JSONValue, EventRejection> {
            .failure(EventRejection(index: index, uuid: fields["uuid"]?.stringValue.flatMap(UUID.parsingCanonical), field: field, reason: reason))
        }
        var properties: [String: JSONValue] = [:]
        if let raw = fields["properties"], !raw.isNull {
            guard case .object(let given) = raw else { return reject("properties", "expected an object, found \(raw.typeName)") }
            properties = given
        }
        guard let nameValue = fields["event"], !nameValue.isNull else { return reject("event", "is required") }
        guard case .string(let name) = nameValue else { return reject("event", "expected a string, found \(nameValue.typeName)") }

        let unit: String
        switch fields["distinct_id"] ?? properties["distinct_id"] ?? .null {
        case .string(let text): unit = text
        case .number(let n): unit = n.javaScriptString
        case .null: return reject("distinct_id", "is required: it is the unit")
        case let other: return reject("distinct_id", "expected a string or a number, found \(other.typeName)")
        }

        let milliseconds: Int64
        switch timestamp(of: fields, batchSentAt: batchSentAt, now: now) {
        case .success(let ms): milliseconds = ms
        case .failure(let problem): return reject(problem.field, problem.reason)
        }

        let id: JSONValue
        if let given = fields["uuid"], !given.isNull {
            id = given
        } else {
            var canonical: [UInt8] = []
            var content = fields
            content.removeValue(forKey: "sent_at")
            JSONValue.appendObject(content, to: &canonical)
            id = .string(contentID(canonical).uuidString.lowercased())
        }

        for key in Self.rawContentProperties { properties.removeValue(forKey: key) }
        properties.removeValue(forKey: "distinct_id")
        var nativeName = name
        switch name {
        case "$ai_generation":
            let failed = properties.removeValue(forKey: "$ai_is_error").map { $0.boolValue == true || $0.stringValue == "true" } ?? false
            nativeName = failed ? EventName.llmRequestFailed : EventName.llmRequestCompleted
            for (postHog, native) in Self.aiProperties {
                guard var value = properties.removeValue(forKey: postHog), !value.isNull else { continue }
                if native == "latency_ms", case .number(let seconds) = value {
                    // In milliseconds it must stay a number: 1e306 s would be stored as null, silently.
                    guard (seconds * 1000).isFinite else { return reject("properties.$ai_latency", "\(seconds) seconds is too large to be a latency in milliseconds") }
                    value = .number(seconds * 1000)
                }
                properties[native] = value
            }
            properties["status"] = .string(failed ? "error" : "success")
        case "$feature_flag_called":
            guard let flag = properties["$feature_flag"]?.stringValue, let experiment = experiments[flag] else { break }
            let response = properties["$feature_flag_response"] ?? .null
            guard case .string(let variant) = response, experiment.variants.contains(variant) else {
                let shown = response.isNull ? "missing" : response.compactJSONText.prefix(64)
                return reject("properties.$feature_flag_response", "\(shown) is not a variant of experiment '\(flag)' (\(experiment.variants.joined(separator: ", ")))")
            }
            nativeName = EventName.exposure
            properties = ["experiment": .string(flag), "variant": .string(variant)]
            if experiment.phase != 0 { properties["phase"] = .number(Double(experiment.phase)) }
        default:
            break
        }
        return .success(.object([
            "uuid": id, "event": .string(nativeName), "unit": .string(unit),
            "timestamp": .number(Double(milliseconds)), "properties": .object(properties),
        ]))
    }

    /// The event's time as PostHog's ingestion computes it, in milliseconds since the epoch.
    ///
    /// With a `timestamp` and a `sent_at` (the event's own, else the request's), the client's clock skew is
    /// removed: `now + (timestamp − sent_at)`. With a `timestamp` alone, the timestamp. With an `offset` (ms before
    /// sending) and no timestamp, `now − offset`. With neither, `now`. `properties.$ignore_sent_at: true` turns
    /// the skew correction off.
    ///
    /// - Parameters:
    ///   - fields: The event's members.
    ///   - batchSentAt: The request's `sent_at`.
    ///   - now: When the request arrived.
    /// - Returns: The time, or the field at fault and why.
    public func timestamp(of fields: [String: JSONValue], batchSentAt: JSONValue?, now: Date) -> Result<Int64, EventRejection> {
        Self.timestamp(
            fields["timestamp"], sentAt: fields["sent_at"], offset: fields["offset"],
            ignoreSentAt: fields["properties"]?.objectValue?["$ignore_sent_at"], batchSentAt: batchSentAt, now: now
        )
    }

    /// The time rules of ``timestamp(of:batchSentAt:now:)`` on the members they read (`nil` when absent).
    ///
    /// - Parameters:
    ///   - given: The event's `timestamp`.
    ///   - sentAt: The event's own `sent_at`.
    ///   - offset: The event's `offset`.
    ///   - ignoreSentAt: Its `properties.$ignore_sent_at`.
    ///   - batchSentAt: The request's `sent_at`.
    ///   - now: When the request arrived.
    /// - Returns: The time, or the field at fault and why.
    static func timestamp(
        _ given: JSONValue?, sentAt: JSONValue?, offset: JSONValue?, ignoreSentAt: JSONValue?, batchSentAt: JSONValue?, now: Date
    ) -> Result<Int64, EventRejection> {
        let nowMs = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        func parse(_ value: JSONValue, _ field: String) -> Result<Int64?, EventRejection> {
            switch value {
            case .null: return .success(nil)
            case .string(let text):
                guard let ms = RFC3339.milliseconds(from: text) else {
                    return .failure(EventRejection(index: 0, field: field, reason: "'\(text.prefix(64))' is not an ISO 8601 timestamp such as 2026-06-04T09:15:02.250Z"))
                }
                return .success(ms)
            case .number(let n) where n == n.rounded() && abs(n) < 1e15:
                return .success(Int64(n))
            default:
                return .failure(EventRejection(index: 0, field: field, reason: "expected an ISO 8601 string, found \(value.typeName)"))
            }
        }
        let timestamp: Int64?
        switch parse(given ?? .null, "timestamp") {
        case .success(let t): timestamp = t
        case .failure(let problem): return .failure(problem)
        }
        if let timestamp {
            guard ignoreSentAt?.boolValue != true else { return .success(timestamp) }
            let sentAtField = sentAt.map { ($0, "sent_at") } ?? batchSentAt.map { ($0, "sent_at") }
            guard let (value, field) = sentAtField else { return .success(timestamp) }
            switch parse(value, field) {
            case .success(let sentAt?): return .success(nowMs + (timestamp - sentAt))
            case .success(nil): return .success(timestamp)
            case .failure(let problem): return .failure(problem)
            }
        }
        if let offset, !offset.isNull {
            guard case .number(let ms) = offset, ms >= 0, ms < 1e12 else {
                return .failure(EventRejection(index: 0, field: "offset", reason: "expected milliseconds before sending, a number ≥ 0"))
            }
            return .success(nowMs - Int64(ms))
        }
        return .success(nowMs)
    }

    /// Parses capture JSON (a body, or one event of it) as every PostHog path must, so that both give the same
    /// units: an integer `distinct_id` past 2^53 − 1 is kept as its decimal text (posthog-python sends Python's
    /// exact integers, such as 64-bit snowflake ids), where a Double would make neighbouring ids one unit.
    ///
    /// - Parameter bytes: The JSON text.
    /// - Throws: ``RampartError`` naming the byte and the reason.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(RampartError) -> JSONValue {
        try JSONValue.parse(utf8: bytes, exactIntegerMember: "distinct_id")
    }

    /// The name of a rejected native field as the client sent it (`unit` → `distinct_id`,
    /// `properties.latency_ms` of a generation → `properties.$ai_latency`, …).
    ///
    /// - Parameters:
    ///   - field: The native field path of the rejection.
    ///   - event: The PostHog event name.
    public static func postHogField(_ field: String, event: String?) -> String {
        switch field {
        case "unit": return "distinct_id"
        case "properties.variant", "properties.experiment": return event == "$feature_flag_called" ? "properties.$feature_flag_response" : field
        default: break
        }
        if event == "$ai_generation", field.hasPrefix("properties.") {
            let native = field.dropFirst("properties.".count)
            if let pair = aiProperties.first(where: { $0.native == native }) { return "properties." + pair.postHog }
        }
        return field
    }
}
