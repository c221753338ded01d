import Foundation
import GRDB
import RampartCore
import Synchronization

/// The embedded event store: SQLite through GRDB, in WAL mode with `synchronous = FULL`.
///
/// An ``ingest(_:)`` call returns after the commit of the transaction that carried its batch, when the events are
/// in the write-ahead log and fsynced: they survive a process crash (SIGKILL) and, on storage that honours fsync, a
/// power loss. Concurrent calls share transactions (group commit). New events are appended to `events_staged` and
/// merged into the clustered `events` table in large key-ordered batches (``mergeStagedEvents()``); reads see both
/// tables, so they see every acknowledged event without writing. Reads run concurrently with writes (GRDB's
/// `DatabasePool`), in this process and in others; writes wait for each other (docs/operations.md).
public final class SQLiteEventStore: EventStore {
    /// The database.
    let writer: any DatabaseWriter
    /// The settings it was opened with.
    public let configuration: Configuration
    /// Dictionary ids already known, touched only inside the writer's serialized accesses.
    let cache: IngestCache
    let unitHasher: UnitKeyHasher?
    /// Events in `events_staged`, as of this process's last commit; a merge follows the commit that makes it
    /// reach ``Configuration/stagedEventLimit``.
    let stagedCount = Atomic<Int>(0)
    /// Whether a sliced merge that reached ``Configuration/stagedEventLimit`` is still under way
    /// (``mergeIfFull(committed:)``): it goes on between group commits, in slices paced by each commit, until the merge
    /// is finished.
    let merging = Atomic<Bool>(false)
    /// How much of the merge under way runs between group commits; touched only by the group commit's maintenance
    /// (``mergeIfFull(committed:)``), which runs one at a time.
    let mergePacing: Mutex<MergePacing>
    /// Whether a nudge of the group commit's queue is due ``MergePacing/idleAfter`` from now, so that a merge that is
    /// owed nothing more goes on once ingest stops (``mergeIfFull(committed:)``).
    let idleNudge = Atomic<Bool>(false)
    /// Whether a nudge is scheduled to start a merge of what is staged once ingest has been quiet for
    /// ``Configuration/mergeWhenIdleAfter`` (``mergeIfFull(committed:)``).
    let quietNudge = Atomic<Bool>(false)
    /// The order of the merge in progress, sorted off the writer (``RangeMergePlan``); `nil` until a slice needs it.
    let mergePlan = Mutex<RangeMergePlan?>(nil)
    /// Whether a ``RangeMergePlan`` is being built in the background for ``mergeIfFull(committed:)``.
    let planning = Atomic<Bool>(false)
    /// How many of the next background plan reads fail without reading: the way tests reach the retry after a
    /// failed read (``planInBackgroundThenNudge(_:)``); 0 otherwise.
    let failingPlanReads = Atomic<Int>(0)
    /// The `-wal` file of a file database, watched by ``boundWriteAheadLog()``.
    let walPath: String?
    /// The file a file database was opened on, checked before each write (``DatabaseFileIdentity``).
    let fileIdentity: DatabaseFileIdentity?
    /// When a `RESTART` checkpoint of ``boundWriteAheadLog()`` last could not finish, if the latest did not.
    let lastRestart = Mutex<ContinuousClock.Instant?>(nil)
    /// What the pool's connections' page caches hold, recorded at each read and write (``cacheMemory()``); `nil` for
    /// an in-memory database.
    let connectionCaches: ConnectionCaches?
    /// Runs the checkpoints when ``Configuration/checkpointInBackground`` is on.
    let checkpointer: BackgroundCheckpointer?
    /// This process's reads, held back briefly when overlapping reads keep the log from being reset.
    let readGate = ReadGate()
    /// Whether ``resetWriteAheadLogHoldingReads()`` is under way.
    let resettingLog = Atomic<Bool>(false)
    /// Analyses as of an earlier day, answered again while their data has not changed.
    let pastAnalyses: PastAnalysisCache
    /// The group commit of ``ingest(_:)``.
    var commits: GroupCommitQueue<EncodedBatch, IngestResult> { commitQueue.withLock { $0! } }
    /// Set once at the end of `init` (its closures refer to the store).
    private let commitQueue = Mutex<GroupCommitQueue<EncodedBatch, IngestResult>?>(nil)

