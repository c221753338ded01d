import ArgumentParser
import Foundation
import Logging
import Synchronization
import Testing
import RampartCore
import RampartStore
@testable import RampartCLI

/// Issue 11, items 3, 5, 6 and 7 at the command line: which definition `serve` keeps, the stage clock, `list --db`,
/// and reading commands that refuse a missing database.
@Suite("Definitions, stage clock, list and --db", .serialized)
struct DefinitionCommandsTests {
    static let root = RolloutCommandsTests.root
    static let experiments = root.appendingPathComponent("experiments").path
    static let win = root.appendingPathComponent("fixtures/support-win.ndjson.gz").path

    static func run<C: AsyncParsableCommand>(_ type: C.Type, _ arguments: [String]) async throws {
        try await RolloutCommandsTests.run(type, arguments)
    }

    /// Runs `report --format json` into a file and returns the JSON.
    static func report(_ db: String, _ dir: URL, asOf: String? = nil) async throws -> JSONValue {
        let out = dir.appendingPathComponent("report-\(UUID().uuidString).json").path
        try await run(ReportCommand.self, ["support-answer-prompt", "--db", db, "--experiments", experiments, "--format", "json", "-o", out] + (asOf.map { ["--as-of", $0] } ?? []))
        return try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: out)))
    }

    static func reasons(_ report: JSONValue) -> [String] {
        report["verdict"]?["reasons"]?.arrayValue?.compactMap { $0["message"]?.stringValue } ?? []
    }

    static func date(_ text: String) throws -> Date {
        try AsOfMoment.parse(text).get()
    }

    // MARK: Item 7

    @Test func readingCommandsRefuseADatabaseThatDoesNotExist() async throws {
        let (_, dir) = try RolloutCommandsTests.database()
        let typo = dir.appendingPathComponent("rampartt.db").path
        let commands: [(any AsyncParsableCommand.Type, [String])] = [
            (ReportCommand.self, ["support-answer-prompt"]),
            (FunnelCommand.self, ["support-answer-prompt"]),
            (AuditCommand.self, ["support-answer-prompt"]),
            (AutopilotCommand.self, []),
            (RampCommand.self, ["support-answer-prompt", "pause"]),
            (ListCommand.self, []),
            (KeysCommand.ListKeys.self, []),
        ]
        for (type, arguments) in commands {
            let extra = ObjectIdentifier(type) == ObjectIdentifier(KeysCommand.ListKeys.self) ? [] : ["--experiments", Self.experiments]
            var command = try type.parse(arguments + ["--db", typo] + extra)
            do {
                try await command.run()
                Issue.record("\(type) ran on a missing database")
            } catch let failure as CLIFailure {
                #expect(failure.description.contains(typo), "\(type): \(failure.description)")
                #expect(failure.description.contains("no database"))
            }
            #expect(!FileManager.default.fileExists(atPath: typo), "\(type) created \(typo)")
        }
        // Writing commands create it.
        try await Self.run(KeysCommand.CreateKey.self, ["--scope", "sdk", "--db", typo])
        #expect(FileManager.default.fileExists(atPath: typo))
        try await Self.run(KeysCommand.ListKeys.self, ["--db", typo])
    }

    // MARK: Item 5

    /// A plain report (now) must not fix the stage start: a later replay as of June still measures stage 1 from
    /// the phase's first exposure, never after the moment analysed.
    @Test func aPlainReportDoesNotStartTheStageClock() async throws {
        let (db, dir) = try RolloutCommandsTests.database()
        try await Self.run(IngestCommand.self, ["--db", db, Self.win])
        let today = try await Self.report(db, dir)
        #expect(today["stage"]?["started_by"] == "first_exposure")

        let june15 = try await Self.report(db, dir, asOf: "2026-06-15T00:00:00Z")
        let started = try Self.date(try #require(june15["stage"]?["started_at"]?.stringValue))
        let (june1, june2, asOf) = (try Self.date("2026-06-01T00:00:00Z"), try Self.date("2026-06-02T00:00:00Z"), try Self.date("2026-06-15T00:00:00Z"))
        #expect(started <= asOf)
        #expect(started >= june1 && started < june2, "the fixture's first exposure: \(started)")
        #expect(june15["stage"]?["started_by"] == "first_exposure")
        #expect(!Self.reasons(june15).contains { $0.contains("has run") && $0.contains("0m") }, "\(Self.reasons(june15))")
        #expect(!Self.reasons(june15).contains { $0.hasPrefix("stage 1 has run") && $0.contains("of its minimum") })

        // Before any exposure, the stage had not started.
        let may = try await Self.report(db, dir, asOf: "2026-05-20T00:00:00Z")
        #expect(may["stage"]?["started_at"] == JSONValue.null)
        #expect(Self.reasons(may).contains { $0.contains("had not started") })
        // The report (text) says where the start comes from.
        let text = dir.appendingPathComponent("june.txt").path
        try await Self.run(ReportCommand.self, ["support-answer-prompt", "--db", db, "--experiments", Self.experiments, "--as-of", "2026-06-15T00:00:00Z", "-o", text])
        #expect(try String(contentsOfFile: text, encoding: .utf8).contains("since 2026-06-01T"))
        #expect(try await SQLiteEventStore(path: db).rollout("support-answer-prompt")?.stageStartedAt == nil, "reads record no stage start")
    }

    /// The ramp action that enters a stage starts its clock; replays before it say the stage had not started, and
    /// the autopilot replays of the fixture advance on the first day the stage minimums allow.
    @Test func rampActionsStartStagesAndReplaysAdvance() async throws {
        let (db, dir) = try RolloutCommandsTests.database()
        let common = ["--db", db, "--experiments", Self.experiments]
        try await Self.run(IngestCommand.self, ["--db", db, Self.win])

        // Stage 1 needs a day and 200 units per variant: by June 3 it has had the time (measured from the first
        // exposure on June 1) but not the units; by June 5 it has both, and the autopilot advances.
        let day2 = try await Self.report(db, dir, asOf: "2026-06-03T00:00:00Z")
        #expect(!Self.reasons(day2).contains { $0.contains("stage 1 has run") && $0.contains("of its minimum") }, "\(Self.reasons(day2))")
        #expect(Self.reasons(day2).contains { $0.hasPrefix("too few units") }, "\(Self.reasons(day2))")
        try await Self.run(AutopilotCommand.self, common + ["--as-of", "2026-06-03T00:00:00Z"])
        #expect(try await SQLiteEventStore(path: db).rollout("support-answer-prompt")?.stageIndex == 0)
        try await Self.run(AutopilotCommand.self, common + ["--as-of", "2026-06-05T00:00:00Z"])
        let store = try SQLiteEventStore(path: db)
        let advanced = try #require(try await store.auditEntries("support-answer-prompt").last)
        #expect(advanced.action == "advance" && advanced.actor == "autopilot", "\(advanced)")
        #expect(advanced.at == (try Self.date("2026-06-05T00:00:00Z")))
        #expect(try await store.rollout("support-answer-prompt")?.stageStartedAt == advanced.at)

        let after = try await Self.report(db, dir, asOf: "2026-06-05T12:00:00Z")
        #expect(after["stage"]?["index"] == 1)
        #expect(after["stage"]?["started_at"] == "2026-06-05T00:00:00Z")
        #expect(after["stage"]?["started_by"] == "ramp_action")
        #expect(Self.reasons(after).contains("stage 2 has run 12.0h of its minimum 1.0d"), "\(Self.reasons(after))")

        // A replay before the action: the current stage had not started then.
        let before = try await Self.report(db, dir, asOf: "2026-06-04T00:00:00Z")
        #expect(before["stage"]?["started_at"] == JSONValue.null)
        #expect(Self.reasons(before).contains { $0.contains("stage 2 had not started") })
    }

    // MARK: Item 6

    @Test func listShowsTheStoredStatusStageAndVerdict() async throws {
        let (db, dir) = try RolloutCommandsTests.database()
        let common = ["--db", db, "--experiments", Self.experiments]
        try await Self.run(IngestCommand.self, ["--db", db, Self.win])
        try await Self.run(RampCommand.self, ["support-answer-prompt", "rollback", "--reason", "incident 4411", "--actor", "sam", "--as-of", "2026-06-10T00:00:00Z"] + common)

        let stored = try await ListCommand.parse(common + ["--as-of", "2026-06-12T00:00:00Z"]).render()
        let section = stored.components(separatedBy: "\n\n").first { $0.hasPrefix("support-answer-prompt") } ?? ""
        #expect(section.contains("stored  stopped, phase 0, stage 1 of 5 at 1% coverage since 2026-06-01T"), "\(section)")
        #expect(section.contains("verdict HOLD: the experiment is stopped, not running"), "\(section)")
        #expect(section.contains("last change 2026-06-10T00:00:00Z rollback by sam"), "\(section)")
        #expect(stored.contains("triage-model-swap"))
        #expect(stored.hasSuffix("2 experiments in \(db)\n"))

        // Without --db: the files, and it says so.
        let files = try await ListCommand.parse(["--experiments", Self.experiments]).render()
        #expect(files.contains("no --db"))
        #expect(files.contains("status running"))

        // A file that differs from the stored definition is pointed out.
        let edited = dir.appendingPathComponent("experiments")
        try FileManager.default.createDirectory(at: edited, withIntermediateDirectories: true)
        let yaml = try String(contentsOfFile: Self.experiments + "/support-answer-prompt.yaml", encoding: .utf8)
            .replacingOccurrences(of: "relative_margin: 0.02", with: "relative_margin: 0.05")
        try yaml.write(to: edited.appendingPathComponent("support-answer-prompt.yaml"), atomically: true, encoding: .utf8)
        let compared = try await ListCommand.parse(["--db", db, "--experiments", edited.path]).render()
        #expect(compared.contains("file    differs from the stored definition in: metrics"), "\(compared)")
        #expect(compared.contains("file    none in"), "triage-model-swap has no file there: \(compared)")
    }

    // MARK: Item 3

    /// `serve` restarted with the same files keeps a definition changed through the API, and says so in its log;
    /// `--files-override-api` lets the files win, audited.
    @Test func serveKeepsAnAPIChangeAcrossARestart() async throws {
        let (db, _) = try RolloutCommandsTests.database()
        let arguments = ["--db", db, "--experiments", Self.experiments]
        let log = LogCapture()
        _ = try await ServeCommand.parse(arguments).openStore(logger: log.logger)
        #expect(log.lines.contains { $0.hasPrefix("info experiment file inserted") })

        // PUT /v1/experiments/support-answer-prompt with relative_margin 0.05, saved as the controller saves it.
        let store = try SQLiteEventStore(path: db)
        var state = try #require(try await store.rollout("support-answer-prompt"))
        let index = try #require(state.experiment.metrics.firstIndex { $0.key == "escalation_rate" })
        state.experiment.metrics[index].threshold = .relativeMargin(0.05)
        state.revision += 1
        try await store.save(state, audit: AuditEntry(experiment: state.experiment.key, action: "update", actor: "api", at: Date(), from: state.summary, to: state.summary, verdict: "n/a", reason: "definition updated through the API", forced: false))

        let restart = LogCapture()
        _ = try await ServeCommand.parse(arguments).openStore(logger: restart.logger)
        #expect(try await store.rollout("support-answer-prompt")?.experiment.metrics[index].threshold == .relativeMargin(0.05))
        #expect(restart.lines.contains { $0.hasPrefix("notice experiment file kept: 'support-answer-prompt'") && $0.contains("--files-override-api") }, "\(restart.lines)")
        #expect(try await store.auditEntries("support-answer-prompt").map(\.action) == ["import", "update"])

        let forced = LogCapture()
        _ = try await ServeCommand.parse(arguments + ["--files-override-api"]).openStore(logger: forced.logger)
        #expect(try await store.rollout("support-answer-prompt")?.experiment.metrics[index].threshold == .relativeMargin(0.02))
        #expect(forced.lines.contains { $0.hasPrefix("warning experiment file overridden") }, "\(forced.lines)")
        let last = try #require(try await store.auditEntries("support-answer-prompt").last)
        #expect(last.action == "import" && last.forced && last.reason.contains("--files-override-api"))
    }
}

/// A logger that keeps "LEVEL message" lines.
final class LogCapture: Sendable {
    let storage = Mutex<[String]>([])

    var lines: [String] { storage.withLock { $0 } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(capture: self) }
    }

    struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
            capture.storage.withLock { $0.append("\(level.rawValue) \(message)") }
        }
    }
}
