import Foundation
import Testing
@testable import RampartCore

/// The capture body handed to a store's encoder event by event (`ScannedPostHogBody`) against the lines of
/// `PostHogMapping.scanLines` read by the full parser: the same events (name, unit, uuid, time, properties with their
/// types), the same rejections at the same indices, and the usual events read straight from the body.
@Suite("PostHog capture encoding")
struct PostHogEncodingTests {
    let scanning = PostHogScanningTests()
    var now: Date { scanning.now }
    var parser: EventParser { scanning.parser }
    var mapping: PostHogMapping { scanning.mapping }

    /// An event as a store keeps it: time in whole milliseconds, properties with `null`s left out.
    struct Record: Hashable {
        var index: Int
        var uuid: UUID
        var name: String
        var unit: String
        var milliseconds: Int64
        var properties: [String: JSONValue]

        init(index: Int, event: Event) {
            self.index = index
            uuid = event.id
            name = event.name
            unit = event.unit
            milliseconds = event.milliseconds
            properties = event.properties.filter { !$0.value.isNull }
        }

        init(index: Int, scanned: borrowing ScannedEvent) {
            self.init(index: index, event: scanned.event)
            milliseconds = scanned.milliseconds
        }
    }

    /// Records what it is handed; lines are read by the full parser.
    struct RecordingSink: ScannedEventSink {
        let parser: EventParser
        let now: Date
        var records: [Record] = []
        var rejections: [EventRejection] = []
        /// Events handed over already read.
        var direct = 0

        mutating func append(_ event: borrowing ScannedEvent, index: Int) {
            records.append(Record(index: index, scanned: event))
            direct += 1
        }

        mutating func appendLine(_ line: UnsafeBufferPointer<UInt8>, index: Int) {
            var batch = EventParser.Batch()
            parser.parseLine(line, index: index, now: now, into: &batch)
            records += batch.events.map { Record(index: index, event: $0) }
            rejections += batch.rejections
        }

        mutating func reject(_ rejection: EventRejection) { rejections.append(rejection) }
    }

