import Foundation
import GRDB
import RampartCore

extension SQLiteEventStore: IngestHealthStore {
    /// The most rejections kept in `ingest_rejections`; older ones are deleted as new ones arrive.
    static let rejectionLogLimit = 1_000

    public func eventCounts(since: Date, until: Date, bucketSeconds: Int) async throws -> [EventCountBucket] {
        let width = Int64(max(bucketSeconds, 1)) * 1000
        let from = Int64((since.timeIntervalSince1970 * 1000).rounded(.down))
        let to = Int64((until.timeIntervalSince1970 * 1000).rounded(.down))
        return try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT n.name AS name, (e.ts / ?) * ? AS bucket, count(*) AS n
                FROM \(try Self.eventsSource(db)) AS e JOIN event_names AS n ON n.id = e.name_id
                WHERE e.ts >= ? AND e.ts < ?
                GROUP BY n.name, bucket ORDER BY n.name, bucket
                """, arguments: [width, width, from, to]).map { row in
                let bucket: Int64 = row["bucket"]
                return EventCountBucket(name: row["name"], start: Date(timeIntervalSince1970: Double(bucket) / 1000), count: row["n"])
            }
        }
    }

    public func latestEvents() async throws -> [LatestEvent] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT n.name AS name, max(e.ts) AS latest, count(*) AS total
                FROM \(try Self.eventsSource(db)) AS e JOIN event_names AS n ON n.id = e.name_id
                GROUP BY n.name ORDER BY n.name
                """).map { row in
                let latest: Int64 = row["latest"]
                return LatestEvent(name: row["name"], at: Date(timeIntervalSince1970: Double(latest) / 1000), total: row["total"])
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
