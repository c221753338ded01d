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
        guard let range = readPlainStringRange() else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// The bytes of a string of printable ASCII without escapes (without its quotes), or `nil`.
    mutating func readPlainStringRange() -> Range<Int>? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        let start = position
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                return start..<(position - 1)
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

    /// Whether the bytes of `range` are `word`.
    func bytes(_ range: Range<Int>, equal word: StaticString) -> Bool {
        range.count == word.utf8CodeUnitCount && memcmp(bytes.baseAddress! + range.lowerBound, word.utf8Start, range.count) == 0
    }

    /// Reads one plain, valid event object at the current position (see `EventParser.scanPlainEvent`).
    mutating func scanPlainEvent(_ parser: EventParser, now: Date, into event: inout ScannedEvent) -> Bool {
        guard consume(UInt8(ascii: "{")) else { return false }
        var seen: UInt8 = 0  // uuid, event, unit, timestamp, properties
        event.reset(text: bytes)
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return false }
        while true {
            guard let key = readMemberName() else { return false }
            let bit: UInt8
            if bytes(key, equal: "uuid") {
                bit = 1
                guard let text = readPlainStringRange(),
                    let uuid = UUID.parsingCanonical(utf8: UnsafeBufferPointer(rebasing: bytes[text]))
                else { return false }
                event.uuid = uuid.uuid
            } else if bytes(key, equal: "event") {
                bit = 2
                guard let name = readPlainStringRange(), !name.isEmpty, name.count <= parser.configuration.maximumNameLength else {
                    return false
                }
                event.name = name
                event.isExposure = bytes(name, equal: "exposure")
            } else if bytes(key, equal: "unit") {
                bit = 4
                guard let unit = readPlainStringRange(), !unit.isEmpty, unit.count <= parser.configuration.maximumUnitLength else {
                    return false
                }
                event.unit = unit
            } else if bytes(key, equal: "timestamp") {
                bit = 8
                guard let milliseconds = readPlainTimestamp() else { return false }
                let timestamp = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
                guard timestamp.timeIntervalSince(now) <= parser.configuration.maximumFutureSkew else { return false }
                // As `Event.milliseconds` reads it back from the `Date` the full parser builds.
                event.milliseconds = Int64((timestamp.timeIntervalSince1970 * 1000).rounded(.down))
            } else if bytes(key, equal: "properties") {
                bit = 16
                if position < bytes.count, bytes[position] == UInt8(ascii: "n") {
                    guard (try? expectWord("null")) != nil else { return false }
                } else {
                    guard scanPlainProperties(parser, into: &event) else { return false }
                }
            } else {
                return false
            }
            guard seen & bit == 0 else { return false }
            seen |= bit
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            guard consume(UInt8(ascii: "}")) else { return false }
            guard seen & 0b1111 == 0b1111 else { return false }
            return !event.isExposure || Self.isPlainExposure(event)
        }
    }

    /// Whether an exposure has what `EventParser.exposureProblem` requires: a non-empty experiment and variant (the
    /// phase, when present, was checked as a non-negative whole number).
    static func isPlainExposure(_ event: borrowing ScannedEvent) -> Bool {
        for property in [KnownProperties.experimentIndex, KnownProperties.variantIndex] {
            guard case .text(let range) = event.value(of: property), !range.isEmpty else { return false }
        }
        return true
    }

    /// The timestamp forms `EventParser` accepts: RFC 3339 text or whole milliseconds.
    mutating func readPlainTimestamp() -> Int64? {
        guard position < bytes.count else { return nil }
        if bytes[position] == UInt8(ascii: "\"") {
            guard let text = readPlainStringRange() else { return nil }
            return RFC3339.milliseconds(utf8: UnsafeBufferPointer(rebasing: bytes[text]))
        }
        guard bytes[position] == UInt8(ascii: "-") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]),
            let n = try? readNumber(), n == n.rounded(), abs(n) < 1e15
        else { return nil }
        return Int64(n)
    }

    /// Reads `"name":` with the whitespace around it, leaving the position at the member's value; returns the
    /// name's bytes.
    mutating func readMemberName() -> Range<Int>? {
        skipWhitespace()
        guard let key = readPlainStringRange() else { return nil }
        skipWhitespace()
        guard consume(UInt8(ascii: ":")) else { return nil }
        skipWhitespace()
        return key
    }

    /// Reads a properties object whose values are all scalars, dropping what `Configuration.normalize` drops and
    /// type-checking the known properties as `KnownProperties.check` does; anything it would reject returns
    /// `false`.
    mutating func scanPlainProperties(_ parser: EventParser, into event: inout ScannedEvent) -> Bool {
        guard consume(UInt8(ascii: "{")) else { return false }
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return true }
        let names = parser.propertyNames
        while true {
            guard let key = readMemberName(), scanPlainMember(UnsafeBufferPointer(rebasing: bytes[key]), names: names, into: &event) else {
                return false
            }
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "}"))
        }
    }

    /// Reads the value of one property (at the current position) named `key`, as ``scanPlainProperties(_:into:)``
    /// reads each member: a known property type-checked, a dropped one skipped, any other kept unless `null`;
    /// `false` for a repeated name or a value that is not a plain scalar or fails its check.
    ///
    /// - Parameters:
    ///   - key: The property's name (plain: printable ASCII, no escapes).
    ///   - names: The parser's property names.
    ///   - event: The event the property is added to.
    mutating func scanPlainMember(_ key: UnsafeBufferPointer<UInt8>, names: PropertyNameTable, into event: inout ScannedEvent) -> Bool {
        switch names.match(key) {
        case .known(let index):
            guard event.seenNames & (1 << index) == 0 else { return false }
            event.seenNames |= 1 << index
            guard let value = readKnownValue(names.checks[index]) else { return false }
            if let value { event.known.append((index, value)) }
        case .dropped(let number):
            guard number < 32, event.seenNames & (1 << (32 + number)) == 0 else { return false }
            event.seenNames |= 1 << (32 + number)
            guard readPlainScalar() != nil else { return false }
        case nil:
            let name = String(decoding: key, as: UTF8.self)
            guard !event.seenOther.contains(name) else { return false }
            event.seenOther.append(name)
            guard let value = readPlainScalar() else { return false }
            if !value.isNull { event.other.append((name, value)) }
        }
        return true
    }

    /// A known property's value: `.some(nil)` for `null`, `nil` when it is not plain or fails its check.
    mutating func readKnownValue(_ check: PropertyNameTable.Check) -> ScannedValue?? {
        guard position < bytes.count else { return nil }
        switch (check.type, bytes[position]) {
        case (_, UInt8(ascii: "n")):
            return (try? expectWord("null")) == nil ? nil : .some(nil)
        case (.string, UInt8(ascii: "\"")):
            return readPlainStringRange().map(ScannedValue.text)
        case (.oneOf, UInt8(ascii: "\"")):
            guard let range = readPlainStringRange() else { return nil }
            let text = UnsafeBufferPointer(rebasing: bytes[range])
            return check.allowed.contains(where: { $0.elementsEqual(text) }) ? .text(range) : nil
        case (.boolean, UInt8(ascii: "t")):
            return (try? expectWord("true")) == nil ? nil : .bool(true)
        case (.boolean, UInt8(ascii: "f")):
            return (try? expectWord("false")) == nil ? nil : .bool(false)
        case (.number, UInt8(ascii: "-")), (.number, UInt8(ascii: "0")...UInt8(ascii: "9")),
            (.integer, UInt8(ascii: "-")), (.integer, UInt8(ascii: "0")...UInt8(ascii: "9")):
            guard let n = try? readNumber(), check.accepts(n) else { return nil }
            return .number(n)
        default:
            return nil
        }
    }
}
