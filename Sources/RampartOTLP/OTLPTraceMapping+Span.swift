import Foundation
import RampartCore

extension OTLPTraceMapping {
    /// OpenTelemetry's feature-flag evaluation event (semantic conventions, "Feature flags").
    static let flagEvaluationEvent = Array("feature_flag.evaluation".utf8)

    /// An attribute key's UTF-8, with its name for the sources of an event.
    struct Key {
        let name: String
        let utf8: [UInt8]

        init(_ name: String) {
            self.name = name
            self.utf8 = Array(name.utf8)
        }
    }

    /// The keys the mapping reads (the configured ones included), as UTF-8 to compare with the body's bytes.
    struct Keys: Sendable {
        let units: [Key]
        let promptName: Key
        let promptVersion: Key
        static let responseModel = Key("gen_ai.response.model"), requestModel = Key("gen_ai.request.model")
        static let providerName = Key("gen_ai.provider.name"), system = Key("gen_ai.system")
        static let inputTokens = Key("gen_ai.usage.input_tokens"), promptTokens = Key("gen_ai.usage.prompt_tokens")
        static let outputTokens = Key("gen_ai.usage.output_tokens"), completionTokens = Key("gen_ai.usage.completion_tokens")
        static let responseID = Key("gen_ai.response.id")
        static let conversationID = Key("gen_ai.conversation.id"), sessionID = Key("session.id")
        static let environmentName = Key("deployment.environment.name"), environment = Key("deployment.environment")
        static let errorType = Key("error.type")
        static let flagKey = Key("feature_flag.key"), flagResultVariant = Key("feature_flag.result.variant")
        static let flagVariant = Key("feature_flag.variant"), flagContextID = Key("feature_flag.context.id")

        init(_ configuration: Configuration) {
            units = configuration.unitAttributes.map(Key.init)
            promptName = Key(configuration.promptNameAttribute)
            promptVersion = Key(configuration.promptVersionAttribute)
        }
    }

    /// The first attribute with `key` that has a value (a repeated key's first occurrence wins).
    static func find(_ key: Key, in list: [OTLPWireSpan.Attribute], bytes: [UInt8]) -> OTLPWireSpan.Attribute? {
        let count = key.utf8.count
        for attribute in list where attribute.key.count == count && attribute.value != nil {
            if bytes[attribute.key].elementsEqual(key.utf8) { return attribute }
        }
        return nil
    }

    /// A span's events: one `llm_request_*` for a GenAI span, an `exposure` per evaluation of a Rampart flag.
    /// Appends them to `output`, or a rejection (and no event) when the span cannot be mapped.
    func map(
        _ span: OTLPWireSpan, resource: [OTLPWireSpan.Attribute], index: Int, bytes: [UInt8], ids: IDEncoding,
        into output: inout Output
    ) throws {
        var evaluations: [(position: Int, time: UInt64, attributes: [OTLPWireSpan.Attribute])] = []
        for (position, event) in span.events.enumerated() {
            if let evaluation = try Self.flagEvaluation(event, bytes: bytes) {
                evaluations.append((position, evaluation.time, evaluation.attributes))
            }
        }
        guard span.hasGenAIAttribute || !evaluations.isEmpty else {
            output.ignored += 1
            return
        }
        func reject(_ field: String, _ reason: String) {
            output.rejections.append(SpanRejection(span: index, field: field, reason: reason))
        }
        guard let traceID = Self.id(span.traceID.map { bytes[$0] }, ids: ids, bytes: 16) else {
            return reject("traceId", "must be 16 bytes (32 hex digits in JSON), not all zero")
        }
        guard let spanID = Self.id(span.spanID.map { bytes[$0] }, ids: ids, bytes: 8) else {
            return reject("spanId", "must be 8 bytes (16 hex digits in JSON), not all zero")
        }
        let unit = try self.unit(span: span.attributes, resource: resource, bytes: bytes)

        // Events are written straight into the output; a rejection later in the span takes them back.
        let mark = (bytes: output.ndjson.count, events: output.spanOfEvent.count)
        func rollBack() {
            output.ndjson.removeSubrange(mark.bytes...)
            output.spanOfEvent.removeSubrange(mark.events...)
            output.sources.removeSubrange(mark.events...)
        }
        if span.hasGenAIAttribute {
            guard let unit else {
                return reject("attributes", "no unit: none of \(configuration.unitAttributes.joined(separator: ", ")) is a string on the span or its resource")
            }
            try writeLLMEvent(span, traceID: traceID, spanID: spanID, unit: unit, resource: resource, bytes: bytes, into: &output)
            output.spanOfEvent.append(index)
        }
        for evaluation in evaluations {
            let flag = evaluation.attributes
            guard let key = try Self.find(Keys.flagKey, in: flag, bytes: bytes).flatMap({ Self.text(try Self.anyValue($0, in: bytes), in: bytes) }),
                  let phase = experimentPhase(key)
            else { continue }
            let variantAttribute = Self.find(Keys.flagResultVariant, in: flag, bytes: bytes) ?? Self.find(Keys.flagVariant, in: flag, bytes: bytes)
            guard let variant = try variantAttribute.flatMap({ Self.text(try Self.anyValue($0, in: bytes), in: bytes) }) else { continue }
            let context = try Self.find(Keys.flagContextID, in: flag, bytes: bytes).flatMap { Self.text(try Self.anyValue($0, in: bytes), in: bytes) }
            guard let exposureUnit = context.map({ (Keys.flagContextID.name, $0) }) ?? unit else {
                rollBack()
                return reject("events[\(evaluation.position)].attributes", "no unit for the exposure: neither feature_flag.context.id on the event nor \(configuration.unitAttributes.joined(separator: ", ")) on the span or its resource")
            }
            let nanos = evaluation.time != 0 ? evaluation.time : span.startTimeUnixNano
            var line = EventLine()
            line.open(uuid: Self.uuid("exposure", traceID, spanID, String(evaluation.position), key), event: EventName.exposure, unit: exposureUnit.1, milliseconds: nanos / 1_000_000, into: &output.ndjson)
            line.member("experiment", .string(key), into: &output.ndjson)
            line.member("variant", .string(variant), into: &output.ndjson)
            line.member("trace_id", .string(traceID), into: &output.ndjson)
            if phase != 0 { line.member("phase", .number(Double(phase)), into: &output.ndjson) }
            line.close(into: &output.ndjson)
            output.spanOfEvent.append(index)
            output.sources.append([
                Source(field: "unit", origin: exposureUnit.0),
                Source(field: "timestamp", origin: "events[\(evaluation.position)].timeUnixNano"),
                Source(field: "properties.variant", origin: "feature_flag.result.variant"),
            ])
        }
        if output.spanOfEvent.count == mark.events { output.ignored += 1 }
    }

