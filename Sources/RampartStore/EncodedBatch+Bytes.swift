import Foundation
import RampartCore

/// The batches every store's ingest entry points build, with unit ids stored as themselves or as their keyed
/// hash: one place for what `SQLiteEventStore` and `PostgresEventStore` do before their own `store(_:)`.
extension EncodedBatch {
    /// Events already parsed.
    init(_ events: [Event], hasher: UnitKeyHasher?) {
        self.init(events) { unit in hasher?.hash(unit) ?? unit }
    }

    /// NDJSON bytes, the first line numbered `firstIndex`.
    init(ndjson bytes: [UInt8], firstIndex: Int, parser: EventParser, now: Date, hasher: UnitKeyHasher?) {
        self = bytes.withUnsafeBufferPointer { buffer in
            EncodedBatch(ndjson: buffer, firstIndex: firstIndex, parser: parser, now: now) { unit in hasher?.hash(unit) ?? unit }
        }
    }

    /// An adapter's events (``ScannedEventSource``).
    init(_ source: some ScannedEventSource, parser: EventParser, now: Date, hasher: UnitKeyHasher?) {
        self.init(source, parser: parser, now: now) { unit in hasher?.hash(unit) ?? unit }
    }

    /// A JSON array of plain events, or nil when the array needs the full parser.
    init?(jsonArray bytes: [UInt8], parser: EventParser, now: Date, hasher: UnitKeyHasher?) {
        guard let batch = bytes.withUnsafeBufferPointer({ buffer in
            EncodedBatch(jsonArray: buffer, parser: parser, now: now) { unit in hasher?.hash(unit) ?? unit }
        }) else { return nil }
        self = batch
    }
}
