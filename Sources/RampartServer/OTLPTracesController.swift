import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import NIOCore
import RampartBodyDecoding
import RampartCore
import RampartOTLP

/// `POST /v1/traces`: OTLP/HTTP trace export (protobuf or JSON, gzip or not). GenAI spans become LLM events and
/// `feature_flag.evaluation` span events become exposures (``OTLPTraceMapping``), stored through the path of
/// `/v1/events` (``OTLPTraceIngest``) with its body limit, admission gate and SDK-key check. The answer is an
/// `ExportTraceServiceResponse` in the request's encoding, sent once the stored events are durable; errors are
/// `google.rpc.Status` bodies (``OTLPStatusMiddleware``), 429 and 503 with Retry-After so exporters retry.
struct OTLPTracesController {
    let ingest: OTLPTraceIngest
    let maxBodyBytes: Int
    /// The admission gate of `/v1/events`: the two ingest routes share it.
    let gate: AdmissionGate
    let spans = Counter(label: "rampart_otlp_spans_total")
    let ignored = Counter(label: "rampart_otlp_spans_ignored_total")
    let rejected = Counter(label: "rampart_otlp_spans_rejected_total")
    let ingested = Counter(label: "rampart_events_ingested_total")
    let duplicates = Counter(label: "rampart_events_duplicate_total")

    func addRoutes(to group: RouterGroup<RampartRequestContext>) {
        group.post("traces", use: export)
    }

    @Sendable func export(_ request: Request, context: RampartRequestContext) async throws -> Response {
        guard let encoding = OTLPTraceIngest.Encoding(contentType: request.headers[.contentType]) else {
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type", "send OTLP as application/x-protobuf or application/json")
        }
        // The body is read before a place in the gate is taken, within the request's deadline.
        let received = try await request.collectBody(upTo: maxBodyBytes, advice: "; send smaller batches")
        guard gate.enter() else {
            throw APIError(.tooManyRequests, code: "overloaded", "too many ingest requests in flight; retry after 1 second", headers: [.retryAfter: "1"])
        }
        defer { gate.leave() }
        let body = try GzipDecoding.decodeBody(received, contentEncoding: request.headers[.contentEncoding], limit: maxBodyBytes)
        let outcome: OTLPTraceIngest.Outcome
        do {
            outcome = try await ingest.ingest(Array(body.readableBytesView), encoding: encoding)
        } catch let failure as OTLPTraceIngest.DecodingFailure {
            throw APIError(.badRequest, code: "invalid_otlp", failure.description)
        } catch {
            throw APIError.store(error, "the spans were not stored: ")
        }
        spans.increment(by: outcome.spans)
        ignored.increment(by: outcome.ignored)
        rejected.increment(by: outcome.rejectedSpans.count)
        ingested.increment(by: outcome.result.stored)
        duplicates.increment(by: outcome.result.duplicates)
        let bytes = try OTLPTraceIngest.encode(outcome.response, encoding: encoding)
        return Response(
            status: .ok, headers: [.contentType: encoding.contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }
}
