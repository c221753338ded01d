import Foundation
import Logging
import PostgresNIO
import RampartCore
import Synchronization

/// The shared store: PostgreSQL through PostgresNIO's pooled `PostgresClient`, so that several `rampart serve`
/// replicas (and the CLI) work on one database (docs/deployment.md).
///
/// It implements the same protocols as ``SQLiteEventStore`` with the same results: the schema mirrors SQLite's
/// (dictionary-encoded names, units, experiments and variants; `exposure_units` maintained on ingest by the same
/// upsert), and the analysis runs in PostgreSQL SQL, query for query the one-metric SQL of the SQLite store
/// (docs/events.md, "Storage"). An ``ingest(_:)`` call returns after the transaction that stored its events has
/// committed (`synchronous_commit` as the server sets it, `on` by default).
public final class PostgresEventStore: ValueDistributionStore, ControlStore, @unchecked Sendable {
    /// Where the database is (its password kept out of ``PostgresLocation/description``).
    public let location: PostgresLocation
    let client: PostgresClient
    let logger: Logger
    let unitHasher: UnitKeyHasher?
    /// How ingest sends rows to `events`.
    public let insertMethod: InsertMethod
    /// The pooled connections one analysis reads on at once, all in one snapshot (``sharingSnapshot(_:on:)``).
    public let analysisConnections: Int
    /// The unit ids per shard of an analysis's reads: each read of the events covers one range of unit ids, so that
    /// the work divides evenly between ``analysisConnections`` (as ``SQLiteEventStore/Configuration/analysisShardUnits``).
    public let analysisShardUnits: Int
    /// The most values an analysis gathers from its shards to take its quantile estimates: those of the
    /// histogram bins that hold the estimates. Beyond it (values piled into few bins), one statement over every
    /// unit ranks them in PostgreSQL instead, on one connection.
    public let analysisGatheredValues: Int
    /// How long a transaction may take before it fails as `storage` (``transaction(_:timeout:_:)``).
    public let operationTimeout: Duration
    /// Analyses as of an earlier day, answered again while their data has not changed.
    let pastAnalyses: PastAnalysisCache
    private let runner: Task<Void, Never>

