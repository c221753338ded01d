import Foundation

/// A valid event read straight from JSON bytes by ``EventParser/scanPlainEvent(_:now:into:)``: no `JSONValue`
/// tree, no properties dictionary. Reused from event to event, so its arrays keep their capacity.
public struct ScannedEvent: Sendable {
    /// The idempotency key.
    public var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    /// The event name.
    public var name = ""
    /// The unit id.
    public var unit = ""
    /// The timestamp in milliseconds since the Unix epoch.
    public var milliseconds: Int64 = 0
    /// The properties to store, in input order: dropped and `null` ones removed, known ones type-checked.
    public var properties: [(key: String, value: JSONValue)] = []
    /// Every member name seen in `properties`, to refuse duplicates as the full parser does.
    var seenKeys: [String] = []

    public init() {}
}
