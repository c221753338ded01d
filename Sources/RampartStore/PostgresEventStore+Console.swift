import Foundation
import PostgresNIO
import RampartCore

extension PostgresEventStore: LeaseStore {
    public func acquireLease(_ name: String, holder: String, duration: TimeInterval) async throws -> Bool {
        let rows = try await rows(Statement("""
            INSERT INTO rampart_leases AS l (name, holder, until)
            VALUES (?, ?, extract(epoch FROM clock_timestamp())::double precision + ?)
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
                WHERE l.until <= extract(epoch FROM clock_timestamp())::double precision OR l.holder = excluded.holder
            RETURNING holder
            """, [.text(name), .text(holder), .double(duration)]), "taking the lease '\(name)'")
        return !rows.isEmpty
    }
}

extension PostgresEventStore: SessionStore {
    public func insertSession(_ session: ConsoleSession) async throws {
        _ = try await rows(Statement("""
            INSERT INTO console_sessions (token_hash, key_name, scope, key_prefix, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
            """, [.bytes(session.tokenHash), .text(session.keyName), .text(session.scope.rawValue), .text(session.keyPrefix),
                  .double(session.createdAt.timeIntervalSince1970), .double(session.expiresAt.timeIntervalSince1970)]), "storing a console session")
    }

    public func session(tokenHash: [UInt8], now: Date) async throws -> ConsoleSession? {
        guard let row = try await rows(Statement("""
            SELECT token_hash, key_name, scope, key_prefix, created_at, expires_at FROM console_sessions WHERE token_hash = ? AND expires_at > ?
            """, [.bytes(tokenHash), .double(now.timeIntervalSince1970)]), "reading a console session").first else { return nil }
        let (hash, name, scope, prefix, created, expires) = try row.decode((ByteBuffer, String, String, String, Double, Double).self)
        guard let scope = KeyScope(rawValue: scope) else { return nil }
        return ConsoleSession(
            tokenHash: Array(hash.readableBytesView), keyName: name, scope: scope, keyPrefix: prefix,
            createdAt: Date(timeIntervalSince1970: created), expiresAt: Date(timeIntervalSince1970: expires)
        )
    }

    public func deleteSession(tokenHash: [UInt8]) async throws {
        _ = try await rows(Statement("DELETE FROM console_sessions WHERE token_hash = ?", [.bytes(tokenHash)]), "ending a console session")
    }

    @discardableResult
    public func deleteExpiredSessions(now: Date) async throws -> Int {
        try await rows(Statement("DELETE FROM console_sessions WHERE expires_at <= ? RETURNING 1", [.double(now.timeIntervalSince1970)]), "deleting expired console sessions").count
    }

    public func recordSignInFailure(addressHash: [UInt8], at: Date, forgetBefore: Date) async throws {
        _ = try await rows(Statement("""
            WITH forgotten AS (DELETE FROM sign_in_failures WHERE at < ?)
            INSERT INTO sign_in_failures (address_hash, at) VALUES (?, ?)
            """, [.double(forgetBefore.timeIntervalSince1970), .bytes(addressHash), .double(at.timeIntervalSince1970)]), "recording a failed sign-in")
    }

    public func signInFailures(addressHash: [UInt8], since: Date) async throws -> [Date] {
        try await rows(Statement("SELECT at FROM sign_in_failures WHERE address_hash = ? AND at >= ? ORDER BY at",
                                 [.bytes(addressHash), .double(since.timeIntervalSince1970)]), "reading failed sign-ins").map {
            Date(timeIntervalSince1970: try $0.decode(Double.self))
        }
    }
}

extension PostgresEventStore: IngestHealthStore {
    /// Events per name and bucket, for the buckets that overlap a window (``IngestHealthWindow``): a range of
    /// `events_name_ts` per name.
    static let eventCountsSQL = """
        SELECT n.name, b.bucket, b.n FROM event_names AS n CROSS JOIN LATERAL (
            SELECT (e.ts / ?) * ? AS bucket, count(*) AS n FROM events AS e WHERE e.name_id = n.id AND e.ts >= ? AND e.ts < ? GROUP BY 1
        ) AS b
        ORDER BY n.name, b.bucket
        """

