import ArgumentParser
import Foundation
import RampartCore
import RampartStore

/// `rampart migrate-store`: copies a whole store into another, e.g. from the embedded SQLite file to PostgreSQL.
struct MigrateStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-store",
        abstract: "Copy every event, exposure, rollout, audit entry, API key and webhook (endpoints, pending notifications, notified verdicts) from one store to another.",
        discussion: """
            Either side is an SQLite path or a postgres:// URL. Idempotent: running it again (after an interruption, \
            or to catch up with events that arrived meanwhile) copies only what the target lacks. An experiment \
            changed in the target on its own is never overwritten: the copy stops with a conflict naming it. \
            Console sessions are not copied (people sign in again), nor is the log of rejected events.
            """
    )

    @Option(name: .customLong("from"), help: "The store to copy from: an SQLite path or a postgres:// URL.")
    var from: String

    @Option(name: .customLong("to"), help: "The store to copy into: an SQLite path (created when missing) or a postgres:// URL.")
    var to: String

    @Option(name: .customLong("page-events"), help: "Events read and stored per transaction.")
    var pageEvents: Int = 5_000

    @Flag(name: .long, help: "Print a progress line after every page instead of every 10%.")
    var verbose = false

    @OptionGroup var store: StoreOptions

    func validate() throws {
        guard pageEvents >= 1, pageEvents <= 1_000_000 else {
            throw ValidationError("--page-events \(pageEvents): expected 1 to 1,000,000 events")
        }
        guard Self.canonical(from) != Self.canonical(to) else {
            throw ValidationError("--from and --to name the same store (\(StoreLocation.describe(from)))")
        }
    }

    mutating func run() async throws {
        let configuration = try store.configuration()
        if !PostgresLocation.isURL(from), !FileManager.default.fileExists(atPath: from) {
            throw CLIFailure("--from: no database at '\(from)'; it names the store to copy from")
        }
        let source = try await StoreLocation.open(from, configuration: configuration, mustExist: true)
        let target = try await StoreLocation.open(to, configuration: configuration, mustExist: false)
        let verbose = self.verbose
        let from = StoreLocation.describe(self.from), to = StoreLocation.describe(self.to)
        let clock = ContinuousClock()
        let start = clock.now
        let shown = ProgressMark()
        let summary = try await StoreMigration(from: source, to: target, pageSize: pageEvents).run { p in
            guard verbose || shown.due(p.read, of: p.total) else { return }
            let seconds = (clock.now - start).seconds
            let rate = seconds > 0 ? Int(Double(p.read) / seconds) : 0
            Self.stderr("events \(p.read)/\(p.total): stored \(p.stored), already there \(p.duplicates), rejected \(p.rejected) (\(rate) events/s)")
        }
        let seconds = (clock.now - start).seconds
        print("copied \(from) into \(to) in \(String(format: "%.2f", seconds)) s")
        print("events: read \(summary.events.read), stored \(summary.events.stored), already there \(summary.events.duplicates), rejected \(summary.events.rejected)")
        print("rollouts: written \(summary.rolloutsWritten), unchanged \(summary.rolloutsUnchanged); audit entries appended \(summary.auditAppended)")
        print("API keys: inserted \(summary.keysInserted), already there \(summary.keysPresent)")
        if let source = source as? any WebhookTransfer, let target = target as? any WebhookTransfer {
            print(try await target.importWebhooks(try await source.exportWebhooks()).summary)
        }
        if summary.events.rejected > 0 {
            for line in summary.rejections { print("  rejected \(line)") }
            throw CLIFailure("the target refused \(summary.events.rejected) event(s); the rest is copied")
        }
    }

    /// A path made absolute, or a URL as given, to tell whether two names are one store.
    static func canonical(_ location: String) -> String {
        PostgresLocation.isURL(location) ? StoreLocation.describe(location) : URL(fileURLWithPath: location).standardizedFileURL.path
    }

    static func stderr(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// Decides when a progress line is due: at every tenth of the total (and at the end).
final class ProgressMark: @unchecked Sendable {
    private var nextTenth = 1
    private let lock = NSLock()

    func due(_ done: Int, of total: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard total > 0 else { return true }
        if done >= total { defer { nextTenth = 11 }; return nextTenth <= 10 }
        guard done * 10 >= nextTenth * total else { return false }
        while done * 10 >= nextTenth * total { nextTenth += 1 }
        return true
    }
}
