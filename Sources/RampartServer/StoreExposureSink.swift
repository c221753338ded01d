import RampartCore
import RampartStore

/// Writes exposures to the event store as `exposure` events; the batch is durable when `record` returns.
struct StoreExposureSink: ExposureSink {
    let store: any EventStore

    func record(_ exposures: [Exposure]) async throws {
        let events = exposures.map {
            Event.exposure(id: $0.id, unit: $0.unit, timestamp: $0.timestamp, experiment: $0.experiment, variant: $0.variant, phase: $0.phase, properties: $0.segments)
        }
        _ = try await store.ingest(events)
    }
}
