import Foundation
import Testing
import RampartCore
import RampartStore

/// The control plane's storage, run against every backend.
@Suite("Control store")
struct ControlStoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    static func control(_ backend: StoreBackend) async throws -> any ControlStore {
        try await backend.make()
    }

    static func experiment(weights: [Double] = [0.5, 0.5], coverage: Double = 0.01, metricName: String = "resolved") -> Experiment {
        let payload = VariantPayload(promptName: "p", promptVersionId: "v", model: "m", provider: "x")
        return Experiment(
            key: "demo", status: .running,
            variants: [Variant(key: "control", weight: weights[0], payload: payload), Variant(key: "treatment", weight: weights[1], payload: payload)],
            coverage: coverage, ramp: [RampStep(coverage: 0.01), RampStep(coverage: 0.05), RampStep(coverage: 1)],
            metrics: [MetricDefinition(key: "resolved", name: metricName, role: .primary, kind: .proportion, event: "support_ticket_resolved")]
        )
    }

    @Test(arguments: StoreBackend.allCases)
    func seedInsertsOnceAndKeepsTheRollout(_ backend: StoreBackend) async throws {
        let store = try await Self.control(backend)
        try await store.seed([Self.experiment()])
        let stored = try #require(try await store.rollout("demo"))
        #expect(stored.stageIndex == 0)
        #expect(stored.revision == 0)
        #expect(stored.stageStartedAt == nil, "importing is not a stage start: the first stage starts with its first exposure")

        // Ramp to 5 % in the store.
        var advanced = stored
        advanced.experiment.coverage = 0.05
        advanced.stageIndex = 1
        advanced.revision = 1
        let audit = AuditEntry(experiment: "demo", action: "advance", actor: "maria", at: Self.t0, from: stored.summary, to: advanced.summary, verdict: "ADVANCE", reason: "clean", forced: false)
        try await store.save(advanced, audit: audit)

        // Re-seeding from the file (still at 1 %) keeps the stored coverage, and takes a safe edit (a metric name).
        let applied = try await store.seed([Self.experiment(metricName: "Ticket resolution rate")])
        #expect(applied.map(\.outcome) == [.applied])
        let after = try #require(try await store.rollout("demo"))
        #expect(after.experiment.coverage == 0.05)
        #expect(after.stageIndex == 1)
        #expect(after.experiment.metrics[0].name == "Ticket resolution rate")

        // A reshuffling edit is refused, and the stored definition kept.
        let reshuffle = try await store.seed([Self.experiment(weights: [0.3, 0.7])])
        #expect(reshuffle.map(\.outcome) == [.refused])
        #expect(try await store.rollout("demo")?.experiment.variants[0].weight == 0.5)

        // Every import that did something is audited, beside the ramp action.
        let entries = try await store.auditEntries("demo")
        #expect(entries.map(\.action) == ["import", "advance", "import", "import_refused"])
        #expect(entries[1] == audit)
        #expect(entries.filter { $0.action != "advance" }.allSatisfy { $0.actor == "file" })
    }

    @Test(arguments: StoreBackend.allCases)
    func staleRevisionsConflict(_ backend: StoreBackend) async throws {
        let store = try await Self.control(backend)
        try await store.seed([Self.experiment()])
        var state = try #require(try await store.rollout("demo"))
        state.revision = 5
        await #expect(throws: RampartError.self) { try await store.save(state, audit: nil) }
    }

    @Test(arguments: StoreBackend.allCases)
    func keysAreStoredHashed(_ backend: StoreBackend) async throws {
        let store = try await Self.control(backend)
        let (plaintext, key) = APIKey.generate(scope: .sdk, name: "checkout backend")
        try await store.insertKey(key)
        let keys = try await store.apiKeys()
        #expect(keys.count == 1)
        #expect(keys[0].scope == .sdk && keys[0].name == key.name && keys[0].displayPrefix == key.displayPrefix)
        #expect(abs(keys[0].createdAt.timeIntervalSince(key.createdAt)) < 0.001)
        #expect(keys[0].hash == APIKey.digest(plaintext))
        #expect(plaintext.hasPrefix("rk_sdk_"))
        #expect(keys[0].displayPrefix.count == "rk_sdk_".count + 6)
        let dump = try await (store as! any RowQuerying).rows("SELECT * FROM api_keys", arguments: [])
        #expect(!dump.description.contains(String(plaintext.dropFirst(7))))
    }

    /// A revoked key is gone, and so are the console sessions signed in with it; other keys and sessions stay.
    @Test(arguments: StoreBackend.allCases)
    func aRevokedKeyAndItsSessionsAreGone(_ backend: StoreBackend) async throws {
        let store = try await Self.control(backend)
        let sessions = try #require(store as? any SessionStore)
        let (_, revoked) = APIKey.generate(scope: .admin, name: "release managers")
        let (_, kept) = APIKey.generate(scope: .viewer, name: "product team")
        try await store.insertKey(revoked)
        try await store.insertKey(kept)
        let now = Date()
        for (index, key) in [revoked, revoked, kept].enumerated() {
            try await sessions.insertSession(ConsoleSession(tokenHash: [UInt8(index)] + Array(repeating: 7, count: 31), keyName: key.name, scope: key.scope,
                                                            keyPrefix: key.displayPrefix, createdAt: now, expiresAt: now.addingTimeInterval(3_600)))
        }
        let result = try #require(try await store.revokeKey(hash: revoked.hash))
        #expect(result.key.displayPrefix == revoked.displayPrefix && result.key.name == "release managers")
        #expect(result.sessionsEnded == 2)
        #expect(try await store.apiKeys().map(\.hash) == [kept.hash])
        #expect(try await sessions.session(tokenHash: [0] + Array(repeating: 7, count: 31), now: now) == nil)
        #expect(try await sessions.session(tokenHash: [2] + Array(repeating: 7, count: 31), now: now) != nil)
        #expect(try await store.revokeKey(hash: revoked.hash) == nil, "revoking twice finds nothing")
    }
}
