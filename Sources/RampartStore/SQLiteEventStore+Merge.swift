import GRDB
import RampartCore

extension SQLiteEventStore {
    /// Moves every staged event into `events`, in primary-key order, in one transaction.
    ///
    /// Reads see staged events where they are (``eventsSource(_:)``), so merging is for speed, not visibility:
    /// ingestion merges when ``Configuration/stagedEventLimit`` events are staged (in this process's view, which
    /// includes what other processes left), and `rampart ingest` merges at its end. Merging is idempotent and safe
    /// to interrupt: staged rows leave the log in the same transaction that puts them in `events`. It waits for
    /// other writers like every write (``write(_:_:)``).
    ///
    /// - Throws: `RampartError` with code `storage` when the database cannot be written, `busy` when another
    ///   writer held the lock for the whole busy timeout.
    public func mergeStagedEvents() async throws {
        try await write("merging staged events into the events table") { db in try self.mergeStaged(db) }
        await boundWriteAheadLog()
    }

    /// Merges inside the current write transaction.
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

    /// Merges when enough events are staged; called by the group commit after each transaction.
    func mergeIfFull() async {
        guard stagedCount.load(ordering: .acquiring) >= configuration.stagedEventLimit else { return }
        // A failure leaves the rows staged (still durable, deduplicated and read); the next merge retries.
        try? await mergeStagedEvents()
    }
}
