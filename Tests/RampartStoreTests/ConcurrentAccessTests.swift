import Foundation
import GRDB
import RampartCore
@testable import RampartStore
import Synchronization
import Testing

/// Another connection on the same file — as `rampart ingest` in another process would be — holding the write lock
/// (`BEGIN IMMEDIATE`) until ``release()``.
final class WriteLockHolder: @unchecked Sendable {
    private let queue: DatabaseQueue

    init(_ path: String) throws {
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        queue = try DatabaseQueue(path: path, configuration: configuration)
        try queue.writeWithoutTransaction { db in try db.execute(sql: "BEGIN IMMEDIATE") }
    }

    /// Commits the empty transaction, releasing the lock.
    func release() throws {
        try queue.writeWithoutTransaction { db in try db.execute(sql: "COMMIT") }
    }

    /// Releases the lock after a while, from another task.
    func release(after seconds: Double) -> Task<Void, any Error> {
        Task.detached {
            try await Task.sleep(for: .seconds(seconds))
            try self.release()
        }
    }
}

/// Readers and writers sharing one database file with another connection that holds the write lock
/// (docs/operations.md): reads never wait or fail, writes wait their turn, and say `busy` once the budget is spent.
@Suite("Concurrent access")
struct ConcurrentAccessTests {
    static func events(_ prefix: String, _ count: Int) -> [Event] {
        (0..<count).map { i -> Event in
            let unit = "\(prefix)\(i / 2)"
            if i % 2 == 0 { return exposure(unit, Double(i), i % 4 == 0 ? "control" : "treatment") }
            let latency = JSONValue.number(Double(100 + i))
            return event("a", unit, Double(i) + 0.5, ["latency_ms": latency])
        }
    }

    static func seconds(_ body: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await body()
        return BusyRetry.seconds(since: start)
    }

