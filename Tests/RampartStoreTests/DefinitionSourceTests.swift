import Foundation
import GRDB
import Testing
import RampartCore
import RampartStore

/// Which source wins between the files and the API (issue 11, item 3), and stage starts as recorded facts (item 5).
@Suite("Definition sources and stage starts")
struct DefinitionSourceTests {
    static func file(margin: Double = 0.02, name: String = "resolved") -> Experiment {
        var e = ControlStoreTests.experiment(metricName: name)
        e.metrics.append(MetricDefinition(key: "escalated", role: .guardrail, kind: .proportion, event: "llm_task_completed", direction: .decrease, threshold: .relativeMargin(margin)))
        return e
    }

    static func margin(_ store: any ControlStore) async throws -> Double? {
        try await store.rollout("demo")?.experiment.metric("escalated")?.threshold?.amount
    }

    @Test(arguments: StoreBackend.allCases)
    func anAPIChangeSurvivesARestartUnlessFilesWin(_ backend: StoreBackend) async throws {
        let store = try await ControlStoreTests.control(backend)
        #expect(try await store.seed([Self.file()]).map(\.outcome) == [.inserted])

        // PUT /v1/experiments/demo with relative_margin 0.05, as the controller saves it.
        var put = try #require(try await store.rollout("demo"))
        put.experiment = Self.file(margin: 0.05)
        put.revision += 1
        try await store.save(put, audit: AuditEntry(experiment: "demo", action: "update", actor: "api", at: Date(), from: put.summary, to: put.summary, verdict: "n/a", reason: "definition updated through the API", forced: false))

        // Restart with the same file: the API's change is kept, reported, and nothing is written.
        let restart = try await store.seed([Self.file()])
        #expect(restart.map(\.outcome) == [.kept])
        #expect(restart[0].message.contains("changed through the API"))
        #expect(try await Self.margin(store) == 0.05)
        #expect(try await store.rollout("demo")?.revision == put.revision)
        #expect(try await store.auditEntries("demo").map(\.action) == ["import", "update"])

        // The file is edited too: declined, audited once.
        for _ in 0..<2 {
            let both = try await store.seed([Self.file(margin: 0.02, name: "Resolved tickets")])
            #expect(both.map(\.outcome) == [.declined])
            #expect(try await Self.margin(store) == 0.05)
        }
        #expect(try await store.auditEntries("demo").map(\.action) == ["import", "update", "import_declined"])

        // Files win only when asked, audited as forced.
        let forced = try await store.seed([Self.file(margin: 0.02, name: "Resolved tickets")], source: "experiments/", filesWin: true)
        #expect(forced.map(\.outcome) == [.overridden])
        #expect(try await Self.margin(store) == 0.02)
        let last = try #require(try await store.auditEntries("demo").last)
        #expect(last.action == "import" && last.forced && last.actor == "file")

        // From then on the file is the base again: an edit of it is applied without the flag.
        #expect(try await store.seed([Self.file(margin: 0.03, name: "Resolved tickets")]).map(\.outcome) == [.applied])
        #expect(try await Self.margin(store) == 0.03)
        #expect(try await store.seed([Self.file(margin: 0.03, name: "Resolved tickets")]).map(\.outcome) == [.unchanged])
    }

    @Test(arguments: StoreBackend.allCases)
    func stageStartsAreStoredOnlyWhenARampActionRecordsThem(_ backend: StoreBackend) async throws {
        let store = try await ControlStoreTests.control(backend)
        try await store.seed([Self.file()])
        var state = try #require(try await store.rollout("demo"))
        #expect(state.stageStartedAt == nil)
        let moment = Date(timeIntervalSince1970: 1_780_400_000.25)
        state.stageStartedAt = moment
        state.revision += 1
        try await store.save(state, audit: nil)
        #expect(try await store.rollout("demo")?.stageStartedAt == moment)
    }

