import Foundation
import GRDB
import GRDBSQLite
import RampartCore

/// Retries a database access that failed with `SQLITE_BUSY`, with backoff, until a budget of time is spent.
///
/// SQLite's busy handler (``SQLiteEventStore/Configuration/busyTimeout`` on every connection) makes a connection
/// wait while another one holds the lock it needs, but SQLite returns `SQLITE_BUSY` at once, without calling the
/// handler, in a few cases: a transaction that read an older snapshot and then wants to write
/// (`SQLITE_BUSY_SNAPSHOT`), `BEGIN IMMEDIATE` while another connection resets or recovers the log
/// (`SQLITE_BUSY_RECOVERY`), or when waiting could deadlock. Those are retried here, after 1 ms, 2 ms, 4 ms … (at
/// most 100 ms, with jitter), as long as the budget lasts; the busy handler's own wait counts against it. When the
/// budget is spent the error is `RampartError` with code ``RampartError/Code/busy``.
struct BusyRetry: Sendable {
    /// The whole budget, in seconds.
    var budget: Double
    /// The first pause between attempts, in seconds.
    var firstPause = 0.001
    /// The longest pause between attempts, in seconds.
    var longestPause = 0.1

    /// Whether an error is SQLite saying the database is locked (any `SQLITE_BUSY` variant).
    static func isBusy(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_BUSY
    }

    /// The error once the budget is spent.
    func exhausted(_ what: String, cause: any Error) -> RampartError {
        RampartError(
            .busy,
            "\(what): the database stayed locked by another writer for the whole busy timeout (\(Self.seconds(budget)) s); retry later",
            cause: cause
        )
    }

    /// Runs `body` until it succeeds, fails with something other than `SQLITE_BUSY`, or the budget is spent.
    ///
    /// - Parameters:
    ///   - what: What is being done, for the error message.
    ///   - body: The access; it gets the seconds left of the budget (to give SQLite's busy handler).
    func run<T>(_ what: String, _ body: (Double) async throws -> T) async throws -> T {
        let start = ContinuousClock.now
        var pause = firstPause
        while true {
            let left = budget - Self.seconds(since: start)
            do {
                return try await body(max(0, left))
            } catch where Self.isBusy(error) {
                let remaining = budget - Self.seconds(since: start)
                guard remaining > 0 else { throw exhausted(what, cause: error) }
                let sleep = min(remaining, pause * Double.random(in: 0.5...1.5))
                try? await Task.sleep(for: .seconds(sleep))
                pause = min(longestPause, pause * 2)
            }
        }
    }

    /// The same as ``run(_:_:)`` for synchronous accesses (opening and migrating, before any task exists).
    func runBlocking<T>(_ what: String, _ body: (Double) throws -> T) throws -> T {
        let start = ContinuousClock.now
        var pause = firstPause
        while true {
            let left = budget - Self.seconds(since: start)
            do {
                return try body(max(0, left))
            } catch where Self.isBusy(error) {
                let remaining = budget - Self.seconds(since: start)
                guard remaining > 0 else { throw exhausted(what, cause: error) }
                let sleep = min(remaining, pause * Double.random(in: 0.5...1.5))
                Thread.sleep(forTimeInterval: sleep)
                pause = min(longestPause, pause * 2)
            }
        }
    }

    /// Sets the connection's busy handler to wait at most `seconds` (SQLite's `sqlite3_busy_timeout`).
    static func setTimeout(_ seconds: Double, on db: Database) {
        let ms = (seconds * 1000).rounded(.up)
        sqlite3_busy_timeout(db.sqliteConnection, ms.isFinite ? Int32(max(1, min(ms, Double(Int32.max)))) : Int32.max)
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        (ContinuousClock.now - start).seconds
    }

    /// A budget for messages: `5`, `0.5`.
    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%g", value)
    }
}
