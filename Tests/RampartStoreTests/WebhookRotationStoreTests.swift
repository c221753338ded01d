import Foundation
import Testing
import RampartCore
import RampartStore

/// Secret rotation and copying the notifications' state between stores, run against every backend.
@Suite("Webhook rotation and transfer")
struct WebhookRotationStoreTests {
    static let t0 = WebhookStoreTests.t0

    @Test(arguments: StoreBackend.allCases)
    func aRotationKeepsTheOldSecretForTheOverlapOnly(_ backend: StoreBackend) async throws {
        let store = try await WebhookStoreTests.store(backend)
        try await store.addWebhook(WebhookStoreTests.endpoint("wh_a"))
        let rotated = try #require(try await store.rotateWebhook("wh_a", secret: "whsec_new", overlap: 3_600, at: Self.t0, expected: nil))
        #expect(rotated.secret == "whsec_new" && rotated.previousSecret == "whsec_wh_a")
        #expect(rotated.previousSecretUntil == Self.t0.addingTimeInterval(3_600))
        #expect(rotated.secrets(at: Self.t0.addingTimeInterval(3_599)) == ["whsec_new", "whsec_wh_a"])
        #expect(rotated.secrets(at: Self.t0.addingTimeInterval(3_600)) == ["whsec_new"], "the old one ends with the overlap")
        // The outbox reads the endpoint with its rotation: what the sender signs with.
        try await store.enqueue([WebhookStoreTests.event()])
        let claimed = try #require(try await store.claimDeliveries(holder: "r", limit: 5, lease: 60, now: Self.t0.addingTimeInterval(10)).first)
        #expect(claimed.endpoint.secrets(at: Self.t0.addingTimeInterval(10)) == ["whsec_new", "whsec_wh_a"])
        #expect(try await store.webhooks().first?.previousSecret == "whsec_wh_a")
    }

    @Test(arguments: StoreBackend.allCases)
    func rotatingTwiceKeepsOnlyTheSecretJustReplaced(_ backend: StoreBackend) async throws {
        let store = try await WebhookStoreTests.store(backend)
        try await store.addWebhook(WebhookStoreTests.endpoint("wh_a"))
        _ = try await store.rotateWebhook("wh_a", secret: "whsec_second", overlap: 3_600, at: Self.t0, expected: nil)
        let twice = try #require(try await store.rotateWebhook("wh_a", secret: "whsec_third", overlap: 600, at: Self.t0.addingTimeInterval(60), expected: nil))
        #expect(twice.secrets(at: Self.t0.addingTimeInterval(61)) == ["whsec_third", "whsec_second"], "the first secret stops at once")
        #expect(twice.previousSecretUntil == Self.t0.addingTimeInterval(660))
        let ended = try #require(try await store.rotateWebhook("wh_a", secret: "whsec_fourth", overlap: 0, at: Self.t0.addingTimeInterval(120), expected: nil))
        #expect(ended.secrets(at: Self.t0.addingTimeInterval(120)) == ["whsec_fourth"] && ended.previousSecret == nil, "no overlap: only the new one")
    }

    @Test(arguments: StoreBackend.allCases)
    func rotatingAnUnknownEndpointChangesNothing(_ backend: StoreBackend) async throws {
        let store = try await WebhookStoreTests.store(backend)
        try await store.addWebhook(WebhookStoreTests.endpoint("wh_a"))
        #expect(try await store.rotateWebhook("wh_missing", secret: "whsec_x", overlap: 60, at: Self.t0, expected: nil) == nil)
        #expect(try await store.webhooks().map(\.secret) == ["whsec_wh_a"])
    }

    @Test(arguments: StoreBackend.allCases)
    func aRotationThatExpectsAReplacedSecretChangesNothing(_ backend: StoreBackend) async throws {
        let store = try await WebhookStoreTests.store(backend)
        try await store.addWebhook(WebhookStoreTests.endpoint("wh_a"))
        let first = try #require(try await store.rotateWebhook("wh_a", secret: "whsec_second", overlap: 60, at: Self.t0, expected: "whsec_wh_a"))
        #expect(first.secret == "whsec_second" && first.previousSecret == "whsec_wh_a")
        // The same form sent again names the secret it replaced, which is no longer the endpoint's.
        let again = try #require(try await store.rotateWebhook("wh_a", secret: "whsec_third", overlap: 60, at: Self.t0.addingTimeInterval(1), expected: "whsec_wh_a"))
        #expect(again == first, "unchanged, and answered as it stands")
        #expect(try await store.webhooks().map(\.secret) == ["whsec_second"])
        #expect(try await store.rotateWebhook("wh_missing", secret: "whsec_x", overlap: 60, at: Self.t0, expected: "whsec_wh_a") == nil)
    }

    @Test(arguments: StoreBackend.allCases)
    func addingAnIdThatExistsChangesNothing(_ backend: StoreBackend) async throws {
        let store = try await WebhookStoreTests.store(backend)
        #expect(try await store.addWebhook(WebhookStoreTests.endpoint("wh_a")))
        var resent = WebhookStoreTests.endpoint("wh_a", experiment: "other")
        resent.secret = "whsec_other"
        #expect(try await store.addWebhook(resent) == false)
        let stored = try await store.webhooks()
        #expect(stored.count == 1 && stored[0].secret == "whsec_wh_a" && stored[0].experiment == nil)
    }

