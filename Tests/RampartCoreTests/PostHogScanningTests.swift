import Foundation
import Testing
@testable import RampartCore

/// The byte-level capture path (`PostHogMapping.scanLines`) against the parsed mapping (`PostHogMapping.lines`):
/// the same native events, rejections, names and key for the same body.
@Suite("PostHog capture scanning")
struct PostHogScanningTests {
    let now = Date(timeIntervalSince1970: 1_780_000_000)
    let parser = EventParser()
    let mapping = PostHogMapping(
        experiments: [
            "support-answer-prompt": .init(phase: 2, variants: ["control", "treatment"]),
            "onboarding": .init(phase: 0, variants: ["a", "b"]),
        ],
        contentID: PostHogMappingTests().mapping.contentID  // the deterministic stand-in for SHA-256
    )

    /// The hand-written edge cases, one event per line of the batch.
    static let edgeEvents: [String] = [
        // Generations: completed, failed, raw content dropped, nulls, a non-number latency, a clashing native name.
        #"{"event":"$ai_generation","distinct_id":"u1","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d10","timestamp":"2026-05-28T20:00:00.000Z","properties":{"$ai_model":"gpt-4.1-mini","$ai_provider":"openai","$ai_latency":1.25,"$ai_input_tokens":900,"$ai_output_tokens":300,"$ai_total_cost_usd":0.0009,"$ai_trace_id":"tr-1","$ai_session_id":"s-1","$ai_http_status":200,"$ai_input":[{"role":"user","content":"secret"}],"$ai_output_choices":[{"content":"secret"}],"$ai_error":"secret","$ai_temperature":0.2,"$lib":"posthog-python","prompt_name":"support-answer"}}"#,
        #"{"event":"$ai_generation","distinct_id":"u2","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d11","properties":{"$ai_is_error":true,"$ai_model":"m","$ai_latency":0.3,"$ai_error":"boom"}}"#,
        #"{"event":"$ai_generation","distinct_id":"u3","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d12","properties":{"$ai_is_error":"true","$ai_model":null,"$ai_latency":"slow","$ai_output":"x"}}"#,
        #"{"event":"$ai_generation","distinct_id":"u4","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d13","properties":{"$ai_model":"m","model":"other","status":"weird"}}"#,
        #"{"event":"$ai_generation","distinct_id":"u5","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d14","properties":{"$ai_input_tokens":"many"}}"#,
        #"{"event":"$ai_generation","distinct_id":"u6","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d15"}"#,
        // Flag calls: an experiment's variant, a response that is not a variant, a missing one, another flag.
        #"{"event":"$feature_flag_called","distinct_id":"u7","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d16","properties":{"$feature_flag":"support-answer-prompt","$feature_flag_response":"treatment","$lib":"posthog-python"}}"#,
        #"{"event":"$feature_flag_called","distinct_id":"u8","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d17","properties":{"$feature_flag":"onboarding","$feature_flag_response":"c"}}"#,
        #"{"event":"$feature_flag_called","distinct_id":"u9","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d18","properties":{"$feature_flag":"onboarding"}}"#,
        #"{"event":"$feature_flag_called","distinct_id":"u10","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d19","properties":{"$feature_flag":"not-an-experiment","$feature_flag_response":true}}"#,
        #"{"event":"$feature_flag_called","distinct_id":"u11","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d1a","properties":{"$feature_flag":"onboard\u0069ng","$feature_flag_response":"b"}}"#,
        // Missing or null uuid: derived from the content; the same content twice gives the same uuid.
        #"{"event":"signup","distinct_id":"u12","timestamp":"2026-05-28T20:00:00Z","properties":{"plan":"pro"}}"#,
        #"{"event":"signup","distinct_id":"u12","timestamp":"2026-05-28T20:00:00Z","properties":{"plan":"pro"},"sent_at":"2026-05-28T20:00:09Z"}"#,
        #"{"event":"signup","distinct_id":"u13","uuid":null}"#,
        // Times: the event's own sent_at, $ignore_sent_at, offset, a bad timestamp, a bad offset, a number.
        #"{"event":"a","distinct_id":"u14","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d1b","timestamp":"2026-05-28T20:00:00.000Z","sent_at":"2026-05-28T20:00:01.000Z"}"#,
        #"{"event":"a","distinct_id":"u15","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d1c","timestamp":"2026-05-28T20:00:00.000Z","properties":{"$ignore_sent_at":true}}"#,
        #"{"event":"a","distinct_id":"u16","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d1d","offset":2500}"#,
        #"{"event":"a","distinct_id":"u17","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d1e","timestamp":"yesterday"}"#,
        #"{"event":"a","distinct_id":"u18","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d1f","offset":"soon"}"#,
        #"{"event":"a","distinct_id":"u19","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d20","timestamp":1780000000000,"sent_at":null}"#,
        // Units: a number, in the properties, missing, null, empty; escapes and non-ASCII text.
        #"{"event":"a","distinct_id":42,"uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d21"}"#,
        #"{"event":"a","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d22","properties":{"distinct_id":"u20","x":1}}"#,
        #"{"event":"a","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d23"}"#,
        #"{"event":"a","distinct_id":null,"uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d24","properties":{"distinct_id":"u21"}}"#,
        #"{"event":"a","distinct_id":"","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d25"}"#,
        #"{"event":"caf\u00e9 \"ordered\"","distinct_id":"ü\n22","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d26","properties":{"note":"tab\there","émoji":"😀","nested":{"a":[1,2,{"b":null}]},"n":null}}"#,
        // Bad events among good ones: no name, a name that is not a string, properties not an object, not an
        // object at all, a bad uuid, a known property of the wrong type, an exposure sent natively.
        #"{"distinct_id":"u23","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d27"}"#,
        #"{"event":7,"distinct_id":"u24","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d28"}"#,
        #"{"event":"a","distinct_id":"u25","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d29","properties":"none"}"#,
        #"[1,2]"#,
        #""just text""#,
        #"{"event":"a","distinct_id":"u26","uuid":"not-a-uuid"}"#,
        #"{"event":"a","distinct_id":"u27","uuid":12}"#,
        #"{"event":"llm_request_completed","distinct_id":"u28","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d2a","properties":{"latency_ms":-5}}"#,
        #"{"event":"exposure","distinct_id":"u29","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d2b","properties":{"experiment":"onboarding"}}"#,
        #"{"event":"a","distinct_id":"u30","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d2c","properties":null,"type":"capture","library":"web"}"#,
        #"{}"#,
    ]

