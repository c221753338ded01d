import ArgumentParser
import Foundation
import Logging
import Testing
import RampartStore
@testable import RampartCLI

/// What `rampart serve` sets up for a long-running process, and how it refuses bad settings.
@Suite("serve options")
struct ServeOptionsTests {
    /// A negative or infinite interval is refused at parse time, naming the option, before any database is opened.
    @Test(arguments: [["--heap-trim-every", "-1"], ["--heap-trim-every", "inf"], ["--exposure-repeat-window", "-5"], ["--webhook-poll", "0"], ["--webhook-poll", "61"]])
    func badIntervalsAreRefusedNamingTheOption(_ arguments: [String]) {
        do {
            _ = try ServeCommand.parse(arguments)
            Issue.record("\(arguments) was accepted")
        } catch {
            #expect(ServeCommand.message(for: error).contains(arguments[0]), "\(ServeCommand.message(for: error))")
        }
    }

    /// The outbox poll is serve's option alone: `autopilot` delivers once and exits, so it neither shows nor takes it.
    @Test func onlyServeTakesTheWebhookPoll() throws {
        #expect(try ServeCommand.parse(["--webhook-poll", "0.5"]).webhookPoll == 0.5)
        #expect(!AutopilotCommand.helpMessage().contains("--webhook-poll"))
        #expect(AutopilotCommand.helpMessage().contains("--webhook-retry-base"))
        #expect(throws: (any Error).self) { try AutopilotCommand.parse(["--webhook-poll", "0.5"]) }
    }

    /// The server's SQLite store checkpoints in the background, keeps small reader caches and merges in small
    /// slices (docs/operations.md); the CLI's stores keep the defaults.
    @Test func theServersStoreIsSetUpForALongRunningProcess() async throws {
        let (db, _) = try RolloutCommandsTests.database()
        let store = try await ServeCommand.parse(["--db", db, "--experiments", DefinitionCommandsTests.experiments])
            .openStore(logger: Logger(label: "test"))
        let sqlite = try #require(store as? SQLiteEventStore)
        #expect(sqlite.configuration.checkpointInBackground)
        #expect(sqlite.configuration.readerCacheSizeMiB == 32)
        #expect(sqlite.configuration.mergeSliceEvents == 2_000)
        let defaults = SQLiteEventStore.Configuration()
        #expect(!defaults.checkpointInBackground && defaults.readerCacheSizeMiB == nil && defaults.mergeSliceEvents == 10_000)
    }
}