    /// The time and attributes of a span event named `feature_flag.evaluation`, or `nil` for another event.
    static func flagEvaluation(_ range: Range<Int>, bytes: [UInt8]) throws -> (time: UInt64, attributes: [OTLPWireSpan.Attribute])? {
        var reader = ProtobufWireReader(bytes, range: range)
        var time: UInt64 = 0
        var name: Range<Int>?
        var attributes: [OTLPWireSpan.Attribute] = []
        while let (number, wireType) = try reader.nextField() {
            switch number {
            case 1:
                try reader.expect(wireType, .fixed64, "Span.Event.time_unix_nano")
                time = try reader.fixed64()
            case 2:
                try reader.expect(wireType, .lengthDelimited, "Span.Event.name")
                let range = try reader.lengthDelimited()
                try OTLPWireSpan.checkUTF8(range, in: reader, "Span.Event.name")
                name = range
            case 3:
                try reader.expect(wireType, .lengthDelimited, "Span.Event.attributes")
                attributes.append(try OTLPWireSpan.attribute(reader.lengthDelimited(), in: bytes))
            default:
                try reader.skip(wireType)
            }
        }
        guard let name, bytes[name].elementsEqual(flagEvaluationEvent) else { return nil }
        return (time, attributes)
    }

    /// The unit: the first configured attribute present on the span, else on its resource, with its name.
    func unit(span: [OTLPWireSpan.Attribute], resource: [OTLPWireSpan.Attribute], bytes: [UInt8]) throws -> (String, String)? {
        for holder in [span, resource] {
            for key in keys.units {
                if let attribute = Self.find(key, in: holder, bytes: bytes), let value = Self.text(try Self.anyValue(attribute, in: bytes), in: bytes) {
                    return (key.name, value)
                }
            }
        }
        return nil
    }

