import ArgumentParser
import Foundation
import RampartConfig
import RampartCore
import RampartStore

/// `--db PATH` and `--experiments DIR`: the store, with the experiment files imported, for commands that read or
/// change rollouts.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "The database: an SQLite path, or postgres://user:password@host:port/database[?sslmode=require] for PostgreSQL (default: $RAMPART_DATABASE_URL, else rampart.db). Commands that work on an existing database (report, funnel, audit, list, autopilot, ramp) refuse an SQLite path that does not exist; ingest, serve and keys create create it.")
    var dbOption: String?

    /// The database: `--db`, else `RAMPART_DATABASE_URL`, else `rampart.db`.
    var db: String { StoreLocation.resolve(dbOption)! }

    @OptionGroup var experiments: ExperimentsOption

    @OptionGroup var store: StoreOptions

    /// Whether a command may create the database.
    enum Access {
        /// The database must exist: a mistyped `--db` is an error, not a new empty database.
        case existing
        /// The database is created when missing.
        case create
    }

    /// Opens the store and imports the experiment files (``DefinitionImport``: new keys are inserted; an edited
    /// file is applied unless the stored definition was changed through the API; stored rollouts are kept).
    ///
    /// - Parameters:
    ///   - access: Whether the database must already exist.
    ///   - key: An experiment the command acts on: when neither the store nor the files have it, the command fails
    ///     before anything is imported (a mistyped key changes nothing).
    ///   - filesWin: Let files replace definitions changed through the API (`serve --files-override-api`).
    ///   - base: SQLite settings the command's options and environment then adjust.
    ///   - report: Called with every import that did something; by default printed to standard error.
    func open(
        _ access: Access, requiring key: String? = nil, filesWin: Bool = false, base: SQLiteEventStore.Configuration = .init(),
        report: (DefinitionImport.Decision) -> Void = DatabaseOptions.printImport
    ) async throws -> any CommandStore {
        let store = try await StoreLocation.open(db, configuration: try self.store.configuration(base), mustExist: access == .existing)
        let files = try experiments.loadAll()
        if let key, !files.contains(where: { $0.key == key }), try await store.rollout(key) == nil {
            let known = Set(try await store.rollouts().map(\.experiment.key) + files.map(\.key)).sorted()
            throw CLIFailure("no experiment '\(key)' (known: \(known.joined(separator: ", "))); nothing was imported or changed")
        }
        let decisions = try await store.seed(files, source: experiments.source, filesWin: filesWin)
        for decision in decisions where decision.outcome != .unchanged { report(decision) }
        return store
    }

    /// Opens an existing store for a command that only reads (`report`, `funnel`, `audit`, `list`): no write lock
    /// is taken, and experiment files not imported yet are read as the import would store them, without storing
    /// them. Files the import would not apply are reported as warnings.
    ///
    /// - Returns: The store and every rollout, in key order.
    func openForReading() async throws -> (store: any CommandStore, rollouts: [RolloutState]) {
        var configuration = try self.store.configuration()
        configuration.readOnly = true
        let store = try await StoreLocation.open(db, configuration: configuration, mustExist: true)
        let (rollouts, decisions) = try await store.seeded(try experiments.loadAll(), source: experiments.source)
        for decision in decisions where decision.isWarning { Self.printImport(decision) }
        return (store, rollouts)
    }

    /// One rollout among those read by ``openForReading()``.
    static func rollout(_ key: String, among rollouts: [RolloutState]) throws -> RolloutState {
        guard let state = rollouts.first(where: { $0.experiment.key == key }) else {
            throw CLIFailure("no experiment '\(key)' (known: \(rollouts.map(\.experiment.key).joined(separator: ", ")))")
        }
        return state
    }

    /// Prints an import's message to standard error, as a warning when the file is not in force.
    static func printImport(_ decision: DefinitionImport.Decision) {
        FileHandle.standardError.write(Data("\(decision.isWarning ? "warning" : "note"): \(decision.message)\n".utf8))
    }

    /// Fails, naming the path, when no database exists there.
    ///
    /// - Parameter path: The `--db` path.
    static func requireExisting(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
            let shown = absolute == path ? "'\(path)'" : "'\(path)' (\(absolute))"
            throw CLIFailure("no database at \(shown): check --db; this command reads a database and does not create one (rampart ingest, serve and keys create do)")
        }
    }

    /// The stored rollout of one experiment.
    static func rollout(_ key: String, in store: some ControlStore) async throws -> RolloutState {
        try rollout(key, among: try await store.rollouts())
    }
}

/// Parses `--as-of` as ``AsOfMoment`` reads it: an RFC 3339 timestamp, a date (midnight UTC), a UTC date and time,
/// or seconds since 1970; an impossible date or a moment past 9999 is refused.
func parseTimestamp(_ text: String) throws -> Date {
    switch AsOfMoment.parse(text) {
    case .success(let date): return date
    case .failure(let failure): throw ValidationError("--as-of: \(failure)")
    }
}
