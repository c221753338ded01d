import Foundation
import Testing
@testable import RampartCore

@Suite("PostHog capture mapping")
struct PostHogMappingTests {
    let now = Date(timeIntervalSince1970: 1_780_000_000)
    var nowMs: Int64 { 1_780_000_000_000 }
    let mapping = PostHogMapping(
        experiments: ["support-answer-prompt": .init(phase: 2, variants: ["control", "treatment"])],
        contentID: { bytes in
            // A deterministic stand-in for the server's SHA-256: two FNV-1a passes.
            var a = FNV1a(), b = FNV1a()
            for byte in bytes { a.combine(UInt16(byte)) }
            for byte in bytes.reversed() { b.combine(UInt16(byte)) }
            var t = [UInt8](repeating: 0, count: 16)
            for i in 0..<4 { t[i] = UInt8(truncatingIfNeeded: a.value >> (8 * i)); t[4 + i] = UInt8(truncatingIfNeeded: b.value >> (8 * i)) }
            return UUID(uuid: (t[0], t[1], t[2], t[3], t[4], t[5], 0x80, t[7], 0x80, t[9], t[10], t[11], t[12], t[13], t[14], t[15]))
        }
    )

    func native(_ event: JSONValue, sentAt: JSONValue? = nil) throws -> [String: JSONValue] {
        try #require(try mapping.native(event, index: 0, batchSentAt: sentAt, now: now).get().objectValue)
    }

    @Test func timestampsFollowPostHogsSentAtAndOffsetRules() throws {
        let ts = "2026-05-28T20:00:00.000Z"
        let tsMs = try #require(RFC3339.milliseconds(from: ts))
        // Timestamp and sent_at: the client's clock skew is removed (the event happened 5 s before sending).
        let skewed = try native(["event": "x", "distinct_id": "u", "timestamp": .string(ts)], sentAt: "2026-05-28T20:00:05.000Z")
        #expect(skewed["timestamp"] == .number(Double(nowMs - 5_000)))
        // The event's own sent_at wins over the batch's.
        let own = try native(["event": "x", "distinct_id": "u", "timestamp": .string(ts), "sent_at": "2026-05-28T20:00:01.000Z"], sentAt: "2026-05-28T20:00:05.000Z")
        #expect(own["timestamp"] == .number(Double(nowMs - 1_000)))
        // $ignore_sent_at turns the correction off; a timestamp alone is taken as is.
        let ignored = try native(["event": "x", "distinct_id": "u", "timestamp": .string(ts), "properties": ["$ignore_sent_at": true]], sentAt: "2026-05-28T20:00:05.000Z")
        #expect(ignored["timestamp"] == .number(Double(tsMs)))
        #expect(try native(["event": "x", "distinct_id": "u", "timestamp": .string(ts)])["timestamp"] == .number(Double(tsMs)))
        // Offset (ms before sending) without a timestamp; neither: now.
        #expect(try native(["event": "x", "distinct_id": "u", "offset": 2_500])["timestamp"] == .number(Double(nowMs - 2_500)))
        #expect(try native(["event": "x", "distinct_id": "u"])["timestamp"] == .number(Double(nowMs)))
        // Bad values are rejected, naming the field.
        guard case .failure(let bad) = mapping.native(["event": "x", "distinct_id": "u", "timestamp": "yesterday"], index: 4, batchSentAt: nil, now: now) else {
            Issue.record("a bad timestamp must be rejected"); return
        }
        #expect(bad.field == "timestamp" && bad.index == 4)
        guard case .failure(let offset) = mapping.native(["event": "x", "distinct_id": "u", "offset": "soon"], index: 0, batchSentAt: nil, now: now) else {
            Issue.record("a bad offset must be rejected"); return
        }
        #expect(offset.field == "offset")
    }

