import Foundation

extension PostHogMapping {
    /// Maps a capture body to native lines straight from its bytes, or returns `nil` when the body is not of the
    /// usual shape (see `JSONScanner.scanPostHogBody`); the caller then parses it and uses
    /// ``lines(_:batchSentAt:now:)``, which gives the same lines.
    ///
    /// Each event of the usual kind (a string `event` and `distinct_id`, a `uuid`, times that parse) is written as
    /// a native line from the bytes it was sent as: the values are copied, not parsed and written again, and only
    /// the members the mapping reads are parsed. Any other event is parsed and mapped by
    /// ``native(_:index:batchSentAt:now:)``, so its line or rejection (and a uuid derived from its content) are
    /// exactly that mapping's.
    ///
    /// - Parameters:
    ///   - bytes: The (decompressed) body.
    ///   - now: When the request arrived.
    /// - Returns: The lines, with the key the body presents, or `nil`.
    public func scanLines(_ bytes: UnsafeBufferPointer<UInt8>, now: Date) -> PostHogLines? {
        var scanner = JSONScanner(bytes)
        var batch = ScannedPostHogBatch()
        guard scanner.scanPostHogBody(into: &batch) else { return nil }
        var lines = PostHogLines()
        lines.ndjson.reserveCapacity(bytes.count)
        lines.names.reserveCapacity(batch.events.count)
        let writer = ScannedPostHogWriter(scanner: scanner, batch: batch, mapping: self, now: now)
        lines.presentedKey = writer.presentedKey()
        let batchSentAt = batch.sentAt.map(writer.value)
        for (index, event) in batch.events.enumerated() {
            if !writer.append(event, batchSentAt: batchSentAt, to: &lines) {
                writer.appendParsed(event, index: index, batchSentAt: batchSentAt, to: &lines)
            }
        }
        return lines
    }
}

/// Writes the native lines of a scanned capture body.
struct ScannedPostHogWriter {
    let scanner: JSONScanner
    let batch: ScannedPostHogBatch
    let mapping: PostHogMapping
    let now: Date

    static let rawContent = PostHogMapping.rawContentProperties.map { Array($0.utf8) }
    static let aiNames = PostHogMapping.aiProperties.map { (postHog: Array($0.postHog.utf8), native: Array($0.native.utf8)) }
    static let aiNativeNames = PostHogMapping.aiProperties.map { Array($0.native.utf8) } + [Array("status".utf8)]

    var bytes: UnsafeBufferPointer<UInt8> { scanner.bytes }

    /// The value of a token.
    func value(_ range: Range<Int>) -> JSONValue {
        (try? PostHogMapping.parse(UnsafeBufferPointer(rebasing: bytes[range]))) ?? .null
    }

    /// The text of a string token, `nil` for another value.
    func string(_ range: Range<Int>) -> String? {
        guard bytes[range.lowerBound] == UInt8(ascii: "\"") else { return nil }
        let inner = UnsafeBufferPointer(rebasing: bytes[(range.lowerBound + 1)..<(range.upperBound - 1)])
        if !inner.contains(UInt8(ascii: "\\")) { return String(decoding: inner, as: UTF8.self) }
        return value(range).stringValue
    }

    func isNull(_ range: Range<Int>) -> Bool { scanner.bytes(range, equal: "null") }

    func key(_ range: Range<Int>, is name: [UInt8]) -> Bool {
        range.count == name.count && name.withUnsafeBufferPointer { memcmp(bytes.baseAddress! + range.lowerBound, $0.baseAddress!, range.count) == 0 }
    }

    /// The value of an event's property `name`.
    func property(_ event: ScannedPostHogBatch.Event, _ name: StaticString) -> Range<Int>? {
        batch.properties[event.members].first { scanner.bytes($0.key, equal: name) }?.value
    }

    /// The key the body presents (``PostHogMapping/presentedKey(root:first:)`` on the members it reads).
    func presentedKey() -> String? {
        func object(_ members: [(String, Range<Int>?)]) -> JSONValue {
            var object: [String: JSONValue] = [:]
            for case let (name, range?) in members { object[name] = value(range) }
            return .object(object)
        }
        let root = object([("api_key", batch.apiKey), ("token", batch.token)])
        var first: JSONValue?
        if let event = batch.events.first, event.isObject {
            var members = object([("api_key", event.apiKey), ("token", event.token)]).objectValue ?? [:]
            members["properties"] = object([("token", property(event, "token")), ("$token", property(event, "$token"))])
            first = .object(members)
        }
        return PostHogMapping.presentedKey(root: root, first: first)
    }

