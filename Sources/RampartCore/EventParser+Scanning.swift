import Foundation

extension EventParser {
    /// Reads one event object straight from bytes when it is *plain*: strings are printable ASCII without escapes,
    /// property values are scalars, and it is not an exposure. Returns `false` for anything else, valid or not,
    /// and the caller then parses the same bytes with ``parseLine(_:index:now:into:)``.
    ///
    /// It accepts only events the full parser accepts, and produces the same event: the same validation (required
    /// fields, lengths, timestamp forms and future skew, known property types), the same dropped properties and
    /// `null`s removed. What it refuses (duplicate members, unknown fields, any rejection) the full parser decides.
    ///
    /// - Parameters:
    ///   - bytes: Exactly one JSON object, with optional surrounding whitespace.
    ///   - now: The current time, for the future-timestamp check.
    ///   - event: Filled in when the result is `true`.
    /// - Returns: Whether the event was plain and valid.
    public func scanPlainEvent(_ bytes: UnsafeBufferPointer<UInt8>, now: Date, into event: inout ScannedEvent) -> Bool {
        var scanner = JSONScanner(bytes)
        scanner.skipWhitespace()
        guard scanner.scanPlainEvent(self, now: now, into: &event) else { return false }
        scanner.skipWhitespace()
        return scanner.position == bytes.count
    }

    /// Reads a JSON array of plain events (see ``scanPlainEvent(_:now:into:)``), calling `body` with each event and
    /// its index. Returns `false` as soon as an element is not plain and valid; the caller then discards what it
    /// was given and parses the whole body with the full parser.
    ///
    /// - Parameters:
    ///   - bytes: The JSON text.
    ///   - now: The current time, for the future-timestamp check.
    ///   - body: Receives each event (valid only during the call) and its index in the array.
    public func scanPlainArray(_ bytes: UnsafeBufferPointer<UInt8>, now: Date, _ body: (borrowing ScannedEvent, Int) -> Void) -> Bool {
        var scanner = JSONScanner(bytes)
        var event = ScannedEvent()
        scanner.skipWhitespace()
        guard scanner.consume(UInt8(ascii: "[")) else { return false }
        scanner.skipWhitespace()
        if scanner.consume(UInt8(ascii: "]")) {
            scanner.skipWhitespace()
            return scanner.position == bytes.count
        }
        var index = 0
        while true {
            scanner.skipWhitespace()
            guard scanner.scanPlainEvent(self, now: now, into: &event) else { return false }
            body(event, index)
            index += 1
            scanner.skipWhitespace()
            if scanner.consume(UInt8(ascii: ",")) { continue }
            guard scanner.consume(UInt8(ascii: "]")) else { return false }
            scanner.skipWhitespace()
            return scanner.position == bytes.count
        }
    }
}

extension JSONScanner {
    /// Consumes `byte` when it is next.
    mutating func consume(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    /// A string of printable ASCII without escapes, or `nil`.
    mutating func readPlainString() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                position += 1
                return text
            }
            if byte < 0x20 || byte >= 0x80 || byte == UInt8(ascii: "\\") { return nil }
            position += 1
        }
        return nil
    }

    /// A scalar value (plain string, number, boolean or null), or `nil`.
    mutating func readPlainScalar() -> JSONValue? {
        guard position < bytes.count else { return nil }
        switch bytes[position] {
        case UInt8(ascii: "\""): return readPlainString().map(JSONValue.string)
        case UInt8(ascii: "t"): return (try? expectWord("true")).map { .bool(true) }
        case UInt8(ascii: "f"): return (try? expectWord("false")).map { .bool(false) }
        case UInt8(ascii: "n"): return (try? expectWord("null")).map { .null }
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return (try? readNumber()).map(JSONValue.number)
        default: return nil
        }
    }

    /// Reads one plain, valid event object at the current position (see `EventParser.scanPlainEvent`).
    mutating func scanPlainEvent(_ parser: EventParser, now: Date, into event: inout ScannedEvent) -> Bool {
        guard consume(UInt8(ascii: "{")) else { return false }
        var seen: UInt8 = 0  // uuid, event, unit, timestamp, properties
        event.properties.removeAll(keepingCapacity: true)
        event.seenKeys.removeAll(keepingCapacity: true)
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return false }
        while true {
            guard let key = readMemberName() else { return false }
            let bit: UInt8
            switch key {
            case "uuid":
                bit = 1
                guard let text = readPlainString(), let uuid = UUID.parsingCanonical(text) else { return false }
                event.uuid = uuid.uuid
            case "event":
                bit = 2
                guard let name = readPlainString(), !name.isEmpty, name.utf8.count <= parser.configuration.maximumNameLength,
                    name != EventName.exposure
                else { return false }
                event.name = name
            case "unit":
                bit = 4
                guard let unit = readPlainString(), !unit.isEmpty, unit.utf8.count <= parser.configuration.maximumUnitLength else {
                    return false
                }
                event.unit = unit
            case "timestamp":
                bit = 8
                guard let value = readPlainScalar(), let milliseconds = Self.milliseconds(value) else { return false }
                let timestamp = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
                guard timestamp.timeIntervalSince(now) <= parser.configuration.maximumFutureSkew else { return false }
                // As `Event.milliseconds` reads it back from the `Date` the full parser builds.
                event.milliseconds = Int64((timestamp.timeIntervalSince1970 * 1000).rounded(.down))
            case "properties":
                bit = 16
                if position < bytes.count, bytes[position] == UInt8(ascii: "n") {
                    guard (try? expectWord("null")) != nil else { return false }
                } else {
                    guard scanPlainProperties(parser, into: &event) else { return false }
                }
            default:
                return false
            }
            guard seen & bit == 0 else { return false }
            seen |= bit
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            guard consume(UInt8(ascii: "}")) else { return false }
            return seen & 0b1111 == 0b1111
        }
    }

    /// The timestamp forms `EventParser` accepts: RFC 3339 text or whole milliseconds.
    static func milliseconds(_ value: JSONValue) -> Int64? {
        switch value {
        case .string(let text): return RFC3339.milliseconds(from: text)
        case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? Int64(n) : nil
        default: return nil
        }
    }

    /// Reads `"name":` with the whitespace around it, leaving the position at the member's value.
    mutating func readMemberName() -> String? {
        skipWhitespace()
        guard let key = readPlainString() else { return nil }
        skipWhitespace()
        guard consume(UInt8(ascii: ":")) else { return nil }
        skipWhitespace()
        return key
    }

    /// Reads a properties object whose values are all scalars, dropping what `Configuration.normalize` drops.
    mutating func scanPlainProperties(_ parser: EventParser, into event: inout ScannedEvent) -> Bool {
        guard consume(UInt8(ascii: "{")) else { return false }
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return true }
        while true {
            guard let key = readMemberName() else { return false }
            guard let value = readPlainScalar() else { return false }
            guard !event.seenKeys.contains(key) else { return false }
            event.seenKeys.append(key)
            if !value.isNull, !parser.configuration.droppedProperties.contains(key) {
                if let type = KnownProperties.types[key], KnownProperties.check(key, value, type: type) != nil { return false }
                event.properties.append((key, value))
            }
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "}"))
        }
    }
}
