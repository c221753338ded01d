import Foundation
import GRDB
import RampartCore
import Synchronization

extension SQLiteEventStore {
    /// Keeps the write-ahead log under ``Configuration/walSizeLimitMiB`` while readers run continuously.
    ///
    /// A commit checkpoints (copies the log into the database file) once the log holds a quarter of the limit,
    /// but the log can only start over from its beginning when no reader still uses an older snapshot; readers
    /// that overlap without a gap ("checkpoint starvation") let it grow without end. So after a write, when the
    /// `-wal` file is past half the limit, this runs `PRAGMA wal_checkpoint(RESTART)`: it copies the whole log,
    /// then waits (at most a fifth of the busy timeout; after a wait that was not enough, the next try is a second
    /// later) until every reader
    /// has moved to the newest snapshot, so that the next commit starts the log over and `journal_size_limit`
    /// truncates the file back to a quarter of the limit. Readers never wait for it; writers in other processes
    /// wait in their busy handler meanwhile. A checkpoint that could not finish is tried again after a later
    /// write (a second later); when the file is past three quarters of the limit and the last one could not
    /// finish, the next write holds this process's reads back until the log is reset
    /// (``resetWriteAheadLogHoldingReads()``). Costs one `stat` per transaction, nothing per event.
    func boundWriteAheadLog() async {
        guard !configuration.readOnly, let walPath, let size = Self.fileSize(walPath),
            size > Int64(configuration.walQuarterBytes) * 2
        else { return }
        let now = ContinuousClock.now
        let lastFailed = lastRestart.withLock { $0 }
        if lastFailed != nil, size > Int64(configuration.walQuarterBytes) * 3, !resettingLog.exchange(true, ordering: .acquiringAndReleasing) {
            defer { resettingLog.store(false, ordering: .releasing) }
            await resetWriteAheadLogHoldingReads()
            return
        }
        guard lastFailed.map({ now - $0 >= .seconds(1) }) ?? true else { return }
        await restartCheckpoint()
    }

    /// Runs `PRAGMA wal_checkpoint(RESTART)`, waiting for readers at most a fifth of the busy timeout, and records
    /// in ``lastRestart`` whether it finished.
    func restartCheckpoint() async {
        let wait = max(0.05, configuration.busyTimeout / 5)
        let budget = configuration.busyTimeout
        // The first column of the answer is 1 when readers (or a writer) kept the checkpoint from finishing.
        let finished = try? await writer.writeWithoutTransaction { db -> Bool in
            let start = ContinuousClock.now
            defer { WriteWork.checkpoint.record(ContinuousClock.now - start) }
            BusyRetry.setTimeout(wait, on: db)
            defer { BusyRetry.setTimeout(budget, on: db) }
            return try Int.fetchOne(db, sql: "PRAGMA wal_checkpoint(RESTART)") == 0
        }
        let now = ContinuousClock.now
        lastRestart.withLock { $0 = finished == true ? nil : now }
    }

    /// Resets the log when this process's own reads keep overlapping: holds new reads back (``ReadGate``), waits
    /// for the reads in progress to end (each is one pass over one shard, so this is short; at most the busy
    /// timeout, after which it gives up, lets them in and counts a `RESTART` that could not finish), runs the
    /// `RESTART` checkpoint, and lets the reads in again. Called after a commit by ``boundWriteAheadLog()`` (the next
    /// commit then waits for it) and by the background checkpointer (``boundWriteAheadLogInBackground()``, where
    /// commits go on until the `RESTART`); the held reads wait for the longest read in progress and the checkpoint. Readers in other processes are
    /// not held (a `rampart report` is one read at a time); the `RESTART` then waits for them as
    /// ``boundWriteAheadLog()`` does.
    func resetWriteAheadLogHoldingReads() async {
        readGate.close()
        defer { readGate.open() }
        let clock = ContinuousClock()
        let deadline = clock.now + .milliseconds(Int64(configuration.busyTimeout * 1000))
        while readGate.active > 0 {
            guard clock.now < deadline else {
                // Counted as a `RESTART` that could not finish: the next try is a second later.
                lastRestart.withLock { $0 = clock.now }
                return
            }
            try? await Task.sleep(for: .milliseconds(2))
        }
        await restartCheckpoint()
    }

    /// Keeps the write-ahead log under ``Configuration/walSizeLimitMiB`` when checkpoints run in the background;
    /// called by the ``BackgroundCheckpointer`` after each passive checkpoint, not after a commit.
    ///
    /// When the `-wal` file is past three eighths of the limit, readers kept the log from starting over. This holds this
    /// process's new reads back (``ReadGate``) until the reads in progress end (at most the busy timeout, after which
    /// it lets them in and tries again a second later), then runs the `RESTART` checkpoint on the writer's connection
    /// (``restartCheckpoint()``) and lets the reads in. Commits go on while the reads in progress finish; the
    /// `RESTART` then finds no reader of this process in its way, so it only copies what the passive checkpoints
    /// left. It runs on the writer's connection because another connection would have to win the write lock from a
    /// writer that takes it back after every group commit, which under continuous ingest it did not: in a soak the
    /// log reached 4.8 GB in five minutes that way.
    ///
    /// It starts below the half of the limit where the writer's own bound (``boundWriteAheadLog()``, still run after
    /// every commit) would make commits wait, so that under this process's reads the log usually starts over before
    /// the writer has to wait; the writer's bound remains the guarantee (readers in other processes, a background
    /// bound that fell behind).
    func boundWriteAheadLogInBackground() async {
        guard let walPath, let size = Self.fileSize(walPath), size > Int64(configuration.walQuarterBytes) * 3 / 2 else { return }
        let now = ContinuousClock.now
        guard lastRestart.withLock({ $0 }).map({ now - $0 >= .seconds(1) }) ?? true else { return }
        await resetWriteAheadLogHoldingReads()
    }

    /// The size of a file in bytes, `nil` when it does not exist.
    static func fileSize(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int64(info.st_size)
    }

    /// The size of the `-wal` file in bytes (0 when there is none or the store is in memory), for tests and
    /// diagnostics.
    public func writeAheadLogBytes() -> Int64 {
        walPath.flatMap(Self.fileSize) ?? 0
    }
}
