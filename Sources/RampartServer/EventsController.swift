import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import NIOCore
import RampartBodyDecoding
import RampartCore
import RampartStore

/// `POST /v1/events`: a JSON array of events, or NDJSON (one event per line). The response is sent only once the
/// stored events are durable; each rejected event is reported with its index, uuid, field and reason.
struct EventsController {
    let store: any EventStore
    let parser: EventParser
    let maxBodyBytes: Int
    /// Bounds the requests being ingested at once; the others get 429 with Retry-After.
    let gate: AdmissionGate
    /// Where rejected events are recorded (index, field, reason; never the payload) for the console's ingest page.
    var rejectionLog: (any IngestHealthStore)? = nil
    let ingested = Counter(label: "rampart_events_ingested_total")
    let duplicates = Counter(label: "rampart_events_duplicate_total")
    let rejected = Counter(label: "rampart_events_rejected_total")

    func addRoutes(to group: RouterGroup<RampartRequestContext>) {
        group.post("events", use: ingest)
    }

    @Sendable func ingest(_ request: Request, context: RampartRequestContext) async throws -> Response {
        // The body is read before a place in the gate is taken, within the request's deadline: a client that
        // stalls holds its connection, never a place other clients' events need.
        let received = try await request.collectBody(upTo: maxBodyBytes, advice: "; send smaller batches")
        guard gate.enter() else {
            throw APIError(.tooManyRequests, code: "overloaded", "too many ingest requests in flight; retry after 1 second", headers: [.retryAfter: "1"])
        }
        defer { gate.leave() }
        // Content-Encoding as the PostHog and OTLP routes take it: gzip decoded (within the same limit), another
        // encoding refused with 415 rather than read as JSON.
        let body = try GzipDecoding.decodeBody(received, contentEncoding: request.headers[.contentEncoding], limit: maxBodyBytes)
        let result: IngestResult
        do {
            result = try await ingestBody(body)
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.store(error, "the events were not stored: ")
        }
        let rejections = result.rejections.sorted { $0.index < $1.index }
        ingested.increment(by: result.stored)
        duplicates.increment(by: result.duplicates)
        rejected.increment(by: rejections.count)
        if let rejectionLog, !rejections.isEmpty {
            let now = Date()
            // Best effort: the events' answer does not depend on the health page's log.
            try? await rejectionLog.recordRejections(rejections.map {
                RecordedRejection(at: now, index: $0.index, field: $0.field, reason: $0.reason, source: "POST /v1/events")
            })
        }
        return .json(JSONValue.object(result.responseMembers).jsonText)
    }

    /// Parses and stores a JSON array (first non-blank byte `[`) or NDJSON. Arrays of plain events and NDJSON are
    /// read straight from the bytes by the store; any other array goes through the full parser.
    func ingestBody(_ body: ByteBuffer) async throws -> IngestResult {
        let now = Date()
        var bytes = Array(body.readableBytesView)
        // A UTF-8 byte-order mark (Windows tools write one) is ignored, as RFC 8259 allows.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        let first = bytes.firstIndex { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        guard let first, bytes[first] == UInt8(ascii: "[") else {
            return try await store.ingestNDJSON(bytes, firstIndex: 0, parser: parser, now: now)
        }
        if let result = try await store.ingestPlainJSONArray(bytes, parser: parser, now: now) {
            return result
        }
        let batch = try parse(body, now: now)
        var result = try await store.ingest(batch.events).remapped(through: batch.indices)
        result.rejections += batch.rejections
        return result
    }

    /// A JSON array, through the full parser: each element validated on its own.
    func parse(_ body: ByteBuffer, now: Date) throws -> EventParser.Batch {
        try body.readableBytesView.withContiguousStorageIfAvailable { bytes -> EventParser.Batch in
            let root: JSONValue
            do {
                root = try JSONValue.parse(utf8: bytes)
            } catch let error as RampartError {
                throw APIError(.badRequest, code: "invalid_json", "the body starts like a JSON array but is not valid JSON: \(error.message)")
            }
            var batch = EventParser.Batch()
            for (index, item) in (root.arrayValue ?? []).enumerated() {
                switch parser.event(from: item, index: index, now: now) {
                case .success(let event):
                    batch.events.append(event)
                    batch.indices.append(index)
                case .failure(let rejection):
                    batch.rejections.append(rejection)
                }
            }
            return batch
        } ?? parser.parseNDJSON(UnsafeBufferPointer(start: nil, count: 0), now: now)
    }
}