    /// Connects, migrates (once, under an advisory lock, however many processes start together) and starts the
    /// connection pool.
    ///
    /// - Parameters:
    ///   - url: `postgres://user:password@host:port/database[?sslmode=require]`.
    ///   - unitIdHashKey: Store unit ids as keyed hashes, as ``SQLiteEventStore/Configuration/unitIdHashKey``.
    ///   - maximumConnections: The pool's size.
    ///   - insertMethod: How ingest sends rows to `events` (default: `RAMPART_POSTGRES_INSERT`, else `COPY`).
    ///   - analysisConnections: The connections one analysis reads on at once (default: the active cores, 2 to 4,
    ///     at most `maximumConnections`).
    ///   - analysisShardUnits: The unit ids per shard of an analysis's reads (default 131,072).
    ///   - analysisGatheredValues: The most values of the estimates' bins gathered from the shards (default 500,000).
    ///   - operationTimeout: How long a write or a short read may take, connection wait included, before it fails as
    ///     `storage` so that the service answers 503 instead of holding the request (default 15 s; analyses have
    ///     their own, longer bound).
    ///   - pastAnalyses: Analyses as of an earlier UTC day kept in memory (``PastAnalysisCache``; default 64, 0 keeps
    ///     none).
    /// - Throws: `RampartError` (`storage`) naming the host and the reason when the server cannot be reached,
    ///   refuses the credentials, or the schema cannot be migrated; `invalid_input` for a malformed URL.
    public init(url: String, unitIdHashKey: [UInt8]? = nil, maximumConnections: Int = 8, insertMethod: InsertMethod = .configured, analysisConnections: Int? = nil, analysisShardUnits: Int = 131_072, analysisGatheredValues: Int = 500_000, operationTimeout: Duration = .seconds(15), pastAnalyses: Int = 64, logger: Logger? = nil) async throws {
        let location = try PostgresLocation(url: url)
        self.location = location
        var quiet = logger ?? Logger(label: "rampart.postgres")
        if logger == nil { quiet.logLevel = .critical }
        self.logger = quiet
        self.unitHasher = unitIdHashKey.map(UnitKeyHasher.init)
        self.insertMethod = insertMethod
        let cores = min(4, max(2, ProcessInfo.processInfo.activeProcessorCount))
        self.analysisConnections = max(1, min(analysisConnections ?? cores, maximumConnections))
        self.analysisShardUnits = max(1, analysisShardUnits)
        self.analysisGatheredValues = max(0, analysisGatheredValues)
        self.operationTimeout = operationTimeout
        self.pastAnalyses = PastAnalysisCache(capacity: pastAnalyses)
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: try location.connectionConfiguration(), id: 0, logger: quiet)
        } catch let error as RampartError {
            throw error
        } catch {
            throw RampartError(.storage, "cannot connect to PostgreSQL at \(location.address) (database '\(location.database)', user '\(location.user)'): \(PostgresLocation.reason(error))")
        }
        do {
            try await Self.migrate(connection, logger: quiet)
            try? await connection.close()
        } catch {
            try? await connection.close()
            throw RampartError(.storage, "cannot migrate the PostgreSQL database at \(location.address): \(PostgresLocation.reason(error))")
        }
        let client = PostgresClient(configuration: try location.clientConfiguration(maximumConnections: maximumConnections), backgroundLogger: quiet)
        self.client = client
        self.runner = Task { await client.run() }
    }

    deinit { runner.cancel() }

    /// Stops the pool; later calls fail.
    public func close() async {
        runner.cancel()
        _ = await runner.value
    }

    // MARK: Running SQL

    /// A bound value.
    enum Value: Sendable {
        case int(Int64), double(Double), text(String), bytes([UInt8]), bool(Bool), null
        /// A `bigint[]` already in PostgreSQL's binary array format (``PostgresInt8Array``), bound as it is.
        case int8Array(PostgresInt8Array)
    }

    /// SQL with `?` placeholders (turned into `$1…`) and its values.
    ///
    /// Placeholders bound to equal values (of the same type; not `NULL`, not arrays) share one parameter, so that
    /// PostgreSQL sees repeated expressions as equal: an analysis pass writes the same condition, such as
    /// `count(*) FILTER (WHERE e.name_id = ? AND e.ts >= e.first_ts)`, for several metrics, and PostgreSQL computes
    /// equal aggregates once only when their parameters are the same (docs/performance.md, "Session 16").
    struct Statement: Sendable {
        var sql: String
        var values: [Value]

        init(_ sql: String, _ values: [Value] = []) {
            self.sql = sql
            self.values = values
        }

        /// The PostgresNIO query.
        func query() throws -> PostgresQuery {
            var text = ""
            text.reserveCapacity(sql.utf8.count + values.count * 2)
            var n = 0
            var inString = false
            var bound: [Value] = []
            var parameters: [ParameterKey: Int] = [:]
            for c in sql {
                if c == "'" { inString.toggle() }
                if c == "?", !inString {
                    guard n < values.count else { n += 1; continue }
                    let value = values[n]
                    n += 1
                    let key = ParameterKey(value)
                    if let key, let number = parameters[key] {
                        text += "$\(number)"
                    } else {
                        bound.append(value)
                        if let key { parameters[key] = bound.count }
                        text += "$\(bound.count)"
                    }
                } else {
                    text.append(c)
                }
            }
            guard n == values.count else {
                throw RampartError(.storage, "internal: \(n) placeholders for \(values.count) values in \(sql.prefix(80))")
            }
            var binds = PostgresBindings(capacity: bound.count)
            for value in bound {
                switch value {
                case .int(let i): binds.append(i)
                case .double(let d): binds.append(d)
                case .text(let s): binds.append(s)
                case .bytes(let b): binds.append(ByteBuffer(bytes: b))
                case .bool(let b): binds.append(b)
                case .null: binds.appendNull()
                case .int8Array(let a): binds.append(a)
                }
            }
            return PostgresQuery(unsafeSQL: text, binds: binds)
        }

        /// A bound value that parameters may share: equal keys bind equal values of one type. `NULL` (whose type
        /// PostgreSQL infers from each use), arrays and long text or bytes (an ingest batch's JSON: large, never
        /// repeated, not worth copying to compare) have none.
        private enum ParameterKey: Hashable {
            /// Text by its bytes: Swift's `==` on `String` equates canonically equivalent strings, PostgreSQL does not.
            case int(Int64), double(UInt64), text([UInt8]), bytes([UInt8]), bool(Bool)

            init?(_ value: Value) {
                switch value {
                case .int(let i): self = .int(i)
                case .double(let d): self = .double(d.bitPattern)
                case .text(let s) where s.utf8.count <= Self.longest: self = .text(Array(s.utf8))
                case .bytes(let b) where b.count <= Self.longest: self = .bytes(b)
                case .bool(let b): self = .bool(b)
                case .text, .bytes, .null, .int8Array: return nil
                }
            }

            /// The longest text or bytes shared, in bytes.
            static let longest = 256
        }
    }

    /// Runs a statement on the pool and collects its rows.
    func rows(_ statement: Statement, _ what: String) async throws -> [PostgresRow] {
        try await mapped(what) {
            try await self.client.query(try statement.query(), logger: self.logger).collect()
        }
    }

    /// Runs a statement on a connection (inside a transaction) and collects its rows.
    func rows(_ statement: Statement, on connection: PostgresConnection) async throws -> [PostgresRow] {
        let statement = Self.segmentUnits.map { statement.restrictingExposureUnits(to: $0) } ?? statement
        return try await connection.query(try statement.query(), logger: logger).collect()
    }

    /// Runs a transaction, mapping failures to `RampartError` (`storage`, naming the host and the reason).
    ///
    /// A transaction the server aborted for a deadlock or a serialization failure is run again (at most 5 times).
    ///
    /// A transaction that has not finished within `timeout` (``operationTimeout`` when `nil`; the server is away
    /// and the pool is still reconnecting, say) fails as `storage`, so that the service answers 503 instead of
    /// holding the request.
    func transaction<T: Sendable>(_ what: String, timeout: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let timeout = timeout ?? operationTimeout
        return try await mapped(what) {
            try await Self.within(timeout, what: "\(what) took longer than \(timeout)") {
                try await self.retrying(body)
            }
        }
    }

    /// Runs work, failing with `storage` when it has not finished within `timeout`.
    ///
    /// The answer does not wait for the work to notice its cancellation: a connection request parked in the pool
    /// while the server is away may not, and a task group would wait for it, holding the request (and the
    /// service's shutdown) past the timeout. The abandoned work is cancelled and ends on its own; a transaction that
    /// still commits after the timeout was answered as not stored, and its retry is a duplicate by uuid.
    static func within<T: Sendable>(_ timeout: Duration, what: String, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let race = DeadlineRace<T>()
        return try await withCheckedThrowingContinuation { continuation in
            race.pending.withLock { $0 = continuation }
            let worker = Task {
                let result: Result<T, any Error>
                do { result = .success(try await work()) } catch { result = .failure(error) }
                race.pending.withLock { $0.take() }?.resume(with: result)
                race.timer.withLock { $0?.cancel() }
            }
            let deadline = Task {
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled, let waiting = race.pending.withLock({ $0.take() }) else { return }
                worker.cancel()
                waiting.resume(throwing: RampartError(.storage, what + "; PostgreSQL may be unavailable"))
            }
            race.timer.withLock { $0 = deadline }
        }
    }

    /// Runs a transaction, again after a deadlock or serialization failure.
    func retrying<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            var attempt = 0
            while true {
                do {
                    return try await self.client.withTransaction(logger: self.logger) { connection in try await body(connection) }
                } catch let error as PostgresTransactionError where attempt < 5 && Self.isRetryable(error) {
                    attempt += 1
                    try await Task.sleep(for: .milliseconds(5 * attempt))
                }
            }
        }
    }

    /// A deadlock (40P01) or serialization failure (40001) inside a transaction.
    static func isRetryable(_ error: PostgresTransactionError) -> Bool {
        for inner in [error.closureError, error.commitError] {
            if let psql = inner as? PSQLError, let state = psql.serverInfo?[.sqlState], state == "40P01" || state == "40001" { return true }
        }
        return false
    }

    /// Runs work against the server; a `RampartError` passes through, anything else becomes `storage`.
    func mapped<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as RampartError {
            throw error
        } catch let error as PostgresTransactionError {
            if let closure = error.closureError as? RampartError { throw closure }
            throw RampartError(.storage, "\(what) failed on PostgreSQL at \(location.address): \(PostgresLocation.reason(error.closureError ?? error.commitError ?? error.beginError ?? error))")
        } catch {
            throw RampartError(.storage, "\(what) failed on PostgreSQL at \(location.address): \(PostgresLocation.reason(error))")
        }
    }

    /// Runs a read-only SQL query and returns its rows as JSON values, for diagnostics, tests and benchmarks
    /// (placeholders are `?`, as for ``SQLiteEventStore/rows(_:arguments:)``).
    public func rows(_ sql: String, arguments: [JSONValue] = []) async throws -> [[JSONValue]] {
        let values: [Value] = arguments.map { value in
            switch value {
            case .string(let s): return .text(s)
            case .number(let n): return .double(n)
            case .bool(let b): return .bool(b)
            default: return .null
            }
        }
        return try await rows(Statement(sql, values), "a query").map { row in
            row.map { cell -> JSONValue in
                guard var bytes = cell.bytes else { return .null }
                if let d = try? cell.decode(Double.self) { return .number(d) }
                if let i = try? cell.decode(Int64.self) { return .number(Double(i)) }
                if let s = try? cell.decode(String.self) { return .string(s) }
                return .string((bytes.readBytes(length: bytes.readableBytes) ?? []).map { String(format: "%02x", $0) }.joined())
            }
        }
    }

    /// Runs SQL statements in a transaction, for maintenance and benchmarks.
    public func execute(_ sql: String) async throws {
        _ = try await mapped("a statement") {
            try await self.client.withConnection { connection in
                for statement in Self.statements(sql) {
                    _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger).collect()
                }
            }
        }
    }
}

