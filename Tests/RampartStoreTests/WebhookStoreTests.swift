import Foundation
import Testing
import RampartCore
import RampartStore

/// The webhook outbox and the notified-verdict state, run against every backend.
@Suite("Webhook store")
struct WebhookStoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    static func store(_ backend: StoreBackend) async throws -> any ControlStore & WebhookStore {
        try #require(try await backend.make() as? any ControlStore & WebhookStore)
    }

    static func endpoint(_ id: String, experiment: String? = nil, events: Set<WebhookEventKind> = Set(WebhookEventKind.allCases)) -> WebhookEndpoint {
        WebhookEndpoint(id: id, url: "http://127.0.0.1:9/\(id)", experiment: experiment, events: events, secret: "whsec_\(id)", createdAt: t0)
    }

    /// A store with one endpoint, `wh_a`, and one queued event.
    static func storeWithOneEvent(_ backend: StoreBackend) async throws -> any ControlStore & WebhookStore {
        let store = try await store(backend)
        try await store.addWebhook(endpoint("wh_a"))
        try await store.enqueue([event()])
        return store
    }

    static func event(_ kind: WebhookEventKind = .verdictChanged, experiment: String = "demo") -> WebhookEvent {
        WebhookEvent(kind: kind, experiment: experiment, at: t0, old: "HOLD", new: "ROLLBACK", verdict: "ROLLBACK", reasons: ["escalation: regression"])
    }

    @Test(arguments: StoreBackend.allCases)
    func eventsFanOutToTheEndpointsThatWantThem(_ backend: StoreBackend) async throws {
        let store = try await Self.store(backend)
        try await store.addWebhook(Self.endpoint("wh_all"))
        try await store.addWebhook(Self.endpoint("wh_demo_rollouts", experiment: "demo", events: [.rolloutChanged]))
        try await store.addWebhook(Self.endpoint("wh_other", experiment: "other"))
        #expect(try await store.webhooks().map(\.id) == ["wh_all", "wh_demo_rollouts", "wh_other"])
        #expect(try await store.webhooks().first?.secret == "whsec_wh_all", "the server reads the secret to sign")
        let verdict = Self.event(), rollout = Self.event(.rolloutChanged)
        #expect(try await store.enqueue([verdict, rollout]) == 3)
        #expect(try await store.enqueue([verdict]) == 0, "an event is queued once per endpoint")
        let pending = try await store.deliveries(limit: 10)
        #expect(Set(pending.map { "\($0.endpoint.id) \($0.event.kind.rawValue)" }) == ["wh_all verdict_changed", "wh_all rollout_changed", "wh_demo_rollouts rollout_changed"])
        #expect(pending.allSatisfy { $0.status == .pending && $0.attempts == 0 })
        #expect(pending.first { $0.event.id == verdict.id }?.event == verdict, "the event round-trips")
    }

    @Test(arguments: StoreBackend.allCases)
    func aClaimedRowIsLeasedToOneHolderAndDeliveredOnce(_ backend: StoreBackend) async throws {
        let store = try await Self.storeWithOneEvent(backend)
        let claimed = try await store.claimDeliveries(holder: "r1", limit: 10, lease: 60, now: Self.t0)
        #expect(claimed.count == 1 && claimed[0].endpoint.secret == "whsec_wh_a")
        #expect(try await store.claimDeliveries(holder: "r2", limit: 10, lease: 60, now: Self.t0.addingTimeInterval(30)).isEmpty, "leased to r1")
        #expect(try await store.finishDelivery(claimed[0].id, holder: "r2", outcome: .delivered(status: 200), at: Self.t0) == false, "only the holder records")
        #expect(try await store.finishDelivery(claimed[0].id, holder: "r1", outcome: .delivered(status: 204), at: Self.t0.addingTimeInterval(1)))
        #expect(try await store.claimDeliveries(holder: "r2", limit: 10, lease: 60, now: Self.t0.addingTimeInterval(3600)).isEmpty, "no duplicate after success")
        let row = try #require(try await store.deliveries(limit: 1).first)
        #expect(row.status == .delivered && row.attempts == 1 && row.lastStatus == 204)
        let audit = try await store.auditEntries("demo")
        #expect(audit.map(\.action) == ["webhook_delivered"])
        #expect(audit.first?.actor == "webhooks" && audit.first?.reason.contains("HTTP 204 after 1 attempt") == true)
    }

    @Test(arguments: StoreBackend.allCases)
    func anExpiredLeaseIsClaimedAgainAndRetriesWaitForTheirTime(_ backend: StoreBackend) async throws {
        let store = try await Self.storeWithOneEvent(backend)
        let first = try await store.claimDeliveries(holder: "r1", limit: 10, lease: 60, now: Self.t0)
        // r1 dies: after its lease r2 takes the row.
        let second = try await store.claimDeliveries(holder: "r2", limit: 10, lease: 60, now: Self.t0.addingTimeInterval(61))
        #expect(second.map(\.id) == first.map(\.id))
        try await store.finishDelivery(second[0].id, holder: "r2", outcome: .retry(status: 500, error: "HTTP 500", next: Self.t0.addingTimeInterval(100)), at: Self.t0.addingTimeInterval(62))
        #expect(try await store.claimDeliveries(holder: "r2", limit: 10, lease: 60, now: Self.t0.addingTimeInterval(99)).isEmpty, "not due yet")
        let third = try await store.claimDeliveries(holder: "r2", limit: 10, lease: 60, now: Self.t0.addingTimeInterval(100))
        #expect(third.count == 1 && third[0].attempts == 1 && third[0].lastStatus == 500)
        try await store.finishDelivery(third[0].id, holder: "r2", outcome: .failed(status: 500, error: "HTTP 500"), at: Self.t0.addingTimeInterval(101))
        #expect(try await store.deliveries(limit: 1).first?.status == .failed)
        #expect(try await store.auditEntries("demo").map(\.action) == ["webhook_failed"])
        #expect(try await store.claimDeliveries(holder: "r2", limit: 10, lease: 60, now: Self.t0.addingTimeInterval(10_000)).isEmpty)
    }

    @Test(arguments: StoreBackend.allCases)
    func concurrentClaimsNeverShareARow(_ backend: StoreBackend) async throws {
        let store = try await Self.store(backend)
        try await store.addWebhook(Self.endpoint("wh_a"))
        try await store.enqueue((0..<40).map { _ in Self.event() })
        let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for holder in 0..<4 {
                group.addTask { try await store.claimDeliveries(holder: "r\(holder)", limit: 40, lease: 60, now: Self.t0).map(\.id) }
            }
            return try await group.reduce(into: [Int64]()) { $0 += $1 }
        }
        #expect(claims.count == 40 && Set(claims).count == 40)
    }

    @Test(arguments: StoreBackend.allCases)
    func theNotifiedStateIsSwappedWithItsEventsOnce(_ backend: StoreBackend) async throws {
        let store = try await Self.store(backend)
        try await store.addWebhook(Self.endpoint("wh_a"))
        #expect(try await store.watchState("demo") == nil)
        let hold = VerdictWatch.State(verdict: "HOLD", regressions: [], srm: false)
        let rollback = VerdictWatch.State(verdict: "ROLLBACK", regressions: ["escalation/treatment"], srm: false)
        #expect(try await store.recordWatch("demo", expected: nil, new: hold, events: [], at: Self.t0))
        #expect(try await store.recordWatch("demo", expected: nil, new: rollback, events: [Self.event()], at: Self.t0) == false, "another replica recorded first")
        #expect(try await store.recordWatch("demo", expected: hold, new: rollback, events: [Self.event()], at: Self.t0))
        #expect(try await store.recordWatch("demo", expected: hold, new: rollback, events: [Self.event()], at: Self.t0) == false, "no second notification")
        #expect(try await store.watchState("demo") == rollback)
        #expect(try await store.deliveries(limit: 10).count == 1)
    }

    @Test(arguments: StoreBackend.allCases)
    func aRampActionQueuesItsNotificationWithTheChange(_ backend: StoreBackend) async throws {
        let store = try await Self.store(backend)
        try await store.addWebhook(Self.endpoint("wh_a", events: [.rolloutChanged]))
        try await store.seed([ControlStoreTests.experiment()])
        let stored = try #require(try await store.rollout("demo"))
        var next = stored
        next.experiment.status = .stopped
        next.revision = 1
        let audit = AuditEntry(experiment: "demo", action: "rollback", actor: "maria", at: Self.t0, from: stored.summary, to: next.summary, verdict: "ROLLBACK: regression", reason: "bad", forced: false)
        try await store.save(next, audit: audit)
        let rows = try await store.deliveries(limit: 10)
        #expect(rows.count == 1 && rows[0].event.kind == .rolloutChanged && rows[0].event.actor == "maria" && rows[0].event.action == "rollback")
        // A refused save (stale revision) queues nothing.
        await #expect(throws: RampartError.self) { try await store.save(next, audit: audit) }
        #expect(try await store.deliveries(limit: 10).count == 1)
    }

    @Test(arguments: StoreBackend.allCases)
    func removingAnEndpointDropsItsPendingRows(_ backend: StoreBackend) async throws {
        let store = try await Self.storeWithOneEvent(backend)
        #expect(try await store.removeWebhook("wh_a"))
        #expect(try await store.removeWebhook("wh_a") == false)
        #expect(try await store.webhooks().isEmpty)
        #expect(try await store.deliveries(limit: 10).isEmpty)
        #expect(try await store.claimDeliveries(holder: "r", limit: 10, lease: 60, now: Self.t0).isEmpty)
    }
}