    @Test func generationsBecomeLLMRequestsWithoutRawContent() throws {
        let event: JSONValue = [
            "event": "$ai_generation", "distinct_id": 42, "uuid": "6f1c2a34-6d0e-4b7a-9a51-0c7e1f3b2d10",
            "properties": [
                "$ai_model": "gpt-4.1-mini", "$ai_provider": "openai", "$ai_latency": 1.25, "$ai_input_tokens": 900,
                "$ai_output_tokens": 300, "$ai_total_cost_usd": 0.0009, "$ai_trace_id": "tr-1", "$ai_session_id": "s-1",
                "$ai_http_status": 200, "$ai_input": [["role": "user", "content": "secret"]],
                "$ai_output_choices": [["content": "secret"]], "$ai_error": "secret", "$ai_temperature": 0.2,
                "prompt_version_id": "pv_1",
            ],
        ]
        let out = try native(event)
        #expect(out["event"] == "llm_request_completed")
        #expect(out["unit"] == "42")
        let p = try #require(out["properties"]?.objectValue)
        #expect(p["model"] == "gpt-4.1-mini" && p["provider"] == "openai")
        #expect(p["latency_ms"] == 1250)
        #expect(p["input_tokens"] == 900 && p["output_tokens"] == 300 && p["estimated_cost_usd"] == 0.0009)
        #expect(p["trace_id"] == "tr-1" && p["session_id"] == "s-1" && p["http_status"] == 200)
        #expect(p["status"] == "success")
        #expect(p["prompt_version_id"] == "pv_1" && p["$ai_temperature"] == 0.2)
        for raw in ["$ai_input", "$ai_output_choices", "$ai_error", "$ai_model", "$ai_latency"] { #expect(p[raw] == nil) }
        // Validated by the native parser.
        let parsed = try EventParser().event(from: .object(out), index: 0, now: now).get()
        #expect(parsed.properties["latency_ms"] == 1250)

        var failed = event.objectValue!
        failed["properties"] = ["$ai_is_error": true, "$ai_http_status": 500]
        let f = try native(.object(failed))
        #expect(f["event"] == "llm_request_failed")
        #expect(f["properties"]?.objectValue?["status"] == "error")
    }

    @Test func flagCallsForExperimentsBecomeExposures() throws {
        let out = try native(["event": "$feature_flag_called", "distinct_id": "u1",
                              "properties": ["$feature_flag": "support-answer-prompt", "$feature_flag_response": "treatment", "$lib": "posthog-python"]])
        #expect(out["event"] == "exposure")
        #expect(out["properties"] == ["experiment": "support-answer-prompt", "variant": "treatment", "phase": 2])
        // Another flag is a product event like any other.
        let other = try native(["event": "$feature_flag_called", "distinct_id": "u1", "properties": ["$feature_flag": "dark-mode", "$feature_flag_response": true]])
        #expect(other["event"] == "$feature_flag_called")
        // A response that is not a variant is rejected.
        guard case .failure(let r) = mapping.native(["event": "$feature_flag_called", "distinct_id": "u1",
                                                     "properties": ["$feature_flag": "support-answer-prompt", "$feature_flag_response": false]],
                                                    index: 0, batchSentAt: nil, now: now) else {
            Issue.record("false is not a variant"); return
        }
        #expect(r.field == "properties.$feature_flag_response")
    }

    @Test func aMissingUUIDIsDerivedFromTheContentOnly() throws {
        let event: JSONValue = ["event": "clicked", "distinct_id": "u1", "timestamp": "2026-05-28T20:00:00Z", "properties": ["a": 1]]
        let first = try native(event, sentAt: "2026-05-28T20:00:01Z")["uuid"]
        let retried = try native(event, sentAt: "2026-05-28T20:00:09Z")["uuid"]
        #expect(first == retried)
        var changed = event.objectValue!
        changed["properties"] = ["a": 2]
        #expect(try native(.object(changed))["uuid"] != first)
        #expect(UUID.parsingCanonical(first?.stringValue ?? "") != nil)
    }

    @Test func requiredFieldsAndFieldNames() throws {
        guard case .failure(let r) = mapping.native(["event": "x"], index: 1, batchSentAt: nil, now: now) else { Issue.record("no distinct_id"); return }
        #expect(r.field == "distinct_id")
        guard case .failure(let e) = mapping.native(["distinct_id": "u"], index: 1, batchSentAt: nil, now: now) else { Issue.record("no event"); return }
        #expect(e.field == "event")
        #expect(PostHogMapping.postHogField("unit", event: "x") == "distinct_id")
        #expect(PostHogMapping.postHogField("properties.latency_ms", event: "$ai_generation") == "properties.$ai_latency")
        #expect(PostHogMapping.postHogField("properties.latency_ms", event: "custom") == "properties.latency_ms")
    }
}