    /// A source with two endpoints (one rotating), a pending and a delivered row, and a notified state.
    static func source(_ backend: StoreBackend) async throws -> any ControlStore & WebhookStore & WebhookTransfer {
        let store = try #require(try await backend.make() as? any ControlStore & WebhookStore & WebhookTransfer)
        try await store.addWebhook(WebhookStoreTests.endpoint("wh_a"))
        try await store.addWebhook(WebhookStoreTests.endpoint("wh_b", experiment: "demo", events: [.verdictChanged]))
        _ = try await store.rotateWebhook("wh_b", secret: "whsec_b2", overlap: 86_400, at: Self.t0, expected: nil)
        let state = VerdictWatch.State(verdict: "ROLLBACK", regressions: ["escalation/treatment"], srm: false)
        #expect(try await store.recordWatch("demo", expected: nil, new: state, events: [WebhookStoreTests.event()], at: Self.t0))
        let claimed = try await store.claimDeliveries(holder: "r", limit: 1, lease: 60, now: Self.t0)
        try await store.finishDelivery(claimed[0].id, holder: "r", outcome: .retry(status: 500, error: "HTTP 500", next: Self.t0.addingTimeInterval(20)), at: Self.t0)
        try await store.enqueue([WebhookStoreTests.event(.rolloutChanged)])
        let delivered = try await store.claimDeliveries(holder: "r", limit: 10, lease: 60, now: Self.t0).filter { $0.event.kind == .rolloutChanged }
        try await store.finishDelivery(delivered[0].id, holder: "r", outcome: .delivered(status: 200), at: Self.t0)
        return store
    }

    static let pairs: [(StoreBackend, StoreBackend)] = StoreBackend.allCases.flatMap { a in StoreBackend.allCases.filter { $0 != a }.map { (a, $0) } }

    @Test(arguments: pairs)
    func aCopyTakesEndpointsPendingRowsAndStatesOnce(_ from: StoreBackend, _ to: StoreBackend) async throws {
        let source = try await Self.source(from)
        let target = try #require(try await to.make() as? any ControlStore & WebhookStore & WebhookTransfer)
        let snapshot = try await source.exportWebhooks()
        #expect(snapshot.pending.count == 2 && snapshot.watches.count == 1 && snapshot.endpoints.count == 2, "the delivered row is history, not copied")
        let first = try await target.importWebhooks(snapshot)
        #expect((first.endpointsInserted, first.pendingInserted, first.watchesWritten) == (2, 2, 1))
        #expect(try await target.webhooks() == source.webhooks(), "secrets and rotations as in the source")
        let copied = try await target.exportWebhooks()
        let row = { (d: WebhookDelivery) in "\(d.endpoint.id) \(d.event.id) \(d.status) \(d.attempts) \(d.nextAttemptAt.timeIntervalSince1970) \(d.lastStatus ?? 0) \(d.lastError ?? "")" }
        #expect(copied.pending.map(row) == snapshot.pending.map(row), "the pending rows with their attempts, last answer and next attempt")
        #expect(copied.pending.map(\.event) == snapshot.pending.map(\.event) && copied.watches == snapshot.watches)
        #expect(try await target.watchState("demo") == source.watchState("demo"))
        let again = try await target.importWebhooks(snapshot)
        #expect((again.endpointsInserted, again.endpointsUpdated, again.endpointsUnchanged) == (0, 0, 2))
        #expect((again.pendingInserted, again.pendingPresent, again.watchesWritten, again.watchesUnchanged) == (0, 2, 0, 1))
        // The copy delivers what the source had not; a pending row retried there is due at its time.
        #expect(try await target.claimDeliveries(holder: "t", limit: 10, lease: 60, now: Self.t0.addingTimeInterval(5)).count == 1)
        #expect(try await target.claimDeliveries(holder: "t", limit: 10, lease: 60, now: Self.t0.addingTimeInterval(25)).count == 1)
        // A rotation in the source after the copy is brought over by the next copy.
        _ = try await source.rotateWebhook("wh_a", secret: "whsec_a2", overlap: 60, at: Self.t0, expected: nil)
        #expect(try await target.importWebhooks(try await source.exportWebhooks()).endpointsUpdated == 1)
        #expect(try await target.webhooks().first { $0.id == "wh_a" }?.secret == "whsec_a2")
    }

    @Test(arguments: StoreBackend.allCases)
    func aNewerNotifiedStateInTheTargetIsKept(_ backend: StoreBackend) async throws {
        let target = try #require(try await backend.make() as? any ControlStore & WebhookStore & WebhookTransfer)
        let newer = VerdictWatch.State(verdict: "HOLD", regressions: [], srm: false)
        #expect(try await target.recordWatch("demo", expected: nil, new: newer, events: [], at: Self.t0.addingTimeInterval(100)))
        let old = WebhookSnapshot.Watch(experiment: "demo", state: VerdictWatch.State(verdict: "ROLLBACK", regressions: [], srm: true), updatedAt: Self.t0)
        let result = try await target.importWebhooks(WebhookSnapshot(endpoints: [], pending: [], watches: [old]))
        #expect(result.watchesUnchanged == 1 && result.watchesWritten == 0)
        #expect(try await target.watchState("demo") == newer)
    }
}
