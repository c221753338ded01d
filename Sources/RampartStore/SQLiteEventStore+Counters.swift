import Foundation
import GRDB

extension SQLiteEventStore {
    /// Migration "v4 stored event counts": `event_name_counts` holds, per event name, how many events were ever
    /// stored (duplicates not counted), kept in the ingest transaction (``countStored(_:nameIDs:db:)``) and
    /// initialised from the events already stored. It is the change marker of ``storedEventCounts()``.
    static func registerCounterMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4 stored event counts") { db in
            try db.execute(sql: """
                CREATE TABLE event_name_counts (name_id INTEGER PRIMARY KEY, stored INTEGER NOT NULL) STRICT;
                INSERT INTO event_name_counts (name_id, stored)
                SELECT name_id, count(*) FROM \(try eventsSource(db, staged: "events_staged")) GROUP BY name_id;
                """)
        }
    }

    /// Adds a batch's newly stored events to `event_name_counts`, inside the ingest transaction.
    ///
    /// - Parameters:
    ///   - counts: Per name slot of the batch, the events stored.
    ///   - nameIDs: Per name slot, the name's id (-1 when none was stored).
    ///   - db: The ingest transaction's connection.
    func countStored(_ counts: [Int64], nameIDs: [Int64], db: Database) throws {
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO event_name_counts (name_id, stored) VALUES (?, ?)
            ON CONFLICT (name_id) DO UPDATE SET stored = stored + excluded.stored
            """)
        for (slot, count) in counts.enumerated() where count > 0 {
            try upsert.execute(arguments: [nameIDs[slot], count])
        }
    }

    public func storedEventCounts() async throws -> [String: Int] {
        try await read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT n.name AS name, c.stored AS stored FROM event_name_counts AS c JOIN event_names AS n ON n.id = c.name_id") {
                counts[row["name"]] = row["stored"]
            }
            return counts
        }
    }
}
