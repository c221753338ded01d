import Foundation
import RampartCore

/// A record that a unit was served an experiment's variant while enrolled: the event the analysis starts from.
public struct Exposure: Sendable, Hashable {
    /// The idempotency key of the stored event.
    public var id: UUID
    public var unit: String
    public var experiment: String
    public var variant: String
    public var phase: Int
    public var timestamp: Date
    /// The experiment's segment attributes found in the evaluation context, values capped
    /// (``SegmentAttributes/properties(_:from:)``): recorded as the exposure event's properties.
    public var segments: [String: JSONValue] = [:]

    public init(id: UUID = UUID(), unit: String, experiment: String, variant: String, phase: Int, timestamp: Date = Date()) {
        self.id = id
        self.unit = unit
        self.experiment = experiment
        self.variant = variant
        self.phase = phase
        self.timestamp = timestamp
    }
}

/// Where exposures go once batched: the event store.
public protocol ExposureSink: Sendable {
    /// Stores a batch durably; throws if it could not, so the batch is kept and retried.
    func record(_ exposures: [Exposure]) async throws
}
