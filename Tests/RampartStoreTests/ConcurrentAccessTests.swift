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

    /// Releases the lock after a while, from a thread of its own (not a task: the test's tasks may be slow to
    /// get a thread on a loaded machine).
    func release(after seconds: Double) -> Task<Void, any Error> {
        final class Outcome: Sendable { let result = Mutex<Result<Void, any Error>?>(nil) }
        let outcome = Outcome()
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: seconds)
            outcome.result.withLock { $0 = Result { try self.release() } }
        }
        return Task {
            while true {
                if let result = outcome.result.withLock({ $0 }) { return try result.get() }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }
}

/// Readers whose transactions overlap without a gap, so that the write-ahead log never finds a moment to start
/// over (checkpoint starvation), each on its own connection and thread.
final class OverlappingReaders: @unchecked Sendable {
    private let stop = Mutex(false)
    private var threads: [Thread] = []
    let reads = Mutex(0)

    /// Starts `count` readers, each holding a read transaction for `hold` seconds, staggered so that one always holds.
    init(_ path: String, count: Int = 2, hold: Double = 0.08) throws {
        for k in 0..<count {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            let thread = Thread { [self] in
                Thread.sleep(forTimeInterval: hold * Double(k) / Double(count))
                while !stop.withLock({ $0 }) {
                    _ = try? queue.read { db in
                        _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM events_staged")
                        Thread.sleep(forTimeInterval: hold)
                    }
                    reads.withLock { $0 += 1 }
                }
            }
            threads.append(thread)
            thread.start()
        }
    }

