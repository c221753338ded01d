import Foundation
import GRDB
import RampartCore
import Synchronization

/// The embedded event store: SQLite through GRDB, in WAL mode with `synchronous = FULL`.
///
/// An ``ingest(_:)`` call returns after the commit of the transaction that carried its batch, when the events are
/// in the write-ahead log and fsynced: they survive a process crash (SIGKILL) and, on storage that honours fsync, a
/// power loss. Concurrent calls share transactions (group commit). New events are appended to `events_staged` and
/// merged into the clustered `events` table in large key-ordered batches (``mergeStagedEvents()``); reads merge
/// first, so they see every acknowledged event. Reads run concurrently with writes (GRDB's `DatabasePool`).
public final class SQLiteEventStore: EventStore {
    /// The database.
    let writer: any DatabaseWriter
    /// The settings it was opened with.
    public let configuration: Configuration
    /// Dictionary ids already known, touched only inside the writer's serialized accesses.
    let cache: IngestCache
    let unitHasher: UnitKeyHasher?
    /// Events in `events_staged`, as of this process's last commit; reads merge first when it is not 0.
    let stagedCount = Atomic<Int>(0)
    /// The group commit of ``ingest(_:)``.
    var commits: GroupCommitQueue<EncodedBatch, IngestResult> { commitQueue.withLock { $0! } }
    /// Set once at the end of `init` (its closures refer to the store).
    private let commitQueue = Mutex<GroupCommitQueue<EncodedBatch, IngestResult>?>(nil)

    /// Opens (creating and migrating if needed) a database file.
    ///
    /// - Parameters:
    ///   - path: The SQLite file; `-wal` and `-shm` files live beside it.
    ///   - configuration: Durability, cache and privacy settings.
    /// - Throws: `RampartError` with code `storage` when the file cannot be opened or migrated.
    public convenience init(path: String, configuration: Configuration = Configuration()) throws {
        _ = SQLiteProcessSettings.memoryStatisticsOff
        var config = Self.grdbConfiguration(configuration)
        config.label = "rampart.events"
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: config)
            // DatabasePool switches to WAL and sets NORMAL on open; durability needs FULL on the writer.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(configuration.synchronous.rawValue)")
            }
        } catch {
            throw RampartError(.storage, "cannot open the event database at \(path)", cause: error)
        }
        try self.init(writer: pool, configuration: configuration)
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
        try self.init(writer: queue, configuration: configuration)
    }

    init(writer: any DatabaseWriter, configuration: Configuration) throws {
        self.writer = writer
        self.configuration = configuration
        self.cache = IngestCache(limit: configuration.unitCacheLimit)
        self.unitHasher = configuration.unitIdHashKey.map(UnitKeyHasher.init)
        do {
            try Self.migrator.migrate(writer)
            try Self.controlMigrator.migrate(writer)
            // Events a previous process staged (it may have been killed) become visible to queries now.
            try writer.write { db in
                if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM events_staged)") == true {
                    try self.mergeStaged(db)
                }
            }
        } catch {
            throw RampartError(.storage, "cannot migrate the event database", cause: error)
        }
        let queue = GroupCommitQueue<EncodedBatch, IngestResult>(
            maximumWeight: configuration.maximumEventsPerTransaction,
            // Callers of `ingest` keep the store alive while their batches wait, so `self` is there to commit them.
            commit: { [weak self] batches in try await self?.commit(batches) ?? [] },
            afterCommit: { [weak self] in await self?.mergeIfFull() }
        )
        commitQueue.withLock { $0 = queue }
    }

    static func grdbConfiguration(_ configuration: Configuration) -> GRDB.Configuration {
        var config = GRDB.Configuration()
        let cacheKiB = configuration.cacheSizeMiB * 1024
        let synchronous = configuration.synchronous.rawValue
        let mmapBytes = Int64(max(0, configuration.mmapSizeMiB)) << 20
        let pageSize = configuration.pageSize
        let checkpointPages = configuration.walAutocheckpointPages
        config.prepareDatabase { db in
            // Only a new, empty file takes it; it must come before the first write (GRDB then switches to WAL).
            try db.execute(sql: "PRAGMA page_size = \(pageSize)")
            try db.execute(sql: "PRAGMA mmap_size = \(mmapBytes)")
            try db.execute(sql: "PRAGMA cache_size = -\(cacheKiB)")
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(checkpointPages)")
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
        try await writer.write { db in try db.execute(sql: sql) }
    }

    /// The value of a pragma on the writer connection, e.g. `synchronous` or `journal_mode`.
    ///
    /// - Parameter name: The pragma name.
    public func pragma(_ name: String) async throws -> String? {
        try await writer.writeWithoutTransaction { db in
            try String.fetchOne(db, sql: "PRAGMA \(name)")
        }
    }

    /// Runs a read of the event tables, after merging staged events so the read sees every acknowledged event;
    /// maps database errors to `RampartError`.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        if stagedCount.load(ordering: .acquiring) > 0 {
            try await mergeStagedEvents()
        }
        return try await readWithoutMerging(body)
    }

    /// Runs a read that does not involve events (control tables), mapping database errors to `RampartError`.
    func readWithoutMerging<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await writer.read(body)
        } catch let error as RampartError {
            throw error
        } catch {
            throw RampartError(.storage, "reading the event database failed", cause: error)
        }
    }
}
