import Foundation
import RampartCore

/// Durable storage of events, with exposure attribution and per-variant aggregation in the backend.
///
/// Implementations: ``SQLiteEventStore`` (the embedded default); PostgreSQL later. The HTTP service and the CLI
/// both talk to this protocol, and the store tests run one generic body against every implementation.
///
/// Attribution rules, shared by all implementations (docs/events.md):
/// - a unit's events count for an experiment (and phase) only at or after its first exposure;
/// - a unit is analysed in the variant it was exposed to; a unit exposed to more than one variant is excluded
///   and counted in ``Attribution/multiVariantUnits``;
/// - results do not depend on the order in which events and exposures arrive.
public protocol EventStore: Sendable {
    /// Stores events; returns once the stored ones are durable.
    ///
    /// An event whose uuid is already stored is counted as a duplicate and not stored again, so replaying a
    /// batch is safe. An event that cannot be stored (a known property of the wrong type, a malformed exposure)
    /// is rejected on its own; the rest of the batch is still stored.
    ///
    /// - Parameter events: The events, typically validated by `EventParser`.
    /// - Returns: How many were stored, how many were duplicates, and the rejections (indexed into `events`).
    func ingest(_ events: [Event]) async throws -> IngestResult

    /// Parses NDJSON (one event per line) and stores the valid events, as ``ingest(_:)`` does.
    ///
    /// - Parameters:
    ///   - bytes: Whole lines of UTF-8 text.
    ///   - firstIndex: The index of the first line, so that rejections name lines across chunks.
    ///   - parser: Validation and privacy.
    ///   - now: The current time, for the future-timestamp check.
    /// - Returns: Stored and duplicate counts, and every rejection (parsing or storage) indexed by line.
    func ingestNDJSON(_ bytes: [UInt8], firstIndex: Int, parser: EventParser, now: Date) async throws -> IngestResult

    /// Stores the events of an adapter (a PostHog capture body, …) handed over one by one: those read straight
    /// from bytes are encoded as they come, lines are parsed as ``ingestNDJSON(_:firstIndex:parser:now:)`` parses
    /// them, and the source's own rejections are returned with the rest.
    ///
    /// - Parameters:
    ///   - source: The events.
    ///   - parser: Validation and privacy.
    ///   - now: The current time, for the future-timestamp check.
    /// - Returns: Stored and duplicate counts, and every rejection, indexed by the event's position in the source.
    func ingestScanned(_ source: some ScannedEventSource, parser: EventParser, now: Date) async throws -> IngestResult

    /// Stores a JSON array of events when every element is *plain* (see `EventParser.scanPlainEvent`), reading them
    /// without building JSON trees; returns `nil`, having stored nothing, otherwise.
    ///
    /// - Parameters:
    ///   - bytes: The JSON text.
    ///   - parser: Validation and privacy.
    ///   - now: The current time, for the future-timestamp check.
    /// - Returns: The result (indices into the array), or `nil` when the caller must use the full parser.
    func ingestPlainJSONArray(_ bytes: [UInt8], parser: EventParser, now: Date) async throws -> IngestResult?

    /// The number of events stored.
    func eventCount() async throws -> Int

    /// Who is enrolled where: units per variant, and the units excluded for seeing several variants.
    ///
    /// - Parameter experiment: The experiment and phase.
    func attribution(_ experiment: ExperimentScope) async throws -> Attribution

    /// Per-variant sufficient statistics of a per-unit metric value, computed in the backend.
    ///
    /// Each enrolled unit's value is the metric's aggregate over its matching events at or after its first
    /// exposure (0 when it has none), optionally capped.
    ///
    /// - Parameters:
    ///   - metric: What to aggregate per unit.
    ///   - experiment: The experiment and phase.
    func statistics(_ metric: MetricQuery, in experiment: ExperimentScope) async throws -> MetricAggregates

    /// Per-variant sufficient statistics of two per-unit values together, with their cross-product, for ratio
    /// metrics (delta method) and CUPED-style covariates.
    ///
    /// - Parameters:
    ///   - x: The first per-unit value (e.g. a ratio's numerator).
    ///   - y: The second per-unit value (e.g. its denominator).
    ///   - experiment: The experiment and phase.
    func jointStatistics(_ x: MetricQuery, _ y: MetricQuery, in experiment: ExperimentScope) async throws -> JointMetricAggregates

    /// Per-variant quantile of an event property, with the per-unit sums a clustered confidence interval needs.
    ///
    /// - Parameters:
    ///   - metric: The events and the property ranked (``MetricQuery/value`` is required).
    ///   - level: The quantile level in (0, 1), e.g. 0.95.
    ///   - experiment: The experiment and phase.
    func quantileStatistics(_ metric: MetricQuery, level: Double, in experiment: ExperimentScope) async throws -> QuantileMetricAggregates

    /// The memory the store's connections hold in caches of their own in this process, by kind of connection, read
    /// now without waiting for a query (for `/metrics`); empty when it keeps none.
    func cacheMemory() -> [StoreCacheMemory]
}

extension EventStore {
    /// Parses with ``EventParser/parseNDJSON(_:firstIndex:now:)``, then calls ``ingest(_:)``.
    public func ingestNDJSON(_ bytes: [UInt8], firstIndex: Int, parser: EventParser, now: Date) async throws -> IngestResult {
        let batch = bytes.withUnsafeBufferPointer { parser.parseNDJSON($0, firstIndex: firstIndex, now: now) }
        var result = try await ingest(batch.events).remapped(through: batch.indices)
        result.rejections = (batch.rejections + result.rejections).sorted { $0.index < $1.index }
        return result
    }

    /// None: a store without caches of its own in this process.
    public func cacheMemory() -> [StoreCacheMemory] {
        []
    }

    /// `nil`: stores without a fast path use the full parser.
    public func ingestPlainJSONArray(_ bytes: [UInt8], parser: EventParser, now: Date) async throws -> IngestResult? {
        nil
    }
}