    /// Opens (creating and migrating if needed) a database file.
    ///
    /// Opening a database whose schema is current writes nothing: the schema version is read first, and only a
    /// new or older database is migrated, by a write that waits for other writers (``Configuration/busyTimeout``).
    /// Events a previous process staged stay in `events_staged`, where reads see them (``read(_:)``), until a
    /// writer merges them.
    ///
    /// - Parameters:
    ///   - path: The SQLite file; `-wal` and `-shm` files live beside it.
    ///   - configuration: Durability, cache, locking and privacy settings.
    /// - Throws: `RampartError` with code `storage` when the file cannot be opened or migrated, `busy` when
    ///   another writer held the lock for the whole busy timeout.
    public convenience init(path: String, configuration: Configuration = Configuration()) throws {
        _ = SQLiteProcessSettings.memoryStatisticsOff
        let retry = BusyRetry(budget: configuration.busyTimeout)
        let checkpointer = configuration.checkpointInBackground && !configuration.readOnly ? BackgroundCheckpointer() : nil
        // Each pool opened below has its own: a pool that is not kept takes its connections' records with it.
        func open(readOnly: Bool) throws -> (DatabasePool, ConnectionCaches) {
            let caches = ConnectionCaches(releasesReaderCaches: configuration.releasesReaderCaches)
            var config = Self.grdbConfiguration(configuration, checkpointer: readOnly ? nil : checkpointer, caches: caches)
            config.label = "rampart.events"
            config.readonly = readOnly
            return try retry.runBlocking("opening the event database at \(path)") { _ in
                let pool = try DatabasePool(path: path, configuration: config)
                if !readOnly {
                    // DatabasePool switches to WAL and sets NORMAL on open; durability needs FULL on the writer.
                    try pool.writeWithoutTransaction { db in
                        try db.execute(sql: "PRAGMA synchronous = \(configuration.synchronous.rawValue)")
                    }
                }
                return (pool, caches)
            }
        }
        let pool: DatabasePool, caches: ConnectionCaches
        do {
            if configuration.readOnly, FileManager.default.fileExists(atPath: path),
                let reader = try? open(readOnly: true), try Self.isCurrent(reader.0, retry: retry) {
                (pool, caches) = reader
            } else {
                let (writable, writableCaches) = try open(readOnly: false)
                if try !Self.isCurrent(writable, retry: retry) {
                    try retry.runBlocking("migrating the event database at \(path)") { left in
                        try writable.writeWithoutTransaction { db in BusyRetry.setTimeout(left, on: db) }
                        defer { try? writable.writeWithoutTransaction { db in BusyRetry.setTimeout(configuration.busyTimeout, on: db) } }
                        try Self.migrator.migrate(writable)
                        try Self.controlMigrator.migrate(writable)
                    }
                }
                (pool, caches) = (writable, writableCaches)
            }
        } catch let error as RampartError {
            throw error
        } catch {
            throw RampartError(.storage, "cannot open the event database at \(path)\(Self.permissionHint(path))", cause: error)
        }
        try self.init(writer: pool, configuration: configuration, migrated: true, checkpointer: checkpointer, caches: caches)
        do {
            try checkpointer?.start(path: path, configuration: Self.grdbConfiguration(configuration)) { [weak self] in
                await self?.boundWriteAheadLogInBackground()
            }
        } catch {
            throw RampartError(.storage, "cannot open the checkpoint connection to the event database at \(path)", cause: error)
        }
    }

