import Foundation

extension ScannedPostHogWriter {
    /// A bound on how much longer the native line ``append(_:batchSentAt:to:)`` writes can be than the event as
    /// sent (member names, a timestamp, a generation's `status`); an event that long is left to the line path,
    /// which applies the NDJSON line limit.
    static let lineOverhead = 512

    /// Reads an event of the usual kind straight into `event`: the event the native scanner
    /// (``EventParser/scanPlainEvent(_:now:into:)``) reads from the line ``append(_:batchSentAt:to:)`` writes for it,
    /// without writing that line. Returns `false` when that line would not be written or would not be plain (the
    /// caller then writes the line, or maps the parsed event, and hands that over).
    ///
    /// Values are read from the body where it holds them as written: copied properties and experiment and variant
    /// tokens in place, the mapping's own names and `status` from ``ScannedPostHogBody/Constants``. A number the
    /// mapping computes (`$ai_latency` in milliseconds, an exposure's phase) is written as the line would hold it
    /// and read back from that text, so it is the same `Double`.
    ///
    /// - Parameters:
    ///   - posted: The event as scanned.
    ///   - batchSentAt: The request's `sent_at`.
    ///   - constants: Where the constants are in the text.
    ///   - parser: Validation and privacy.
    ///   - now: The current time, for the future-timestamp check.
    ///   - scratch: A buffer for computed numbers.
    ///   - event: Filled in when the result is `true`.
    func read(
        _ posted: ScannedPostHogBatch.Event, batchSentAt: JSONValue?, constants: ScannedPostHogBody.Constants, parser: EventParser,
        now: Date, scratch: inout [UInt8], into event: inout ScannedEvent
    ) -> Bool {
        guard posted.isObject, !posted.propertiesNotObject, posted.range.count + Self.lineOverhead <= EventParser.maximumLineLength,
            let nameToken = posted.name, let name = plainText(nameToken),
            let uuidToken = posted.uuid, let uuidText = plainText(uuidToken),
            let uuid = UUID.parsingCanonical(utf8: UnsafeBufferPointer(rebasing: bytes[uuidText])),
            let unitToken = unit(of: posted), let unit = plainText(unitToken), !unit.isEmpty,
            unit.count <= parser.configuration.maximumUnitLength,
            let milliseconds = time(of: posted, batchSentAt: batchSentAt), abs(Double(milliseconds)) < 1e15
        else { return false }
        // As the native scanner reads the written whole milliseconds back.
        let timestamp = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
        guard timestamp.timeIntervalSince(now) <= parser.configuration.maximumFutureSkew else { return false }
        event.reset(text: bytes)
        event.uuid = uuid.uuid
        event.milliseconds = Int64((timestamp.timeIntervalSince1970 * 1000).rounded(.down))
        event.unit = unit
        let names = parser.propertyNames
        if scanner.bytes(name, equal: "$ai_generation") {
            return readGeneration(posted, constants: constants, names: names, scratch: &scratch, into: &event)
        }
        if scanner.bytes(name, equal: "$feature_flag_called"), let flagToken = property(posted, "$feature_flag"),
            let flag = string(flagToken), let experiment = mapping.experiments[flag]
        {
            guard let variantToken = property(posted, "$feature_flag_response"), let variant = string(variantToken),
                experiment.variants.contains(variant)
            else { return false }
            event.name = inner(constants.exposure)
            event.isExposure = true
            guard Self.withKey("experiment", { add($0, token: flagToken, names: names, into: &event) }),
                Self.withKey("variant", { add($0, token: variantToken, names: names, into: &event) }),
                experiment.phase == 0
                    || Self.withKey("phase", { add($0, number: Double(experiment.phase), names: names, scratch: &scratch, into: &event) })
            else { return false }
            return JSONScanner.isPlainExposure(event)
        }
        // Any other event keeps its name; one named `exposure` is left to the line path, which checks it.
        guard !name.isEmpty, name.count <= parser.configuration.maximumNameLength, !scanner.bytes(name, equal: "exposure") else {
            return false
        }
        event.name = name
        for (key, value) in batch.properties[posted.members] {
            if case .dropped = role(key) { continue }
            guard isPlain(key), add(UnsafeBufferPointer(rebasing: bytes[key]), token: value, names: names, into: &event) else {
                return false
            }
        }
        return true
    }

