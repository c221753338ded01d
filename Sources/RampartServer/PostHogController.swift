import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import NIOCore
import RampartBodyDecoding
import RampartCore
import RampartStore

/// PostHog's capture API: `POST /batch/`, `/capture/`, `/e/`, `/i/v0/e/` and `/i/v0/ai/batch/` (where
/// posthog-python sends `$ai_*` events), so an unmodified PostHog SDK pointed at Rampart is the whole integration.
///
/// Bodies are JSON, plain or gzip (`Content-Encoding: gzip`, `?compression=gzip-js`, or gzip bytes without a
/// header), or form-encoded `data=<base64>` (``PostHogFormBody``): one event, `{"batch": [...]}` or an array. The key is the body's `api_key` (or `token`), an SDK key,
/// checked as `/v1/events` checks its header. Each event is mapped by ``PostHogMapping`` to a native event object
/// and then validated by the same ``EventParser`` and stored by the same store call as `/v1/events` (privacy
/// drops, idempotency, attribution, group commit; the answer is sent once the events are durable). Limits are
/// the ones of `/v1/events`: the same body limit (before and after decompression) and the same admission gate.
struct PostHogController {
    let store: any EventStore
    let parser: EventParser
    let registry: ExperimentRegistry
    let keys: KeyRing
    let maxBodyBytes: Int
    let gate: AdmissionGate
    let ingested = Counter(label: "rampart_events_ingested_total")
    let duplicates = Counter(label: "rampart_events_duplicate_total")
    let rejected = Counter(label: "rampart_events_rejected_total")

    /// The capture paths PostHog's SDKs post to.
    static let paths = ["batch", "capture", "e", "i/v0/e", "i/v0/ai/batch"]

    func addRoutes(to router: Router<RampartRequestContext>) {
        for path in Self.paths { router.post(RouterPath(path), use: capture) }
    }

    @Sendable func capture(_ request: Request, context: RampartRequestContext) async throws -> Response {
        // The key travels in the body, so the body is read (within the request's deadline) before a place in the
        // gate is taken: a keyless client that stalls holds its connection, never a place keyed clients need.
        let raw: ByteBuffer
        do {
            raw = try await request.collectBody(upTo: maxBodyBytes, advice: "; send smaller batches")
        } catch let error as APIError {
            throw PostHogError(error)
        }
        guard gate.enter() else {
            throw PostHogError(.tooManyRequests, type: "rate_limited", code: "overloaded", "too many ingest requests in flight; retry after 1 second", headers: [.retryAfter: "1"])
        }
        defer { gate.leave() }
        let compression = request.uri.queryParameters.get("compression")
        var body: ByteBuffer
        do {
            body = try GzipDecoding.decodeBody(
                raw, contentEncoding: request.headers[.contentEncoding],
                forceGzip: compression == "gzip-js" || compression == "gzip" || GzipDecoding.looksCompressed(raw), limit: maxBodyBytes
            )
        } catch let error as APIError {
            throw PostHogError(error)
        }
        if PostHogFormBody.applies(to: body, contentType: request.headers[.contentType], compression: compression) {
            do {
                body = try PostHogFormBody.decode(body, limit: maxBodyBytes)
            } catch let failure as PostHogFormBody.Failure {
                throw PostHogError(failure)
            }
        }
        let now = Date()
        let capture = try self.capture(of: body, now: now)
        try authorize(presented: capture.presentedKey, headers: request.headers)

        let outcome: PostHogIngestOutcome
        do {
            outcome = try await ingest(capture, now: now)
        } catch let error as PostHogError {
            throw error
        } catch {
            throw PostHogError(APIError.store(error, "the events were not stored: "))
        }
        ingested.increment(by: outcome.result.stored)
        duplicates.increment(by: outcome.result.duplicates)
        rejected.increment(by: outcome.result.rejections.count)
        return .json(outcome.responseBody.jsonText)
    }

    /// A (decompressed) body ready to store: scanned straight from its bytes when it has the usual shape
    /// (``PostHogMapping/scanBody(_:now:)``), otherwise parsed (400 `invalid_payload` for malformed input) and
    /// mapped event by event to native lines, which gives the same events.
    ///
    /// - Parameters:
    ///   - body: The body.
    ///   - now: When the request arrived.
    func capture(of body: ByteBuffer, now: Date) throws -> PostHogCapture {
        let mapping = self.mapping()
        if let scanned = body.withUnsafeReadableBytes({ raw in mapping.scanBody(raw.bindMemory(to: UInt8.self), now: now) }) {
            return .scanned(scanned)
        }
        let root = try Self.parseJSON(body)
        let (events, sentAt) = try Self.events(in: root)
        var lines = mapping.lines(events, batchSentAt: sentAt, now: now)
        lines.presentedKey = PostHogMapping.presentedKey(root: root, first: events.first)
        return .lines(lines)
    }