    /// Maps an event from its parsed value.
    func appendParsed(_ event: ScannedPostHogBatch.Event, index: Int, batchSentAt: JSONValue?, to lines: inout PostHogLines) {
        mapping.appendLine(value(event.range), index: index, batchSentAt: batchSentAt, now: now, to: &lines)
    }

    /// Writes an event of the usual kind from its bytes; `false` (having written nothing) for any other event.
    func append(_ event: ScannedPostHogBatch.Event, batchSentAt: JSONValue?, to lines: inout PostHogLines) -> Bool {
        guard event.isObject, !event.propertiesNotObject, let nameToken = event.name, let name = string(nameToken),
            let uuid = event.uuid, !isNull(uuid)
        else { return false }
        guard let unit = unit(of: event) else { return false }
        guard bytes[unit.lowerBound] == UInt8(ascii: "\""), let milliseconds = time(of: event, batchSentAt: batchSentAt) else { return false }

        var out = lines.ndjson
        lines.ndjson = []
        defer { lines.ndjson = out }
        let mark = out.count
        out.append(contentsOf: #"{"uuid":"#.utf8)
        out.append(contentsOf: bytes[uuid])
        out.append(contentsOf: #","event":"#.utf8)
        let written: Bool
        switch name {
        case "$ai_generation": written = writeGeneration(event, to: &out)
        case "$feature_flag_called": written = writeFlagCall(event, nameToken: nameToken, to: &out)
        default:
            out.append(contentsOf: bytes[nameToken])
            written = writeProperties(event, to: &out)
        }
        guard written else {
            out.removeSubrange(mark...)
            return false
        }
        // The unit and time go last: the native parser does not care about member order.
        out.append(contentsOf: #","unit":"#.utf8)
        out.append(contentsOf: bytes[unit])
        out.append(contentsOf: #","timestamp":"#.utf8)
        out.append(contentsOf: String(milliseconds).utf8)
        out.append(contentsOf: "}\n".utf8)
        lines.names.append(name)
        return true
    }

    /// The event's time by PostHog's rules (``PostHogMapping/timestamp(of:batchSentAt:now:)``), `nil` when they
    /// reject it.
    func time(of event: ScannedPostHogBatch.Event, batchSentAt: JSONValue?) -> Int64? {
        let time = PostHogMapping.timestamp(
            event.timestamp.map(value), sentAt: event.sentAt.map(value), offset: event.offset.map(value),
            ignoreSentAt: property(event, "$ignore_sent_at").map(value), batchSentAt: batchSentAt, now: now
        )
        guard case .success(let milliseconds) = time else { return nil }
        return milliseconds
    }

    /// The unit's token: `distinct_id`, else `properties.distinct_id`.
    func unit(of event: ScannedPostHogBatch.Event) -> Range<Int>? {
        event.distinctID ?? property(event, "distinct_id")
    }

    /// What the writer does with a property, by its name as sent.
    enum PropertyRole {
        /// Copied as it is.
        case copy
        /// Left out: raw model content, or `distinct_id` (the unit).
        case dropped
        /// `$ai_is_error`: read for the event's name, left out of a generation's properties.
        case isError
        /// One of ``PostHogMapping/aiProperties`` (by index): renamed in a generation.
        case renamed(Int)
        /// The native name of a renamed property (or `status`): a generation that has one goes to the parsed mapping.
        case nativeName
    }

    /// The names with a role other than ``PropertyRole/copy``, grouped by their length in bytes, so that most
    /// names are classified by their length alone.
    static let rolesByLength: [[(name: [UInt8], role: PropertyRole)]] = {
        var named: [(name: [UInt8], role: PropertyRole)] = rawContent.map { ($0, .dropped) }
        named.append((Array("distinct_id".utf8), .dropped))
        named.append((Array("$ai_is_error".utf8), .isError))
        named += aiNames.enumerated().map { ($1.postHog, .renamed($0)) }
        named += aiNativeNames.map { ($0, .nativeName) }
        var table = [[(name: [UInt8], role: PropertyRole)]](repeating: [], count: (named.map(\.name.count).max() ?? 0) + 1)
        for entry in named { table[entry.name.count].append(entry) }
        return table
    }()

    /// The role of the property named by `key` (its raw bytes, as sent).
    func role(_ key: Range<Int>) -> PropertyRole {
        guard key.count < Self.rolesByLength.count else { return .copy }
        for candidate in Self.rolesByLength[key.count] where self.key(key, is: candidate.name) {
            return candidate.role
        }
        return .copy
    }

    /// `,"properties":{…}` with the event's properties, raw content and `distinct_id` left out.
    func writeProperties(_ event: ScannedPostHogBatch.Event, to out: inout [UInt8]) -> Bool {
        out.append(contentsOf: #","properties":{"#.utf8)
        var first = true
        for (key, value) in batch.properties[event.members] {
            if case .dropped = role(key) { continue }
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: bytes[key])
            out.append(contentsOf: #"":"#.utf8)
            out.append(contentsOf: bytes[value])
        }
        out.append(UInt8(ascii: "}"))
        return true
    }

    /// A generation: `llm_request_completed` or `_failed`, the `$ai_*` properties renamed (`$ai_latency` seconds to
    /// milliseconds) and `status` set. An event that also has a property of a renamed one's native name is left to
    /// the parsed mapping (which one wins is its business); the caller then discards what was written.
    func writeGeneration(_ event: ScannedPostHogBatch.Event, to out: inout [UInt8]) -> Bool {
        let flag = property(event, "$ai_is_error").map(value)
        let failed = flag.map { $0.boolValue == true || $0.stringValue == "true" } ?? false
        out.append(contentsOf: (failed ? Self.failedName : Self.completedName))
        out.append(contentsOf: #","properties":{"#.utf8)
        var first = true
        for (key, value) in batch.properties[event.members] {
            let role = role(key)
            switch role {
            case .nativeName: return false
            case .dropped, .isError: continue
            case .renamed where isNull(value): continue
            case .copy, .renamed: break
            }
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(UInt8(ascii: "\""))
            guard case .renamed(let index) = role else {
                out.append(contentsOf: bytes[key])
                out.append(contentsOf: #"":"#.utf8)
                out.append(contentsOf: bytes[value])
                continue
            }
            out.append(contentsOf: Self.aiNames[index].native)
            out.append(contentsOf: #"":"#.utf8)
            if index == Self.latencyIndex, case .number(let seconds) = self.value(value) {
                // Too large in milliseconds: the parsed mapping rejects it, naming the property.
                guard (seconds * 1000).isFinite else { return false }
                JSONValue.appendNumber(seconds * 1000, to: &out)
            } else {
                out.append(contentsOf: bytes[value])
            }
        }
        if !first { out.append(UInt8(ascii: ",")) }
        out.append(contentsOf: failed ? Self.errorStatus : Self.successStatus)
        return true
    }

    static let completedName = Array("\"\(EventName.llmRequestCompleted)\"".utf8)
    static let failedName = Array("\"\(EventName.llmRequestFailed)\"".utf8)
    static let successStatus = Array(#""status":"success"}"#.utf8)
    static let errorStatus = Array(#""status":"error"}"#.utf8)
    static let latencyIndex = PostHogMapping.aiProperties.firstIndex { $0.postHog == "$ai_latency" }!

    /// A flag call: an exposure when the flag is a Rampart experiment and the response one of its variants (any
    /// other response is left to the parsed mapping, which rejects it); otherwise a product event.
    func writeFlagCall(_ event: ScannedPostHogBatch.Event, nameToken: Range<Int>, to out: inout [UInt8]) -> Bool {
        guard let flag = property(event, "$feature_flag").flatMap(string), let experiment = mapping.experiments[flag] else {
            out.append(contentsOf: bytes[nameToken])
            return writeProperties(event, to: &out)
        }
        guard let variant = property(event, "$feature_flag_response").flatMap(string), experiment.variants.contains(variant) else {
            return false
        }
        out.append(contentsOf: #""\#(EventName.exposure)","properties":{"experiment":"#.utf8)
        JSONValue.appendString(flag, to: &out)
        out.append(contentsOf: #","variant":"#.utf8)
        JSONValue.appendString(variant, to: &out)
        if experiment.phase != 0 { out.append(contentsOf: #","phase":\#(experiment.phase)"#.utf8) }
        out.append(UInt8(ascii: "}"))
        return true
    }
}
