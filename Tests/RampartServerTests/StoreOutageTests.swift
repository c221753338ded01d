import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing
import RampartCore
import RampartStore
@testable import RampartServer

/// A real SQLite store behind a switch that makes every call fail, as a database outage would (or, with code
/// `busy`, as a store whose busy timeout was spent would).
final class OutageStore: ValueDistributionStore, ControlStore {
    let base: SQLiteEventStore
    let down = Mutex(false)
    let failure = Mutex(RampartError(.storage, "database unavailable (simulated outage)"))

    init(_ base: SQLiteEventStore) { self.base = base }

    func check() throws {
        if down.withLock({ $0 }) { throw failure.withLock { $0 } }
    }

    func ingest(_ events: [Event]) async throws -> IngestResult { try check(); return try await base.ingest(events) }
    func eventCount() async throws -> Int { try check(); return try await base.eventCount() }
    func attribution(_ experiment: ExperimentScope) async throws -> Attribution { try check(); return try await base.attribution(experiment) }
    func statistics(_ metric: MetricQuery, in experiment: ExperimentScope) async throws -> MetricAggregates { try check(); return try await base.statistics(metric, in: experiment) }
    func jointStatistics(_ x: MetricQuery, _ y: MetricQuery, in experiment: ExperimentScope) async throws -> JointMetricAggregates { try check(); return try await base.jointStatistics(x, y, in: experiment) }
    func quantileStatistics(_ metric: MetricQuery, level: Double, in experiment: ExperimentScope) async throws -> QuantileMetricAggregates { try check(); return try await base.quantileStatistics(metric, level: level, in: experiment) }
    func analysis(_ request: AnalysisRequest, in experiment: ExperimentScope) async throws -> AnalysisResult { try check(); return try await base.analysis(request, in: experiment) }
    func storedEventCounts() async throws -> [String: Int] { try check(); return try await base.storedEventCounts() }
    func ingestNDJSON(_ bytes: [UInt8], firstIndex: Int, parser: EventParser, now: Date) async throws -> IngestResult { try check(); return try await base.ingestNDJSON(bytes, firstIndex: firstIndex, parser: parser, now: now) }
    func ingestPlainJSONArray(_ bytes: [UInt8], parser: EventParser, now: Date) async throws -> IngestResult? { try check(); return try await base.ingestPlainJSONArray(bytes, parser: parser, now: now) }
    func ingestScanned(_ source: some ScannedEventSource, parser: EventParser, now: Date) async throws -> IngestResult { try check(); return try await base.ingestScanned(source, parser: parser, now: now) }
    func valueHistograms(_ metric: MetricQuery, in experiment: ExperimentScope) async throws -> [String: ValueHistogram] { try check(); return try await base.valueHistograms(metric, in: experiment) }
    func rollouts() async throws -> [RolloutState] { try check(); return try await base.rollouts() }
    func rollout(_ key: String) async throws -> RolloutState? { try check(); return try await base.rollout(key) }
    func seed(_ experiments: [Experiment], source: String, filesWin: Bool) async throws -> [DefinitionImport.Decision] { try check(); return try await base.seed(experiments, source: source, filesWin: filesWin) }
    func save(_ state: RolloutState, audit: AuditEntry?) async throws { try check(); try await base.save(state, audit: audit) }
    func auditEntries(_ key: String) async throws -> [AuditEntry] { try check(); return try await base.auditEntries(key) }
    func apiKeys() async throws -> [APIKey] { try check(); return try await base.apiKeys() }
    func insertKey(_ key: APIKey) async throws { try check(); try await base.insertKey(key) }
    func revokeKey(hash: [UInt8]) async throws -> (key: APIKey, sessionsEnded: Int)? { try check(); return try await base.revokeKey(hash: hash) }
}

