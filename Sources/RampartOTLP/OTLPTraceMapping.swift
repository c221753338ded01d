import Foundation
import OTLPProto
import SwiftProtobuf
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

    /// Which OTLP field an event's field came from, to name it when the event is rejected.
    public struct Source: Sendable, Hashable {
        /// The event's field, e.g. `properties.input_tokens`.
        public var field: String
        /// The OTLP field, e.g. `gen_ai.usage.input_tokens`.
        public var origin: String
    }

    /// What a request maps to.
    public struct Output: Sendable {
        /// The events in the native format, one NDJSON line each, for the store's NDJSON path.
        public var ndjson: [UInt8] = []
        /// For each event, the position of the span it came from.
        public var spanOfEvent: [Int] = []
        /// For each event, which OTLP field each mapped field came from.
        public var sources: [[Source]] = []
        /// Spans that could not be mapped.
        public var rejections: [SpanRejection] = []
        /// Every span in the request.
        public var spans = 0
        /// Spans with neither GenAI attributes nor an exposure: ignored, not rejected.
        public var ignored = 0

        /// The number of events.
        public var count: Int { spanOfEvent.count }

        /// The events as JSON values, parsed back from ``ndjson`` (for tests and the bench's native bodies).
        public var events: [JSONValue] {
            ndjson.split(separator: 0x0A).compactMap { line in
                Array(line).withUnsafeBufferPointer { try? JSONValue.parse(utf8: $0) }
            }
        }

        /// The OTLP field behind an event's field, if the mapping set it.
        ///
        /// - Parameters:
        ///   - field: The event's field, as a rejection names it.
        ///   - event: The event's position.
        public func origin(of field: String, event: Int) -> String? {
            sources[event].first { $0.field == field }?.origin
        }
    }

    /// The attribute settings.
    public var configuration: Configuration {
        didSet { keys = Keys(configuration) }
    }
    /// The keys of ``configuration`` and the conventions, as UTF-8.
    private(set) var keys: Keys
    /// The phase of a Rampart experiment by key, or `nil` when the flag is not one.
    public var experimentPhase: @Sendable (String) -> Int?

    /// Creates a mapping.
    ///
    /// - Parameters:
    ///   - configuration: The attribute settings.
    ///   - experimentPhase: The current phase of the experiment with a flag's key, `nil` for other flags.
    public init(configuration: Configuration = Configuration(), experimentPhase: @escaping @Sendable (String) -> Int?) {
        self.configuration = configuration
        self.keys = Keys(configuration)
        self.experimentPhase = experimentPhase
    }

    /// Maps every span of an export request, read from its protobuf bytes.
    ///
    /// Only the fields the mapping uses are decoded (``OTLPWireSpan``); fields it does not read (scopes, links,
    /// the values of other attributes) are checked for framing and skipped.
    ///
    /// - Parameters:
    ///   - bytes: An `ExportTraceServiceRequest` in protobuf's binary format.
    ///   - ids: How its ids were encoded.
    /// - Returns: The events, the rejected spans and the counts.
    /// - Throws: ``ProtobufWireReader/Failure`` when the bytes are not such a request.
    public func map(_ bytes: [UInt8], ids: IDEncoding) throws -> Output {
        var output = Output()
        output.ndjson.reserveCapacity(bytes.count)
        var span = OTLPWireSpan()
        var resource: [OTLPWireSpan.Attribute] = []
        var scopes: [Range<Int>] = []
        var request = ProtobufWireReader(bytes)
        while let (number, wireType) = try request.nextField() {
            guard number == 1 else {
                try request.skip(wireType)
                continue
            }
            try request.expect(wireType, .lengthDelimited, "ExportTraceServiceRequest.resource_spans")
            var resourceSpans = ProtobufWireReader(bytes, range: try request.lengthDelimited())
            resource.removeAll(keepingCapacity: true)
            scopes.removeAll(keepingCapacity: true)
            // The resource may follow its spans on the wire (and may come in pieces, which protobuf merges).
            while let (field, type) = try resourceSpans.nextField() {
                switch field {
                case 1:
                    try resourceSpans.expect(type, .lengthDelimited, "ResourceSpans.resource")
                    try OTLPWireSpan.attributes(field: 1, of: resourceSpans.lengthDelimited(), in: bytes, name: "Resource.attributes", into: &resource)
                case 2:
                    try resourceSpans.expect(type, .lengthDelimited, "ResourceSpans.scope_spans")
                    scopes.append(try resourceSpans.lengthDelimited())
                case 3:
                    try resourceSpans.expect(type, .lengthDelimited, "ResourceSpans.schema_url")
                    try OTLPWireSpan.checkUTF8(resourceSpans.lengthDelimited(), in: resourceSpans, "ResourceSpans.schema_url")
                default:
                    try resourceSpans.skip(type)
                }
            }
            for scope in scopes {
                var scopeSpans = ProtobufWireReader(bytes, range: scope)
                while let (field, type) = try scopeSpans.nextField() {
                    switch field {
                    case 2:
                        try scopeSpans.expect(type, .lengthDelimited, "ScopeSpans.spans")
                        var reader = ProtobufWireReader(bytes, range: try scopeSpans.lengthDelimited())
                        try span.read(&reader)
                        let index = output.spans
                        output.spans += 1
                        try map(span, resource: resource, index: index, bytes: bytes, ids: ids, into: &output)
                    case 1, 3:
                        try scopeSpans.expect(type, .lengthDelimited, field == 1 ? "ScopeSpans.scope" : "ScopeSpans.schema_url")
                        let range = try scopeSpans.lengthDelimited()
                        if field == 3 { try OTLPWireSpan.checkUTF8(range, in: scopeSpans, "ScopeSpans.schema_url") }
                    default:
                        try scopeSpans.skip(type)
                    }
                }
            }
        }
        return output
    }

    /// Maps every span of a decoded export request (OTLP/JSON's path): the message is written in protobuf's binary
    /// format and mapped by ``map(_:ids:)-(Array<UInt8>,_)``, so both encodings share one mapping.
    ///
    /// - Parameters:
    ///   - request: The decoded request.
    ///   - ids: How its ids were encoded.
    public func map(_ request: Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest, ids: IDEncoding) throws -> Output {
        try map(request.serializedBytes() as [UInt8], ids: ids)
    }
}
