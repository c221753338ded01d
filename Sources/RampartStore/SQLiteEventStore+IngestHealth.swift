import Foundation
import GRDB
import RampartCore

extension SQLiteEventStore: IngestHealthStore {
    /// The most rejections kept in `ingest_rejections`; older ones are deleted as new ones arrive.
    static let rejectionLogLimit = 1_000

    /// Migration "v4 events by name and time": an index on `events (name_id, ts)`, so the health page's volume
    /// per name over a window and latest event per name read a range of it per name instead of the whole table.
    static func registerIngestHealthMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4 events by name and time") { db in
            try db.execute(sql: "CREATE INDEX events_name_ts ON events (name_id, ts)")
        }
    }

    /// Events per name and bucket in `[:from, :to)`: a range of `events_name_ts` per name (`CROSS JOIN` keeps the
    /// names as the outer loop; otherwise SQLite scans the whole index), and the staged events (a bounded table,
    /// merged when it fills).
    static let eventCountsSQL = """
        SELECT n.name AS name, c.bucket AS bucket, sum(c.n) AS n FROM (
            SELECT e.name_id AS name_id, (e.ts / :width) * :width AS bucket, count(*) AS n
            FROM event_names AS x CROSS JOIN events AS e INDEXED BY events_name_ts
            WHERE e.name_id = x.id AND e.ts >= :from AND e.ts < :to
            GROUP BY e.name_id, bucket
            UNION ALL
            SELECT name_id, (ts / :width) * :width, count(*) FROM events_staged WHERE ts >= :from AND ts < :to GROUP BY 1, 2
        ) AS c JOIN event_names AS n ON n.id = c.name_id
        GROUP BY n.name, c.bucket ORDER BY n.name, c.bucket
        """

    /// Per name: the latest merged event (the last entry of its range in `events_name_ts`), the latest staged one,
    /// and the stored-event count.
    static let latestEventsSQL = """
        SELECT n.name AS name, (SELECT max(ts) FROM events INDEXED BY events_name_ts WHERE name_id = n.id) AS merged,
            s.latest AS staged, c.stored AS total
        FROM event_names AS n
        LEFT JOIN (SELECT name_id, max(ts) AS latest FROM events_staged GROUP BY name_id) AS s ON s.name_id = n.id
        LEFT JOIN event_name_counts AS c ON c.name_id = n.id
        ORDER BY n.name
        """

    public func eventCounts(since: Date, until: Date, bucketSeconds: Int) async throws -> [EventCountBucket] {
        let width = Int64(max(bucketSeconds, 1)) * 1000
        let from = Int64((since.timeIntervalSince1970 * 1000).rounded(.down))
        let to = Int64((until.timeIntervalSince1970 * 1000).rounded(.down))
        return try await read { db in
            try Row.fetchAll(db, sql: Self.eventCountsSQL, arguments: ["width": width, "from": from, "to": to]).map { row in
                let bucket: Int64 = row["bucket"]
                return EventCountBucket(name: row["name"], start: Date(timeIntervalSince1970: Double(bucket) / 1000), count: row["n"])
            }
        }
    }

    public func latestEvents() async throws -> [LatestEvent] {
        try await read { db in
            try Row.fetchAll(db, sql: Self.latestEventsSQL).compactMap { row in
                let merged: Int64? = row["merged"], staged: Int64? = row["staged"]
                guard let latest = [merged, staged].compactMap({ $0 }).max() else { return nil }
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