    /// A database with events both merged and staged, a stored rollout, and another connection holding the write
    /// lock: opening it, counting, analysing, importing unchanged experiment files and reading rollouts all succeed
    /// at once, see the staged events, and write nothing (a write would fail: the busy timeout is 0.2 s).
    @Test func readersNeitherWaitNorFailWhileAnotherConnectionWrites() async throws {
        let path = try StoreBackend.temporaryPath()
        let writer = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 8, stagedEventLimit: 1_000_000))
        #expect(try await writer.ingest(Self.events("m", 40)).stored == 40)
        try await writer.mergeStagedEvents()
        #expect(try await writer.ingest(Self.events("s", 30)).stored == 30)  // staged
        let experiment = ControlStoreTests.experiment()
        try await writer.seed([experiment], now: ControlStoreTests.t0)

        let lock = try WriteLockHolder(path)
        defer { try? lock.release() }
        for readOnly in [false, true] {
            let elapsed = try await Self.seconds {
                let reader = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 8, busyTimeout: 0.2, readOnly: readOnly))
                #expect(try await reader.eventCount() == 70)
                let request = AnalysisRequest(metrics: [.init(MetricQuery(event: "a", value: "latency_ms"))])
                let result = try await reader.analysis(request, in: ExperimentScope(key: "exp"))
                #expect(result.attribution.enrolled.values.reduce(0, +) == 35)
                #expect(result.metrics[0].unitsWithEvents.values.reduce(0, +) == 35)
                #expect(try await reader.seed([experiment], now: Date()).isEmpty)  // nothing to change: no write
                #expect(try await reader.rollouts().map(\.experiment.key) == ["demo"])
                // A file not imported yet is read as the import would store it, and no row is created.
                var other = experiment
                other.key = "other"
                let seeded = try await reader.seeded([experiment, other], now: ControlStoreTests.t0)
                #expect(seeded.rollouts.map(\.experiment.key) == ["demo", "other"])
                #expect(try await reader.rollout("other") == nil)
            }
            #expect(elapsed < 5, "readers do not wait for the writer")
        }
    }

    /// A write that finds the lock taken waits in the busy handler and succeeds once it is released.
    @Test func writersWaitTheirTurn() async throws {
        let path = try StoreBackend.temporaryPath()
        let store = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 8, busyTimeout: 5))
        try await store.seed([ControlStoreTests.experiment()], now: ControlStoreTests.t0)
        let lock = try WriteLockHolder(path)
        let release = lock.release(after: 0.4)
        let elapsed = try await Self.seconds {
            let stored = try await store.ingest(Self.events("w", 20)).stored
            #expect(stored == 20)
        }
        try await release.value
        #expect(elapsed >= 0.3, "the ingest waited for the lock")
        #expect(elapsed < 4)

        let second = try WriteLockHolder(path)
        let releaseSecond = second.release(after: 0.3)
        var state = try #require(try await store.rollout("demo"))
        state.revision += 1
        try await store.save(state, audit: nil)
        try await releaseSecond.value
        #expect(try await store.rollout("demo")?.revision == 1)
    }

    /// Once the busy timeout is spent the write fails with code `busy`, having stored nothing; after the lock is
    /// released the same store writes again, without reopening.
    @Test func aWriteSaysBusyWhenTheBudgetIsSpent() async throws {
        let path = try StoreBackend.temporaryPath()
        let store = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 8, busyTimeout: 0.3))
        let lock = try WriteLockHolder(path)
        let batch = Self.events("b", 10)
        var caught: RampartError?
        let elapsed = try await Self.seconds {
            do {
                _ = try await store.ingest(batch)
            } catch {
                caught = error as? RampartError
            }
        }
        #expect(caught?.code == .busy)
        #expect(caught?.message.contains("busy timeout (0.3 s)") == true)
        #expect(elapsed >= 0.25)
        #expect(elapsed < 2)
        try lock.release()
        #expect(try await store.eventCount() == 0)
        #expect(try await store.ingest(batch).stored == 10)
    }

    /// SQLITE_BUSY answered without waiting (a stale snapshot, a log being reset) is retried with backoff; when it
    /// lasts past the budget the error is `busy`.
    @Test func busyAnswersAreRetriedWithinTheBudget() async throws {
        let attempts = Mutex(0)
        let value = try await BusyRetry(budget: 2).run("testing") { _ -> Int in
            let n = attempts.withLock { n in n += 1; return n }
            if n < 4 { throw DatabaseError(resultCode: .SQLITE_BUSY_SNAPSHOT, message: "stale snapshot") }
            return n
        }
        #expect(value == 4)

        var caught: RampartError?
        let elapsed = try await Self.seconds {
            do {
                _ = try await BusyRetry(budget: 0.2).run("testing") { _ -> Int in
                    throw DatabaseError(resultCode: .SQLITE_BUSY, message: "locked")
                }
            } catch {
                caught = error as? RampartError
            }
        }
        #expect(caught?.code == .busy)
        #expect(elapsed >= 0.2)
        #expect(elapsed < 1)

        // Anything else is not retried.
        let others = Mutex(0)
        await #expect(throws: DatabaseError.self) {
            _ = try await BusyRetry(budget: 2).run("testing") { _ -> Int in
                others.withLock { $0 += 1 }
                throw DatabaseError(resultCode: .SQLITE_FULL, message: "full")
            }
        }
        #expect(others.withLock { $0 } == 1)
    }

    /// Opening a database whose schema is current writes nothing, so it succeeds while another connection holds
    /// the write lock; a read-only store opens a database nobody has open (no `-wal` file yet) and reads it.
    @Test func openingACurrentDatabaseWritesNothing() async throws {
        let path = try StoreBackend.temporaryPath()
        do {
            let store = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 8))
            _ = try await store.ingest(Self.events("o", 10))
        }
        let reader = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 8, busyTimeout: 0.1, readOnly: true))
        #expect(try await reader.eventCount() == 10)

        let writer = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 8))
        _ = try await writer.ingest(Self.events("p", 10))
        let lock = try WriteLockHolder(path)
        defer { try? lock.release() }
        let before = SQLiteEventStore.fileSize(path + "-wal")
        let reopened = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 8, busyTimeout: 0.1))
        #expect(try await reopened.eventCount() == 20)
        #expect(SQLiteEventStore.fileSize(path + "-wal") == before)
    }
}
