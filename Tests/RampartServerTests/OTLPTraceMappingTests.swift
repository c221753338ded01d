import Foundation
import OTLPProto
import RampartCore
import Testing
@testable import RampartOTLP
@testable import RampartServer

/// Spans and requests for the OTLP tests.
enum OTLPFixtures {
    static let traceID = Data((1...16).map { UInt8($0) })
    static let traceHex = "0102030405060708090a0b0c0d0e0f10"

    static func attribute(_ key: String, _ value: Any) -> Opentelemetry_Proto_Common_V1_KeyValue {
        var pair = Opentelemetry_Proto_Common_V1_KeyValue()
        pair.key = key
        switch value {
        case let s as String: pair.value.stringValue = s
        case let i as Int: pair.value.intValue = Int64(i)
        case let d as Double: pair.value.doubleValue = d
        case let b as Bool: pair.value.boolValue = b
        default: fatalError("unsupported attribute value")
        }
        return pair
    }

    /// A GenAI chat span: 812.5 ms long, ending 2026-06-01T10:00:00Z.
    static func genAISpan(spanByte: UInt8 = 1, attributes: [String: Any] = [:]) -> Opentelemetry_Proto_Trace_V1_Span {
        var span = Opentelemetry_Proto_Trace_V1_Span()
        span.traceID = traceID
        span.spanID = Data([0, 0, 0, 0, 0, 0, 0, spanByte])
        span.name = "chat gpt-4.1-mini"
        span.kind = .client
        let end: UInt64 = 1_780_308_000_000_000_000
        span.endTimeUnixNano = end
        span.startTimeUnixNano = end - 812_500_000
        var all: [String: Any] = [
            "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4.1-mini", "gen_ai.provider.name": "openai",
            "gen_ai.usage.input_tokens": 950, "gen_ai.usage.output_tokens": 311, "user.id": "user-42",
        ]
        all.merge(attributes) { _, new in new }
        span.attributes = all.keys.sorted().map { attribute($0, all[$0]!) }
        return span
    }

    static func request(_ spans: [Opentelemetry_Proto_Trace_V1_Span], resource: [String: Any] = [:]) -> Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest {
        var request = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest()
        var resourceSpans = Opentelemetry_Proto_Trace_V1_ResourceSpans()
        resourceSpans.resource.attributes = resource.keys.sorted().map { attribute($0, resource[$0]!) }
        var scope = Opentelemetry_Proto_Trace_V1_ScopeSpans()
        scope.spans = spans
        resourceSpans.scopeSpans = [scope]
        request.resourceSpans = [resourceSpans]
        return request
    }

    static let mapping = OTLPTraceMapping { $0 == "support-answer-prompt" ? 0 : ($0 == "phased" ? 2 : nil) }

    /// The events a request maps to, through the parser of `/v1/events`.
    static func events(_ request: Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest, mapping: OTLPTraceMapping = mapping) throws -> [Event] {
        let output = try mapping.map(request, ids: .binary)
        return try output.events.enumerated().map { try EventParser().event(from: $1, index: $0, now: Date()).get() }
    }
}