extension PostgresEventStore {
    /// Creates an empty database on the server of `url` and returns the URL that names it, for tests and
    /// benchmarks that need a fresh store.
    ///
    /// - Parameters:
    ///   - url: A database URL on the server (its database is where the `CREATE DATABASE` runs).
    ///   - prefix: The new database's name before a random suffix.
    public static func createScratchDatabase(on url: String, prefix: String = "rampart_scratch") async throws -> String {
        let location = try PostgresLocation(url: url)
        let name = prefix + "_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        var logger = Logger(label: "rampart.postgres")
        logger.logLevel = .critical
        do {
            let connection = try await PostgresConnection.connect(configuration: try location.connectionConfiguration(), id: 0, logger: logger)
            defer { Task { try? await connection.close() } }
            _ = try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger).collect()
        } catch {
            throw RampartError(.storage, "cannot create a database on PostgreSQL at \(location.address): \(PostgresLocation.reason(error))")
        }
        var components = URLComponents(string: url)!
        components.path = "/" + name
        return components.string!
    }
}

/// The state ``PostgresEventStore/within(_:what:_:)`` shares between its work and its deadline: whichever ends
/// first takes the continuation and answers.
private final class DeadlineRace<T: Sendable>: Sendable {
    let pending = Mutex<CheckedContinuation<T, any Error>?>(nil)
    let timer = Mutex<Task<Void, Never>?>(nil)
}