    /// Random events of the kinds posthog-python sends, with now and then a missing uuid, an offset or a bad value.
    static func randomEvents(_ count: Int, seed: UInt64) -> [String] {
        var rng = CorpusRandom(seed: seed)
        var events: [String] = []
        for i in 0..<count {
            var members: [String: JSONValue] = ["distinct_id": .string("user-\(rng.next() % 50)")]
            if rng.next() % 10 != 0 { members["uuid"] = .string(UUID(uuid: rng.uuid()).uuidString.lowercased()) }
            switch rng.next() % 4 {
            case 0: members["timestamp"] = .string(RFC3339.format(milliseconds: 1_779_990_000_000 + Int64(rng.next() % 9_000_000)))
            case 1: members["offset"] = .number(Double(rng.next() % 5_000))
            case 2: members["timestamp"] = .number(Double(1_779_990_000_000 + Int64(rng.next() % 9_000_000)))
            default: break
            }
            var properties: [String: JSONValue] = ["$lib": "posthog-python", "$lib_version": "7.0.0"]
            switch rng.next() % 3 {
            case 0:
                members["event"] = "$ai_generation"
                properties["$ai_model"] = .string(["gpt-4.1-mini", "claude-sonnet"][Int(rng.next() % 2)])
                properties["$ai_provider"] = "openai"
                properties["$ai_latency"] = .number(Double(rng.next() % 5_000) / 1000)
                properties["$ai_input_tokens"] = rng.next() % 20 == 0 ? "lots" : .number(Double(rng.next() % 2_000))
                properties["$ai_output_tokens"] = .number(Double(rng.next() % 800))
                properties["$ai_input"] = [["role": "user", "content": .string("question \(i)")]]
                properties["$ai_output_choices"] = [["content": .string("answer \(i)")]]
                if rng.next() % 5 == 0 { properties["$ai_is_error"] = true }
            case 1:
                members["event"] = "$feature_flag_called"
                properties["$feature_flag"] = .string(["support-answer-prompt", "onboarding", "other-flag"][Int(rng.next() % 3)])
                properties["$feature_flag_response"] = .string(["control", "treatment", "a", "b", "zzz"][Int(rng.next() % 5)])
            default:
                members["event"] = .string(["signup", "page_view", "checkout"][Int(rng.next() % 3)])
                properties["amount"] = .number(Double(rng.next() % 10_000) / 100)
                properties["path"] = .string("/p/\(rng.next() % 30)")
            }
            members["properties"] = .object(properties)
            events.append(JSONValue.object(members).compactJSONText)
        }
        return events
    }