    /// A database written before the stage clock was fixed: a stage start is kept only when an audited `advance`
    /// recorded it; one written when someone first opened the database is dropped.
    @Test func theMigrationKeepsOnlyAuditedStageStarts() async throws {
        let path = try StoreBackend.temporaryPath()
        let queue = try DatabaseQueue(path: path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try await queue.write { db in
            try db.execute(sql: """
                CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                INSERT INTO grdb_migrations VALUES ('v1 control');
                CREATE TABLE rollouts (key TEXT PRIMARY KEY, definition TEXT NOT NULL, stage_index INTEGER,
                    stage_started_at REAL NOT NULL, revision INTEGER NOT NULL, updated_at REAL NOT NULL) STRICT;
                CREATE TABLE audit_log (id INTEGER PRIMARY KEY, experiment TEXT NOT NULL, action TEXT NOT NULL,
                    actor TEXT NOT NULL, at REAL NOT NULL, from_state TEXT NOT NULL, to_state TEXT NOT NULL,
                    verdict TEXT NOT NULL, reason TEXT NOT NULL, forced INTEGER NOT NULL) STRICT;
                CREATE INDEX audit_log_experiment ON audit_log (experiment, id);
                CREATE TABLE api_keys (hash BLOB PRIMARY KEY, display_prefix TEXT NOT NULL, scope TEXT NOT NULL,
                    name TEXT NOT NULL, created_at REAL NOT NULL) STRICT;
                """)
            for (key, stage, started, advancedAt) in [("opened", 0, 1_000.0, nil), ("advanced", 1, 2_000.0, 2_000.0), ("other", 1, 3_000.0, 2_500.0)] as [(String, Int, Double, Double?)] {
                var e = ControlStoreTests.experiment()
                e.key = key
                let json = String(decoding: try encoder.encode(e), as: UTF8.self)
                try db.execute(sql: "INSERT INTO rollouts VALUES (?, ?, ?, ?, 0, 0)", arguments: [key, json, stage, started])
                if let advancedAt {
                    try db.execute(sql: "INSERT INTO audit_log (experiment, action, actor, at, from_state, to_state, verdict, reason, forced) VALUES (?, 'advance', 'maria', ?, '', '', '', '', 0)", arguments: [key, advancedAt])
                }
            }
        }
        try queue.close()
        let store = try SQLiteEventStore(path: path)
        #expect(try await store.rollout("opened")?.stageStartedAt == nil)
        #expect(try await store.rollout("advanced")?.stageStartedAt == Date(timeIntervalSince1970: 2_000))
        #expect(try await store.rollout("other")?.stageStartedAt == nil)
        #expect(try await store.rollout("advanced")?.stageIndex == 1)
    }

    /// The first stage's start: the phase's first exposure as of the moment, on both read paths.
    @Test(arguments: StoreBackend.allCases)
    func attributionGivesThePhasesFirstExposure(_ backend: StoreBackend) async throws {
        let store = try await backend.make()
        _ = try await store.ingest([
            exposure("u2", 500, "treatment"), exposure("u1", 100, "control"), exposure("u1", 900, "treatment"),
            exposure("u3", 50, "control", phase: 1), exposure("u4", 20, "control", experiment: "other"),
        ])
        let request = AnalysisRequest(metrics: [.init(MetricQuery(event: "a"))])
        for (asOf, expected) in [(nil, at(100)), (at(300), at(100)), (at(99), nil)] as [(Date?, Date?)] {
            let scope = ExperimentScope(key: "exp", asOf: asOf)
            #expect(try await store.attribution(scope).firstExposure == expected, "\(String(describing: asOf))")
            #expect(try await store.analysis(request, in: scope).attribution.firstExposure == expected, "\(String(describing: asOf))")
        }
        #expect(try await store.attribution(ExperimentScope(key: "exp", phase: 1)).firstExposure == at(50))
        #expect(try await store.attribution(ExperimentScope(key: "none")).firstExposure == nil)
    }
}
