import Foundation

/// Why one event of a batch was not stored. The other events of the batch are unaffected.
public struct EventRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// The event's position in its batch, counting from 0 (for NDJSON, the line number minus one).
    public var index: Int
    /// The event's uuid, when it had a valid one.
    public var uuid: UUID?
    /// The offending field, as a path: `uuid`, `event`, `unit`, `timestamp`, `properties.latency_ms`, ….
    public var field: String
    /// What is wrong with it.
    public var reason: String

    /// Creates a rejection.
    ///
    /// - Parameters:
    ///   - index: The event's position in its batch.
    ///   - uuid: Its uuid, if valid.
    ///   - field: The field at fault.
    ///   - reason: What is wrong.
    public init(index: Int, uuid: UUID? = nil, field: String, reason: String) {
        self.index = index
        self.uuid = uuid
        self.field = field
        self.reason = reason
    }

    public var description: String {
        "event \(index)\(uuid.map { " (\($0.uuidString.lowercased()))" } ?? ""): \(field): \(reason)"
    }

    /// The rejection as an error with code `invalid_input`.
    public var error: RampartError {
        RampartError(.invalidInput, description)
    }
}
