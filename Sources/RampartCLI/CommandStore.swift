import Foundation
import RampartCore
import RampartStore

/// What the commands need of a store, whichever backend `--db` selects: the storage protocols, the read-only view
/// of an import, and the end of a bulk ingest. Nothing above this knows which backend it has.
protocol CommandStore: ValueDistributionStore, ControlStore, StoreTransfer {
    /// The rollouts as importing the files would leave them, without writing.
    func seeded(_ experiments: [Experiment], source: String) async throws -> (rollouts: [RolloutState], decisions: [DefinitionImport.Decision])

    /// Called once a bulk ingest is done (SQLite merges its staged events; PostgreSQL has nothing to do).
    func finishIngest() async throws
}

extension SQLiteEventStore: CommandStore {
    func finishIngest() async throws { try await mergeStagedEvents() }
}

extension PostgresEventStore: CommandStore {
    func finishIngest() async throws {}
}

/// `--db`: an SQLite path or a `postgres://` URL, defaulting to `RAMPART_DATABASE_URL`, then `rampart.db`.
enum StoreLocation {
    /// The environment variable naming the database when `--db` is absent.
    static let variable = "RAMPART_DATABASE_URL"

    /// The database a command uses: `--db`, else `RAMPART_DATABASE_URL`, else `fallback`.
    static func resolve(_ option: String?, fallback: String? = "rampart.db", environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let option, !option.isEmpty { return option }
        if let url = environment[variable], !url.isEmpty { return url }
        return fallback
    }

    /// How a database is named in messages and logs (a URL without its password).
    static func describe(_ db: String) -> String {
        guard PostgresLocation.isURL(db), let location = try? PostgresLocation(url: db) else { return db }
        return location.description
    }

    /// Opens the store `db` names.
    ///
    /// - Parameters:
    ///   - db: A path or a `postgres://` URL.
    ///   - configuration: The SQLite settings; PostgreSQL takes the unit-id hash key from it.
    ///   - mustExist: Refuse an SQLite path with no database (a PostgreSQL database is always there or an error).
    static func open(_ db: String, configuration: SQLiteEventStore.Configuration, mustExist: Bool) async throws -> any CommandStore {
        if PostgresLocation.isURL(db) {
            return try await PostgresEventStore(url: db, unitIdHashKey: configuration.unitIdHashKey)
        }
        if mustExist { try DatabaseOptions.requireExisting(db) }
        return try SQLiteEventStore(path: db, configuration: configuration)
    }
}
