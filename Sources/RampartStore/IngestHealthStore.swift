import Foundation

/// What the console's ingest health page reads: event volume by name over time, the latest event per name,
/// exposures per experiment, and the latest rejected events (index, field and reason, never the payload).
///
/// Implemented by ``SQLiteEventStore``; the PostgreSQL backend implements it too. Times are event timestamps.
public protocol IngestHealthStore: Sendable {
    /// Events per event name and time bucket, for the buckets that overlap `since <= timestamp < until` (whole
    /// buckets: the first holds `since`, the last the moment just before `until`).
    ///
    /// - Parameters:
    ///   - since: The start of the window (inclusive).
    ///   - until: The end of the window (exclusive).
    ///   - bucketSeconds: The bucket width in seconds (60 for per minute, 86 400 for per day); buckets start at
    ///     multiples of it since the Unix epoch. SQLite answers whole minutes and whole days only (it keeps counts
    ///     per minute and per day, not an index by time); another width is refused with `invalid_input`.
    /// - Returns: Only non-empty buckets, ordered by name then bucket start.
    func eventCounts(since: Date, until: Date, bucketSeconds: Int) async throws -> [EventCountBucket]

    /// The timestamp of the latest event of each event name, in name order.
    func latestEvents() async throws -> [LatestEvent]

    /// Exposures per experiment and phase: exposed units and exposure events, and the latest exposure.
    func exposureCounts() async throws -> [ExposureCount]

    /// Records rejected events so the health page can show them; the store keeps a bounded number of the latest.
    ///
    /// - Parameter rejections: The rejections (index, field, reason; the payload is never passed).
    func recordRejections(_ rejections: [RecordedRejection]) async throws

    /// The latest recorded rejections, newest first.
    ///
    /// - Parameter limit: The most to return.
    func recentRejections(limit: Int) async throws -> [RecordedRejection]

    /// Recorded rejections counted per field, since a moment, most frequent first.
    ///
    /// - Parameter since: Count rejections recorded at or after this moment.
    func rejectionCounts(since: Date) async throws -> [RejectionCount]
}

/// Events of one name in one time bucket.
public struct EventCountBucket: Sendable, Hashable {
    public var name: String
    /// The bucket's start.
    public var start: Date
    public var count: Int

    public init(name: String, start: Date, count: Int) {
        self.name = name
        self.start = start
        self.count = count
    }
}

/// The latest event of one name.
public struct LatestEvent: Sendable, Hashable {
    public var name: String
    public var at: Date
    /// How many events of this name are stored.
    public var total: Int

    public init(name: String, at: Date, total: Int) {
        self.name = name
        self.at = at
        self.total = total
    }
}

/// Exposures of one experiment phase.
public struct ExposureCount: Sendable, Hashable {
    public var experiment: String
    public var phase: Int
    /// Units exposed at least once.
    public var units: Int
    /// Exposure events.
    public var exposures: Int
    /// The latest exposure.
    public var latest: Date?

    public init(experiment: String, phase: Int, units: Int, exposures: Int, latest: Date?) {
        self.experiment = experiment
        self.phase = phase
        self.units = units
        self.exposures = exposures
        self.latest = latest
    }
}

/// A rejected event as recorded for the health page: where it was, the field at fault and why; never its payload.
public struct RecordedRejection: Sendable, Hashable {
    /// When it was rejected.
    public var at: Date
    /// Its position in its batch (for NDJSON, the line number minus one).
    public var index: Int
    public var field: String
    public var reason: String
    /// Where it came from, e.g. `POST /v1/events`.
    public var source: String

    public init(at: Date, index: Int, field: String, reason: String, source: String) {
        self.at = at
        self.index = index
        self.field = field
        self.reason = reason
        self.source = source
    }
}

/// How many recorded rejections named one field.
public struct RejectionCount: Sendable, Hashable {
    public var field: String
    public var count: Int
    /// The latest rejection of this field.
    public var latest: Date

    public init(field: String, count: Int, latest: Date) {
        self.field = field
        self.count = count
        self.latest = latest
    }
}