@Suite("Store outage")
struct StoreOutageTests {
    @Test func evaluationKeepsAnsweringWhileTheDatabaseIsDown() async throws {
        let store = OutageStore(try await TestServer.store())
        let configuration = ServerConfiguration(
            exposures: .init(batchSize: 10, flushInterval: .milliseconds(20)),
            reloadInterval: .milliseconds(20),
            bootstrapKeys: [(.sdk, TestServer.sdkKey), (.admin, TestServer.adminKey)]
        )
        let app = try await buildApplication(configuration: configuration, dependencies: ServerDependencies(store: store))
        try await app.test(.router) { client in
            store.down.withLock { $0 = true }
            // Let a configuration reload fail: the registry must keep the last good configuration.
            try await Task.sleep(for: .milliseconds(100))
            for i in 0..<30 {
                let body = #"{"context":{"targetingKey":"user-\#(i)","environment":"production","plan":"pro"}}"#
                try await client.execute(uri: "/ofrep/v1/evaluate/flags/support-answer-prompt", method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: body)) { response in
                    #expect(response.status == .ok)
                    #expect(response.json?["variant"]?.stringValue != nil)
                }
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
            let event = #"[{"uuid":"6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e5f","event":"support_ticket_resolved","unit":"user-1","timestamp":"2026-06-01T10:00:00Z"}]"#
            try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: event)) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] != nil)
            }
            // The database comes back: exposures buffered during the outage are written, and readiness recovers.
            store.down.withLock { $0 = false }
            var waited = 0
            while try await store.base.attribution(ExperimentScope(key: "support-answer-prompt")).enrolledUnits < 30, waited < 200 {
                try await Task.sleep(for: .milliseconds(20))
                waited += 1
            }
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(try await store.base.attribution(ExperimentScope(key: "support-answer-prompt")).enrolledUnits == 30)
    }

    /// A store that spent its busy timeout answers 503 `store_busy` with Retry-After and the store's message, on
    /// the write and the read routes; any other store failure is `store_unavailable`.
    @Test func aSpentBusyTimeoutIs503StoreBusy() async throws {
        let store = OutageStore(try await TestServer.store())
        let configuration = ServerConfiguration(bootstrapKeys: [(.sdk, TestServer.sdkKey), (.admin, TestServer.adminKey)])
        let app = try await buildApplication(configuration: configuration, dependencies: ServerDependencies(store: store))
        let event = #"[{"uuid":"6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e5f","event":"support_ticket_resolved","unit":"user-1","timestamp":"2026-06-01T10:00:00Z"}]"#
        try await app.test(.router) { client in
            let busy = "storing events: the database stayed locked by another writer for the whole busy timeout (5 s); retry later"
            let removed = "the database file /tmp/x.db was removed while the store had it open"
            for (code, expected, message) in [(RampartError.Code.busy, "store_busy", busy), (.storage, "store_unavailable", removed)] {
                store.failure.withLock { $0 = RampartError(code, message) }
                store.down.withLock { $0 = true }
                try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: event)) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(response.headers[.retryAfter] == "1")
                    #expect(response.json?["error"]?["code"]?.stringValue == expected)
                    // Either way the store's own message says what happened.
                    #expect(response.json?["error"]?["message"]?.stringValue?.contains(message) == true)
                }
                try await client.execute(uri: "/v1/experiments/support-answer-prompt/results", method: .get, headers: TestServer.admin()) { response in
                    #expect(response.status == .serviceUnavailable)
                    #expect(response.headers[.retryAfter] == "1")
                    #expect(response.json?["error"]?["code"]?.stringValue == expected)
                }
                store.down.withLock { $0 = false }
            }
        }
    }

    @Test func aFullDiskIs507InsufficientStorageNamingTheCause() async throws {
        let store = OutageStore(try await TestServer.store())
        let configuration = ServerConfiguration(bootstrapKeys: [(.sdk, TestServer.sdkKey), (.admin, TestServer.adminKey)])
        let app = try await buildApplication(configuration: configuration, dependencies: ServerDependencies(store: store))
        let event = #"[{"uuid":"6f1c2a9e-1d2b-4c3d-8e9f-0a1b2c3d4e5f","event":"support_ticket_resolved","unit":"user-1","timestamp":"2026-06-01T10:00:00Z"}]"#
        let full = "storing events failed: the disk holding the database is full (database or disk is full, SQLite code 13: No space left on device); nothing of this write was stored; free space and retry"
        try await app.test(.router) { client in
            store.failure.withLock { $0 = RampartError(.storageFull, full) }
            store.down.withLock { $0 = true }
            try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: event)) { response in
                #expect(response.status.code == 507)
                #expect(response.headers[.retryAfter] == "10")
                #expect(response.json?["error"]?["code"]?.stringValue == "insufficient_storage")
                #expect(response.json?["error"]?["message"]?.stringValue == "the events were not stored: " + full)
            }
            store.down.withLock { $0 = false }
            try await client.execute(uri: "/v1/events", method: .post, headers: TestServer.sdk(), body: ByteBuffer(string: event)) { response in
                #expect(response.status == .ok)
            }
        }
    }
}
