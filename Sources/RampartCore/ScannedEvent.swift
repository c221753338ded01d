import Foundation

/// A valid event read straight from JSON bytes by ``EventParser/scanPlainEvent(_:now:into:)``: no `JSONValue`
/// tree, no properties dictionary, and no `String` for the name, the unit or a known property's text. Reused from
/// event to event, so its arrays keep their capacity.
///
/// Byte ranges point into ``text``, the buffer the scanner read, which is valid only while the caller of the scan
/// lends it; copy what must outlive that.
public struct ScannedEvent {
    /// The idempotency key.
    public var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    /// The timestamp in milliseconds since the Unix epoch.
    public var milliseconds: Int64 = 0
    /// The scanned text; the ranges below are offsets into it.
    public var text = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    /// The event name's UTF-8 bytes.
    public var name: Range<Int> = 0..<0
    /// The unit id's UTF-8 bytes.
    public var unit: Range<Int> = 0..<0
    /// Whether the event is an exposure (its experiment and variant were checked as the full parser checks them).
    public var isExposure = false
    /// The known properties with a value, in input order: the property's index in ``KnownProperties/ordered`` and
    /// its value, already type-checked. Dropped properties and `null`s are left out.
    public var known: [(property: Int, value: ScannedValue)] = []
    /// The other properties kept, in input order (`null`s left out).
    public var other: [(key: String, value: JSONValue)] = []
    /// Known (bit = index) and dropped (bit = 32 + number) property names seen, to refuse duplicates.
    var seenNames: UInt64 = 0
    /// Other property names seen, to refuse duplicates.
    var seenOther: [String] = []

    public init() {}

    /// Empties the event for the next scan of `text`, keeping the arrays' capacity.
    mutating func reset(text: UnsafeBufferPointer<UInt8>) {
        self.text = text
        isExposure = false
        known.removeAll(keepingCapacity: true)
        other.removeAll(keepingCapacity: true)
        seenOther.removeAll(keepingCapacity: true)
        seenNames = 0
    }

    /// The bytes of a range of ``text``.
    public func bytes(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: text[range])
    }

    /// The event as an ``Event``: its known properties as JSON, the others as read; the time is
    /// ``milliseconds`` (the full parser's `Date` for the same input may differ below the millisecond).
    public var event: Event {
        var properties: [String: JSONValue] = [:]
        for (property, value) in known { properties[KnownProperties.ordered[property].name] = value.json(in: self) }
        for (key, value) in other { properties[key] = value }
        return Event(
            id: UUID(uuid: uuid), name: String(decoding: bytes(name), as: UTF8.self), unit: String(decoding: bytes(unit), as: UTF8.self),
            timestamp: Date(timeIntervalSince1970: Double(milliseconds) / 1000), properties: properties
        )
    }

    /// The value of a known property, if the event has one.
    ///
    /// - Parameter property: The property's index in ``KnownProperties/ordered``.
    public func value(of property: Int) -> ScannedValue? {
        known.first { $0.property == property }?.value
    }
}

/// A known property's value read by the scanner.
public enum ScannedValue: Sendable, Equatable {
    /// A string: its UTF-8 bytes in ``ScannedEvent/text`` (printable ASCII, no escapes).
    case text(Range<Int>)
    case number(Double)
    case bool(Bool)

    /// The value as JSON.
    ///
    /// - Parameter event: The event whose text a `.text` value points into.
    public func json(in event: borrowing ScannedEvent) -> JSONValue {
        switch self {
        case .text(let range): return .string(String(decoding: event.bytes(range), as: UTF8.self))
        case .number(let n): return .number(n)
        case .bool(let b): return .bool(b)
        }
    }
}
