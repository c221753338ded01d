import Testing
import Foundation
import RampartCore
import RampartStore

/// Every `EventStore` implementation the generic store tests run against: the SQLite file and in-memory stores,
/// and PostgreSQL when `RAMPART_TEST_POSTGRES_URL` names a server (each test then gets a new, empty database).
enum StoreBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqliteFile
    case sqliteInMemory
    case postgres

    var testDescription: String { rawValue }

    /// The server the PostgreSQL cases use, e.g. `postgres://postgres@127.0.0.1:55432/postgres`.
    static let postgresURL = ProcessInfo.processInfo.environment["RAMPART_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }

    /// The backends available here: PostgreSQL only when a server was given.
    static var allCases: [StoreBackend] { postgresURL == nil ? [.sqliteFile, .sqliteInMemory] : [.sqliteFile, .sqliteInMemory, .postgres] }

    /// The SQLite backends, for tests of what only SQLite has (staging, pragmas).
    static let sqlite: [StoreBackend] = [.sqliteFile, .sqliteInMemory]

    /// A fresh, empty store.
    func make(unitIdHashKey: [UInt8]? = nil, shardUnits: Int = 1 << 17) async throws -> any ValueDistributionStore & ControlStore {
        let configuration = SQLiteEventStore.Configuration(cacheSizeMiB: 8, unitIdHashKey: unitIdHashKey, analysisShardUnits: shardUnits)
        switch self {
        case .sqliteFile:
            return try SQLiteEventStore(path: Self.temporaryPath(), configuration: configuration)
        case .sqliteInMemory:
            return try SQLiteEventStore(inMemoryWith: configuration)
        case .postgres:
            let server = try #require(Self.postgresURL, "RAMPART_TEST_POSTGRES_URL is not set")
            let url = try await PostgresEventStore.createScratchDatabase(on: server, prefix: "rampart_test")
            return try await PostgresEventStore(url: url, unitIdHashKey: unitIdHashKey, maximumConnections: 2, analysisShardUnits: shardUnits, operationTimeout: Self.postgresTimeout)
        }
    }

    /// The PostgreSQL stores' ``PostgresEventStore/operationTimeout`` in tests. The suite runs hundreds of tests at
    /// once on the machine's cores, so a transaction can wait long for a thread; the 15 s bound that answers 503
    /// when the server is away is tested on its own (`PostgresStoreTests`), not by a busy test process.
    static let postgresTimeout = Duration.seconds(300)

    static func temporaryPath() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("events.sqlite").path
    }
}

/// Stores that answer read-only SQL for tests (`?` placeholders on both).
protocol RowQuerying {
    func rows(_ sql: String, arguments: [JSONValue]) async throws -> [[JSONValue]]
}

extension SQLiteEventStore: RowQuerying {}
extension PostgresEventStore: RowQuerying {}
