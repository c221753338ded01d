import Foundation
import GRDB
import GRDBSQLite
import RampartCore

extension SQLiteEventStore {
    /// Runs a write transaction that waits its turn: `BEGIN IMMEDIATE` (the write lock is taken first, so the
    /// transaction never has to upgrade a read snapshot), SQLite's busy handler for as much of the busy timeout as
    /// is left, and retries with backoff when SQLite answers `SQLITE_BUSY` without waiting (``BusyRetry``).
    ///
    /// - Parameters:
    ///   - what: What is written, for the error message.
    ///   - work: What kind of work it is, for `rampart_store_write_seconds` (``WriteWork``).
    ///   - body: The transaction's work; it may run more than once (only a committed run counts).
    /// - Throws: `RampartError` with code `busy` when the lock stayed taken for the whole busy timeout,
    ///   `storageFull` when the disk is full, `storage` when the database file was removed, replaced or made
    ///   read-only since it was opened (``DatabaseFileIdentity``) or for any other database failure, with the cause
    ///   named (``WriteFailure``), or what `body` throws.
    func write<T: Sendable>(_ what: String = "writing the database", work: WriteWork = .other, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let budget = configuration.busyTimeout
        try fileIdentity?.check()
        do {
            return try await BusyRetry(budget: budget).run(what) { left in
                try await writer.writeWithoutTransaction { db in
                    BusyRetry.setTimeout(left, on: db)
                    defer {
                        BusyRetry.setTimeout(budget, on: db)
                        self.connectionCaches?.record(db)
                    }
                    var result: T?
                    let start = ContinuousClock.now
                    defer { work.record(ContinuousClock.now - start) }
                    do {
                        try db.inTransaction(.immediate) {
                            result = try body(db)
                            return .commit
                        }
                    } catch {
                        // What the failed transaction put in the ingest cache (staged uuids, new ids) is not in the
                        // database: a COMMIT that fails (a failed fsync) rolls back without GRDB's rollback
                        // callback, and a cached uuid would make a retry of the same events count as duplicates.
                        self.cache.clear()
                        if let error = error as? DatabaseError, !BusyRetry.isBusy(error) {
                            throw WriteFailure(error: error, systemErrno: sqlite3_system_errno(db.sqliteConnection))
                        }
                        throw error
                    }
                    return result!
                }
            }
        } catch let error as RampartError {
            throw error
        } catch let failure as WriteFailure {
            throw failure.rampartError(what)
        } catch {
            throw RampartError(.storage, "\(what) failed", cause: error)
        }
    }

    /// Reads on the writer's connection, outside any transaction (it takes no write lock), for the writer's own
    /// maintenance between commits.
    ///
    /// The merge's progress is read here, not through ``read(_:)``: a read waits at the ``ReadGate`` while a reset of
    /// the write-ahead log holds this process's reads back (until the reads in progress end, as long as the busy
    /// timeout), and the group commit's next transaction waits for the maintenance that runs after each one.
    ///
    /// - Parameters:
    ///   - what: What is read, for the error message.
    ///   - body: The read.
    /// - Throws: `RampartError` with code `busy` when SQLite kept answering `SQLITE_BUSY` for the whole busy
    ///   timeout, `storage` for any other database failure.
    func readOnWriter<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await BusyRetry(budget: configuration.busyTimeout).run(what) { _ in
                try await writer.writeWithoutTransaction { db in try body(db) }
            }
        } catch let error as RampartError {
            throw error
        } catch {
            throw RampartError(.storage, "\(what) failed", cause: error)
        }
    }
}