    /// Checks that both paths give the same lines for a body.
    func expectSameLines(_ body: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let bytes = Array(body.utf8)
        let fast = try #require(bytes.withUnsafeBufferPointer { mapping.scanLines($0, now: now) }, "the body must take the byte path", sourceLocation: sourceLocation)
        let root = try bytes.withUnsafeBufferPointer { try PostHogMapping.parse($0) }
        let events = root.objectValue?["batch"]?.arrayValue ?? root.arrayValue ?? []
        var parsed = mapping.lines(events, batchSentAt: root.objectValue?["sent_at"], now: now)
        parsed.presentedKey = PostHogMapping.presentedKey(root: root, first: events.first)
        #expect(fast.count == events.count, sourceLocation: sourceLocation)
        #expect(fast.names == parsed.names, sourceLocation: sourceLocation)
        #expect(fast.rejections == parsed.rejections, sourceLocation: sourceLocation)
        #expect(fast.presentedKey == parsed.presentedKey, sourceLocation: sourceLocation)
        let a = fast.ndjson.withUnsafeBufferPointer { parser.parseNDJSON($0, now: now) }
        let b = parsed.ndjson.withUnsafeBufferPointer { parser.parseNDJSON($0, now: now) }
        #expect(a.events == b.events, sourceLocation: sourceLocation)
        #expect(a.indices == b.indices, sourceLocation: sourceLocation)
        #expect(a.rejections == b.rejections, sourceLocation: sourceLocation)
    }

    /// Integer ids past 2^53 − 1 keep their digits on both paths: read as Doubles, 9007199254740993 and
    /// 9007199254740992 were one unit (found by QA in session 29). Smaller numbers read as JavaScript writes them.
    @Test func largeIntegerDistinctIDsKeepTheirDigits() throws {
        let ids = ["9007199254740993", "9007199254740992", "-9007199254740993", "1234567890123456789", "42", "1.5", "1e21", "12345678901234567890123"]
        let events = ids.enumerated().map { i, id in
            #"{"event":"signup","distinct_id":"# + id + #","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d"# + String(format: "%02d", i) + #"","timestamp":"2026-05-28T20:00:00Z"}"#
        }
        let body = #"{"batch":["# + events.joined(separator: ",") + "]}"
        try expectSameLines(body)
        let lines = try #require(Array(body.utf8).withUnsafeBufferPointer { mapping.scanLines($0, now: now) })
        let parsed = lines.ndjson.withUnsafeBufferPointer { parser.parseNDJSON($0, now: now) }
        #expect(parsed.events.map(\.unit) == ["9007199254740993", "9007199254740992", "-9007199254740993", "1234567890123456789", "42", "1.5", "1e+21", "12345678901234567890123"])
        // One event alone (the parsed path only) and the id under properties.
        let single = #"{"event":"signup","properties":{"distinct_id":9007199254740993},"uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d99","timestamp":"2026-05-28T20:00:00Z"}"#
        let root = try Array(single.utf8).withUnsafeBufferPointer { try PostHogMapping.parse($0) }
        let one = mapping.lines([root], batchSentAt: nil, now: now)
        #expect(one.ndjson.withUnsafeBufferPointer { parser.parseNDJSON($0, now: now) }.events.map(\.unit) == ["9007199254740993"])
    }

    /// `$ai_latency` too large to be a number of milliseconds is rejected, naming it, on every path (found by QA in
    /// session 29: 1e306 seconds was stored as a null latency).
    @Test func aLatencyTooLargeInMillisecondsIsRejected() throws {
        let huge = #"{"event":"$ai_generation","distinct_id":"u1","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d01","timestamp":"2026-05-28T20:00:00Z","properties":{"$ai_latency":1e306,"$ai_model":"m"}}"#
        let fine = #"{"event":"$ai_generation","distinct_id":"u2","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d02","timestamp":"2026-05-28T20:00:00Z","properties":{"$ai_latency":1e300,"$ai_model":"m"}}"#
        let body = #"{"batch":["# + huge + "," + fine + "]}"
        try expectSameLines(body)
        let lines = try #require(Array(body.utf8).withUnsafeBufferPointer { mapping.scanLines($0, now: now) })
        #expect(lines.rejections.map(\.field) == ["properties.$ai_latency"])
        #expect(lines.rejections.first?.reason.contains("too large") == true)
        let parsed = lines.ndjson.withUnsafeBufferPointer { parser.parseNDJSON($0, now: now) }
        #expect(parsed.events.map(\.unit) == ["u2"])
        #expect(parsed.events.first?.properties["latency_ms"] == .number(1e303))
    }

