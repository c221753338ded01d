import Foundation
import PostgresNIO

extension PostgresEventStore {
    /// Migration "v4 stored event counts", as SQLite's: per event name, how many events were ever stored. Each
    /// name's count is spread over ``counterShards`` rows chosen by the backend's process id, so concurrent ingest
    /// transactions (on several replicas) rarely wait for each other's row lock; a read sums them.
    static let counterMigration = (name: "v4 stored event counts", sql: """
        CREATE TABLE event_name_counts (
            name_id integer NOT NULL, shard integer NOT NULL, stored bigint NOT NULL, PRIMARY KEY (name_id, shard)
        );
        INSERT INTO event_name_counts (name_id, shard, stored) SELECT name_id, 0, count(*) FROM events GROUP BY name_id;
        """)

    /// Migration "v7 stored event counts per day": per event name and day (``PastAnalysisCache/day(_:)``), how many
    /// events were ever stored, spread over shards like `event_name_counts`; the marker of an analysis as of an
    /// earlier day (SQLite counts them in `event_days`).
    static let dayCounterMigration = (name: "v7 stored event counts per day", sql: """
        CREATE TABLE event_day_counts (
            name_id integer NOT NULL, day bigint NOT NULL, shard integer NOT NULL, stored bigint NOT NULL,
            PRIMARY KEY (name_id, day, shard)
        );
        INSERT INTO event_day_counts (name_id, day, shard, stored)
        SELECT name_id, ts / \(PastAnalysisCache.dayMilliseconds), 0, count(*) FROM events GROUP BY 1, 2;
        """)

    /// How many rows each name's stored-event count is spread over.
    static let counterShards = 16

    /// Adds the stored events to `event_name_counts` and `event_day_counts`, inside the ingest transaction, in key
    /// order (so two transactions lock shared rows in the same order), in one statement.
    ///
    /// - Parameters:
    ///   - stored: The indices of the batch's events that were stored.
    ///   - batch: The batch.
    ///   - nameIDs: The ids of the batch's event names.
    ///   - connection: The ingest transaction's connection.
    func countStored(_ stored: [Int], of batch: EncodedBatch, nameIDs: [String: Int64], on connection: PostgresConnection) async throws {
        guard !stored.isEmpty else { return }
        var perName: [Int64: Int] = [:]
        var perDay: [PerDay: Int] = [:]
        for i in stored {
            guard let id = nameIDs[batch.distinctNames[Int(batch.nameSlots[i])]] else { continue }
            perName[id, default: 0] += 1
            perDay[PerDay(name: id, day: PastAnalysisCache.day(batch.timestamps[i])), default: 0] += 1
        }
        let names = "[" + perName.sorted { $0.key < $1.key }.map { "[\($0.key),\($0.value)]" }.joined(separator: ",") + "]"
        let days = "[" + perDay.sorted { $0.key < $1.key }.map { "[\($0.key.name),\($0.key.day),\($0.value)]" }.joined(separator: ",") + "]"
        _ = try await rows(Statement("""
            WITH names AS (
                INSERT INTO event_name_counts AS c (name_id, shard, stored)
                SELECT (r->>0)::integer, pg_backend_pid() % \(Self.counterShards), (r->>1)::bigint FROM jsonb_array_elements(?::jsonb) AS r
                ON CONFLICT (name_id, shard) DO UPDATE SET stored = c.stored + excluded.stored
            )
            INSERT INTO event_day_counts AS c (name_id, day, shard, stored)
            SELECT (r->>0)::integer, (r->>1)::bigint, pg_backend_pid() % \(Self.counterShards), (r->>2)::bigint FROM jsonb_array_elements(?::jsonb) AS r
            ON CONFLICT (name_id, day, shard) DO UPDATE SET stored = c.stored + excluded.stored
            """, [.text(names), .text(days)]), on: connection)
    }

    /// A name and a day of ``countStored(_:of:nameIDs:on:)``.
    struct PerDay: Hashable, Comparable {
        var name: Int64
        var day: Int64

        static func < (a: PerDay, b: PerDay) -> Bool { (a.name, a.day) < (b.name, b.day) }
    }

    /// The stored events of `names` dated on or before `day` (``PastAnalysisCache/day(_:)``), from `event_day_counts`.
    func storedEvents(of names: [String], through day: Int64, on c: PostgresConnection) async throws -> Int {
        let list = names.map { _ in "?" }.joined(separator: ", ")
        let row = try await rows(Statement("""
            SELECT coalesce(sum(c.stored), 0)::bigint FROM event_day_counts AS c JOIN event_names AS n ON n.id = c.name_id
            WHERE n.name IN (\(list)) AND c.day <= ?
            """, names.map { .text($0) } + [.int(day)]), on: c)
        return Int(try row.first?.decode(Int64.self) ?? 0)
    }

    public func storedEventCounts() async throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try await rows(Statement("""
            SELECT n.name, sum(c.stored)::bigint FROM event_name_counts AS c JOIN event_names AS n ON n.id = c.name_id GROUP BY n.name
            """), "reading the stored event counts") {
            let (name, stored) = try row.decode((String, Int64).self)
            counts[name] = Int(stored)
        }
        return counts
    }
}
