import Foundation
import OTLPProto
import RampartCore
import RampartOTLP
import RampartStore
import SwiftProtobuf

/// Decodes an OTLP trace export, maps its spans to events and stores them through the same parser and store as
/// `POST /v1/events`: the same validation, privacy drops, idempotency and attribution, and the result only once the
/// events are durable. `POST /v1/traces` and `rampart bench otlp` call it.
public struct OTLPTraceIngest: Sendable {
    /// The two encodings of OTLP/HTTP.
    public enum Encoding: Sendable {
        /// `application/x-protobuf`: binary protobuf.
        case protobuf
        /// `application/json`: OTLP/JSON (proto3 JSON with hex ids, lowerCamelCase names, enum integers).
        case json

        /// The encoding of a `Content-Type` value (parameters ignored), or `nil` when OTLP/HTTP has no such encoding.
        public init?(contentType: String?) {
            let media = contentType?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
            switch media {
            case "application/x-protobuf": self = .protobuf
            case "application/json": self = .json
            default: return nil
            }
        }

        /// The `Content-Type` of an answer in this encoding.
        public var contentType: String {
            switch self {
            case .protobuf: "application/x-protobuf"
            case .json: "application/json"
            }
        }
    }

    /// What one export did.
    public struct Outcome: Sendable {
        /// Spans in the request.
        public var spans = 0
        /// Spans ignored: neither GenAI attributes nor an exposure for a Rampart experiment.
        public var ignored = 0
        /// The events stored, duplicates and rejections, as the store reported them (indices are events').
        public var result = IngestResult()
        /// Rejected spans, each with the first reason, in span order.
        public var rejectedSpans: [OTLPTraceMapping.SpanRejection] = []

        /// The `ExportTraceServiceResponse`: `partial_success` only when some spans were rejected.
        public var response: Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse {
            var response = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse()
            guard !rejectedSpans.isEmpty else { return response }
            response.partialSuccess.rejectedSpans = Int64(rejectedSpans.count)
            let shown = rejectedSpans.prefix(5).map { "span \($0.span): \($0.field): \($0.reason)" }
            let more = rejectedSpans.count > shown.count ? "; and \(rejectedSpans.count - shown.count) more" : ""
            response.partialSuccess.errorMessage = "\(rejectedSpans.count) of \(spans) spans rejected: " + shown.joined(separator: "; ") + more
            return response
        }
    }

    /// Why a body could not be read at all (the answer is 400).
    public struct DecodingFailure: Error, CustomStringConvertible {
        public var description: String
    }

    let store: any EventStore
    let parser: EventParser
    let mapping: OTLPTraceMapping

    /// Creates the ingest path.
    ///
    /// - Parameters:
    ///   - store: Where events go.
    ///   - parser: The validation and privacy settings, those of `/v1/events`.
    ///   - mapping: How spans become events.
    public init(store: any EventStore, parser: EventParser, mapping: OTLPTraceMapping) {
        self.store = store
        self.parser = parser
        self.mapping = mapping
    }

    /// Decodes an `ExportTraceServiceRequest`.
    ///
    /// - Parameters:
    ///   - bytes: The (decompressed) body.
    ///   - encoding: Its encoding.
    /// - Throws: ``DecodingFailure`` when the body is not a request in that encoding.
    public static func decode(_ bytes: [UInt8], encoding: Encoding) throws -> Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest {
        do {
            switch encoding {
            case .protobuf:
                return try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(serializedBytes: bytes)
            case .json:
                var options = JSONDecodingOptions()
                options.ignoreUnknownFields = true  // OTLP/JSON receivers must ignore unknown fields
                return try Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest(jsonUTF8Bytes: bytes, options: options)
            }
        } catch {
            let what = encoding == .protobuf ? "a protobuf ExportTraceServiceRequest" : "an OTLP/JSON ExportTraceServiceRequest"
            // In JSON, the part that fails is named (swift-protobuf's errors say only what, not where).
            let place = encoding == .json ? locateJSONFailure(bytes) : nil
            throw DecodingFailure(description: "the body is not \(what): \(place ?? "\(error)")")
        }
    }

    /// Encodes the response in the request's encoding.
    public static func encode(_ message: some SwiftProtobuf.Message, encoding: Encoding) throws -> [UInt8] {
        switch encoding {
        case .protobuf: try message.serializedBytes()
        case .json: try message.jsonUTF8Bytes()
        }
    }

    /// Decodes, maps, validates and stores one export; returns once the stored events are durable.
    ///
    /// A protobuf body is mapped straight from its bytes (``OTLPTraceMapping/map(_:ids:)-(Array<UInt8>,_)``); an
    /// OTLP/JSON body is decoded into messages first.
    ///
    /// - Parameters:
    ///   - bytes: The (decompressed) body.
    ///   - encoding: Its encoding.
    ///   - now: The current time, for the parser's future-timestamp check.
    /// - Throws: ``DecodingFailure`` for an unreadable body; the store's error when nothing could be stored.
    public func ingest(_ bytes: [UInt8], encoding: Encoding, now: Date = Date()) async throws -> Outcome {
        let mapped: OTLPTraceMapping.Output
        do {
            switch encoding {
            case .protobuf: mapped = try mapping.map(bytes, ids: .binary)
            case .json: mapped = try mapping.map(Self.decode(bytes, encoding: .json), ids: .jsonHex)
            }
        } catch let failure as ProtobufWireReader.Failure {
            throw DecodingFailure(description: "the body is not a protobuf ExportTraceServiceRequest: \(failure)")
        }
        return try await save(mapped, now: now)
    }

    /// Validates and stores mapped spans.
    func save(_ mapped: OTLPTraceMapping.Output, now: Date) async throws -> Outcome {
        var outcome = Outcome(spans: mapped.spans, ignored: mapped.ignored)
        var rejected: [Int: OTLPTraceMapping.SpanRejection] = [:]
        for rejection in mapped.rejections { rejected[rejection.span] = rejected[rejection.span] ?? rejection }

        // The mapped events as NDJSON, stored by the store's NDJSON path, the one `/v1/events` takes: plain events
        // read straight from the bytes, any other line through the full parser. Line i is event i, so each
        // rejection's index names its span.
        let stored = try await store.ingestNDJSON(mapped.ndjson, firstIndex: 0, parser: parser, now: now)
        outcome.result = stored
        for rejection in stored.rejections {
            let span = mapped.spanOfEvent[rejection.index]
            let source = mapped.origin(of: rejection.field, event: rejection.index).map { " (from \($0))" } ?? ""
            rejected[span] = rejected[span] ?? OTLPTraceMapping.SpanRejection(span: span, field: rejection.field + source, reason: rejection.reason)
        }
        outcome.rejectedSpans = rejected.values.sorted { $0.span < $1.span }
        return outcome
    }
}