    @Test func edgeCasesGiveTheSameEventsAndRejections() throws {
        let batch = Self.edgeEvents.joined(separator: ",")
        try expectSameLines(#"{"api_key":"rk_sdk_x","batch":["# + batch + #"],"sent_at":"2026-05-28T20:00:05.000Z","historical_migration":false}"#)
        try expectSameLines(#"{"sent_at":"2026-05-28T20:00:05.000Z","batch":["# + batch + "]}")
        try expectSameLines("[" + batch + "]")
        try expectSameLines(#"{"batch":[]}"#)
        // Both paths found what they should: exposures, failed generations, derived uuids, rejections.
        let lines = try #require(Array((#"{"batch":["# + batch + "]}").utf8).withUnsafeBufferPointer { mapping.scanLines($0, now: now) })
        let parsed = lines.ndjson.withUnsafeBufferPointer { parser.parseNDJSON($0, now: now) }
        #expect(parsed.events.contains { $0.name == EventName.exposure && $0.properties["phase"] == 2 })
        #expect(parsed.events.contains { $0.name == EventName.llmRequestFailed })
        #expect(!parsed.events.contains { $0.properties.keys.contains { PostHogMapping.rawContentProperties.contains($0) } })
        let signups = parsed.events.filter { $0.unit == "u12" }
        #expect(signups.count == 2 && signups[0].id == signups[1].id)
        #expect(lines.rejections.count + parsed.rejections.count >= 12)
    }

    @Test func randomBatchesGiveTheSameEventsAndRejections() throws {
        for seed in 1...5 as ClosedRange<UInt64> {
            let events = Self.randomEvents(300, seed: seed)
            try expectSameLines(#"{"api_key":"k","historical_migration":false,"batch":["# + events.joined(separator: ",") + #"],"sent_at":"2026-05-28T20:00:05Z"}"#)
        }
    }

    @Test func theKeyIsFoundWhereTheParsedPathFindsIt() throws {
        let event = #"{"event":"a","distinct_id":"u","uuid":"6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d10""#
        try expectSameLines(#"{"token":"rk_root","batch":["# + event + "}]}")
        try expectSameLines(#"{"api_key":"","batch":["# + event + #","api_key":"rk_event"}]}"#)
        try expectSameLines(#"{"batch":["# + event + #","properties":{"$token":"rk_prop"}}]}"#)
        try expectSameLines(#"{"batch":["# + event + #","properties":{"token":"rk_t","$token":"rk_prop"}}]}"#)
    }

    @Test func unusualBodiesAreLeftToTheParser() {
        for body in [
            #"{"event":"a","distinct_id":"u"}"#,  // one event
            #"{"batch":{}}"#, #"{"batch":[],"batch":[]}"#, #"{"b\u0061tch":[]}"#,
            #"{"batch":[{"event":"a","event":"b"}]}"#, #"{"batch":[{"properties":{"x":1,"x":2}}]}"#,
            #"{"batch":[{"properties":{"x":{"y":1,"y":2}}}]}"#, #"{"batch":[{"event":"\x"}]}"#, #"{"batch":[1,]}"#,
            #"{"batch":[]} x"#, #"{"properties":{"token":"k"},"batch":[]}"#, "[" + String(repeating: "[", count: 70) + String(repeating: "]", count: 71),
        ] {
            let lines = Array(body.utf8).withUnsafeBufferPointer { mapping.scanLines($0, now: now) }
            #expect(lines == nil, "\(body)")
        }
    }

    @Test func usualEventsBecomePlainNativeLines() throws {
        // The events posthog-python sends take the native scanner's fast path once mapped.
        let events = Self.randomEvents(200, seed: 9).filter { $0.contains(#""uuid""#) && !$0.contains("lots") && !$0.contains("zzz") }
        let lines = try #require(Array((#"{"batch":["# + events.joined(separator: ",") + "]}").utf8).withUnsafeBufferPointer { mapping.scanLines($0, now: now) })
        var scanned = ScannedEvent()
        var plain = 0
        for line in lines.ndjson.split(separator: 0x0A) where Array(line).withUnsafeBufferPointer({ parser.scanPlainEvent($0, now: now, into: &scanned) }) {
            plain += 1
        }
        let exposuresAndMisses = events.filter { $0.contains("$feature_flag_called") }.count
        #expect(plain >= events.count - exposuresAndMisses && plain > 0)
    }
}

/// A seeded linear congruential generator (Knuth's MMIX constants) for the corpus: its high bits are enough here.
struct CorpusRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 17
    }
    mutating func uuid() -> uuid_t {
        var t = (0..<16).map { _ in UInt8(truncatingIfNeeded: next()) }
        t[6] = t[6] & 0x0F | 0x40
        t[8] = t[8] & 0x3F | 0x80
        return (t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11], t[12], t[13], t[14], t[15])
    }
}
