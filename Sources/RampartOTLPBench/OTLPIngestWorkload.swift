import Foundation
import OTLPProto
import RampartCore
import RampartOTLP
import RampartServer

/// The same simulated LLM requests and exposures as OTLP export requests (protobuf and OTLP/JSON) and as native
/// `/v1/events` bodies, batch for batch.
///
/// Each `llm_request_completed`/`_failed` event of the simulator becomes a GenAI client span (its latency is the span's
/// duration), each exposure a span with a `feature_flag.evaluation` event. The native bodies are the mapping's own
/// output for those spans, so both paths store identical events (same uuids, same properties).
public struct OTLPIngestWorkload: Sendable {
    /// OTLP `ExportTraceServiceRequest`s, protobuf.
    public var protobuf: [[UInt8]] = []
    /// The same requests in OTLP/JSON.
    public var json: [[UInt8]] = []
    /// The same events as native JSON-array bodies.
    public var native: [[UInt8]] = []
    /// Events (= spans) in all the batches.
    public var events = 0

    /// Builds the workload.
    ///
    /// - Parameters:
    ///   - events: The simulator's events; the LLM requests and exposures are kept.
    ///   - experiment: The experiment the exposures belong to.
    ///   - batch: Spans per export request (the Python SDK's BatchSpanProcessor sends up to 512).
    public init(events: [Event], experiment: Experiment, batch: Int) throws {
        let mapping = OTLPTraceMapping { $0 == experiment.key ? experiment.phase : nil }
        let kept = events.filter { [EventName.llmRequestCompleted, EventName.llmRequestFailed, EventName.exposure].contains($0.name) }
        var start = 0
        while start < kept.count {
            let slice = kept[start..<min(start + batch, kept.count)]
            start += batch
            var request = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest()
            var resourceSpans = Opentelemetry_Proto_Trace_V1_ResourceSpans()
            resourceSpans.resource.attributes = [Self.attribute("service.name", .string("support-bot"))]
            var scope = Opentelemetry_Proto_Trace_V1_ScopeSpans()
            scope.scope.name = "rampart.bench"
            scope.spans = slice.map(Self.span)
            resourceSpans.scopeSpans = [scope]
            request.resourceSpans = [resourceSpans]
            protobuf.append(try request.serializedBytes())
            json.append(try OTLPTraceMapping.otlpJSON(request))
            let mapped = try mapping.map(request, ids: .binary)
            guard mapped.events.count == slice.count else {
                throw RampartError(.invalidInput, "bench: \(slice.count) spans mapped to \(mapped.events.count) events")
            }
            native.append(Array(JSONValue.array(mapped.events).jsonText.utf8))
            self.events += slice.count
        }
    }

    static func attribute(_ key: String, _ value: JSONValue) -> Opentelemetry_Proto_Common_V1_KeyValue {
        var pair = Opentelemetry_Proto_Common_V1_KeyValue()
        pair.key = key
        switch value {
        case .string(let s): pair.value.stringValue = s
        case .number(let n) where n == n.rounded() && abs(n) < 1e15: pair.value.intValue = Int64(n)
        case .number(let n): pair.value.doubleValue = n
        case .bool(let b): pair.value.boolValue = b
        default: pair.value.stringValue = value.jsonText
        }
        return pair
    }

    /// The span that carries one simulated event.
    static func span(_ event: Event) -> Opentelemetry_Proto_Trace_V1_Span {
        var span = Opentelemetry_Proto_Trace_V1_Span()
        let id = withUnsafeBytes(of: event.id.uuid) { Array($0) }
        span.traceID = Data(id)
        span.spanID = Data(id[8..<16])
        let end = UInt64(event.milliseconds) * 1_000_000
        let p = event.properties
        if event.name == EventName.exposure {
            span.name = "evaluate \(p["experiment"]?.stringValue ?? "")"
            span.startTimeUnixNano = end
            span.endTimeUnixNano = end
            span.attributes = [attribute("user.id", .string(event.unit))]
            var evaluation = Opentelemetry_Proto_Trace_V1_Span.Event()
            evaluation.name = "feature_flag.evaluation"
            evaluation.timeUnixNano = end
            evaluation.attributes = [
                attribute("feature_flag.key", p["experiment"] ?? .null),
                attribute("feature_flag.result.variant", p["variant"] ?? .null),
                attribute("feature_flag.context.id", .string(event.unit)),
            ]
            span.events = [evaluation]
            return span
        }
        let model = p["model"]?.stringValue ?? "gpt-4.1-mini"
        span.name = "chat \(model)"
        span.kind = .client
        let latency = p["latency_ms"]?.numberValue ?? 0
        span.endTimeUnixNano = end
        span.startTimeUnixNano = end - UInt64(latency * 1e6)
        var attributes = [
            attribute("gen_ai.operation.name", .string("chat")),
            attribute("gen_ai.request.model", .string(model)),
            attribute("gen_ai.provider.name", p["provider"] ?? .string("openai")),
            attribute("user.id", .string(event.unit)),
        ]
        for (property, key) in [("input_tokens", "gen_ai.usage.input_tokens"), ("output_tokens", "gen_ai.usage.output_tokens"),
                                ("session_id", "gen_ai.conversation.id"), ("prompt_name", "rampart.prompt_name"),
                                ("prompt_version_id", "rampart.prompt_version_id")] {
            if let value = p[property] { attributes.append(attribute(key, value)) }
        }
        if event.name == EventName.llmRequestFailed {
            attributes.append(attribute("error.type", p["error_type"] ?? .string("_OTHER")))
            span.status.code = .error
        }
        span.attributes = attributes
        return span
    }
}