    /// Checks both paths give the same events and rejections for a body; returns how many were read directly.
    @discardableResult
    func expectSameEvents(_ body: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int {
        let bytes = Array(body.utf8)
        let scanned = try #require(bytes.withUnsafeBufferPointer { mapping.scanBody($0, now: now) }, sourceLocation: sourceLocation)
        var sink = RecordingSink(parser: parser, now: now)
        scanned.scan(parser: parser, now: now, into: &sink)

        let lines = try #require(bytes.withUnsafeBufferPointer { mapping.scanLines($0, now: now) }, sourceLocation: sourceLocation)
        var reference = RecordingSink(parser: parser, now: now)
        var index = 0
        for line in lines.ndjson.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast() {
            Array(line).withUnsafeBufferPointer { reference.appendLine($0, index: index) }
            index += 1
        }
        reference.rejections += lines.rejections
        #expect(index == lines.count, sourceLocation: sourceLocation)
        #expect(scanned.count == lines.count, sourceLocation: sourceLocation)
        #expect(scanned.presentedKey == lines.presentedKey, sourceLocation: sourceLocation)
        #expect((0..<lines.count).map(scanned.postHogName) == lines.names, sourceLocation: sourceLocation)
        #expect(sink.records == reference.records, sourceLocation: sourceLocation)
        for (a, b) in zip(sink.records, reference.records) where a != b {
            Issue.record("event \(a.index): \(a) != \(b)", sourceLocation: sourceLocation)
            break
        }
        let order = { (a: EventRejection, b: EventRejection) in a.index < b.index }
        #expect(sink.rejections.sorted(by: order) == reference.rejections.sorted(by: order), sourceLocation: sourceLocation)
        return sink.direct
    }

    @Test func edgeCasesGiveTheSameEventsAndRejections() throws {
        let batch = PostHogScanningTests.edgeEvents.joined(separator: ",")
        let direct = try expectSameEvents(#"{"api_key":"rk_sdk_x","batch":["# + batch + #"],"sent_at":"2026-05-28T20:00:05.000Z","historical_migration":false}"#)
        #expect(direct >= 8, "generations, flag calls and plain events are read from the body")
        try expectSameEvents(#"{"sent_at":"2026-05-28T20:00:05.000Z","batch":["# + batch + "]}")
        try expectSameEvents("[" + batch + "]")
        #expect(try expectSameEvents(#"{"batch":[]}"#) == 0)
    }

    @Test func randomBatchesGiveTheSameEventsAndRejections() throws {
        for seed in 1...8 as ClosedRange<UInt64> {
            let events = PostHogScanningTests.randomEvents(300, seed: seed)
            try expectSameEvents(#"{"api_key":"k","historical_migration":false,"batch":["# + events.joined(separator: ",") + #"],"sent_at":"2026-05-28T20:00:05Z"}"#)
        }
    }

    /// Values at the edges of what the native scanner reads: computed numbers (latencies that are whole, tiny,
    /// negative or huge, a phase), names and units with escapes or non-ASCII text, native names sent as PostHog
    /// properties, dropped and known properties of the wrong type, a future time, an `exposure` sent as such.
    @Test func valuesAtTheEdgesGiveTheSameEvents() throws {
        let uuid = { (i: Int) in String(format: "6f1c2a34-6d0e-4b7a-9a51-%012x", i) }
        var events: [String] = []
        for (i, latency) in ["1.25", "2", "0.0001", "-0", "-1.5", "1e300", "1e-320", "\"x\"", "null", "123456789012.345"].enumerated() {
            events.append(#"{"event":"$ai_generation","distinct_id":"u","uuid":"\#(uuid(i))","properties":{"$ai_latency":\#(latency),"$ai_model":"m"}}"#)
        }
        events += [
            #"{"event":"$ai_generation","distinct_id":"u","uuid":"\#(uuid(20))","properties":{"$ai_http_status":"200","$ai_is_error":false}}"#,
            #"{"event":"$ai_generation","distinct_id":"u","uuid":"\#(uuid(21))","properties":{"$ai_output_tokens":1.5}}"#,
            #"{"event":"$ai_generation","distinct_id":"u","uuid":"\#(uuid(22))","properties":{"$ai_trace_id":"caf\u00e9"}}"#,
            #"{"event":"$ai_generation","distinct_id":"u","uuid":"\#(uuid(23))","properties":{"latency_ms":5}}"#,
            #"{"event":"$ai_generation","distinct_id":"u","uuid":"\#(uuid(24))","properties":{"prompt":"secret","x":[1]}}"#,
            #"{"event":"$ai_generation","distinct_id":"u","uuid":"\#(uuid(25))","properties":{"naïve":1,"model":null}}"#,
            #"{"event":"$feature_flag_called","distinct_id":"u","uuid":"\#(uuid(30))","properties":{"$feature_flag":"support-answer-prompt","$feature_flag_response":"control"}}"#,
            #"{"event":"$feature_flag_called","distinct_id":"u","uuid":"\#(uuid(31))","properties":{"$feature_flag":"onboarding","$feature_flag_response":"a","extra":1}}"#,
            #"{"event":"$feature_flag_called","distinct_id":"u","uuid":"\#(uuid(32))","properties":{"$feature_flag":"onboarding","$feature_flag_response":"\u0061"}}"#,
            #"{"event":"exposure","distinct_id":"u","uuid":"\#(uuid(40))","properties":{"experiment":"onboarding","variant":"a"}}"#,
            #"{"event":"a","distinct_id":"u","uuid":"\#(uuid(41))","timestamp":"2999-01-01T00:00:00Z"}"#,
            #"{"event":"a","distinct_id":"\u0075","uuid":"\#(uuid(42))"}"#,
            #"{"event":"a","distinct_id":"ü","uuid":"\#(uuid(43))"}"#,
            #"{"event":"a","distinct_id":"u","uuid":"6F1C2A34-6D0E-4B7A-9A51-0C7E1F3B2D10"}"#,
            #"{"event":"a","distinct_id":"u","uuid":"\#(uuid(44))","properties":{"latency_ms":"fast","model":7,"status":"success","http_status":1.5}}"#,
            #"{"event":"a","distinct_id":"u","uuid":"\#(uuid(45))","properties":{"status":"odd","input_tokens":-1}}"#,
            #"{"event":"\#(String(repeating: "e", count: 201))","distinct_id":"u","uuid":"\#(uuid(46))"}"#,
            #"{"event":"a","distinct_id":"\#(String(repeating: "u", count: 513))","uuid":"\#(uuid(47))"}"#,
            #"{"event":"a","distinct_id":"u","uuid":"\#(uuid(48))","properties":{"é":2,"ok":1}}"#,
            #"{"event":"a","distinct_id":"u","uuid":"\#(uuid(49))","timestamp":1780000000000,"sent_at":"2026-05-28T20:00:09Z","offset":5}"#,
            #"{"event":"a","distinct_id":"u","uuid":"\#(uuid(50))","timestamp":-62135596800001}"#,
        ]
        try expectSameEvents(#"{"batch":["# + events.joined(separator: ",") + #"],"sent_at":"2026-05-28T20:00:05Z"}"#)
        let phaseMapping = PostHogMapping(experiments: ["onboarding": .init(phase: 3, variants: ["a"])], contentID: mapping.contentID)
        let body = Array(#"{"batch":[{"event":"$feature_flag_called","distinct_id":"u","uuid":"\#(uuid(60))","properties":{"$feature_flag":"onboarding","$feature_flag_response":"a"}}]}"#.utf8)
        let scanned = try #require(body.withUnsafeBufferPointer { phaseMapping.scanBody($0, now: now) })
        var sink = RecordingSink(parser: parser, now: now)
        scanned.scan(parser: parser, now: now, into: &sink)
        #expect(sink.direct == 1)
        #expect(sink.records.first?.properties == ["experiment": "onboarding", "variant": "a", "phase": 3])
    }

    /// What posthog-python sends is read straight from the body: no event goes through a written line.
    @Test func usualEventsAreReadFromTheBody() throws {
        let events = PostHogScanningTests.randomEvents(200, seed: 9).filter { $0.contains(#""uuid""#) && !$0.contains("lots") && !$0.contains("zzz") }
        let body = Array((#"{"batch":["# + events.joined(separator: ",") + "]}").utf8)
        let scanned = try #require(body.withUnsafeBufferPointer { mapping.scanBody($0, now: now) })
        var sink = RecordingSink(parser: parser, now: now)
        scanned.scan(parser: parser, now: now, into: &sink)
        let misses = events.filter { $0.contains("$feature_flag_called") && !$0.contains("other-flag") }.count
        #expect(sink.direct >= events.count - misses)
        #expect(sink.direct + sink.rejections.count >= events.count - misses)
        #expect(sink.records.count == events.count - sink.rejections.count)
    }
}