    /// Opens a private in-memory database (for tests and benchmarks; nothing is durable).
    ///
    /// - Parameter configuration: Cache and privacy settings.
    public convenience init(inMemoryWith configuration: Configuration = Configuration()) throws {
        _ = SQLiteProcessSettings.memoryStatisticsOff
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(configuration: Self.grdbConfiguration(configuration))
        } catch {
            throw RampartError(.storage, "cannot open an in-memory event database", cause: error)
        }
        try self.init(writer: queue, configuration: configuration, migrated: false)
    }

    init(
        writer: any DatabaseWriter, configuration: Configuration, migrated: Bool,
        checkpointer: BackgroundCheckpointer? = nil, caches: ConnectionCaches? = nil
    ) throws {
        self.writer = writer
        self.connectionCaches = caches
        self.checkpointer = checkpointer
        self.configuration = configuration
        self.mergePacing = Mutex(MergePacing(slice: configuration.mergeSliceEvents, pace: configuration.mergePace, limit: configuration.stagedEventLimit))
        self.cache = IngestCache(limit: configuration.unitCacheLimit, stagedCapacity: configuration.stagedUUIDCapacity)
        self.pastAnalyses = PastAnalysisCache(capacity: configuration.pastAnalyses)
        self.unitHasher = configuration.unitIdHashKey.map(UnitKeyHasher.init)
        self.walPath = (writer as? DatabasePool)?.path.appending("-wal")
        self.fileIdentity = (writer as? DatabasePool).flatMap { DatabaseFileIdentity(path: $0.path) }
        if !migrated {
            do {
                try Self.migrator.migrate(writer)
                try Self.controlMigrator.migrate(writer)
            } catch {
                throw RampartError(.storage, "cannot migrate the event database", cause: error)
            }
        }
        let queue = GroupCommitQueue<EncodedBatch, IngestResult>(
            maximumWeight: configuration.maximumEventsPerTransaction,
            // Callers of `ingest` keep the store alive while their batches wait, so `self` is there to commit them.
            commit: { [weak self] batches in try await self?.commit(batches) ?? [] },
            afterCommit: { [weak self] committed in
                await self?.mergeIfFull(committed: committed)
                await self?.boundWriteAheadLog()
            }
        )
        commitQueue.withLock { $0 = queue }
        if let quiet = configuration.mergeWhenIdleAfter {
            Task { [weak self] in await self?.mergeLeftoversWhenQuiet(quiet) }
        }
    }

    /// Whether every migration is applied, read without writing.
    static func isCurrent(_ pool: DatabasePool, retry: BusyRetry) throws -> Bool {
        try retry.runBlocking("reading the schema version") { _ in
            try pool.read { db in
                try migrator.hasCompletedMigrations(db) && controlMigrator.hasCompletedMigrations(db)
            }
        }
    }

    /// The settings of every connection: busy timeout, page cache, log bounds.
    ///
    /// - Parameters:
    ///   - configuration: The store's settings.
    ///   - checkpointer: When set, read-write connections leave checkpoints to it instead of running them in the
    ///     commit that fills the log (``BackgroundCheckpointer``).
    ///   - caches: When set, each connection records its page cache there once it is set up.
    static func grdbConfiguration(
        _ configuration: Configuration, checkpointer: BackgroundCheckpointer? = nil, caches: ConnectionCaches? = nil
    ) -> GRDB.Configuration {
        var config = GRDB.Configuration()
        let cacheKiB = configuration.cacheSizeMiB * 1024
        let readerCacheKiB = (configuration.readerCacheSizeMiB ?? configuration.cacheSizeMiB) * 1024
        let synchronous = configuration.synchronous.rawValue
        let mmapBytes = Int64(max(0, configuration.mmapSizeMiB)) << 20
        let pageSize = configuration.pageSize
        let checkpointPages = configuration.walAutocheckpointPages
        let backgroundPages = configuration.backgroundCheckpointPages
        let walQuarter = configuration.walQuarterBytes
        let busyTimeout = configuration.busyTimeout
        config.busyMode = .timeout(max(0, busyTimeout))
        config.prepareDatabase { db in
            // Every connection, readers included (GRDB gives those 10 s otherwise), waits this long for a lock
            // before SQLite answers SQLITE_BUSY.
            BusyRetry.setTimeout(busyTimeout, on: db)
            // Only a new, empty file takes it; it must come before the first write (GRDB then switches to WAL).
            try db.execute(sql: "PRAGMA page_size = \(pageSize)")
            try db.execute(sql: "PRAGMA mmap_size = \(mmapBytes)")
            try db.execute(sql: "PRAGMA cache_size = -\(db.configuration.readonly ? readerCacheKiB : cacheKiB)")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            guard !db.configuration.readonly else {
                caches?.record(db)
                return
            }
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            // The log's bounds (docs/operations.md): checkpoint at a quarter of the limit at most, and truncate
            // the file back to a quarter of it when the log is reset.
            let actualPageSize = try Int.fetchOne(db, sql: "PRAGMA page_size") ?? pageSize
            let checkpointFrames = max(1, min(checkpointPages, walQuarter / max(512, actualPageSize)))
            if let checkpointer {
                // After the pragma: setting wal_autocheckpoint replaces the connection's WAL hook.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
                checkpointer.install(on: db, thresholdFrames: max(1, min(checkpointFrames, backgroundPages)))
            } else {
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(checkpointFrames)")
            }
            try db.execute(sql: "PRAGMA journal_size_limit = \(walQuarter)")
            caches?.record(db)
        }
        return config
    }

    /// Runs a read-only SQL query and returns its rows as JSON values, for diagnostics, tests and benchmarks.
    ///
    /// - Parameters:
    ///   - sql: The query.
    ///   - arguments: Its arguments (strings, numbers, booleans).
    /// - Returns: Each row's columns: integers and reals as numbers, text as strings, NULL as null, blobs as hex.
    public func rows(_ sql: String, arguments: [JSONValue] = []) async throws -> [[JSONValue]] {
        try await read { db in
            let bound: [(any DatabaseValueConvertible)?] = arguments.map { value in
                switch value {
                case .string(let s): return s
                case .number(let n): return n
                case .bool(let b): return b
                default: return nil
                }
            }
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(bound)).map { row in
                row.databaseValues.map { value -> JSONValue in
                    switch value.storage {
                    case .null: return .null
                    case .int64(let i): return .number(Double(i))
                    case .double(let d): return .number(d)
                    case .string(let s): return .string(s)
                    case .blob(let data): return .string(data.map { String(format: "%02x", $0) }.joined())
                    }
                }
            }
        }
    }

    /// Runs SQL statements in a write transaction, for maintenance and benchmarks.
    ///
    /// - Parameter sql: The statements.
    public func execute(_ sql: String) async throws {
        try await write { db in try db.execute(sql: sql) }
    }

    /// The value of a pragma on the writer connection, e.g. `synchronous` or `journal_mode`.
    ///
    /// - Parameter name: The pragma name.
    public func pragma(_ name: String) async throws -> String? {
        try await writer.writeWithoutTransaction { db in
            try String.fetchOne(db, sql: "PRAGMA \(name)")
        }
    }

    /// Runs a read, waiting out (within the busy timeout) the rare cases where SQLite makes a reader wait, and
    /// mapping database errors to `RampartError`.
    ///
    /// Reads never write and never take the write lock: events not merged yet are read where they are (see
    /// ``eventsSource(_:)``), so a read sees every event acknowledged before it started.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        await readGate.enter()
        defer { readGate.leave() }
        do {
            return try await BusyRetry(budget: configuration.busyTimeout).run("reading the event database") { _ in
                try await writer.read { db in
                    defer { connectionCaches?.record(db) }
                    return try body(db)
                }
            }
        } catch let error as RampartError {
            throw error
        } catch {
            throw RampartError(.storage, "reading the event database failed", cause: error)
        }
    }

    /// The rows a read sees as `events AS e`, as of its snapshot: the clustered `events` table when nothing is
    /// pending, otherwise its union with `events_pending` (same columns, each event in exactly one of the two).
    ///
    /// `events_pending` is the staged events a merge has not moved into `events` yet (the view of migration "v6
    /// merges by key range", ``registerRangeMergeMigrations(_:)``). The union costs a sort where the clustered
    /// table alone streams in key order; writers merge staged events once ``Configuration/stagedEventLimit`` are
    /// waiting, and `rampart ingest` at its end.
    ///
    /// - Parameters:
    ///   - db: The connection, inside the read.
    ///   - staged: The staged relation: `events_staged` in migrations that run before the view exists.
    static func eventsSource(_ db: Database, staged: String = "events_pending") throws -> String {
        try hasStagedEvents(db, staged: staged) ? unionSource(staged) : "events"
    }

    /// Whether the staged relation has rows in this read's snapshot.
    static func hasStagedEvents(_ db: Database, staged: String = "events_pending") throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM \(staged))")) ?? false
    }

    /// `events` and the staged relation as one.
    static func unionSource(_ staged: String = "events_pending") -> String {
        "(SELECT \(eventColumns) FROM events UNION ALL SELECT \(eventColumns) FROM \(staged))"
    }

    /// The columns of `events` and `events_staged`, in order.
    static let eventColumns = (["name_id", "unit_id", "ts", "uuid"] + EventColumns.v1.map(\.name) + ["props"]).joined(separator: ", ")
}

extension SQLiteEventStore {
    /// Why a database this process cannot write may fail to open even for reading, or nothing: in WAL mode SQLite
    /// creates `PATH-wal` and `PATH-shm` beside the database for every reader, so a user who may read the file but
    /// not write it or its directory gets "attempt to write a readonly database" (found by QA in session 29).
    ///
    /// - Parameter path: The database's path.
    static func permissionHint(_ path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        var blocked: [String] = []
        if access(path, W_OK) != 0, errno == EACCES || errno == EROFS { blocked.append("the file") }
        if access(directory, W_OK) != 0, errno == EACCES || errno == EROFS { blocked.append("its directory \(directory)") }
        guard !blocked.isEmpty else { return "" }
        return "; this user (uid \(getuid())) cannot write \(blocked.joined(separator: " or ")), and SQLite needs to create \(path)-wal and \(path)-shm beside it even to read a database in WAL mode: run as the database's owner, or give this user write access to the directory and the file"
    }
}