    /// Writes the `llm_request_completed` or `llm_request_failed` event of a GenAI span and its sources.
    func writeLLMEvent(
        _ span: OTLPWireSpan, traceID: String, spanID: String, unit: (String, String), resource: [OTLPWireSpan.Attribute],
        bytes: [UInt8], into output: inout Output
    ) throws {
        let errorType = try Self.find(Keys.errorType, in: span.attributes, bytes: bytes).flatMap { Self.text(try Self.anyValue($0, in: bytes), in: bytes) }
        let failed = span.statusCode == 2 || errorType != nil
        let start = span.startTimeUnixNano, end = span.endTimeUnixNano
        var sources: [Source] = [Source(field: "unit", origin: unit.0), Source(field: "timestamp", origin: "endTimeUnixNano")]
        sources.reserveCapacity(14)

        var line = EventLine()
        line.open(
            uuid: Self.uuid("span", traceID, spanID), event: failed ? EventName.llmRequestFailed : EventName.llmRequestCompleted,
            unit: unit.1, milliseconds: (end != 0 ? end : start) / 1_000_000, into: &output.ndjson
        )
        line.member("trace_id", .string(traceID), into: &output.ndjson)
        line.member("span_id", .string(spanID), into: &output.ndjson)
        /// Writes a property from the first of `keys` present on the span (then, with `resourceToo`, on the resource).
        func take(_ property: String, _ field: String, _ candidates: [Key], resourceToo: Bool = false) throws {
            for key in candidates {
                if let attribute = Self.find(key, in: span.attributes, bytes: bytes) ?? (resourceToo ? Self.find(key, in: resource, bytes: bytes) : nil) {
                    line.member(property, try Self.json(Self.anyValue(attribute, in: bytes), in: bytes), into: &output.ndjson)
                    sources.append(Source(field: field, origin: key.name))
                    return
                }
            }
        }
        try take("model", "properties.model", [Keys.responseModel, Keys.requestModel])
        try take("provider", "properties.provider", [Keys.providerName, Keys.system])
        try take("input_tokens", "properties.input_tokens", [Keys.inputTokens, Keys.promptTokens])
        try take("output_tokens", "properties.output_tokens", [Keys.outputTokens, Keys.completionTokens])
        try take("request_id", "properties.request_id", [Keys.responseID])
        try take("session_id", "properties.session_id", [Keys.conversationID, Keys.sessionID], resourceToo: true)
        try take("prompt_name", "properties.prompt_name", [keys.promptName], resourceToo: true)
        try take("prompt_version_id", "properties.prompt_version_id", [keys.promptVersion], resourceToo: true)
        try take("environment", "properties.environment", [Keys.environmentName, Keys.environment], resourceToo: true)

        if start != 0, end != 0 {
            // The difference in integers: nanosecond timestamps are past a Double's 53-bit precision.
            let nanos = end >= start ? Double(end - start) : -Double(start - end)
            line.member("latency_ms", .number(nanos / 1e6), into: &output.ndjson)
            sources.append(Source(field: "properties.latency_ms", origin: "endTimeUnixNano - startTimeUnixNano"))
        }
        if failed {
            let message = span.statusMessage.map { String(decoding: bytes[$0], as: UTF8.self) } ?? ""
            let type = errorType ?? (message.isEmpty ? "_OTHER" : message)
            line.member("error_type", .string(type), into: &output.ndjson)
            line.member("status", .string(type.lowercased().contains("timeout") ? "timeout" : "error"), into: &output.ndjson)
            sources.append(Source(field: "properties.error_type", origin: errorType != nil ? "error.type" : "status.message"))
        } else {
            line.member("status", .string("success"), into: &output.ndjson)
        }
        line.close(into: &output.ndjson)
        output.sources.append(sources)
    }
}

/// Writes one native event as an NDJSON line: `{"uuid":…,"event":…,"unit":…,"timestamp":…,"properties":{…}}`.
struct EventLine {
    private var members = 0

    /// Writes the event's own fields and opens its properties.
    mutating func open(uuid: UUID, event: String, unit: String, milliseconds: UInt64, into bytes: inout [UInt8]) {
        bytes.append(contentsOf: #"{"uuid":"#.utf8)
        JSONValue.string(uuid.uuidString).appendJSON(to: &bytes)
        bytes.append(contentsOf: #","event":"#.utf8)
        JSONValue.string(event).appendJSON(to: &bytes)
        bytes.append(contentsOf: #","unit":"#.utf8)
        JSONValue.string(unit).appendJSON(to: &bytes)
        bytes.append(contentsOf: #","timestamp":"#.utf8)
        JSONValue.number(Double(milliseconds)).appendJSON(to: &bytes)
        bytes.append(contentsOf: #","properties":{"#.utf8)
    }

    /// Writes one property (names are plain ASCII and written as they are).
    mutating func member(_ name: String, _ value: JSONValue, into bytes: inout [UInt8]) {
        if members > 0 { bytes.append(UInt8(ascii: ",")) }
        members += 1
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: name.utf8)
        bytes.append(contentsOf: #"":"#.utf8)
        value.appendJSON(to: &bytes)
    }

    /// Closes the properties and the event, and ends the line.
    func close(into bytes: inout [UInt8]) {
        bytes.append(contentsOf: "}}\n".utf8)
    }
}
