import Foundation

/// Turns JSON objects into validated ``Event``s, or into a rejection that names the field and the reason.
///
/// Parsing is kept apart from storage so that other input formats (PostHog's capture API, OpenTelemetry GenAI
/// spans) can produce the same `Event` values. The native format is one JSON object per event:
///
/// ```json
/// {"uuid": "…", "event": "llm_request_completed", "unit": "user-42",
///  "timestamp": "2026-06-04T09:15:02.250Z", "properties": {"latency_ms": 812, "output_tokens": 311}}
/// ```
public struct EventParser: Sendable {
    /// What to accept and what to drop.
    public var configuration: Configuration {
        didSet { propertyNames = PropertyNameTable(dropped: configuration.droppedProperties) }
    }
    /// The known and dropped property names, matched on their bytes by the fast scanner.
    private(set) var propertyNames: PropertyNameTable

    /// Creates a parser.
    ///
    /// - Parameter configuration: Privacy and validation settings.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        propertyNames = PropertyNameTable(dropped: configuration.droppedProperties)
    }

    /// The top-level fields of the native format.
    static let topLevelFields: Set<String> = ["uuid", "event", "unit", "timestamp", "properties"]

    /// Validates one event.
    ///
    /// - Parameters:
    ///   - object: The event as JSON.
    ///   - index: Its position in the batch, for the rejection.
    ///   - now: The current time; timestamps more than ``Configuration/maximumFutureSkew`` after it are rejected.
    /// - Returns: The event, with raw-content properties dropped, or why it was rejected.
    public func event(from object: JSONValue, index: Int, now: Date) -> Result<Event, EventRejection> {
        guard case .object(let fields) = object else {
            return .failure(EventRejection(index: index, field: "$", reason: "expected a JSON object, found \(object.typeName)"))
        }
        var uuid: UUID?
        if let raw = fields["uuid"] {
            guard case .string(let text) = raw else {
                return .failure(EventRejection(index: index, field: "uuid", reason: "expected a string, found \(raw.typeName)"))
            }
            guard let parsed = UUID.parsingCanonical(text) else {
                return .failure(EventRejection(index: index, field: "uuid", reason: "'\(text.prefix(64))' is not a UUID (8-4-4-4-12 hex digits)"))
            }
            uuid = parsed
        }
        func reject(_ field: String, _ reason: String) -> Result<Event, EventRejection> {
            .failure(EventRejection(index: index, uuid: uuid, field: field, reason: reason))
        }
        guard let id = uuid else { return reject("uuid", "is required: it is the idempotency key") }
        for key in fields.keys where !Self.topLevelFields.contains(key) {
            return reject(key, "unknown field (expected uuid, event, unit, timestamp, properties)")
        }
        guard let nameValue = fields["event"], !nameValue.isNull else { return reject("event", "is required") }
        guard case .string(let name) = nameValue else { return reject("event", "expected a string, found \(nameValue.typeName)") }
        guard !name.isEmpty else { return reject("event", "must not be empty") }
        guard name.utf8.count <= configuration.maximumNameLength else {
            return reject("event", "longer than \(configuration.maximumNameLength) bytes")
        }
        guard let unitValue = fields["unit"], !unitValue.isNull else { return reject("unit", "is required") }
        guard case .string(let unit) = unitValue else { return reject("unit", "expected a string, found \(unitValue.typeName)") }
        guard !unit.isEmpty else { return reject("unit", "must not be empty") }
        guard unit.utf8.count <= configuration.maximumUnitLength else {
            return reject("unit", "longer than \(configuration.maximumUnitLength) bytes")
        }
        guard let timeValue = fields["timestamp"], !timeValue.isNull else { return reject("timestamp", "is required") }
        let milliseconds: Int64
        switch timeValue {
        case .string(let text):
            guard let parsed = RFC3339.milliseconds(from: text) else {
                return reject("timestamp", "'\(text.prefix(64))' is not an RFC 3339 timestamp such as 2026-06-04T09:15:02.250Z")
            }
            milliseconds = parsed
        case .number(let n):
            guard n == n.rounded(), abs(n) < 1e15 else {
                return reject("timestamp", "a number must be whole milliseconds since the Unix epoch")
            }
            milliseconds = Int64(n)
        default:
            return reject("timestamp", "expected an RFC 3339 string or milliseconds since the epoch, found \(timeValue.typeName)")
        }
        let timestamp = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        if timestamp.timeIntervalSince(now) > configuration.maximumFutureSkew {
            return reject("timestamp", "\(RFC3339.format(milliseconds: milliseconds)) is more than \(Self.describe(configuration.maximumFutureSkew)) in the future")
        }
        var properties: [String: JSONValue] = [:]
        if let raw = fields["properties"], !raw.isNull {
            guard case .object(let given) = raw else { return reject("properties", "expected an object, found \(raw.typeName)") }
            properties = given
        }
        if let problem = configuration.normalize(&properties) {
            return reject("properties.\(problem.property)", problem.reason)
        }
        if name == EventName.exposure, let problem = Self.exposureProblem(properties) {
            return reject("properties.\(problem.property)", problem.reason)
        }
        return .success(Event(id: id, name: name, unit: unit, timestamp: timestamp, properties: properties))
    }

    /// Checks what an exposure needs: the experiment and the variant (the phase is optional and defaults to 0).
    ///
    /// - Parameter properties: The exposure's properties.
    /// - Returns: The property at fault and the reason, or `nil`.
    public static func exposureProblem(_ properties: [String: JSONValue]) -> (property: String, reason: String)? {
        for key in ["experiment", "variant"] {
            guard let value = properties[key] else { return (key, "is required on an exposure") }
            if value.stringValue?.isEmpty ?? true { return (key, "must not be empty") }
        }
        if let phase = properties["phase"]?.numberValue, phase < 0 { return ("phase", "must not be negative") }
        return nil
    }

    static func describe(_ interval: TimeInterval) -> String {
        interval.truncatingRemainder(dividingBy: 86_400) == 0 ? "\(Int(interval / 86_400)) day(s)" : "\(Int(interval)) s"
    }
}
