import Foundation
import OTLPProto
import RampartCore

/// Turns OTLP trace data into Rampart events in the native format (docs/integrations.md, "OpenTelemetry").
///
/// A span whose attributes follow OpenTelemetry's GenAI semantic conventions (any `gen_ai.*` attribute) becomes one
/// `llm_request_completed` or `llm_request_failed` event; each of a span's `feature_flag.evaluation` events that names a
/// Rampart experiment and a variant becomes an `exposure`. Other spans are ignored and counted. The output is JSON
/// objects in the native event format, so that ``EventParser`` validates them exactly as it validates `/v1/events`
/// (privacy drops included). Only the attributes in the mapping table are read: raw prompt and completion content
/// (`gen_ai.input.messages`, `gen_ai.prompt`, …) never reaches an event.
public struct OTLPTraceMapping: Sendable {
    /// Which attributes carry what the conventions leave to the application.
    public struct Configuration: Sendable {
        /// Attributes holding the unit id, tried in order on the span, then on its resource.
        public var unitAttributes: [String]
        /// The attribute holding the prompt name (span, then resource).
        public var promptNameAttribute: String
        /// The attribute holding the prompt version id (span, then resource).
        public var promptVersionAttribute: String

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - unitAttributes: Attributes holding the unit id, in order; `user.id` then `enduser.id` by default.
        ///   - promptNameAttribute: The prompt name's attribute; `rampart.prompt_name` by default.
        ///   - promptVersionAttribute: The prompt version's attribute; `rampart.prompt_version_id` by default.
        public init(
            unitAttributes: [String] = ["user.id", "enduser.id"],
            promptNameAttribute: String = "rampart.prompt_name",
            promptVersionAttribute: String = "rampart.prompt_version_id"
        ) {
            self.unitAttributes = unitAttributes
            self.promptNameAttribute = promptNameAttribute
            self.promptVersionAttribute = promptVersionAttribute
        }
    }

    /// How span and trace ids arrived: raw bytes (protobuf) or OTLP/JSON's hex strings.
    public enum IDEncoding: Sendable {
        /// The ids are the bytes themselves.
        case binary
        /// The ids were hex strings that a proto3 JSON decoder read as base64 (see ``OTLPTraceMapping/hexID(_:)``).
        case jsonHex
    }

    /// A span that could not become an event, and why.
    public struct SpanRejection: Sendable, Hashable {
        /// The span's position among all spans of the request, in order.
        public var span: Int
        /// The field at fault, e.g. `spanId` or `attributes["gen_ai.usage.input_tokens"]`.
        public var field: String
        /// Why.
        public var reason: String

        public init(span: Int, field: String, reason: String) {
            self.span = span
            self.field = field
            self.reason = reason
        }
    }

    /// What a request maps to.
    public struct Output: Sendable {
        /// Native-format event objects, for ``EventParser/event(from:index:now:)``.
        public var events: [JSONValue] = []
        /// For each event, the position of the span it came from.
        public var spanOfEvent: [Int] = []
        /// For each event, which OTLP field each mapped property came from, to name it in a rejection.
        public var sources: [[String: String]] = []
        /// Spans that could not be mapped.
        public var rejections: [SpanRejection] = []
        /// Every span in the request.
        public var spans = 0
        /// Spans with neither GenAI attributes nor an exposure: ignored, not rejected.
        public var ignored = 0
    }

    /// The attribute settings.
    public var configuration: Configuration
    /// The phase of a Rampart experiment by key, or `nil` when the flag is not one.
    public var experimentPhase: @Sendable (String) -> Int?

    /// Creates a mapping.
    ///
    /// - Parameters:
    ///   - configuration: The attribute settings.
    ///   - experimentPhase: The current phase of the experiment with a flag's key, `nil` for other flags.
    public init(configuration: Configuration = Configuration(), experimentPhase: @escaping @Sendable (String) -> Int?) {
        self.configuration = configuration
        self.experimentPhase = experimentPhase
    }

    /// Maps every span of an export request.
    ///
    /// - Parameters:
    ///   - request: The decoded request.
    ///   - ids: How its ids were encoded.
    /// - Returns: The events, the rejected spans and the counts.
    public func map(_ request: Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest, ids: IDEncoding) -> Output {
        var output = Output()
        for resourceSpans in request.resourceSpans {
            let resource = Attributes(resourceSpans.resource.attributes)  // once per resource, not per span
            for scopeSpans in resourceSpans.scopeSpans {
                for span in scopeSpans.spans {
                    let index = output.spans
                    output.spans += 1
                    map(span, resource: resource, index: index, ids: ids, into: &output)
                }
            }
        }
        return output
    }

    /// The prefix of the GenAI semantic conventions' attributes.
    static let genAIPrefix = "gen_ai."
    /// OpenTelemetry's feature-flag evaluation event (semantic conventions, "Feature flags").
    static let flagEvaluationEvent = "feature_flag.evaluation"

