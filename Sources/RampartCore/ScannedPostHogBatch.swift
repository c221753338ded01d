/// Where the members of a PostHog capture body are, read straight from its bytes by
/// `JSONScanner.scanPostHogBody`: byte ranges of values (whole JSON tokens, quotes included) and of member names
/// (without quotes), no `JSONValue` tree.
struct ScannedPostHogBatch {
    /// One element of the batch.
    struct Event {
        /// The element's bytes.
        var range: Range<Int>
        /// Whether it is an object (other elements are mapped from their parsed value, and rejected).
        var isObject: Bool
        var uuid: Range<Int>?
        var name: Range<Int>?
        var distinctID: Range<Int>?
        var timestamp: Range<Int>?
        var sentAt: Range<Int>?
        var offset: Range<Int>?
        var apiKey: Range<Int>?
        var token: Range<Int>?
        /// A `properties` member that is neither an object nor `null`.
        var propertiesNotObject = false
        /// The event's properties: indices into ``ScannedPostHogBatch/properties``.
        var members: Range<Int>

        init(range: Range<Int>, isObject: Bool, members: Range<Int>) {
            self.range = range
            self.isObject = isObject
            self.members = members
        }
    }

    var events: [Event] = []
    /// Every event's properties, back to back: the name's bytes and the value's.
    var properties: [(key: Range<Int>, value: Range<Int>)] = []
    /// The body's `api_key`, `token` and `sent_at`.
    var apiKey: Range<Int>?
    var token: Range<Int>?
    var sentAt: Range<Int>?
    /// Member names of the object being read, to refuse duplicates as the parser does.
    var names: [Range<Int>] = []
}

extension JSONScanner {
    /// Reads a capture body of the usual shape, `{…, "batch": [...], …}` or `[...]`, whose member names have no
    /// escapes; `false` for anything else, valid or not (the caller then parses the body into a tree, which
    /// decides every error). It checks the JSON as ``readDocument()`` does, so a body it accepts is one the parser
    /// accepts.
    ///
    /// - Parameter batch: Filled in when the result is `true`.
    mutating func scanPostHogBody(into batch: inout ScannedPostHogBatch) -> Bool {
        do {
            skipWhitespace()
            if consume(UInt8(ascii: "[")) {
                depth = 1
                guard try scanPostHogEvents(into: &batch) else { return false }
            } else {
                guard consume(UInt8(ascii: "{")) else { return false }
                var sawBatch = false
                batch.names.removeAll(keepingCapacity: true)
                skipWhitespace()
                guard !consume(UInt8(ascii: "}")) else { return false }
                while true {
                    depth = 1
                    guard let key = readRawMemberName(), isNewName(key, in: &batch.names) else { return false }
                    if bytes(key, equal: "batch") {
                        guard consume(UInt8(ascii: "[")) else { return false }
                        depth = 2
                        guard try scanPostHogEvents(into: &batch) else { return false }
                        sawBatch = true
                    } else {
                        let value = try skipValue()
                        if bytes(key, equal: "api_key") {
                            batch.apiKey = value
                        } else if bytes(key, equal: "token") {
                            batch.token = value
                        } else if bytes(key, equal: "sent_at") {
                            batch.sentAt = value
                        } else if bytes(key, equal: "properties") {
                            return false  // a key may hide there; rare enough for the tree
                        }
                    }
                    skipWhitespace()
                    if consume(UInt8(ascii: ",")) { continue }
                    guard consume(UInt8(ascii: "}")) else { return false }
                    break
                }
                guard sawBatch else { return false }
            }
            skipWhitespace()
            return position == bytes.count
        } catch {
            return false
        }
    }

    /// Whether `key` is not yet in `names`; adds it.
    func isNewName(_ key: Range<Int>, in names: inout [Range<Int>]) -> Bool {
        for name in names where bytes(name, equal: key) { return false }
        names.append(key)
        return true
    }

    /// Reads the elements of the batch array (just after its `[`, at ``depth``) and its `]`.
    mutating func scanPostHogEvents(into batch: inout ScannedPostHogBatch) throws(Failure) -> Bool {
        let arrayDepth = depth
        skipWhitespace()
        if consume(UInt8(ascii: "]")) { return true }
        while true {
            skipWhitespace()
            depth = arrayDepth
            if position < bytes.count, bytes[position] == UInt8(ascii: "{") {
                guard try scanPostHogEvent(depth: arrayDepth + 1, into: &batch) else { return false }
            } else {
                let value = try skipValue()
                let members = batch.properties.count..<batch.properties.count
                batch.events.append(.init(range: value, isObject: false, members: members))
            }
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "]"))
        }
    }

    /// Reads one event object (at its `{`), nested `objectDepth` deep.
    mutating func scanPostHogEvent(depth objectDepth: Int, into batch: inout ScannedPostHogBatch) throws(Failure) -> Bool {
        let start = position
        position += 1
        var event = ScannedPostHogBatch.Event(range: start..<start, isObject: true, members: batch.properties.count..<batch.properties.count)
        batch.names.removeAll(keepingCapacity: true)
        skipWhitespace()
        if !consume(UInt8(ascii: "}")) {
            while true {
                depth = objectDepth
                guard let key = readRawMemberName(), isNewName(key, in: &batch.names) else { return false }
                if bytes(key, equal: "properties"), position < bytes.count, bytes[position] == UInt8(ascii: "{") {
                    guard try scanPostHogProperties(depth: objectDepth + 1, into: &batch) else { return false }
                    event.members = event.members.lowerBound..<batch.properties.count
                } else {
                    let value = try skipValue()
                    switch bytes[key.lowerBound] {
                    case UInt8(ascii: "u") where bytes(key, equal: "uuid"): event.uuid = value
                    case UInt8(ascii: "e") where bytes(key, equal: "event"): event.name = value
                    case UInt8(ascii: "d") where bytes(key, equal: "distinct_id"): event.distinctID = value
                    case UInt8(ascii: "t") where bytes(key, equal: "timestamp"): event.timestamp = value
                    case UInt8(ascii: "t") where bytes(key, equal: "token"): event.token = value
                    case UInt8(ascii: "s") where bytes(key, equal: "sent_at"): event.sentAt = value
                    case UInt8(ascii: "o") where bytes(key, equal: "offset"): event.offset = value
                    case UInt8(ascii: "a") where bytes(key, equal: "api_key"): event.apiKey = value
                    case UInt8(ascii: "p") where bytes(key, equal: "properties"): event.propertiesNotObject = !bytes(value, equal: "null")
                    default: break
                    }
                }
                skipWhitespace()
                if consume(UInt8(ascii: ",")) { continue }
                guard consume(UInt8(ascii: "}")) else { return false }
                break
            }
        }
        event.range = start..<position
        batch.events.append(event)
        return true
    }

    /// Reads a properties object (at its `{`), nested `objectDepth` deep, appending its members.
    mutating func scanPostHogProperties(depth objectDepth: Int, into batch: inout ScannedPostHogBatch) throws(Failure) -> Bool {
        position += 1
        let first = batch.properties.count
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { return true }
        while true {
            depth = objectDepth
            guard let key = readRawMemberName() else { return false }
            for member in batch.properties[first...] where bytes(member.key, equal: key) { return false }
            let value = try skipValue()
            batch.properties.append((key, value))
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            return consume(UInt8(ascii: "}"))
        }
    }
}
