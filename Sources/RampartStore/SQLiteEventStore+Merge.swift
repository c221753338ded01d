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
        /// Merged rows removed from `events_staged` by this slice.
        var removed = 0
        /// Whether this slice did nothing because the merge's plan is being built in the background.
        var planning = false
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
            try await write("merging staged events into the events table", work: .merge) { db in try self.mergeStaged(db) }
            mergePlan.withLock { $0 = nil }
        }
        await boundWriteAheadLog()
    }

    /// Runs one slice of the merge in progress, starting one over the staged rows up to `through` when there is
    /// none, in its own transaction.
    ///
    /// The merge's progress is read on the writer's connection (``readOnWriter(_:_:)``), so a slice never waits for
    /// this process's reads. The merge's rows are read and sorted on a reading connection, once per merge (``RangeMergePlan``: again only
    /// in a new process, or when another process moved the merge on), so starting a merge does not hold the writer.
    /// Each slice then moves the next `limit` rows in key order into `events` (by rowid, ``moveRows(_:db:)``) and
    /// inserts the next `limit` uuids in uuid order into the ledger (from the plan, ``insertIntoLedger(_:db:)``),
    /// and records how far it went, if the recorded progress is still the one the plan has reached (otherwise it changes nothing, and the next call plans again unless a slice of this process
    /// moved the kept plan on to the recorded progress). A slice's rows are neighbours
    /// in `events` and its uuids neighbours in the ledger, so a merge of n staged events writes each B-tree page it
    /// touches about once, not once per event as slices in arrival order did (docs/performance.md). Once both
    /// sweeps are done, the merged rows (no longer read: `events_pending` leaves them out) leave `events_staged` in
    /// slices of `4 × limit` in rowid order, and the last of them ends the merge.
    ///
    /// - Parameters:
    ///   - limit: Rows per sweep in one slice.
    ///   - through: The last staged rowid a merge started here takes.
    ///   - planInBackground: When the plan has to be built, build it in a task of its own and return at once
    ///     (``MergeStep/planning``); the group commit's queue is nudged when it is ready (``mergeIfFull(committed:)``).
    func mergeStep(_ limit: Int, through: Int64 = .max, planInBackground: Bool = false) async throws -> MergeStep {
        let limit = max(1, limit)
        // On the writer's connection: a read through the gate would wait while a log reset holds reads back, and
        // the group commit's next transaction with it (``readOnWriter(_:_:)``).
        var current = try await readOnWriter("reading the merge's progress") { db in try MergeProgress.fetch(db) }
        if current == nil {
            current = try await write("starting a merge of staged events", work: .merge) { db -> MergeProgress? in
                if let current = try MergeProgress.fetch(db) { return current }
                guard let last = try Int64.fetchOne(db, sql: "SELECT max(rowid) FROM events_staged WHERE rowid <= ?", arguments: [through]) else {
                    return nil
                }
                let progress = MergeProgress(mergeID: Int64.random(in: 1...Int64.max), through: last)
                try progress.insert(db)
                return progress
            }
        }
        guard let current else { return MergeStep(moved: 0, finished: true, idle: true) }
        var plan: RangeMergePlan
        if let known = mergePlan.withLock({ $0 }), known.progress == current {
            plan = known
        } else if planInBackground {
            planInBackgroundThenNudge(current)
            return MergeStep(moved: 0, finished: false, planning: true)
        } else {
            plan = try await read { db in try RangeMergePlan.build(db, progress: current) }
        }
        if plan.isComplete {
            return try await removeMerged(current, limit: limit * 4)
        }
        let keyEnd = min(plan.keyPosition + limit, plan.byKey.count)
        let uuidEnd = min(plan.uuidPosition + limit, plan.byUUID.count)
        let rows = plan.byKey[plan.keyPosition..<keyEnd].map(\.rowid)
        let uuids = plan.byUUID[plan.uuidPosition..<uuidEnd].map(\.uuid)
        // How far the merge will have gone after this slice.
        var target = current
        if let last = plan.byKey[plan.keyPosition..<keyEnd].last?.key { target.key = last }
        if let last = plan.byUUID[plan.uuidPosition..<uuidEnd].last?.uuid { target.ledgerUUID = last }
        let reached = target
        let applied = try await write("merging staged events into the events table", work: .merge) { db -> Bool in
            guard try MergeProgress.fetch(db) == current else { return false }
            try Self.moveRows(rows, db: db)
            try Self.insertIntoLedger(uuids, db: db)
            try reached.update(db)
            return true
        }
        // Another slice moved the merge on first: this one changed nothing. The kept plan stays; the next call takes
        // it if it has reached the recorded progress (a slice of this process) and plans again if not.
        guard applied else { return MergeStep(moved: 0, finished: false) }
        plan.progress = reached
        plan.keyPosition = keyEnd
        plan.uuidPosition = uuidEnd
        let next = plan
        mergePlan.withLock { $0 = next }
        return MergeStep(moved: rows.count + uuids.count, finished: false)
    }

    /// How long after a failed background plan read the merge tries again when no commit comes first.
    static let planRetryAfter = Duration.seconds(1)

    /// Builds the plan of `progress` on a reading connection in a task of its own (one at a time), keeps it for
    /// the next slice, and nudges the group commit's queue so that the merge goes on even when no ingest follows.
    ///
    /// A failed read leaves the rows staged (durable, and read once) and the merge under way; the queue is nudged
    /// ``planRetryAfter`` later, and that maintenance (or a commit's, if one comes first) plans again.
    private func planInBackgroundThenNudge(_ progress: MergeProgress) {
        guard !planning.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Task {
            var plan: RangeMergePlan?
            if failingPlanReads.load(ordering: .acquiring) > 0 {
                failingPlanReads.subtract(1, ordering: .acquiringAndReleasing)
            } else {
                plan = try? await read { db in try RangeMergePlan.build(db, progress: progress) }
            }
            if let plan { mergePlan.withLock { $0 = plan } }
            planning.store(false, ordering: .releasing)
            if plan == nil { try? await Task.sleep(for: Self.planRetryAfter) }
            commits.nudge()
        }
    }

    /// The insert of one staged row into `events` (``moveRows(_:db:)``), cached on the writer's connection.
    static let moveRowSQL = """
        INSERT INTO main.events (\(eventColumns)) SELECT \(eventColumns) FROM events_staged WHERE rowid = ?
        ON CONFLICT DO NOTHING
        """

    /// Copies staged rows into `events`, one by rowid at a time in the order given (the plan's key order, so
    /// consecutive inserts land on the same B-tree pages); a row already there (a slice taken up again) is left as
    /// it is.
    ///
    /// One prepared statement stepped per row: the plan has sorted the rows already, and a statement over the whole
    /// slice (`rowid IN (…) ORDER BY` the key) built a temporary index of the rowids and sorted every row again
    /// (docs/performance.md, "Session 27").
    static func moveRows(_ rowids: some Collection<Int64>, db: Database) throws {
        guard !rowids.isEmpty else { return }
        let insert = try db.cachedStatement(sql: moveRowSQL)
        let statement = insert.sqliteStatement
        try withExtendedLifetime(insert) {
            for rowid in rowids {
                sqlite3_bind_int64(statement, 1, rowid)
                let code = sqlite3_step(statement)
                sqlite3_reset(statement)
                guard code == SQLITE_DONE else { throw DatabaseError.step(code, on: db.sqliteConnection) }
            }
        }
    }

    /// Inserts uuids into the ledger in the order given (the plan's uuid order); one already there (a slice taken
    /// up again) is left as it is. The plan holds the uuids, so the staged rows are not read again.
    static func insertIntoLedger(_ uuids: some Collection<UUIDKey>, db: Database) throws {
        guard !uuids.isEmpty else { return }
        // The direct ingest path's insert, cached on the writer's connection.
        let insert = try db.cachedStatement(sql: ledgerInsertSQL)
        let statement = insert.sqliteStatement
        try withExtendedLifetime(insert) {
            for uuid in uuids {
                var bytes = (high: uuid.high.bigEndian, low: uuid.low.bigEndian)
                let code = withUnsafeBytes(of: &bytes) { raw in
                    sqlite3_bind_blob(statement, 1, raw.baseAddress, 16, nil)
                    defer { sqlite3_reset(statement) }
                    return sqlite3_step(statement)
                }
                guard code == SQLITE_DONE else { throw DatabaseError.step(code, on: db.sqliteConnection) }
            }
        }
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

    /// Removes up to `limit` rows of a merge whose rows are all in `events` and the ledger from `events_staged`, in
    /// rowid order (and their uuids from the in-memory staged set, once this commits); the slice that finds none
    /// left ends the merge.
    ///
    /// Reads have not seen these rows since the last sweep's slice (`events_pending` leaves out every row up to
    /// `through` once the key sweep has passed them), and their uuids are in the ledger, so removing them in slices
    /// changes no answer; it keeps each transaction short, where one `DELETE` of a whole merge held the writer for
    /// a fifth of a second at 200,000 rows.
    private func removeMerged(_ progress: MergeProgress, limit: Int) async throws -> MergeStep {
        let cache = self.cache
        let outcome = try await write("removing merged events from the staging log", work: .mergeRemoval) { db -> MergeStep? in
            guard try MergeProgress.fetch(db) == progress else { return nil }
            var uuids: [UUIDKey] = []
            var last: Int64?
            let select = try db.makeStatement(sql: "SELECT rowid, uuid FROM events_staged WHERE rowid <= ? ORDER BY rowid LIMIT ?")
            // One row more than the slice takes tells whether this is the last slice. The last slice removes the
            // progress with the rows: until then a merged row is left (the highest rowid up to `through` goes last),
            // so rows staged meanwhile get rowids above `through` and stay pending, never hidden with the merged.
            try select.setArguments([progress.through, limit + 1])
            let statement = select.sqliteStatement
            var code = sqlite3_step(statement)
            var rows = 0
            while code == SQLITE_ROW, rows < limit {
                rows += 1
                last = sqlite3_column_int64(statement, 0)
                if sqlite3_column_bytes(statement, 1) == 16, let bytes = sqlite3_column_blob(statement, 1) {
                    uuids.append(UUIDKey(bytes: bytes))
                }
                code = sqlite3_step(statement)
            }
            // Still a row after `limit` of them: more remain after this slice.
            let finished = code == SQLITE_DONE
            withExtendedLifetime(select) { _ = sqlite3_reset(statement) }
            guard finished || code == SQLITE_ROW else { throw DatabaseError.step(code, on: db.sqliteConnection) }
            if let last { try db.execute(sql: "DELETE FROM events_staged WHERE rowid <= ?", arguments: [last]) }
            if finished { try db.execute(sql: "DELETE FROM merge_progress") }
            let removed = uuids
            db.afterNextTransaction(
                onCommit: { _ in
                    cache.staged.subtract(removed)
                    self.stagedCount.store(cache.staged.count, ordering: .releasing)
                },
                onRollback: { _ in cache.clear() }
            )
            return MergeStep(moved: 0, finished: finished, removed: rows)
        }
        guard let outcome else { return MergeStep(moved: 0, finished: false) }
        if outcome.finished { mergePlan.withLock { $0 = nil } }
        return outcome
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
    /// In slices (``Configuration/mergeSliceEvents``): once the staged events reach the limit, a merge of all of them
    /// runs a slice at a time between group commits, paced by them (``MergePacing``): after each commit, the slices it
    /// owes (``Configuration/mergePace`` times its events, more when more than one limit is staged), and the rest once
    /// no commit has come for ``MergePacing/idleAfter`` (the queue is nudged then). So an ingest waits for a few
    /// slices at most, not for the whole merge, the merge's work is spread over the commits rather than taken in a
    /// burst, and under sustained load the staging log stays bounded: the merge moves a little faster than events
    /// arrive, which also covers the commits during which it sorts its plan or removes its rows and moves none, and
    /// the further it falls behind, the more it moves per commit. The merge's plan is sorted in the background
    /// meanwhile (commits go on), and the queue is nudged when it is ready. With
    /// ``Configuration/mergeWhenIdleAfter``, a merge of fewer staged events also starts once no commit has stored
    /// events for that long (a nudge scheduled after the last commit, or after a merge that ends with rows still
    /// staged, checks), so reads after ingest stops do not pay for staged rows.
    ///
    /// - Parameter committed: The events the transaction before this call committed (0 after a nudge).
    func mergeIfFull(committed: Int = 0) async {
        let limit = configuration.stagedEventLimit
        if committed > 0 { mergePacing.withLock { $0.stored(at: .now) } }
        if !merging.load(ordering: .acquiring), stagedCount.load(ordering: .acquiring) < limit {
            guard stagedCount.load(ordering: .acquiring) > 0, let quiet = configuration.mergeWhenIdleAfter else { return }
            guard mergePacing.withLock({ $0.isIdle(for: quiet, at: .now) }) else {
                nudgeWhenQuiet(quiet)
                return
            }
        }
        guard configuration.mergeSliceEvents > 0 else {
            // A failure leaves the rows staged (still durable, deduplicated and read); the next merge retries.
            try? await mergeStagedEvents()
            return
        }
        merging.store(true, ordering: .releasing)
        let staged = stagedCount.load(ordering: .acquiring)
        let now = ContinuousClock.now
        mergePacing.withLock { $0.commit(committed, staged: staged, at: now) }
        while true {
            // The first step of a merge only starts sorting its plan in the background: it holds no commit.
            let planned = mergePlan.withLock { $0 != nil }
            if planned, !mergePacing.withLock({ $0.takesSlice(commitsWaiting: commits.hasWaiting, at: now) }) {
                nudgeWhenIdle()
                return
            }
            // A failure ends this merge for now; the rows stay staged, durable and read, and the progress recorded.
            guard let step = try? await mergeStep(configuration.mergeSliceEvents, planInBackground: true), !step.finished else { break }
            // While the plan is sorted, commits go on; the queue is nudged when it is ready.
            if step.planning { return }
            mergePacing.withLock { $0.tookSlice() }
        }
        mergePacing.withLock { $0.finish() }
        merging.store(false, ordering: .releasing)
        // Rows staged during the merge (after the last rowid it took), or left by a merge that failed, are merged once
        // ingest is quiet again; no later commit may come to schedule it.
        if let quiet = configuration.mergeWhenIdleAfter, stagedCount.load(ordering: .acquiring) > 0 {
            nudgeWhenQuiet(quiet)
        }
    }

    /// With ``Configuration/mergeWhenIdleAfter``, at start: events left staged by an earlier process (or a killed one)
    /// are merged once the store has been quiet that long too, not only after the next commit.
    ///
    /// - Parameter quiet: ``Configuration/mergeWhenIdleAfter``.
    func mergeLeftoversWhenQuiet(_ quiet: Duration) async {
        guard let pending = try? await read({ db in try Int.fetchOne(db, sql: "SELECT count(*) FROM events_pending") ?? 0 }),
            pending > 0
        else { return }
        // Until the first commit reloads the staged uuids and counts them again.
        _ = stagedCount.compareExchange(expected: 0, desired: pending, ordering: .acquiringAndReleasing)
        nudgeWhenQuiet(quiet)
    }

    /// Nudges the group commit's queue once `quiet` has passed (one such nudge at a time), so that a merge of what is
    /// staged starts if no commit has stored events meanwhile; otherwise that nudge schedules the next.
    private func nudgeWhenQuiet(_ quiet: Duration) {
        guard !quietNudge.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Task {
            try? await Task.sleep(for: quiet)
            quietNudge.store(false, ordering: .releasing)
            commits.nudge()
        }
    }

    /// Nudges the group commit's queue ``MergePacing/idleAfter`` from now (one nudge at a time), so that the merge
    /// under way goes on if no commit comes meanwhile; a commit that comes first runs the maintenance itself.
    private func nudgeWhenIdle() {
        guard !idleNudge.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Task {
            try? await Task.sleep(for: MergePacing.idleAfter)
            idleNudge.store(false, ordering: .releasing)
            commits.nudge()
        }
    }
}
