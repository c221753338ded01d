import Foundation

/// One outcome or exposure event about a unit (see docs/events.md).
///
/// Events are validated by ``EventParser`` (JSON in any supported format → `Event` or a per-field rejection) and
/// stored by an event store. Stores keep timestamps to the millisecond.
public struct Event: Sendable, Hashable {
    /// The idempotency key: an event ingested twice with the same id is stored once.
    public var id: UUID
    /// The event name, e.g. `llm_request_completed` or `exposure` (see ``EventName``).
    public var name: String
    /// The unit the event is about: the value of the experiment's unit attribute, e.g. a user id.
    public var unit: String
    /// When the event happened.
    public var timestamp: Date
    /// The properties. Known properties (``KnownProperties/types``) have their declared types; others are any JSON.
    public var properties: [String: JSONValue]

    /// Creates an event.
    ///
    /// - Parameters:
    ///   - id: The idempotency key.
    ///   - name: The event name.
    ///   - unit: The unit id.
    ///   - timestamp: When it happened.
    ///   - properties: Its properties.
    public init(id: UUID, name: String, unit: String, timestamp: Date, properties: [String: JSONValue] = [:]) {
        self.id = id
        self.name = name
        self.unit = unit
        self.timestamp = timestamp
        self.properties = properties
    }

    /// The timestamp in whole milliseconds since the Unix epoch, the precision stores keep.
    public var milliseconds: Int64 {
        Int64((timestamp.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// Creates an exposure: the unit was served `variant` of `experiment`.
    ///
    /// - Parameters:
    ///   - id: The idempotency key.
    ///   - unit: The unit id.
    ///   - timestamp: When the variant was served.
    ///   - experiment: The experiment key.
    ///   - variant: The variant key.
    ///   - phase: The experiment's phase; recorded only when it is not 0.
    ///   - properties: Further properties, e.g. the prompt version served.
    public static func exposure(
        id: UUID, unit: String, timestamp: Date, experiment: String, variant: String, phase: Int = 0,
        properties: [String: JSONValue] = [:]
    ) -> Event {
        var properties = properties
        properties["experiment"] = .string(experiment)
        properties["variant"] = .string(variant)
        if phase != 0 { properties["phase"] = .number(Double(phase)) }
        return Event(id: id, name: EventName.exposure, unit: unit, timestamp: timestamp, properties: properties)
    }
}