    /// Per name: the latest event (the last entry of its range in `events_name_ts`) and the stored-event count.
    static let latestEventsSQL = """
        SELECT n.name, l.ts, coalesce(c.total, 0)::bigint FROM event_names AS n
        CROSS JOIN LATERAL (SELECT e.ts FROM events AS e WHERE e.name_id = n.id ORDER BY e.ts DESC LIMIT 1) AS l
        LEFT JOIN (SELECT name_id, sum(stored) AS total FROM event_name_counts GROUP BY name_id) AS c ON c.name_id = n.id
        ORDER BY n.name
        """

    public func eventCounts(since: Date, until: Date, bucketSeconds: Int) async throws -> [EventCountBucket] {
        let width = Int64(max(bucketSeconds, 1)) * 1000
        let (from, to) = IngestHealthWindow.buckets(since: since, until: until, width: width)
        return try await rows(Statement(Self.eventCountsSQL, [.int(width), .int(width), .int(from), .int(to)]), "counting events").map { row in
            let (name, bucket, count) = try row.decode((String, Int64, Int64).self)
            return EventCountBucket(name: name, start: Date(timeIntervalSince1970: Double(bucket) / 1000), count: Int(count))
        }
    }

    public func latestEvents() async throws -> [LatestEvent] {
        try await rows(Statement(Self.latestEventsSQL), "reading the latest events").map { row in
            let (name, latest, total) = try row.decode((String, Int64, Int64).self)
            return LatestEvent(name: name, at: Date(timeIntervalSince1970: Double(latest) / 1000), total: Int(total))
        }
    }

    public func exposureCounts() async throws -> [ExposureCount] {
        try await rows(Statement("""
            SELECT x.key, x.phase::bigint, count(*), sum(u.exposures)::bigint, max(u.last_ts)
            FROM exposure_units AS u JOIN experiments AS x ON x.id = u.experiment_id
            GROUP BY x.id, x.key, x.phase ORDER BY x.key, x.phase
            """), "counting exposures").map { row in
            let (key, phase, units, exposures, latest) = try row.decode((String, Int64, Int64, Int64, Int64?).self)
            return ExposureCount(experiment: key, phase: Int(phase), units: Int(units), exposures: Int(exposures),
                                 latest: latest.map { Date(timeIntervalSince1970: Double($0) / 1000) })
        }
    }

    public func recordRejections(_ rejections: [RecordedRejection]) async throws {
        guard !rejections.isEmpty else { return }
        let kept = rejections.suffix(SQLiteEventStore.rejectionLogLimit)
        var json: [UInt8] = []
        JSONValue.array(kept.map { r in
            .array([.number(r.at.timeIntervalSince1970), .number(Double(r.index)), .string(r.field), .string(r.reason), .string(r.source)])
        }).appendJSON(to: &json)
        let text = String(decoding: json, as: UTF8.self)
        _ = try await transaction("recording rejected events") { c in
            _ = try await self.rows(Statement("""
                INSERT INTO ingest_rejections (at, idx, field, reason, source)
                SELECT (r->>0)::double precision, (r->>1)::bigint, r->>2, r->>3, r->>4 FROM jsonb_array_elements(?::jsonb) AS r
                """, [.text(text)]), on: c)
            _ = try await self.rows(Statement(
                "DELETE FROM ingest_rejections WHERE id <= (SELECT max(id) FROM ingest_rejections) - ?", [.int(Int64(SQLiteEventStore.rejectionLogLimit))]
            ), on: c)
        }
    }

    public func recentRejections(limit: Int) async throws -> [RecordedRejection] {
        try await rows(Statement("SELECT at, idx, field, reason, source FROM ingest_rejections ORDER BY id DESC LIMIT ?", [.int(Int64(limit))]), "reading rejections").map { row in
            let (at, index, field, reason, source) = try row.decode((Double, Int64, String, String, String).self)
            return RecordedRejection(at: Date(timeIntervalSince1970: at), index: Int(index), field: field, reason: reason, source: source)
        }
    }

    public func rejectionCounts(since: Date) async throws -> [RejectionCount] {
        try await rows(Statement("""
            SELECT field, count(*) AS n, max(at) FROM ingest_rejections WHERE at >= ? GROUP BY field ORDER BY n DESC, field
            """, [.double(since.timeIntervalSince1970)]), "counting rejections").map { row in
            let (field, count, latest) = try row.decode((String, Int64, Double).self)
            return RejectionCount(field: field, count: Int(count), latest: Date(timeIntervalSince1970: latest))
        }
    }
}
