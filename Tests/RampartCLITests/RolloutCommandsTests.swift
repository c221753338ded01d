import ArgumentParser
import Foundation
import Testing
import RampartCore
import RampartStore
@testable import RampartCLI

/// report, funnel, ramp, audit, keys and autopilot, run in-process against a temporary database.
@Suite("Rollout commands", .serialized)
struct RolloutCommandsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func database() throws -> (db: String, dir: URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-cmd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return (dir.appendingPathComponent("rampart.db").path, dir)
    }

    static func run<C: AsyncParsableCommand>(_ type: C.Type, _ arguments: [String]) async throws {
        var command = try type.parse(arguments)
        try await command.run()
    }

    @Test func reportInEveryFormat() async throws {
        let (db, dir) = try Self.database()
        let experiments = Self.root.appendingPathComponent("experiments").path
        try await Self.run(IngestCommand.self, ["--db", db, Self.root.appendingPathComponent("fixtures/support-win.ndjson.gz").path])
        for format in ["text", "json", "markdown", "html"] {
            let out = dir.appendingPathComponent("report.\(format)").path
            try await Self.run(ReportCommand.self, ["support-answer-prompt", "--db", db, "--experiments", experiments, "--format", format, "--as-of", "2026-06-16T00:00:00Z", "-o", out])
            let text = try String(contentsOfFile: out, encoding: .utf8)
            #expect(text.contains("support-answer-prompt"), "\(format)")
        }
        let json = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: dir.appendingPathComponent("report.json")))
        #expect(json["schema"] == "rampart.report/v1")
        #expect(json["units"]?["enrolled"]?["control"]?.numberValue ?? 0 > 900)
        let metrics = json["metrics"]?.arrayValue ?? []
        let primary = metrics.first { $0["key"] == "resolution_rate" }
        let treatment = primary?["variants"]?.arrayValue?.first { $0["variant"] == "treatment" }
        #expect((treatment?["relative"]?["fixed"]?["estimate"]?.numberValue ?? 0) > 0.1, "the fixture's +25 % resolution shows")
        await #expect(throws: (any Error).self) {
            try await Self.run(ReportCommand.self, ["nope", "--db", db, "--experiments", experiments])
        }
        await #expect(throws: (any Error).self) {
            try await Self.run(ReportCommand.self, ["support-answer-prompt", "--db", db, "--experiments", experiments, "--as-of", "someday"])
        }
        try await Self.run(FunnelCommand.self, ["support-answer-prompt", "--db", db, "--experiments", experiments])
    }

    @Test func rampIsRefusedByTheVerdictForcedWithAReasonAndAudited() async throws {
        let (db, _) = try Self.database()
        let experiments = Self.root.appendingPathComponent("experiments").path
        let common = ["--db", db, "--experiments", experiments]
        _ = try SQLiteEventStore(path: db)  // ramp reads a database; it does not create one
        // No data and no time in stage: the verdict holds, so advancing is refused.
        do {
            try await Self.run(RampCommand.self, ["support-answer-prompt", "advance", "--actor", "maria"] + common)
            Issue.record("advance on HOLD was accepted")
        } catch let error as CLIFailure {
            #expect("\(error)".hasSuffix("override it with --force --reason TEXT"), "\(error)")
        }
        #expect(throws: (any Error).self) {
            _ = try RampCommand.parse(["support-answer-prompt", "advance", "--force"] + common)
        }
        do {
            _ = try RampCommand.parse(["support-answer-prompt", "advance", "--force"] + common)
        } catch {
            #expect(RampCommand.message(for: error).contains("--force needs --reason TEXT"), "\(RampCommand.message(for: error))")
        }
        try await Self.run(RampCommand.self, ["support-answer-prompt", "advance", "--force", "--reason", "launch review signed off", "--actor", "maria"] + common)
        try await Self.run(RampCommand.self, ["support-answer-prompt", "pause", "--actor", "sam", "--reason", "incident 4411"] + common)
        await #expect(throws: (any Error).self) {
            try await Self.run(RampCommand.self, ["support-answer-prompt", "launch"] + common)
        }
        let store = try SQLiteEventStore(path: db)
        let entries = try await store.auditEntries("support-answer-prompt").filter { $0.action != "import" }
        #expect(try await store.auditEntries("support-answer-prompt").first?.action == "import", "the file's import is audited first")
        #expect(entries.map(\.action) == ["advance", "pause"])
        #expect(entries[0].forced && entries[0].actor == "maria" && entries[0].reason == "launch review signed off")
        #expect(entries[0].from == "running at 1% (stage 1 of 5)" && entries[0].to == "running at 5% (stage 2 of 5)")
        #expect(entries[0].verdict.hasPrefix("HOLD"))
        #expect(entries[1].to == "paused at 5% (stage 2 of 5)")
        try await Self.run(AuditCommand.self, ["support-answer-prompt"] + common)
        try await Self.run(AutopilotCommand.self, common)
        #expect(try await store.rollout("support-answer-prompt")?.experiment.status == .paused, "the autopilot leaves paused experiments alone")
    }

    // Issue 11, item 1: `rampart ramp KEY ship` without --force is refused for an experiment with no primary metric.
    // The validator no longer lets such a definition in; one stored before it did (or written to the store directly)
    // still reaches the verdict, which must hold.
    @Test func shipIsRefusedForAnExperimentWithoutAPrimaryMetric() async throws {
        let (db, dir) = try Self.database()
        let experiments = dir.appendingPathComponent("experiments")
        try FileManager.default.createDirectory(at: experiments, withIntermediateDirectories: true)
        let common = ["--db", db, "--experiments", experiments.path, "--as-of", "2026-06-16T00:00:00Z"]
        var e = try #require(ExperimentLoaderAccess.load("support-answer-prompt"))
        e.metrics = []
        e.coverage = 1
        let store = try SQLiteEventStore(path: db)
        try await store.save(RolloutState(experiment: e, stageStartedAt: Date(timeIntervalSince1970: 1_780_272_000)), audit: nil)
        try await Self.run(IngestCommand.self, ["--db", db, Self.root.appendingPathComponent("fixtures/support-win.ndjson.gz").path])
        await #expect(throws: CLIFailure.self) {
            try await Self.run(RampCommand.self, ["support-answer-prompt", "ship", "--actor", "maria"] + common)
        }
        #expect(try await store.rollout("support-answer-prompt")?.experiment.status == .running)
        try await Self.run(RampCommand.self, ["support-answer-prompt", "ship", "--force", "--reason", "shipping on judgement", "--actor", "maria"] + common)
        let entries = try await store.auditEntries("support-answer-prompt")
        #expect(entries.map(\.action) == ["ship"])
        #expect(entries.first?.forced == true)
        #expect(entries.first?.verdict.hasPrefix("HOLD") == true)
        #expect(entries.first?.verdict.contains("no primary metric") == true, "\(entries.first?.verdict ?? "")")
    }

    @Test func keysAreCreatedHashed() async throws {
        let (db, _) = try Self.database()
        try await Self.run(KeysCommand.CreateKey.self, ["--scope", "admin", "--name", "release managers", "--db", db])
        let keys = try await SQLiteEventStore(path: db).apiKeys()
        #expect(keys.count == 1)
        #expect(keys[0].scope == .admin && keys[0].name == "release managers")
        #expect(keys[0].displayPrefix.hasPrefix("rk_admin_"))
        #expect(throws: (any Error).self) { try KeysCommand.CreateKey.parse(["--scope", "root"]) }
    }

    /// `keys revoke` by the prefix `keys list` shows, or by the whole key; a shared prefix or an unknown one is refused.
    @Test func keysAreRevokedByPrefixOrWholeKey() async throws {
        let (db, _) = try Self.database()
        try await Self.run(KeysCommand.CreateKey.self, ["--scope", "admin", "--name", "release managers", "--db", db])
        try await Self.run(KeysCommand.CreateKey.self, ["--scope", "sdk", "--name", "checkout", "--db", db])
        let store = try SQLiteEventStore(path: db)
        let admin = try #require(try await store.apiKeys().first { $0.scope == .admin })
        try await Self.run(KeysCommand.RevokeKey.self, [admin.displayPrefix + "…", "--db", db])
        #expect(try await store.apiKeys().map(\.name) == ["checkout"])
        await #expect(throws: CLIFailure.self) { try await Self.run(KeysCommand.RevokeKey.self, [admin.displayPrefix, "--db", db]) }
        let (plaintext, extra) = APIKey.generate(scope: .viewer, name: "pm")
        try await store.insertKey(extra)
        try await Self.run(KeysCommand.RevokeKey.self, [plaintext, "--db", db])
        #expect(try await store.apiKeys().map(\.name) == ["checkout"])
        // Two keys sharing a prefix: the prefix is ambiguous, the whole key is not.
        let twin = APIKey(displayPrefix: "rk_sdk_aaaaaa", scope: .sdk, hash: APIKey.digest("rk_sdk_aaaaaa1"), name: "one", createdAt: Date())
        try await store.insertKey(twin)
        try await store.insertKey(APIKey(displayPrefix: "rk_sdk_aaaaaa", scope: .sdk, hash: APIKey.digest("rk_sdk_aaaaaa2"), name: "two", createdAt: Date()))
        do {
            try await Self.run(KeysCommand.RevokeKey.self, ["rk_sdk_aaaaaa", "--db", db])
            Issue.record("an ambiguous prefix revoked a key")
        } catch let failure as CLIFailure {
            #expect(failure.description.contains("2 keys start with rk_sdk_aaaaaa"))
        }
        try await Self.run(KeysCommand.RevokeKey.self, ["rk_sdk_aaaaaa1", "--db", db])
        #expect(Set(try await store.apiKeys().map(\.name)) == ["checkout", "two"])
    }

    /// Found by QA in session 29: a ramp of a mistyped key imported the experiment files (and audited the imports)
    /// before failing, and an empty `--actor` was recorded as nobody.
    @Test func aRampOfAnUnknownKeyChangesNothingAndNeedsAnActor() async throws {
        let (db, _) = try Self.database()
        try await Self.run(KeysCommand.CreateKey.self, ["--scope", "admin", "--db", db])
        do {
            try await Self.run(RampCommand.self, ["support-answer-promt", "pause", "--db", db, "--experiments", Self.root.appendingPathComponent("experiments").path])
            Issue.record("a ramp of an unknown key ran")
        } catch let failure as CLIFailure {
            #expect(failure.description.contains("no experiment 'support-answer-promt'"))
            #expect(failure.description.contains("support-answer-prompt"), "the known keys are named")
        }
        let store = try SQLiteEventStore(path: db)
        #expect(try await store.rollouts().isEmpty, "nothing was imported")
        #expect(throws: (any Error).self) { try RampCommand.parse(["support-answer-prompt", "pause", "--actor", " "]) }
    }
}
