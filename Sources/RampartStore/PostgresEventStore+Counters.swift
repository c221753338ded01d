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

    /// How many rows each name's stored-event count is spread over.
    static let counterShards = 16

    /// Adds the stored events to `event_name_counts`, inside the ingest transaction, in name order (so two
    /// transactions lock shared rows in the same order).
    ///
    /// - Parameters:
    ///   - stored: The indices of the batch's events that were stored.
    ///   - batch: The batch.
    ///   - nameIDs: The ids of the batch's event names.
    ///   - connection: The ingest transaction's connection.
    func countStored(_ stored: [Int], of batch: EncodedBatch, nameIDs: [String: Int64], on connection: PostgresConnection) async throws {
        guard !stored.isEmpty else { return }
        var perName: [Int64: Int] = [:]
        for i in stored {
            if let id = nameIDs[batch.distinctNames[Int(batch.nameSlots[i])]] { perName[id, default: 0] += 1 }
        }
        let json = "[" + perName.sorted { $0.key < $1.key }.map { "[\($0.key),\($0.value)]" }.joined(separator: ",") + "]"
        _ = try await rows(Statement("""
            INSERT INTO event_name_counts AS c (name_id, shard, stored)
            SELECT (r->>0)::integer, pg_backend_pid() % \(Self.counterShards), (r->>1)::bigint FROM jsonb_array_elements(?::jsonb) AS r
            ON CONFLICT (name_id, shard) DO UPDATE SET stored = c.stored + excluded.stored
            """, [.text(json)]), on: connection)
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