@Suite("OTLP trace mapping")
struct OTLPTraceMappingTests {
    @Test func aGenAISpanIsACompletedRequest() throws {
        let span = OTLPFixtures.genAISpan(attributes: [
            "gen_ai.response.model": "gpt-4.1-mini-2025-04-14", "gen_ai.system": "azure", "gen_ai.conversation.id": "conv-7",
            "rampart.prompt_name": "support_answer", "rampart.prompt_version_id": "pv_3", "gen_ai.response.id": "chatcmpl-1",
            "gen_ai.input.messages": #"[{"role":"user","content":"secret customer text"}]"#, "gen_ai.output.messages": "secret answer",
        ])
        let events = try OTLPFixtures.events(OTLPFixtures.request([span], resource: ["deployment.environment.name": "production"]))
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.name == EventName.llmRequestCompleted)
        #expect(event.unit == "user-42")
        #expect(event.milliseconds == 1_780_308_000_000)
        let p = event.properties
        #expect(p["model"] == "gpt-4.1-mini-2025-04-14")  // the response model wins over the request model
        #expect(p["provider"] == "openai")  // gen_ai.provider.name wins over the older gen_ai.system
        #expect(p["input_tokens"] == 950)
        #expect(p["output_tokens"] == 311)
        #expect(p["latency_ms"] == 812.5)
        #expect(p["status"] == "success")
        #expect(p["trace_id"] == JSONValue.string(OTLPFixtures.traceHex))
        #expect(p["span_id"] == "0000000000000001")
        #expect(p["session_id"] == "conv-7")
        #expect(p["prompt_name"] == "support_answer")
        #expect(p["prompt_version_id"] == "pv_3")
        #expect(p["request_id"] == "chatcmpl-1")
        #expect(p["environment"] == "production")
        #expect(!JSONValue.object(p).jsonText.contains("secret"))
        #expect(p["error_type"] == nil)
    }

    @Test func theUUIDComesFromTraceAndSpanIDs() throws {
        let first = try OTLPFixtures.events(OTLPFixtures.request([OTLPFixtures.genAISpan(spanByte: 1)]))[0].id
        let again = try OTLPFixtures.events(OTLPFixtures.request([OTLPFixtures.genAISpan(spanByte: 1, attributes: ["gen_ai.usage.output_tokens": 5])]))[0].id
        let other = try OTLPFixtures.events(OTLPFixtures.request([OTLPFixtures.genAISpan(spanByte: 2)]))[0].id
        #expect(first == again)
        #expect(first != other)
    }

    @Test func anErrorSpanIsAFailedRequest() throws {
        var span = OTLPFixtures.genAISpan(attributes: ["error.type": "TimeoutError"])
        span.status.code = .error
        let timeout = try OTLPFixtures.events(OTLPFixtures.request([span]))[0]
        #expect(timeout.name == EventName.llmRequestFailed)
        #expect(timeout.properties["status"] == "timeout")
        #expect(timeout.properties["error_type"] == "TimeoutError")

        var bare = OTLPFixtures.genAISpan()
        bare.status.code = .error
        bare.status.message = "rate limited"
        let failed = try OTLPFixtures.events(OTLPFixtures.request([bare]))[0]
        #expect(failed.name == EventName.llmRequestFailed)
        #expect(failed.properties["status"] == "error")
        #expect(failed.properties["error_type"] == "rate limited")

        var ok = OTLPFixtures.genAISpan()
        ok.status.code = .ok
        #expect(try OTLPFixtures.events(OTLPFixtures.request([ok]))[0].name == EventName.llmRequestCompleted)
    }

    @Test func olderAttributesAndResourceFallbacks() throws {
        var span = OTLPFixtures.genAISpan()
        span.attributes = [
            OTLPFixtures.attribute("gen_ai.system", "anthropic"), OTLPFixtures.attribute("gen_ai.request.model", "claude"),
            OTLPFixtures.attribute("gen_ai.usage.prompt_tokens", 10), OTLPFixtures.attribute("gen_ai.usage.completion_tokens", 20),
            OTLPFixtures.attribute("session.id", "s-1"),
        ]
        let event = try OTLPFixtures.events(OTLPFixtures.request([span], resource: ["enduser.id": "user-9", "rampart.prompt_name": "triage"]))[0]
        #expect(event.unit == "user-9")
        #expect(event.properties["provider"] == "anthropic")
        #expect(event.properties["input_tokens"] == 10)
        #expect(event.properties["output_tokens"] == 20)
        #expect(event.properties["session_id"] == "s-1")
        #expect(event.properties["prompt_name"] == "triage")
    }

    @Test func theUnitAndPromptAttributesAreConfigurable() throws {
        let mapping = OTLPTraceMapping(configuration: .init(unitAttributes: ["app.account"], promptNameAttribute: "app.prompt", promptVersionAttribute: "app.prompt_version")) { _ in nil }
        let span = OTLPFixtures.genAISpan(attributes: ["app.account": "acct-1", "app.prompt": "p", "app.prompt_version": "v2"])
        let event = try OTLPFixtures.events(OTLPFixtures.request([span]), mapping: mapping)[0]
        #expect(event.unit == "acct-1")
        #expect(event.properties["prompt_name"] == "p")
        #expect(event.properties["prompt_version_id"] == "v2")
    }

    @Test func spansWithoutGenAIAttributesAreIgnoredAndCounted() throws {
        var http = Opentelemetry_Proto_Trace_V1_Span()
        http.traceID = OTLPFixtures.traceID
        http.spanID = Data([9, 9, 9, 9, 9, 9, 9, 9])
        http.attributes = [OTLPFixtures.attribute("http.request.method", "POST"), OTLPFixtures.attribute("user.id", "user-1")]
        var otherFlag = http
        var evaluation = Opentelemetry_Proto_Trace_V1_Span.Event()
        evaluation.name = "feature_flag.evaluation"
        evaluation.attributes = [OTLPFixtures.attribute("feature_flag.key", "dark-mode"), OTLPFixtures.attribute("feature_flag.result.variant", "on")]
        otherFlag.events = [evaluation]
        let output = try OTLPFixtures.mapping.map(OTLPFixtures.request([http, otherFlag, OTLPFixtures.genAISpan()]), ids: .binary)
        #expect(output.spans == 3)
        #expect(output.ignored == 2)
        #expect(output.rejections.isEmpty)
        #expect(output.events.count == 1)
    }

    @Test func flagEvaluationsOfRampartExperimentsAreExposures() throws {
        var span = OTLPFixtures.genAISpan()
        func evaluation(_ key: String, _ variant: String?, context: String? = nil, nanos: UInt64 = 1_780_307_999_000_000_000) -> Opentelemetry_Proto_Trace_V1_Span.Event {
            var event = Opentelemetry_Proto_Trace_V1_Span.Event()
            event.name = "feature_flag.evaluation"
            event.timeUnixNano = nanos
            event.attributes = [OTLPFixtures.attribute("feature_flag.key", key)]
            if let variant { event.attributes.append(OTLPFixtures.attribute("feature_flag.result.variant", variant)) }
            if let context { event.attributes.append(OTLPFixtures.attribute("feature_flag.context.id", context)) }
            return event
        }
        span.events = [
            evaluation("support-answer-prompt", "treatment"),
            evaluation("phased", "control", context: "user-7"),
            evaluation("dark-mode", "on"),  // not a Rampart experiment
            evaluation("support-answer-prompt", nil),  // no variant: nothing was served
        ]
        let events = try OTLPFixtures.events(OTLPFixtures.request([span]))
        let exposures = events.filter { $0.name == EventName.exposure }
        #expect(events.count == 3)
        #expect(exposures.count == 2)
        #expect(exposures[0].unit == "user-42")
        #expect(exposures[0].properties["experiment"] == "support-answer-prompt")
        #expect(exposures[0].properties["variant"] == "treatment")
        #expect(exposures[0].properties["phase"] == nil)
        #expect(exposures[0].milliseconds == 1_780_307_999_000)
        #expect(exposures[1].unit == "user-7")
        #expect(exposures[1].properties["phase"] == 2)
        #expect(Set(events.map(\.id)).count == 3)
    }

    @Test func spansThatCannotBeEventsAreRejectedWithTheField() throws {
        var noUnit = OTLPFixtures.genAISpan()
        noUnit.attributes.removeAll { $0.key == "user.id" }
        var badTrace = OTLPFixtures.genAISpan()
        badTrace.traceID = Data(count: 16)
        var badSpan = OTLPFixtures.genAISpan()
        badSpan.spanID = Data([1, 2, 3])
        let output = try OTLPFixtures.mapping.map(OTLPFixtures.request([noUnit, badTrace, badSpan]), ids: .binary)
        #expect(output.rejections.map(\.span) == [0, 1, 2])
        #expect(output.rejections.map(\.field) == ["attributes", "traceId", "spanId"])
        #expect(output.rejections[0].reason.contains("user.id, enduser.id"))
        #expect(output.events.isEmpty)
    }

    @Test func otlpJSONHexIdsAndStringInt64s() throws {
        let text = """
        {"resourceSpans":[{"resource":{"attributes":[{"key":"user.id","value":{"stringValue":"user-5"}}]},
          "scopeSpans":[{"scope":{"name":"x"},"spans":[
            {"traceId":"\(OTLPFixtures.traceHex)","spanId":"00000000000000ab","name":"chat","kind":3,
             "startTimeUnixNano":"1780307999000000000","endTimeUnixNano":"1780308000000000000",
             "attributes":[{"key":"gen_ai.request.model","value":{"stringValue":"m"}},
                           {"key":"gen_ai.usage.input_tokens","value":{"intValue":"950"}}],
             "status":{"code":2},"someFutureField":1},
            {"traceId":"AQIDBAUGBwgJCgsMDQ4PEA==","spanId":"AAAAAAAAAAE=","name":"chat",
             "attributes":[{"key":"gen_ai.request.model","value":{"stringValue":"m"}}]}]}]}]}
        """
        let request = try OTLPTraceIngest.decode(Array(text.utf8), encoding: .json)
        let output = try OTLPFixtures.mapping.map(request, ids: .jsonHex)
        #expect(output.rejections.map(\.field) == ["traceId"])  // base64 ids are not OTLP/JSON
        let event = try EventParser().event(from: output.events[0], index: 0, now: Date()).get()
        #expect(event.unit == "user-5")
        #expect(event.name == EventName.llmRequestFailed)
        #expect(event.properties["trace_id"] == JSONValue.string(OTLPFixtures.traceHex))
        #expect(event.properties["span_id"] == "00000000000000ab")
        #expect(event.properties["input_tokens"] == 950)
        #expect(event.properties["latency_ms"] == 1000)
    }
}
