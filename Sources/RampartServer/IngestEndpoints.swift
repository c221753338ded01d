import Foundation
import NIOCore
import RampartBodyDecoding
import RampartCore
import RampartStore

/// The request-body handling of the ingest routes without HTTP, for `rampart bench ingest-adapters`: each call does
/// exactly what its route does between receiving the body and answering (decompression, parsing, mapping,
/// validation, the durable store call), without the key check and admission gate.
public struct IngestEndpoints: Sendable {
    let events: EventsController
    let postHog: PostHogController

    /// Creates the endpoints over a store.
    ///
    /// - Parameters:
    ///   - store: Where events go.
    ///   - experiments: The experiments served (PostHog flag calls for them become exposures).
    ///   - maxBodyBytes: The body limit, before and after decompression.
    public init(store: any EventStore, experiments: [Experiment], maxBodyBytes: Int = 8 * 1024 * 1024) {
        let parser = EventParser()
        let gate = AdmissionGate(limit: .max)
        events = EventsController(store: store, parser: parser, maxBodyBytes: maxBodyBytes, gate: gate)
        postHog = PostHogController(
            store: store, parser: parser, registry: ExperimentRegistry(experiments), keys: KeyRing(),
            maxBodyBytes: maxBodyBytes, gate: gate
        )
    }

    /// `POST /v1/events` with this body.
    public func native(_ body: ByteBuffer) async throws -> IngestResult {
        try await events.ingestBody(body)
    }

    /// `POST /batch/` with this body (gzip when `gzip` is true).
    public func postHogBatch(_ body: ByteBuffer, gzip: Bool = false) async throws -> IngestResult {
        let decoded = try GzipDecoding.decodeBody(body, contentEncoding: gzip ? "gzip" : nil, limit: postHog.maxBodyBytes)
        let now = Date()
        return try await postHog.ingest(postHog.capture(of: decoded, now: now), now: now).result
    }
}
