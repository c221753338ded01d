import Foundation
import GRDB
import GRDBSQLite
import RampartCore

extension SQLiteEventStore {
    /// What one slice of a merge did.
    struct MergeStep: Equatable {
        /// Staged rows moved into `events` and uuids moved into the ledger by this slice.
        var moved: Int
        /// Whether the merge is over: the rows left `events_staged` in this slice's transaction, or nothing was
        /// staged to merge.
        var finished: Bool
        /// Whether nothing was staged to merge (no merge was in progress, and none started).
        var idle = false
    }

    /// Migration "v6 merges by key range": `merge_progress` (``MergeProgress``) and the view `events_pending`, the
    /// staged rows a merge has not moved into `events` yet, which every read takes instead of `events_staged`.
    static func registerRangeMergeMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6 merges by key range") { db in
            try db.execute(sql: """
                CREATE TABLE merge_progress (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    merge_id INTEGER NOT NULL,
                    through INTEGER NOT NULL,
                    name_id INTEGER NOT NULL, unit_id INTEGER NOT NULL, ts INTEGER NOT NULL, uuid BLOB NOT NULL,
                    ledger_uuid BLOB NOT NULL
                ) STRICT;
                CREATE VIEW events_pending AS SELECT * FROM events_staged
                WHERE rowid > coalesce((SELECT through FROM merge_progress), 0)
                    OR (name_id, unit_id, ts, uuid) > (SELECT name_id, unit_id, ts, uuid FROM merge_progress);
                """)
        }
    }

    /// Moves every staged event into `events`, in slices of ``Configuration/mergeSliceEvents`` (in key order),
    /// each in its own transaction, or in one transaction when that is 0.
    ///
    /// Reads see staged events where they are (``eventsSource(_:staged:)``), so merging is for speed, not
    /// visibility: ingestion merges when ``Configuration/stagedEventLimit`` events are staged (in this process's
    /// view, which includes what other processes left), and `rampart ingest` merges at its end. Merging is
    /// idempotent and safe to interrupt at any slice: a merge left by a process that stopped is taken up by the
    /// next one to merge (``mergeStep(_:through:)``). It waits for other writers like every write
    /// (``write(_:_:)``), and between slices other writers get their turn.
    ///
    /// - Throws: `RampartError` with code `storage` when the database cannot be written, `busy` when another
    ///   writer held the lock for the whole busy timeout.
    public func mergeStagedEvents() async throws {
        let slice = configuration.mergeSliceEvents
        if slice > 0 {
            // What is staged now, not what other processes stage meanwhile: a merge that chased a faster writer
            // would never end.
            let last = try await read { db in try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM events_staged") }
            if let last {
                while try await !mergeStep(slice, through: last).idle {}
            }
        } else {
            try await write("merging staged events into the events table") { db in try self.mergeStaged(db) }
        }
        await boundWriteAheadLog()
    }

    /// Runs one slice of the merge in progress, starting one over the staged rows up to `through` when there is
    /// none, in its own transaction.
    func mergeStep(_ limit: Int, through: Int64 = .max) async throws -> MergeStep {
        try await write("merging staged events into the events table") { db in try self.mergeStep(db, limit: max(1, limit), through: through) }
    }

    /// Merges everything inside the current write transaction, including what a merge in slices left.
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

    /// One slice of a merge by key range, inside the current write transaction.
    ///
    /// The writer sorts the merge's rows once, into `temp.merge_rows` by key and `temp.merge_uuids` by uuid
    /// (again only after a restart, or when another process moved the merge on), and each slice moves the next
    /// `limit` of each: rows into `events`, uuids into the ledger. A slice's rows are neighbours in `events` and
    /// its uuids neighbours in the ledger, so a merge of n staged events writes each B-tree page it touches about
    /// once, not once per event as slices in arrival order did (docs/performance.md). The last slice deletes the
    /// merged rows from `events_staged`.
    func mergeStep(_ db: Database, limit: Int, through: Int64) throws -> MergeStep {
        let progress: MergeProgress
        if let current = try MergeProgress.fetch(db) {
            progress = current
        } else {
            guard let last = try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM events_staged WHERE rowid <= ?", arguments: [through]) else {
                return MergeStep(moved: 0, finished: true, idle: true)
            }
            progress = MergeProgress(mergeID: Int64.random(in: 1...Int64.max), through: last)
            try progress.insert(db)
        }
        var sorted = try SortedMerge.fetch(db)
        if sorted?.progress != progress { sorted = try SortedMerge.build(db, progress) }
        guard var state = sorted else { return MergeStep(moved: 0, finished: true, idle: true) }
        let keyEnd = min(state.keyPosition + limit, state.keyCount)
        let uuidEnd = min(state.uuidPosition + limit, state.uuidCount)
        let columns = Self.eventColumns
        try db.execute(sql: """
            INSERT INTO main.events (\(columns)) SELECT \(columns) FROM temp.merge_rows WHERE rowid > ? AND rowid <= ? ORDER BY rowid
            ON CONFLICT DO NOTHING
            """, arguments: [state.keyPosition, keyEnd])
        try db.execute(sql: """
            INSERT INTO main.event_uuids (uuid) SELECT uuid FROM temp.merge_uuids WHERE rowid > ? AND rowid <= ? ORDER BY rowid
            ON CONFLICT DO NOTHING
            """, arguments: [state.uuidPosition, uuidEnd])
        let moved = (keyEnd - state.keyPosition) + (uuidEnd - state.uuidPosition)
        if keyEnd == state.keyCount && uuidEnd == state.uuidCount {
            try finish(progress, db: db)
            return MergeStep(moved: moved, finished: true)
        }
        if keyEnd > state.keyPosition, let row = try Row.fetchOne(db, sql: "SELECT name_id, unit_id, ts, uuid FROM temp.merge_rows WHERE rowid = ?", arguments: [keyEnd]) {
            state.progress.key = MergeProgress.Key(nameID: row[0], unitID: row[1], ts: row[2], uuid: row[3])
        }
        if uuidEnd > state.uuidPosition, let uuid = try Data.fetchOne(db, sql: "SELECT uuid FROM temp.merge_uuids WHERE rowid = ?", arguments: [uuidEnd]) {
            state.progress.ledgerUUID = uuid
        }
        state.keyPosition = keyEnd
        state.uuidPosition = uuidEnd
        try state.progress.update(db)
        try state.save(db)
        return MergeStep(moved: moved, finished: false)
    }

    /// Ends a merge whose rows are all in `events` and the ledger: they leave `events_staged` (and the in-memory
    /// staged set, once this commits).
    private func finish(_ progress: MergeProgress, db: Database) throws {
        var uuids: [UUIDKey] = []
        let select = try db.makeStatement(sql: "SELECT uuid FROM events_staged WHERE rowid <= ?")
        try select.setArguments([progress.through])
        let statement = select.sqliteStatement
        var code = sqlite3_step(statement)
        while code == SQLITE_ROW {
            if sqlite3_column_bytes(statement, 0) == 16, let bytes = sqlite3_column_blob(statement, 0) {
                uuids.append(UUIDKey(bytes: bytes))
            }
            code = sqlite3_step(statement)
        }
        withExtendedLifetime(select) { _ = sqlite3_reset(statement) }
        guard code == SQLITE_DONE else { throw DatabaseError.step(code, on: db.sqliteConnection) }
        try db.execute(sql: "DELETE FROM events_staged WHERE rowid <= ?", arguments: [progress.through])
        try db.execute(sql: "DELETE FROM merge_progress")
        try SortedMerge.drop(db)
        let cache = self.cache, merged = uuids
        db.afterNextTransaction(
            onCommit: { _ in
                cache.staged.subtract(merged)
                self.stagedCount.store(cache.staged.count, ordering: .releasing)
            },
            onRollback: { _ in cache.clear() }
        )
    }

    /// Staged uuids into the ledger and staged rows into `events`, each in key order (consecutive inserts land on
    /// the same B-tree pages), then an empty log and no merge in progress.
    ///
    /// `ON CONFLICT DO NOTHING` is a safety net, and takes up a merge in slices left halfway: its rows already in
    /// `events` and the ledger are there once.
    static let mergeSQL: String = {
        let columns = eventColumns
        return """
            INSERT INTO event_uuids (uuid) SELECT uuid FROM events_staged WHERE true ORDER BY uuid ON CONFLICT DO NOTHING;
            INSERT INTO events (\(columns))
            SELECT \(columns) FROM events_staged WHERE true ORDER BY name_id, unit_id, ts, uuid
            ON CONFLICT DO NOTHING;
            DELETE FROM events_staged;
            DELETE FROM merge_progress;
            """
    }()

    /// Merges when enough events are staged; called by the group commit after each transaction.
    ///
    /// In slices (``Configuration/mergeSliceEvents``): once the staged events reach the limit, a merge of all of
    /// them runs a slice at a time, and a group commit that is waiting goes first: this returns, and the next call
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
        while true {
            // A failure ends this merge for now; the rows stay staged, durable and read, and the progress recorded.
            guard let step = try? await mergeStep(slice), !step.finished else { break }
            if commits.hasWaiting { return }
        }
        merging.store(false, ordering: .releasing)
    }
}
