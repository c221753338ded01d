import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Copies the write-ahead log into the database file on a connection of its own, so that no commit waits for it
/// (``SQLiteEventStore/Configuration/checkpointInBackground``).
///
/// SQLite's automatic checkpoint runs inside the commit that makes the log reach `wal_autocheckpoint` pages: that
/// commit copies up to the whole log and syncs the database file before it returns, and with group commit every
/// ingest request waiting for the next transaction waits for it too. Here the writer's automatic checkpoint is off,
/// and the writer's WAL hook, which SQLite calls after every commit with the log's length in frames, wakes this
/// checkpointer once the log reaches the same length. It runs `PRAGMA wal_checkpoint(PASSIVE)` on its own
/// read-write connection: a passive checkpoint takes no lock a writer needs, so commits go on appending to the log
/// meanwhile, and the next commit after it has copied everything starts the log over. When readers keep the log
/// from starting over, the store's bound starts here, after a checkpoint, before the writer's own would make commits
/// wait (``SQLiteEventStore/boundWriteAheadLogInBackground()``).
final class BackgroundCheckpointer: Sendable {
    /// Frames in the log from which a checkpoint runs (set by ``install(on:thresholdFrames:)``).
    private let thresholdFrames = Atomic<Int32>(Int32.max)
    private let wake: AsyncStream<Void>.Continuation
    private let stream: AsyncStream<Void>
    private let started = Atomic<Bool>(false)
    /// Checkpoints that ran, for tests and diagnostics.
    let completed = Atomic<Int>(0)

    /// The log length, in frames, from which a checkpoint runs (`Int32.max` until installed).
    var threshold: Int { Int(thresholdFrames.load(ordering: .relaxed)) }

    init() {
        (stream, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    deinit { wake.finish() }

    /// Installs the WAL hook on the writer's connection: after each commit whose log has reached the threshold, the
    /// checkpointer is woken (wakes coalesce while one runs).
    ///
    /// - Parameters:
    ///   - db: The writer's connection.
    ///   - thresholdFrames: The log length, in frames (pages), from which a checkpoint runs.
    func install(on db: Database, thresholdFrames: Int) {
        self.thresholdFrames.store(Int32(clamping: max(1, thresholdFrames)), ordering: .relaxed)
        let context = Unmanaged.passUnretained(self).toOpaque()
        sqlite3_wal_hook(db.sqliteConnection, { context, _, _, frames in
            guard let context else { return SQLITE_OK }
            let checkpointer = Unmanaged<BackgroundCheckpointer>.fromOpaque(context).takeUnretainedValue()
            if frames >= checkpointer.thresholdFrames.load(ordering: .relaxed) { checkpointer.wake.yield() }
            return SQLITE_OK
        }, context)
    }

    /// Starts the checkpoint loop on a new read-write connection to `path`; it ends when the checkpointer is
    /// released. Called once.
    ///
    /// - Parameters:
    ///   - path: The database file.
    ///   - configuration: The connection's settings (its busy timeout and `synchronous`).
    ///   - afterEach: Run after each passive checkpoint (the store's bound on the log,
    ///     ``SQLiteEventStore/boundWriteAheadLogInBackground()``).
    func start(path: String, configuration: GRDB.Configuration, afterEach: @escaping @Sendable () async -> Void) throws {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var connection = configuration
        connection.label = "rampart.checkpoint"
        let queue = try DatabaseQueue(path: path, configuration: connection)
        let stream = self.stream
        Task.detached { [weak self] in
            for await _ in stream {
                // The result's first column is 1 when a writer or readers kept part of the log from being copied;
                // the next wake copies the rest.
                _ = try? await queue.writeWithoutTransaction { db in try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)") }
                guard let self else { return }
                self.completed.add(1, ordering: .relaxed)
                await afterEach()
            }
        }
    }
}
