import Foundation
import GRDB
import GRDBSQLite

extension SQLiteEventStore {
    /// Milliseconds in a minute and in a day: the widths of `event_minutes` and `event_days`.
    static let minuteMilliseconds: Int64 = 60_000
    static let dayMilliseconds: Int64 = 86_400_000

    /// Migration "v5 event counts per minute and day": the stored events per name and minute (`event_minutes`) and
    /// per name and UTC day with the latest timestamp (`event_days`), kept in the ingest transaction
    /// (``countTimes(_:of:nameIDs:db:)``) and initialised from the events already stored. They replace the index
    /// `events_name_ts`, which the ingest health page read: an index ordered by time inside each name took a page
    /// write per event once it outgrew the page cache, because events are inserted in (name, unit, time) order
    /// (docs/performance.md, "Ingest throughput as the database grows").
    static func registerTimeCountMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5 event counts per minute and day") { db in
            let source = try eventsSource(db, staged: "events_staged")  // before v6: no merge can be in progress
            try db.execute(sql: """
                CREATE TABLE event_minutes (
                    name_id INTEGER NOT NULL, minute INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (name_id, minute)
                ) STRICT, WITHOUT ROWID;
                CREATE TABLE event_days (
                    name_id INTEGER NOT NULL, day INTEGER NOT NULL, n INTEGER NOT NULL, latest INTEGER NOT NULL,
                    PRIMARY KEY (name_id, day)
                ) STRICT, WITHOUT ROWID;
                INSERT INTO event_minutes (name_id, minute, n)
                SELECT name_id, ts / \(minuteMilliseconds), count(*) FROM \(source) GROUP BY 1, 2;
                INSERT INTO event_days (name_id, day, n, latest)
                SELECT name_id, ts / \(dayMilliseconds), count(*), max(ts) FROM \(source) GROUP BY 1, 2;
                DROP INDEX IF EXISTS events_name_ts;
                """)
        }
    }

    /// A name and a minute or day.
    struct TimeKey: Hashable, Comparable {
        var nameID: Int64
        var slot: Int64

        static func < (a: TimeKey, b: TimeKey) -> Bool { (a.nameID, a.slot) < (b.nameID, b.slot) }
    }

    /// Adds a batch's newly stored events to `event_minutes` and `event_days`, inside the ingest transaction: one
    /// upsert per name and minute and per name and day the batch touches, in key order.
    ///
    /// - Parameters:
    ///   - rows: The events stored (indices into the batch).
    ///   - batch: The batch.
    ///   - nameIDs: The id of each of the batch's distinct names (by name slot).
    ///   - db: The ingest transaction's connection.
    func countTimes(_ rows: [Int], of batch: EncodedBatch, nameIDs: [Int64], db: Database) throws {
        guard !rows.isEmpty else { return }
        var minutes: [TimeKey: Int64] = [:]
        var days: [TimeKey: (count: Int64, latest: Int64)] = [:]
        for i in rows {
            let name = nameIDs[Int(batch.nameSlots[i])], ts = batch.timestamps[i]
            minutes[TimeKey(nameID: name, slot: ts / Self.minuteMilliseconds), default: 0] += 1
            let day = TimeKey(nameID: name, slot: ts / Self.dayMilliseconds)
            let known = days[day] ?? (0, .min)
            days[day] = (known.count + 1, max(known.latest, ts))
        }
        let connection = db.sqliteConnection
        let minuteUpsert = try db.cachedStatement(sql: """
            INSERT INTO event_minutes (name_id, minute, n) VALUES (?, ?, ?)
            ON CONFLICT (name_id, minute) DO UPDATE SET n = n + excluded.n
            """).sqliteStatement
        for key in minutes.keys.sorted() {
            try Self.step(minuteUpsert, [key.nameID, key.slot, minutes[key]!], connection)
        }
        let dayUpsert = try db.cachedStatement(sql: """
            INSERT INTO event_days (name_id, day, n, latest) VALUES (?, ?, ?, ?)
            ON CONFLICT (name_id, day) DO UPDATE SET n = n + excluded.n, latest = max(latest, excluded.latest)
            """).sqliteStatement
        for key in days.keys.sorted() {
            let value = days[key]!
            try Self.step(dayUpsert, [key.nameID, key.slot, value.count, value.latest], connection)
        }
    }

    /// Binds integers to a statement, runs it to completion and resets it.
    private static func step(_ statement: OpaquePointer, _ values: [Int64], _ connection: OpaquePointer?) throws {
        defer { sqlite3_reset(statement) }
        for (index, value) in values.enumerated() { sqlite3_bind_int64(statement, Int32(index + 1), value) }
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else { throw DatabaseError.step(code, on: connection) }
    }
}
