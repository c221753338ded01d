import ArgumentParser
import Foundation
import Testing
import RampartCore
import RampartStore
@testable import RampartCLI

/// `--busy-timeout`, `--wal-limit-mib` and `--cache-mib` on the commands that take `--db`, and the reading commands writing
/// nothing (docs/operations.md).
@Suite("Store options")
struct StoreOptionsTests {
    @Test func optionsWinOverTheEnvironmentWhichWinsOverTheDefaults() throws {
        let environment = ["RAMPART_BUSY_TIMEOUT": "2.5", "RAMPART_WAL_LIMIT_MIB": "64", "RAMPART_CACHE_MIB": "48"]
        let none = try StoreOptions.parse([]).configuration(environment: [:])
        #expect(none.busyTimeout == 5)
        #expect(none.walSizeLimitMiB == 512)
        #expect(none.cacheSizeMiB == 128)
        let fromEnvironment = try StoreOptions.parse([]).configuration(environment: environment)
        #expect(fromEnvironment.busyTimeout == 2.5)
        #expect(fromEnvironment.walSizeLimitMiB == 64)
        #expect(fromEnvironment.cacheSizeMiB == 48)
        let fromOptions = try StoreOptions.parse(["--busy-timeout", "0.5", "--wal-limit-mib", "32", "--cache-mib", "16"])
            .configuration(environment: environment)
        #expect(fromOptions.busyTimeout == 0.5)
        #expect(fromOptions.walSizeLimitMiB == 32)
        #expect(fromOptions.cacheSizeMiB == 16)
        // A command's own base (serve's smaller reader caches) is kept.
        var base = SQLiteEventStore.Configuration()
        base.readerCacheSizeMiB = 32
        let serving = try StoreOptions.parse(["--cache-mib", "64"]).configuration(base, environment: [:])
        #expect(serving.cacheSizeMiB == 64 && serving.readerCacheSizeMiB == 32)
        // Every command that takes --db takes them.
        _ = try ReportCommand.parse(["k", "--busy-timeout", "1"])
        _ = try IngestCommand.parse(["--db", "x.db", "-", "--busy-timeout", "1", "--wal-limit-mib", "16", "--cache-mib", "256"])
        _ = try ServeCommand.parse(["--cache-mib", "32"])
        _ = try AutopilotCommand.parse(["--busy-timeout", "1"])
        _ = try KeysCommand.CreateKey.parse(["--scope", "sdk", "--busy-timeout", "1"])
    }

    @Test func badValuesNameTheOptionOrVariable() throws {
        #expect(throws: (any Error).self) { try StoreOptions.parse(["--busy-timeout", "-1"]).configuration(environment: [:]) }
        do {
            _ = try StoreOptions.parse([]).configuration(environment: ["RAMPART_BUSY_TIMEOUT": "soon"])
            Issue.record("accepted RAMPART_BUSY_TIMEOUT=soon")
        } catch let error as ValidationError {
            #expect(error.message.contains("RAMPART_BUSY_TIMEOUT 'soon'"))
        }
        do {
            _ = try StoreOptions.parse(["--wal-limit-mib", "1"]).configuration(environment: [:])
            Issue.record("accepted --wal-limit-mib 1")
        } catch let error as ValidationError {
            #expect(error.message.contains("--wal-limit-mib 1: expected MiB from 4"))
        }
        for (arguments, environment, message) in [
            (["--cache-mib", "0"], [:], "--cache-mib 0: expected MiB from 1 to 65536"),
            ([], ["RAMPART_CACHE_MIB": "lots"], "RAMPART_CACHE_MIB 'lots': expected a whole number of MiB"),
        ] {
            do {
                _ = try StoreOptions.parse(arguments).configuration(environment: environment)
                Issue.record("accepted \(arguments) \(environment)")
            } catch let error as ValidationError {
                #expect(error.message.contains(message))
            }
        }
        do {
            _ = try StoreOptions.parse([]).configuration(environment: ["RAMPART_MERGE_PACE": "0.5"])
            Issue.record("accepted RAMPART_MERGE_PACE=0.5")
        } catch let error as ValidationError {
            #expect(error.message.contains("RAMPART_MERGE_PACE '0.5': expected a number of events owed per event committed, 1 or more"))
        }
        #expect(try StoreOptions.parse([]).configuration(environment: ["RAMPART_MERGE_PACE": "1.5"]).mergePace == 1.5)
    }

    /// `report`, `funnel` and `audit` on a database where the experiments were never imported read the files as
    /// the import would store them, and leave the rollouts table empty: reading creates no rows.
    @Test func readingCommandsCreateNoRows() async throws {
        let (db, _) = try RolloutCommandsTests.database()
        let experiments = RolloutCommandsTests.root.appendingPathComponent("experiments").path
        do { _ = try SQLiteEventStore(path: db) }  // an existing, current, empty database
        try await RolloutCommandsTests.run(ReportCommand.self, ["support-answer-prompt", "--db", db, "--experiments", experiments, "--format", "json", "-o", db + ".json"])
        try await RolloutCommandsTests.run(FunnelCommand.self, ["support-answer-prompt", "--db", db, "--experiments", experiments])
        try await RolloutCommandsTests.run(AuditCommand.self, ["support-answer-prompt", "--db", db, "--experiments", experiments])
        let store = try SQLiteEventStore(path: db)
        #expect(try await store.rollouts().isEmpty)
        let report = try String(contentsOfFile: db + ".json", encoding: .utf8)
        #expect(report.contains("\"schema\" : \"rampart.report/v1\"") || report.contains("\"schema\":\"rampart.report/v1\""))
    }
}
