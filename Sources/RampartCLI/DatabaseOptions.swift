import ArgumentParser
import Foundation
import RampartConfig
import RampartCore
import RampartStore

/// `--db PATH` and `--experiments DIR`: the store, seeded with the experiment files, for commands that read or
/// change rollouts.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .long, help: "The SQLite database (created if missing).")
    var db: String = "rampart.db"

    @OptionGroup var experiments: ExperimentsOption

    @OptionGroup var store: StoreOptions

    /// Opens the store and imports the experiment files (new keys are inserted; stored rollouts are kept).
    ///
    /// - Parameter now: The start of the first stage of newly imported experiments.
    func open(now: Date = Date()) async throws -> SQLiteEventStore {
        let store = try SQLiteEventStore(path: db, configuration: try self.store.configuration())
        Self.warn(try await store.seed(try experiments.loadAll(), now: now))
        return store
    }

    /// Opens the store for a command that only reads (`report`, `funnel`, `audit`): no write lock is taken, and
    /// experiment files not imported yet are read as the import would store them, without storing them.
    ///
    /// - Parameter now: The stage start of experiments not stored yet.
    /// - Returns: The store and every rollout, in key order.
    func openForReading(now: Date = Date()) async throws -> (store: SQLiteEventStore, rollouts: [RolloutState]) {
        var configuration = try self.store.configuration()
        configuration.readOnly = true
        let store = try SQLiteEventStore(path: db, configuration: configuration)
        let (rollouts, refused) = try await store.seeded(try experiments.loadAll(), now: now)
        Self.warn(refused)
        return (store, rollouts)
    }

    static func warn(_ refused: [String: [String]]) {
        for (key, reasons) in refused.sorted(by: { $0.key < $1.key }) {
            FileHandle.standardError.write(Data("warning: the file for '\(key)' was not applied: \(reasons.joined(separator: "; "))\n".utf8))
        }
    }

    /// One rollout among those read by ``openForReading(now:)``.
    static func rollout(_ key: String, among rollouts: [RolloutState]) throws -> RolloutState {
        guard let state = rollouts.first(where: { $0.experiment.key == key }) else {
            throw CLIFailure("no experiment '\(key)' (known: \(rollouts.map(\.experiment.key).joined(separator: ", ")))")
        }
        return state
    }

    /// The stored rollout of one experiment.
    static func rollout(_ key: String, in store: some ControlStore) async throws -> RolloutState {
        try rollout(key, among: try await store.rollouts())
    }
}

/// Parses `--as-of`: an ISO 8601 timestamp, a date (midnight UTC), or seconds since 1970.
func parseTimestamp(_ text: String) throws -> Date {
    let withTime = ISO8601DateFormatter()
    if let date = withTime.date(from: text) { return date }
    let fractional = ISO8601DateFormatter()
    fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = fractional.date(from: text) { return date }
    let day = ISO8601DateFormatter()
    day.formatOptions = [.withFullDate]
    if let date = day.date(from: text) { return date }
    if let seconds = Double(text), seconds.isFinite { return Date(timeIntervalSince1970: seconds) }
    throw ValidationError("--as-of '\(text)': expected an ISO 8601 timestamp (2026-06-10T12:00:00Z), a date (2026-06-10) or seconds since 1970")
}