    func finish() {
        stop.withLock { $0 = true }
        while threads.contains(where: { !$0.isFinished }) { Thread.sleep(forTimeInterval: 0.01) }
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
        try await writer.seed([experiment])

        let lock = try WriteLockHolder(path)
        defer { try? lock.release() }
        for readOnly in [false, true] {
            do {
                let reader = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 8, busyTimeout: 0.2, readOnly: readOnly))
                #expect(try await reader.eventCount() == 70)
                let request = AnalysisRequest(metrics: [.init(MetricQuery(event: "a", value: "latency_ms"))])
                let result = try await reader.analysis(request, in: ExperimentScope(key: "exp"))
                #expect(result.attribution.enrolled.values.reduce(0, +) == 35)
                #expect(result.metrics[0].unitsWithEvents.values.reduce(0, +) == 35)
                #expect(try await reader.seed([experiment]).allSatisfy { $0.outcome == .unchanged })  // nothing to change: no write
                #expect(try await reader.rollouts().map(\.experiment.key) == ["demo"])
                // A file not imported yet is read as the import would store it, and no row is created.
                var other = experiment
                other.key = "other"
                let seeded = try await reader.seeded([experiment, other], source: "experiments/")
                #expect(seeded.rollouts.map(\.experiment.key) == ["demo", "other"])
                #expect(try await reader.rollout("other") == nil)
            }
        }
    }

    /// A write that finds the lock taken waits in the busy handler and succeeds once it is released.
    @Test func writersWaitTheirTurn() async throws {
        let path = try StoreBackend.temporaryPath()
        let store = try SQLiteEventStore(path: path, configuration: .init(cacheSizeMiB: 8, busyTimeout: 5))
        try await store.seed([ControlStoreTests.experiment()])
        let lock = try WriteLockHolder(path)
        let release = lock.release(after: 0.4)
        let elapsed = try await Self.seconds {
            let stored = try await store.ingest(Self.events("w", 20)).stored
            #expect(stored == 20)
        }
        try await release.value
        #expect(elapsed >= 0.3, "the ingest waited for the lock")
        #expect(elapsed < 120, "no hang (a bound on hanging, not a speed: a loaded CI once took 32 s, its 2 cooperative threads busy with other suites)")

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
        #expect(elapsed < 120, "no hang (a bound on hanging, not a speed: a loaded CI once took 32 s, its 2 cooperative threads busy with other suites)")
        try lock.release()
        #expect(try await store.eventCount() == 0)
        #expect(try await store.ingest(batch).stored == 10)
    }

    /// SQLITE_BUSY answered without waiting (a stale snapshot, a log being reset) is retried with backoff; when it
    /// lasts past the budget the error is `busy`.
    @Test func busyAnswersAreRetriedWithinTheBudget() async throws {
        // The budget only has to outlast the pauses between attempts, but those are wall time: at the start of the
        // parallel run the two cooperative threads once stayed busy with other suites for over a minute, and a
        // task that slept 2 ms resumed after the 60 s budget this test had then. An hour cannot run out here.
        let attempts = Mutex(0)
        let value = try await BusyRetry(budget: 3_600).run("testing") { _ -> Int in
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
        #expect(elapsed < 120, "no hang (a bound on hanging, not a speed: a loaded CI once took 32 s, its 2 cooperative threads busy with other suites)")

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

    /// This process's own reads overlapping all the time, each longer than the `RESTART` checkpoint waits for
    /// readers (as the server's analyses and results requests do under load): the store holds new reads back for a
    /// moment so that the log is reset, and the `-wal` file stays under `walSizeLimitMiB`; every read succeeds.
    /// Checkpoints in commits and in the background alike.
    @Test(arguments: [false, true]) func theWriteAheadLogStaysBoundedUnderThisProcesssOwnLongReads(background: Bool) async throws {
        let path = try StoreBackend.temporaryPath()
        var configuration = SQLiteEventStore.Configuration(cacheSizeMiB: 8, busyTimeout: 0.5, walSizeLimitMiB: 8)
        configuration.checkpointInBackground = background
        let store = try SQLiteEventStore(path: path, configuration: configuration)
        _ = try await store.ingest(Self.events("warm", 10))
        final class Counts: Sendable {
            let stop = Mutex(false)
            let reads = Mutex(0)
            let failures = Mutex(0)
            let largest = Mutex<Int64>(0)
        }
        let counts = Counts()
        let readers = Task {
            await withTaskGroup(of: Void.self) { group in
                for k in 0..<3 {
                    group.addTask {
                        try? await Task.sleep(for: .milliseconds(100 * k))
                        while !counts.stop.withLock({ $0 }) {
                            do {
                                _ = try await store.read { db in
                                    _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM events_staged")
                                    Thread.sleep(forTimeInterval: 0.3)
                                }
                                counts.reads.withLock { $0 += 1 }
                            } catch {
                                counts.failures.withLock { $0 += 1 }
                            }
                        }
                    }
                }
            }
        }
        // Four clients ingesting at once keep group commits back to back, as a loaded server's do.
        let written = try await withThrowingTaskGroup(of: Int.self) { group in
            for client in 0..<4 {
                group.addTask {
                    var stored = 0
                    for round in 0..<10 {
                        stored += try await store.ingest(Self.events("c\(client)r\(round)-", 3_000)).stored
                        let size = store.writeAheadLogBytes()
                        counts.largest.withLock { $0 = max($0, size) }
                    }
                    return stored
                }
            }
            return try await group.reduce(0, +)
        }
        counts.stop.withLock { $0 = true }
        await readers.value
        #expect(written == 120_000)
        // The reads overlapped the writes (three readers of 0.3 s each, for the 2–3 s the writes take).
        #expect(counts.reads.withLock { $0 } > 3)
        #expect(counts.failures.withLock { $0 } == 0)
        let peak = counts.largest.withLock { $0 }
        #expect(peak <= 8 << 20, "largest -wal file \(peak) bytes")
    }

    /// With readers overlapping all the time, the `-wal` file stays under `walSizeLimitMiB` while far more than
    /// that is written: the writer's `RESTART` checkpoint waits for the readers' old snapshots to end.
    /// Checkpoints in commits and in the background alike.
    @Test(arguments: [false, true]) func theWriteAheadLogStaysBoundedUnderContinuousReaders(background: Bool) async throws {
        let path = try StoreBackend.temporaryPath()
        var configuration = SQLiteEventStore.Configuration(cacheSizeMiB: 8, walSizeLimitMiB: 8)
        configuration.checkpointInBackground = background
        let store = try SQLiteEventStore(path: path, configuration: configuration)
        _ = try await store.ingest(Self.events("warm", 10))
        let readers = try OverlappingReaders(path)
        var largest: Int64 = 0
        var written = 0
        for round in 0..<40 {
            let batch = Self.events("r\(round)-", 3_000)
            written += try await store.ingest(batch).stored
            largest = max(largest, store.writeAheadLogBytes())
        }
        readers.finish()
        #expect(written == 120_000)
        #expect(readers.reads.withLock { $0 } > 10)
        let pages = try await store.rows("PRAGMA page_count").first?.first?.numberValue ?? 0
        #expect(pages * 16_384 > 8 * 1_048_576, "more than the limit was written")
        #expect(largest <= 8 << 20, "largest -wal file \(largest) bytes")
    }

    /// With background checkpoints the writer's connection runs none itself (`wal_autocheckpoint` 0), the
    /// checkpointer copies the log once it reaches the threshold, the log starts over, so the `-wal` file stays
    /// within the limit, and every event is stored once in a database that passes `integrity_check`.
    @Test func backgroundCheckpointsKeepTheLogShortWithoutTheWriter() async throws {
        let path = try StoreBackend.temporaryPath()
        var configuration = SQLiteEventStore.Configuration(cacheSizeMiB: 8, walSizeLimitMiB: 8)
        configuration.checkpointInBackground = true
        let store = try SQLiteEventStore(path: path, configuration: configuration)
        let checkpointer = try #require(store.checkpointer)
        let autocheckpoint = try await store.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") }
        #expect(autocheckpoint == 0)
        var written = 0
        var largest: Int64 = 0
        for round in 0..<40 {
            written += try await store.ingest(Self.events("b\(round)-", 3_000)).stored
            largest = max(largest, store.writeAheadLogBytes())
        }
        #expect(written == 120_000)
        #expect(checkpointer.completed.load(ordering: .relaxed) > 0)
        #expect(largest <= 8 << 20, "largest -wal file \(largest) bytes")
        #expect(try await store.eventCount() == 120_000)
        let check = try await store.rows("PRAGMA integrity_check").first?.first
        #expect(check == .string("ok"))
        // Without the setting the writer checkpoints in its commits, and there is no checkpointer.
        let plain = try SQLiteEventStore(path: try StoreBackend.temporaryPath(), configuration: .init(cacheSizeMiB: 8, walSizeLimitMiB: 8))
        #expect(plain.checkpointer == nil)
        #expect(try await plain.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") } == 128)
    }

    /// The checkpointer copies the log from ``SQLiteEventStore/Configuration/backgroundCheckpointPages`` on, sooner
    /// than commits would (their threshold stays the cap: a quarter of the limit, or `walAutocheckpointPages`).
    @Test func theCheckpointerCopiesSoonerThanCommitsWould() throws {
        func threshold(_ configure: (inout SQLiteEventStore.Configuration) -> Void) throws -> Int? {
            var configuration = SQLiteEventStore.Configuration()
            configuration.checkpointInBackground = true
            configure(&configuration)
            return try SQLiteEventStore(path: try StoreBackend.temporaryPath(), configuration: configuration).checkpointer?.threshold
        }
        #expect(try threshold { _ in } == 2_048)
        #expect(try threshold { $0.backgroundCheckpointPages = 100_000 } == 8_192)
        #expect(try threshold { $0.walSizeLimitMiB = 8 } == 128)
        #expect(try threshold { $0.backgroundCheckpointPages = 0 } == 1)
    }

    /// Reading connections take ``SQLiteEventStore/Configuration/readerCacheSizeMiB`` when it is set; the writer
    /// keeps ``SQLiteEventStore/Configuration/cacheSizeMiB``.
    @Test func readersTakeTheirOwnCacheSize() async throws {
        var configuration = SQLiteEventStore.Configuration(cacheSizeMiB: 64)
        configuration.readerCacheSizeMiB = 8
        let store = try SQLiteEventStore(path: try StoreBackend.temporaryPath(), configuration: configuration)
        #expect(try await store.read { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") } == -8 * 1024)
        #expect(try await store.writer.write { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") } == -64 * 1024)
        let same = try SQLiteEventStore(path: try StoreBackend.temporaryPath(), configuration: .init(cacheSizeMiB: 64))
        #expect(try await same.read { db in try Int.fetchOne(db, sql: "PRAGMA cache_size") } == -64 * 1024)
    }
}
