import Foundation
import GRDB
import RampartCore

extension SQLiteEventStore: IngestHealthStore {
    /// The most rejections kept in `ingest_rejections`; older ones are deleted as new ones arrive.
    static let rejectionLogLimit = 1_000

    /// Migration "v4 events by name and time": an index on `events (name_id, ts)` for the health page's reads,
    /// dropped by "v5 event counts per minute and day", which keeps the counts themselves
    /// (``registerTimeCountMigrations(_:)``).
    static func registerIngestHealthMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4 events by name and time") { db in
            try db.execute(sql: "CREATE INDEX events_name_ts ON events (name_id, ts)")
        }
    }

    /// Events per name and bucket from `event_minutes` (`:table` and `:slot` name the table and its time column;
    /// `:unit` is its width in milliseconds), for the slots in `[:from, :to)`: a range of the table's key per name
    /// (`CROSS JOIN` keeps the names as the outer loop).
    static func eventCountsSQL(table: String, slot: String, unit: Int64) -> String {
        """
        SELECT x.name AS name, (c.\(slot) * \(unit) / :width) * :width AS bucket, sum(c.n) AS n
        FROM event_names AS x CROSS JOIN \(table) AS c
        WHERE c.name_id = x.id AND c.\(slot) >= :from AND c.\(slot) < :to
        GROUP BY x.name, bucket ORDER BY x.name, bucket
        """
    }

    /// Per name: the latest event (the `latest` of its last day in `event_days`) and the stored-event count.
    static let latestEventsSQL = """
        SELECT n.name AS name, (SELECT d.latest FROM event_days AS d WHERE d.name_id = n.id ORDER BY d.day DESC LIMIT 1) AS latest,
            c.stored AS total
        FROM event_names AS n LEFT JOIN event_name_counts AS c ON c.name_id = n.id
        ORDER BY n.name
        """

    /// Events per name and bucket, for the buckets that overlap `[since, until)`: read from `event_days` when the
    /// width is whole days, else from `event_minutes` (a width that is not whole minutes is refused).
    public func eventCounts(since: Date, until: Date, bucketSeconds: Int) async throws -> [EventCountBucket] {
        let width = Int64(max(bucketSeconds, 1)) * 1000
        let days = width % Self.dayMilliseconds == 0
        let unit = days ? Self.dayMilliseconds : Self.minuteMilliseconds
        guard width % unit == 0 else {
            throw RampartError(.invalidInput, "bucketSeconds: \(bucketSeconds) is not a whole number of minutes")
        }
        let (from, to) = IngestHealthWindow.buckets(since: since, until: until, width: width)
        let sql = days ? Self.eventCountsSQL(table: "event_days", slot: "day", unit: unit) : Self.eventCountsSQL(table: "event_minutes", slot: "minute", unit: unit)
        return try await read { db in
            try Row.fetchAll(db, sql: sql, arguments: ["width": width, "from": from / unit, "to": to / unit]).map { row in
                let bucket: Int64 = row["bucket"]
                return EventCountBucket(name: row["name"], start: Date(timeIntervalSince1970: Double(bucket) / 1000), count: row["n"])
            }
        }
    }

    public func latestEvents() async throws -> [LatestEvent] {
        try await read { db in
            try Row.fetchAll(db, sql: Self.latestEventsSQL).compactMap { row in
                let latest: Int64? = row["latest"]
                guard let latest else { return nil }
                let total: Int? = row["total"]
                return LatestEvent(name: row["name"], at: Date(timeIntervalSince1970: Double(latest) / 1000), total: total ?? 0)
            }
        }
    }

    public func exposureCounts() async throws -> [ExposureCount] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT x.key AS key, x.phase AS phase, count(*) AS units, sum(u.exposures) AS exposures, max(u.last_ts) AS latest
                FROM exposure_units AS u JOIN experiments AS x ON x.id = u.experiment_id
                GROUP BY x.id ORDER BY x.key, x.phase
                """).map { row in
                let latest: Int64? = row["latest"]
                return ExposureCount(experiment: row["key"], phase: row["phase"], units: row["units"], exposures: row["exposures"],
                                     latest: latest.map { Date(timeIntervalSince1970: Double($0) / 1000) })
            }
        }
    }

    public func recordRejections(_ rejections: [RecordedRejection]) async throws {
        guard !rejections.isEmpty else { return }
        // Only the latest `rejectionLogLimit` are worth writing.
        let kept = rejections.suffix(Self.rejectionLogLimit)
        try await write("recording rejected events") { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO ingest_rejections (at, idx, field, reason, source) VALUES (?, ?, ?, ?, ?)")
            for r in kept {
                try insert.execute(arguments: [r.at.timeIntervalSince1970, r.index, r.field, r.reason, r.source])
            }
            try db.execute(sql: """
                DELETE FROM ingest_rejections WHERE id <= (SELECT max(id) FROM ingest_rejections) - ?
                """, arguments: [Self.rejectionLogLimit])
        }
    }

    public func recentRejections(limit: Int) async throws -> [RecordedRejection] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM ingest_rejections ORDER BY id DESC LIMIT ?", arguments: [limit]).map { row in
                RecordedRejection(at: Date(timeIntervalSince1970: row["at"]), index: row["idx"], field: row["field"], reason: row["reason"], source: row["source"])
            }
        }
    }

    public func rejectionCounts(since: Date) async throws -> [RejectionCount] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT field, count(*) AS n, max(at) AS latest FROM ingest_rejections WHERE at >= ?
                GROUP BY field ORDER BY n DESC, field
                """, arguments: [since.timeIntervalSince1970]).map { row in
                RejectionCount(field: row["field"], count: row["n"], latest: Date(timeIntervalSince1970: row["latest"]))
            }
        }
    }
}
