import Foundation

/// A PostHog capture body of the usual shape, scanned once (``PostHogMapping/scanBody(_:now:)``) and ready to be
/// handed to a store's encoder event by event (``ScannedEventSource``).
///
/// Each event of the usual kind becomes a ``ScannedEvent`` read straight from the body's bytes: exactly the event
/// the native scanner reads from the line ``PostHogMapping/scanLines(_:now:)`` writes for it, without writing or
/// scanning that line. Names the mapping introduces (`llm_request_completed`, `exposure`, the `status` values) are
/// read from constants kept after the body in ``text``. Any other event is written as that line (or mapped from its
/// parsed value) and handed over as a line, so rejections and derived uuids are the mapping's own.
public struct ScannedPostHogBody: ScannedEventSource {
    /// The body's bytes, followed by ``Constants/text``.
    let text: [UInt8]
    /// Where the body's members are (offsets into ``text``).
    let batch: ScannedPostHogBatch
    let mapping: PostHogMapping
    /// When the request arrived (PostHog's time rules read it).
    let now: Date
    /// The key the body presents (its `api_key` or `token`, else the first event's), if any.
    public let presentedKey: String?

    /// The values the mapping writes that a body need not contain, as JSON string tokens kept after the body in
    /// ``text``, and where they are.
    struct Constants {
        static let names = [EventName.llmRequestCompleted, EventName.llmRequestFailed, EventName.exposure, "success", "error"]
        static let text = Array(names.map { "\"\($0)\"" }.joined().utf8)
        /// The tokens (quotes included).
        var completed: Range<Int>
        var failed: Range<Int>
        var exposure: Range<Int>
        var success: Range<Int>
        var error: Range<Int>

        /// The ranges when the constants start at `start`.
        init(start: Int) {
            var tokens: [Range<Int>] = []
            var next = start
            for name in Self.names {
                tokens.append(next..<(next + name.utf8.count + 2))
                next += name.utf8.count + 2
            }
            (completed, failed, exposure, success, error) = (tokens[0], tokens[1], tokens[2], tokens[3], tokens[4])
        }
    }

    init(text: [UInt8], batch: ScannedPostHogBatch, mapping: PostHogMapping, now: Date, presentedKey: String?) {
        self.text = text
        self.batch = batch
        self.mapping = mapping
        self.now = now
        self.presentedKey = presentedKey
    }

    public var count: Int { batch.events.count }

    /// The PostHog name an event was sent with (`nil` when it has none), to name a rejected field as the client
    /// sent it.
    ///
    /// - Parameter index: The event's position in the batch.
    public func postHogName(of index: Int) -> String? {
        guard batch.events.indices.contains(index), let name = batch.events[index].name else { return nil }
        return text.withUnsafeBufferPointer { bytes in
            ScannedPostHogWriter(scanner: JSONScanner(bytes), batch: batch, mapping: mapping, now: now).string(name)
        }
    }

    public func scan(parser: EventParser, now: Date, into sink: inout some ScannedEventSink) {
        let bodyCount = text.count - Constants.text.count
        let constants = Constants(start: bodyCount)
        text.withUnsafeBufferPointer { bytes in
            let writer = ScannedPostHogWriter(scanner: JSONScanner(bytes), batch: batch, mapping: mapping, now: self.now)
            let batchSentAt = batch.sentAt.map(writer.value)
            var event = ScannedEvent()
            var scratch: [UInt8] = []
            var lines = PostHogLines()
            for (index, scanned) in batch.events.enumerated() {
                if writer.read(scanned, batchSentAt: batchSentAt, constants: constants, parser: parser, now: now, scratch: &scratch, into: &event) {
                    sink.append(event, index: index)
                    continue
                }
                lines.ndjson.removeAll(keepingCapacity: true)
                lines.names.removeAll(keepingCapacity: true)
                lines.rejections.removeAll(keepingCapacity: true)
                if !writer.append(scanned, batchSentAt: batchSentAt, to: &lines) {
                    writer.appendParsed(scanned, index: index, batchSentAt: batchSentAt, to: &lines)
                }
                for rejection in lines.rejections { sink.reject(rejection) }
                guard lines.rejections.isEmpty else { continue }
                lines.ndjson.withUnsafeBufferPointer { line in
                    sink.appendLine(UnsafeBufferPointer(rebasing: line.dropLast()), index: index)
                }
            }
        }
    }
}

extension PostHogMapping {
    /// Scans a capture body for ``ScannedPostHogBody``, or returns `nil` when the body is not of the usual shape
    /// (see `JSONScanner.scanPostHogBody`); the caller then parses it and uses ``lines(_:batchSentAt:now:)``.
    ///
    /// - Parameters:
    ///   - bytes: The (decompressed) body.
    ///   - now: When the request arrived.
    public func scanBody(_ bytes: UnsafeBufferPointer<UInt8>, now: Date) -> ScannedPostHogBody? {
        var text = [UInt8]()
        text.reserveCapacity(bytes.count + ScannedPostHogBody.Constants.text.count)
        text.append(contentsOf: bytes)
        text.append(contentsOf: ScannedPostHogBody.Constants.text)
        return text.withUnsafeBufferPointer { buffer -> ScannedPostHogBody? in
            // The constants after the body are not part of the JSON document.
            var scanner = JSONScanner(UnsafeBufferPointer(rebasing: buffer[..<bytes.count]))
            var batch = ScannedPostHogBatch()
            guard scanner.scanPostHogBody(into: &batch) else { return nil }
            let writer = ScannedPostHogWriter(scanner: scanner, batch: batch, mapping: self, now: now)
            return ScannedPostHogBody(text: text, batch: batch, mapping: self, now: now, presentedKey: writer.presentedKey())
        }
    }
}