    /// Validates and stores the events of one request: through the store's encoder straight from the scanned
    /// body, or through the native NDJSON path.
    ///
    /// - Parameters:
    ///   - capture: The request's events.
    ///   - now: When the request arrived.
    /// - Returns: The store's result, with rejections indexed and named as the client sent them.
    func ingest(_ capture: PostHogCapture, now: Date) async throws -> PostHogIngestOutcome {
        var result: IngestResult
        switch capture {
        case .scanned(let body):
            result = try await store.ingestScanned(body, parser: parser, now: now)
        case .lines(let lines):
            result = try await store.ingestNDJSON(lines.ndjson, firstIndex: 0, parser: parser, now: now)
            result.rejections += lines.rejections
        }
        result.rejections = result.rejections.map { r in
            var r = r
            r.field = PostHogMapping.postHogField(r.field, event: capture.postHogName(of: r.index))
            return r
        }.sorted { $0.index < $1.index }
        return PostHogIngestOutcome(result: result)
    }

    /// The mapping for the experiments being served now.
    func mapping() -> PostHogMapping {
        var experiments: [String: PostHogMapping.ExperimentInfo] = [:]
        for experiment in registry.experiments {
            experiments[experiment.key] = .init(phase: experiment.phase, variants: experiment.variants.map(\.key))
        }
        return PostHogMapping(experiments: experiments, contentID: Self.contentID)
    }

    /// A uuid from an event's canonical JSON: the first 128 bits of its SHA-256, marked as version 8 (RFC 9562).
    @Sendable static func contentID(_ bytes: [UInt8]) -> UUID {
        var digest = Array(SHA256.hash(data: bytes).prefix(16))
        digest[6] = (digest[6] & 0x0F) | 0x80
        digest[8] = (digest[8] & 0x3F) | 0x80
        return UUID(uuid: (
            digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
            digest[8], digest[9], digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]
        ))
    }

    /// Parses the body as JSON; 400 `invalid_payload` otherwise.
    static func parseJSON(_ body: ByteBuffer) throws -> JSONValue {
        let bytes = Array(body.readableBytesView)
        do {
            return try bytes.withUnsafeBufferPointer { try PostHogMapping.parse($0) }
        } catch let error as RampartError {
            throw PostHogError(.badRequest, code: "invalid_payload", "the body is not valid JSON: \(error.message)")
        }
    }

    /// The events of a body: `{"batch": [...]}`, an array, or one event; and the request's `sent_at`.
    static func events(in root: JSONValue) throws -> (events: [JSONValue], sentAt: JSONValue?) {
        switch root {
        case .array(let events):
            return (events, nil)
        case .object(let members):
            if let batch = members["batch"] {
                guard case .array(let events) = batch else {
                    throw PostHogError(.badRequest, code: "invalid_payload", "batch: expected an array of events, found \(batch.typeName)")
                }
                return (events, members["sent_at"])
            }
            guard members["event"] != nil else {
                throw PostHogError(.badRequest, code: "invalid_payload", "expected an event (with 'event' and 'distinct_id') or {\"batch\": [...]}")
            }
            return ([root], nil)
        default:
            throw PostHogError(.badRequest, code: "invalid_payload", "expected a JSON object or array, found \(root.typeName)")
        }
    }

    /// Checks the key the body presents (``PostHogMapping/presentedKey(root:first:)``), else an
    /// `Authorization`/`X-API-Key` header. It must be an SDK key.
    func authorize(presented: String?, headers: HTTPFields) throws {
        let scope: KeyScope?
        if let presented {
            scope = keys.scope(of: presented)
        } else {
            let check = APIKeyMiddleware.withPresentedKey(headers) { presented in presented.map { keys.scope(of: $0) } }
            guard let known = check else {
                throw PostHogError(.unauthorized, type: "authentication_error", code: "missing_api_key", "api_key is required: send the Rampart SDK key as the body's api_key")
            }
            scope = known
        }
        guard let scope else {
            throw PostHogError(.unauthorized, type: "authentication_error", code: "invalid_api_key", "api_key is not a valid Rampart SDK key")
        }
        guard scope == .sdk else {
            throw PostHogError(.forbidden, type: "authentication_error", code: "wrong_scope", "capture needs an SDK key; the key sent is \(scope.phrase)")
        }
    }
}

/// What one capture request stored and rejected.
struct PostHogIngestOutcome: Sendable {
    var result: IngestResult

    /// PostHog's `{"status": 1}` with Rampart's counts and the rejected events (index, uuid, field, reason).
    var responseBody: JSONValue {
        var members = result.responseMembers
        members["status"] = 1
        return .object(members)
    }
}
