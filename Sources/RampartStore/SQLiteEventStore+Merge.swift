import GRDB
import GRDBSQLite
import RampartCore

extension SQLiteEventStore {
    /// Moves every staged event into `events`, in slices of ``Configuration/mergeSliceEvents`` (oldest first),
    /// each in its own transaction, or in one transaction when that is 0.
    ///
    /// Reads see staged events where they are (``eventsSource(_:)``), so merging is for speed, not visibility:
    /// ingestion merges when ``Configuration/stagedEventLimit`` events are staged (in this process's view, which
    /// includes what other processes left), and `rampart ingest` merges at its end. Merging is idempotent and safe
    /// to interrupt: staged rows leave the log in the same transaction that puts them in `events`. It waits for
    /// other writers like every write (``write(_:_:)``), and between slices other writers get their turn.
    ///
    /// - Throws: `RampartError` with code `storage` when the database cannot be written, `busy` when another
    ///   writer held the lock for the whole busy timeout.
    public func mergeStagedEvents() async throws {
        let slice = configuration.mergeSliceEvents
        if slice > 0 {
            // What is staged now, not what other processes stage meanwhile: a merge that chased a faster writer
            // would never end.
            let last = try await read { db in try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM events_staged") }
            guard let last else {
                await boundWriteAheadLog()
                return
            }
            while try await mergeSlice(slice, through: last) > 0 {}
        } else {
            try await write("merging staged events into the events table") { db in try self.mergeStaged(db) }
        }
        await boundWriteAheadLog()
    }

    /// Moves the oldest `limit` staged events (up to rowid `through`, if given) into `events` in one transaction;
    /// returns how many (0: none left).
    func mergeSlice(_ limit: Int, through: Int64 = .max) async throws -> Int {
        try await write("merging staged events into the events table") { db in try self.mergeStagedSlice(db, limit: limit, through: through) }
    }

    /// Merges everything inside the current write transaction.
    func mergeStaged(_ db: Database) throws {
        let cache = self.cache
        db.afterNextTransaction(
            onCommit: { _ in
                cache.staged.removeAll(keepingCapacity: true)
                self.stagedCount.store(0, ordering: .releasing)
            },
            onRollback: { _ in cache.clear() }
        )
        try db.execute(sql: Self.mergeSQL)
    }

    /// Merges the oldest `limit` staged rows up to rowid `through` (by rowid, the order they were staged in) inside the current write
    /// transaction: their uuids into the ledger and their rows into `events`, each in key order, then they leave
    /// the log. Returns how many rows moved.
    func mergeStagedSlice(_ db: Database, limit: Int, through: Int64 = .max) throws -> Int {
        let select = try db.makeStatement(sql: "SELECT rowid, uuid FROM events_staged WHERE rowid <= \(through) ORDER BY rowid LIMIT \(max(1, limit))")
        let statement = select.sqliteStatement
        var uuids: [UUIDKey] = []
        var last: Int64 = 0
        var code = sqlite3_step(statement)
        while code == SQLITE_ROW {
            last = sqlite3_column_int64(statement, 0)
            if sqlite3_column_bytes(statement, 1) == 16, let bytes = sqlite3_column_blob(statement, 1) {
                uuids.append(UUIDKey(bytes: bytes))
            }
            code = sqlite3_step(statement)
        }
        withExtendedLifetime(select) { _ = sqlite3_reset(statement) }
        guard code == SQLITE_DONE else { throw DatabaseError.step(code, on: db.sqliteConnection) }
        guard !uuids.isEmpty else { return 0 }
        for sql in Self.sliceSQL { try db.execute(sql: sql, arguments: [last]) }
        let cache = self.cache
        let merged = uuids
        db.afterNextTransaction(
            onCommit: { _ in
                cache.staged.subtract(merged)
                self.stagedCount.store(cache.staged.count, ordering: .releasing)
            },
            onRollback: { _ in cache.clear() }
        )
        return merged.count
    }

    /// Staged uuids into the ledger and staged rows into `events`, each in key order (consecutive inserts land on
    /// the same B-tree pages), then an empty log.
    ///
    /// `ON CONFLICT DO NOTHING` is a safety net: a staged uuid was checked against the ledger when it was staged.
    static let mergeSQL: String = {
        let columns = eventColumns
        return """
            INSERT INTO event_uuids (uuid) SELECT uuid FROM events_staged WHERE true ORDER BY uuid ON CONFLICT DO NOTHING;
            INSERT INTO events (\(columns))
            SELECT \(columns) FROM events_staged WHERE true ORDER BY name_id, unit_id, ts, uuid
            ON CONFLICT DO NOTHING;
            DELETE FROM events_staged;
            """
    }()

    /// ``mergeSQL`` for the staged rows up to a rowid (the argument of each statement).
    static let sliceSQL: [String] = {
        let columns = eventColumns
        return [
            "INSERT INTO event_uuids (uuid) SELECT uuid FROM events_staged WHERE rowid <= ? ORDER BY uuid ON CONFLICT DO NOTHING",
            """
            INSERT INTO events (\(columns))
            SELECT \(columns) FROM events_staged WHERE rowid <= ? ORDER BY name_id, unit_id, ts, uuid
            ON CONFLICT DO NOTHING
            """,
            "DELETE FROM events_staged WHERE rowid <= ?",
        ]
    }()

    /// Merges when enough events are staged; called by the group commit after each transaction.
    ///
    /// In slices (``Configuration/mergeSliceEvents``): once the staged events reach the limit, slices are merged
    /// until half of it is left, but a group commit that is waiting goes first: this returns, and the next call
    /// (after that commit) goes on. So an ingest waits for at most one slice, not for the whole merge.
    func mergeIfFull() async {
        let limit = configuration.stagedEventLimit
        guard merging.load(ordering: .acquiring) || stagedCount.load(ordering: .acquiring) >= limit else { return }
        let slice = configuration.mergeSliceEvents
        guard slice > 0 else {
            // A failure leaves the rows staged (still durable, deduplicated and read); the next merge retries.
            try? await mergeStagedEvents()
            return
        }
        merging.store(true, ordering: .releasing)
        while stagedCount.load(ordering: .acquiring) > limit / 2 {
            // A failure or an empty log ends this merge; the rows stay staged, durable and read.
            guard let moved = try? await mergeSlice(slice), moved > 0 else { break }
            if commits.hasWaiting { return }
        }
        merging.store(false, ordering: .releasing)
    }
}
