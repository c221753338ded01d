import Foundation

/// Where a ``ScannedEventSource`` hands its events, in order: each one either read straight from bytes (a
/// ``ScannedEvent``, already checked as ``EventParser/scanPlainEvent(_:now:into:)`` checks it) or as a native NDJSON
/// line for the parser, or rejected. The stores' encoders implement it, so an adapter's events reach the store's
/// batch without an intermediate text.
public protocol ScannedEventSink {
    /// Adds a valid event read from bytes; it is valid only during the call.
    ///
    /// - Parameters:
    ///   - event: The event.
    ///   - index: Its position in the request.
    mutating func append(_ event: borrowing ScannedEvent, index: Int)

    /// Adds an event as one native NDJSON line (without its newline), to be parsed as `/v1/events` parses a line.
    ///
    /// - Parameters:
    ///   - line: The line; valid only during the call.
    ///   - index: Its position in the request.
    mutating func appendLine(_ line: UnsafeBufferPointer<UInt8>, index: Int)

    /// Records an event the source itself rejected.
    mutating func reject(_ rejection: EventRejection)
}

/// Events that can be handed to a ``ScannedEventSink`` one by one, in request order.
public protocol ScannedEventSource: Sendable {
    /// The number of events (stored, rejected or duplicate, every one has an index below it).
    var count: Int { get }

    /// Hands every event to `sink`.
    ///
    /// - Parameters:
    ///   - parser: Validation and privacy.
    ///   - now: The current time, for the future-timestamp check.
    ///   - sink: Receives the events.
    func scan(parser: EventParser, now: Date, into sink: inout some ScannedEventSink)
}
