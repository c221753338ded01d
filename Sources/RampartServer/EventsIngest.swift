import Foundation
import NIOCore
import RampartCore
import RampartStore

/// The body-level work of `POST /v1/events` (a JSON array or NDJSON → durable events) without HTTP, so that
/// `rampart bench otlp` compares it with ``OTLPTraceIngest`` on the same data.
public enum EventsIngest {
    /// Stores a `/v1/events` body exactly as the route does, once durable.
    ///
    /// - Parameters:
    ///   - body: The request body.
    ///   - store: Where the events go.
    ///   - parser: The validation settings.
    /// - Returns: What the store reported.
    public static func ingest(body: [UInt8], into store: any EventStore, parser: EventParser) async throws -> IngestResult {
        let controller = EventsController(store: store, parser: parser, maxBodyBytes: .max, gate: AdmissionGate(limit: 1))
        return try await controller.ingestBody(ByteBuffer(bytes: body))
    }
}