    func map(
        _ span: Opentelemetry_Proto_Trace_V1_Span, resource resourceAttributes: Attributes, index: Int,
        ids: IDEncoding, into output: inout Output
    ) {
        let attributes = Attributes(span.attributes)
        let isGenAI = span.attributes.contains { $0.key.hasPrefix(Self.genAIPrefix) }
        let evaluations = span.events.enumerated().filter { $0.element.name == Self.flagEvaluationEvent }
        guard isGenAI || !evaluations.isEmpty else {
            output.ignored += 1
            return
        }
        func reject(_ field: String, _ reason: String) {
            output.rejections.append(SpanRejection(span: index, field: field, reason: reason))
        }
        guard let traceID = Self.id(span.traceID, ids: ids, bytes: 16) else {
            return reject("traceId", "must be 16 bytes (32 hex digits in JSON), not all zero")
        }
        guard let spanID = Self.id(span.spanID, ids: ids, bytes: 8) else {
            return reject("spanId", "must be 8 bytes (16 hex digits in JSON), not all zero")
        }
        let unit = self.unit(span: attributes, resource: resourceAttributes)

        var mapped: [(event: JSONValue, sources: [String: String])] = []
        if isGenAI {
            guard let unit else {
                return reject("attributes", "no unit: none of \(configuration.unitAttributes.joined(separator: ", ")) is a string on the span or its resource")
            }
            mapped.append(llmEvent(span, traceID: traceID, spanID: spanID, unit: unit, attributes: attributes, resource: resourceAttributes))
        }
        var exposures = 0
        for (position, evaluation) in evaluations {
            let flag = Attributes(evaluation.attributes)
            guard let key = flag["feature_flag.key"].flatMap(Self.text), let phase = experimentPhase(key) else { continue }
            guard let variant = (flag["feature_flag.result.variant"] ?? flag["feature_flag.variant"]).flatMap(Self.text) else { continue }
            let exposureUnit = flag["feature_flag.context.id"].flatMap(Self.text).map { ("feature_flag.context.id", $0) } ?? unit
            guard let exposureUnit else {
                return reject("events[\(position)].attributes", "no unit for the exposure: neither feature_flag.context.id on the event nor \(configuration.unitAttributes.joined(separator: ", ")) on the span or its resource")
            }
            let nanos = evaluation.timeUnixNano != 0 ? evaluation.timeUnixNano : span.startTimeUnixNano
            var properties: [String: JSONValue] = ["experiment": .string(key), "variant": .string(variant), "trace_id": .string(traceID)]
            if phase != 0 { properties["phase"] = .number(Double(phase)) }
            let event: JSONValue = .object([
                "uuid": .string(Self.uuid("exposure", traceID, spanID, String(position), key).uuidString),
                "event": .string(EventName.exposure),
                "unit": .string(exposureUnit.1),
                "timestamp": .number(Double(nanos / 1_000_000)),
                "properties": .object(properties),
            ])
            mapped.append((event, ["unit": exposureUnit.0, "timestamp": "events[\(position)].timeUnixNano", "properties.variant": "feature_flag.result.variant"]))
            exposures += 1
        }
        if mapped.isEmpty {
            output.ignored += 1
            return
        }
        for (event, sources) in mapped {
            output.events.append(event)
            output.spanOfEvent.append(index)
            output.sources.append(sources)
        }
    }

    /// The unit: the first configured attribute present on the span, else on its resource, with its name.
    func unit(span: Attributes, resource: Attributes) -> (String, String)? {
        for holder in [span, resource] {
            for key in configuration.unitAttributes {
                if let value = holder[key].flatMap(Self.text) { return (key, value) }
            }
        }
        return nil
    }

    /// The `llm_request_completed` or `llm_request_failed` event of a GenAI span.
    func llmEvent(
        _ span: Opentelemetry_Proto_Trace_V1_Span, traceID: String, spanID: String, unit: (String, String),
        attributes: Attributes, resource: Attributes
    ) -> (event: JSONValue, sources: [String: String]) {
        var properties: [String: JSONValue] = ["trace_id": .string(traceID), "span_id": .string(spanID)]
        var sources: [String: String] = ["unit": unit.0]
        /// Sets a property from the first of `keys` present on the span (then, with `resource`, on the resource).
        func take(_ property: String, _ keys: [String], resourceToo: Bool = false) {
            for key in keys {
                if let value = attributes[key] ?? (resourceToo ? resource[key] : nil) {
                    properties[property] = Self.json(value)
                    sources["properties.\(property)"] = key
                    return
                }
            }
        }
        take("model", ["gen_ai.response.model", "gen_ai.request.model"])
        take("provider", ["gen_ai.provider.name", "gen_ai.system"])
        take("input_tokens", ["gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens"])
        take("output_tokens", ["gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens"])
        take("request_id", ["gen_ai.response.id"])
        take("session_id", ["gen_ai.conversation.id", "session.id"], resourceToo: true)
        take("prompt_name", [configuration.promptNameAttribute], resourceToo: true)
        take("prompt_version_id", [configuration.promptVersionAttribute], resourceToo: true)
        take("environment", ["deployment.environment.name", "deployment.environment"], resourceToo: true)

        let start = span.startTimeUnixNano, end = span.endTimeUnixNano
        if start != 0, end != 0 {
            // The difference in integers: nanosecond timestamps are past a Double's 53-bit precision.
            let nanos = end >= start ? Double(end - start) : -Double(start - end)
            properties["latency_ms"] = .number(nanos / 1e6)
            sources["properties.latency_ms"] = "endTimeUnixNano - startTimeUnixNano"
        }
        let errorType = attributes["error.type"].flatMap(Self.text)
        let failed = span.status.code == .error || errorType != nil
        if failed {
            let type = errorType ?? (span.status.message.isEmpty ? "_OTHER" : span.status.message)
            properties["error_type"] = .string(type)
            properties["status"] = .string(type.lowercased().contains("timeout") ? "timeout" : "error")
            sources["properties.error_type"] = errorType != nil ? "error.type" : "status.message"
        } else {
            properties["status"] = .string("success")
        }
        let event: JSONValue = .object([
            "uuid": .string(Self.uuid("span", traceID, spanID).uuidString),
            "event": .string(failed ? EventName.llmRequestFailed : EventName.llmRequestCompleted),
            "unit": .string(unit.1),
            "timestamp": .number(Double((end != 0 ? end : start) / 1_000_000)),
            "properties": .object(properties),
        ])
        sources["timestamp"] = "endTimeUnixNano"
        return (event, sources)
    }
}
