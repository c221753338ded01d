import Foundation
import RampartCore

extension EncodedBatch {
    /// Encodes the events of an adapter's source (``ScannedEventSource``): events read straight from bytes are
    /// encoded as they come, lines are parsed as NDJSON lines are, rejections are kept.
    ///
    /// - Parameters:
    ///   - source: The events.
    ///   - parser: Validation and privacy.
    ///   - now: The current time, for the future-timestamp check.
    ///   - unitKey: How a unit id is stored.
    init(_ source: some ScannedEventSource, parser: EventParser, now: Date, unitKey: (String) -> String) {
        self = withoutActuallyEscaping(unitKey) { unitKey in
            var sink = Sink(parser: parser, now: now, unitKey: unitKey)
            sink.batch.reserve(source.count)
            source.scan(parser: parser, now: now, into: &sink)
            return sink.batch
        }
    }

    /// Builds a batch from events handed over one by one, with the scratch space the encoding reuses.
    struct Sink: ScannedEventSink {
        var batch = EncodedBatch()
        let parser: EventParser
        let now: Date
        let unitKey: (String) -> String
        var scanned = ScannedEvent()
        var members: [(key: String, value: JSONValue)] = []
        var unknown: [String: JSONValue] = [:]
        var slow = EventParser.Batch()

        init(parser: EventParser, now: Date, unitKey: @escaping (String) -> String) {
            self.parser = parser
            self.now = now
            self.unitKey = unitKey
        }

        mutating func append(_ event: borrowing ScannedEvent, index: Int) {
            batch.append(event, position: index, members: &members, unitKey: unitKey)
        }

        /// A plain line straight from its bytes (`EventParser.scanPlainEvent`), any other through the full parser;
        /// a blank line is skipped.
        mutating func appendLine(_ line: UnsafeBufferPointer<UInt8>, index: Int) {
            if line.count <= EventParser.maximumLineLength, parser.scanPlainEvent(line, now: now, into: &scanned) {
                batch.append(scanned, position: index, members: &members, unitKey: unitKey)
                return
            }
            slow.events.removeAll(keepingCapacity: true)
            slow.rejections.removeAll(keepingCapacity: true)
            parser.parseLine(line, index: index, now: now, into: &slow)
            batch.rejections += slow.rejections
            for event in slow.events { batch.append(event, position: index, unknown: &unknown, unitKey: unitKey) }
        }

        mutating func reject(_ rejection: EventRejection) {
            batch.rejections.append(rejection)
        }
    }
}