    /// A generation's name and properties, as ``writeGeneration(_:to:)`` writes them.
    func readGeneration(
        _ posted: ScannedPostHogBatch.Event, constants: ScannedPostHogBody.Constants, names: PropertyNameTable, scratch: inout [UInt8],
        into event: inout ScannedEvent
    ) -> Bool {
        let flag = property(posted, "$ai_is_error").map(value)
        let failed = flag.map { $0.boolValue == true || $0.stringValue == "true" } ?? false
        event.name = inner(failed ? constants.failed : constants.completed)
        for (key, value) in batch.properties[posted.members] {
            let role = role(key)
            switch role {
            case .nativeName: return false
            case .dropped, .isError: continue
            case .renamed where isNull(value): continue
            case .copy:
                guard isPlain(key), add(UnsafeBufferPointer(rebasing: bytes[key]), token: value, names: names, into: &event) else { return false }
            case .renamed(let index):
                let added = Self.aiNames[index].native.withUnsafeBufferPointer { key in
                    if index == Self.latencyIndex, case .number(let seconds) = self.value(value) {
                        guard (seconds * 1000).isFinite else { return false }
                        return add(key, number: seconds * 1000, names: names, scratch: &scratch, into: &event)
                    }
                    return add(key, token: value, names: names, into: &event)
                }
                guard added else { return false }
            }
        }
        return Self.withKey("status") { add($0, token: failed ? constants.error : constants.success, names: names, into: &event) }
    }

    /// Adds the property `key` with the value of a token of the text, as the native scanner reads a member.
    func add(_ key: UnsafeBufferPointer<UInt8>, token: Range<Int>, names: PropertyNameTable, into event: inout ScannedEvent) -> Bool {
        var reader = scanner
        reader.position = token.lowerBound
        return reader.scanPlainMember(key, names: names, into: &event) && reader.position == token.upperBound
    }

    /// Adds the property `key` with a computed number, read back from the text ``JSONValue/appendNumber(_:to:)``
    /// writes for it (as the native scanner would read the written line).
    func add(_ key: UnsafeBufferPointer<UInt8>, number: Double, names: PropertyNameTable, scratch: inout [UInt8], into event: inout ScannedEvent) -> Bool {
        scratch.removeAll(keepingCapacity: true)
        JSONValue.appendNumber(number, to: &scratch)
        return scratch.withUnsafeBufferPointer { text in
            var reader = JSONScanner(text)
            return reader.scanPlainMember(key, names: names, into: &event) && reader.position == text.count
        }
    }

    /// Calls `body` with the UTF-8 bytes of a property name the mapping writes.
    static func withKey(_ key: StaticString, _ body: (UnsafeBufferPointer<UInt8>) -> Bool) -> Bool {
        body(UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
    }

    /// The inside of a string token whose text is plain (printable ASCII, no escapes), as the native scanner
    /// requires of names, units and uuids; `nil` otherwise.
    func plainText(_ token: Range<Int>) -> Range<Int>? {
        guard token.count >= 2, bytes[token.lowerBound] == UInt8(ascii: "\""), bytes[token.upperBound - 1] == UInt8(ascii: "\"") else {
            return nil
        }
        let text = inner(token)
        return isPlain(text) ? text : nil
    }

    /// A token without its quotes.
    func inner(_ token: Range<Int>) -> Range<Int> { (token.lowerBound + 1)..<(token.upperBound - 1) }

    /// Whether the bytes are printable ASCII without a backslash or a quote.
    func isPlain(_ range: Range<Int>) -> Bool {
        for i in range {
            let byte = bytes[i]
            if byte < 0x20 || byte >= 0x80 || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\"") { return false }
        }
        return true
    }
}
