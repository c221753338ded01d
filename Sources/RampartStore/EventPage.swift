import RampartCore

/// A page of stored events from ``StoreTransfer/exportEvents(after:limit:)``.
public struct EventPage: Sendable {
    /// Where a page ended, in the exporting store's own order (opaque to callers).
    public struct Cursor: Sendable, Hashable {
        /// The order key's integer parts (SQLite: name id, unit id, time; PostgreSQL: none).
        var numbers: [Int64]
        /// The last event's uuid.
        var uuid: [UInt8]
    }

    /// The events, unit keys as stored.
    public var events: [Event]
    /// The cursor to ask for the next page with, `nil` when this was the last.
    public var next: Cursor?
}
