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

    /// Opens the store and imports the experiment files (new keys are inserted; stored rollouts are kept).
    ///
    /// - Parameter now: The start of the first stage of newly imported experiments.
    func open(now: Date = Date()) async throws -> SQLiteEventStore {
        let store = try SQLiteEventStore(path: db)
        let refused = try await store.seed(try experiments.loadAll(), now: now)
        for (key, reasons) in refused.sorted(by: { $0.key < $1.key }) {
            FileHandle.standardError.write(Data("warning: the file for '\(key)' was not applied: \(reasons.joined(separator: "; "))\n".utf8))
        }
        return store
    }

    /// The stored rollout of one experiment.
    static func rollout(_ key: String, in store: some ControlStore) async throws -> RolloutState {
        guard let state = try await store.rollout(key) else {
            let known = try await store.rollouts().map(\.experiment.key).joined(separator: ", ")
            throw CLIFailure("no experiment '\(key)' (known: \(known))")
        }
        return state
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
