import Foundation
import Testing
import RampartCore
import RampartStore

/// Console sessions and ingest health, run against every backend.
@Suite("Console stores")
struct ConsoleStoreTests {
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    @Test(arguments: StoreBackend.allCases)
    func sessionsAreFoundByHashUntilTheyExpireOrEnd(_ backend: StoreBackend) async throws {
        let store = try #require(try await backend.make() as? any SessionStore)
        let hash = [UInt8](repeating: 7, count: 32)
        let session = ConsoleSession(tokenHash: hash, keyName: "maria", scope: .viewer, keyPrefix: "rk_viewer_abc123", createdAt: Self.t0, expiresAt: Self.t0.addingTimeInterval(3600))
        try await store.insertSession(session)
        #expect(try await store.session(tokenHash: hash, now: Self.t0.addingTimeInterval(60)) == session)
        #expect(try await store.session(tokenHash: [UInt8](repeating: 8, count: 32), now: Self.t0) == nil)
        #expect(try await store.session(tokenHash: hash, now: Self.t0.addingTimeInterval(3600)) == nil, "expired at expiresAt")
        let other = ConsoleSession(tokenHash: [UInt8](repeating: 9, count: 32), keyName: "li", scope: .admin, keyPrefix: "rk_admin_abc123", createdAt: Self.t0, expiresAt: Self.t0.addingTimeInterval(10))
        try await store.insertSession(other)
        #expect(try await store.deleteExpiredSessions(now: Self.t0.addingTimeInterval(20)) == 1)
        #expect(try await store.session(tokenHash: hash, now: Self.t0.addingTimeInterval(60)) != nil)
        try await store.deleteSession(tokenHash: hash)
        try await store.deleteSession(tokenHash: hash)
        #expect(try await store.session(tokenHash: hash, now: Self.t0.addingTimeInterval(60)) == nil)
    }

    @Test(arguments: StoreBackend.allCases)
    func ingestHealthCountsEventsByNameAndBucketAndTheLatestEvent(_ backend: StoreBackend) async throws {
        let base = try await backend.make()
        let store = try #require(base as? any IngestHealthStore)
        let start = 0.0
        _ = try await base.ingest([
            exposure("u1", start, "control"), exposure("u2", start + 30, "treatment"), exposure("u1", start + 90, "control"),
            event("support_ticket_resolved", "u1", start + 61), event("support_ticket_resolved", "u2", start + 3 * 86_400),
        ])
        let perMinute = try await store.eventCounts(since: at(start), until: at(start + 120), bucketSeconds: 60)
        let resolved = perMinute.filter { $0.name == "support_ticket_resolved" }
        #expect(resolved.count == 1 && resolved[0].count == 1 && resolved[0].start == Date(timeIntervalSince1970: ((at(start + 61).timeIntervalSince1970) / 60).rounded(.down) * 60))
        #expect(perMinute.filter { $0.name == EventName.exposure }.map(\.count).reduce(0, +) == 3)
        let perDay = try await store.eventCounts(since: at(start - 86_400), until: at(start + 5 * 86_400), bucketSeconds: 86_400)
        #expect(perDay.filter { $0.name == "support_ticket_resolved" }.map(\.count) == [1, 1])
        let latest = try await store.latestEvents()
        #expect(latest.first { $0.name == "support_ticket_resolved" } == LatestEvent(name: "support_ticket_resolved", at: at(start + 3 * 86_400), total: 2))
        let exposures = try await store.exposureCounts()
        #expect(exposures == [ExposureCount(experiment: "exp", phase: 0, units: 2, exposures: 3, latest: at(start + 90))])
    }

    @Test(arguments: StoreBackend.allCases)
    func theRejectionLogKeepsTheLatestAndCountsByField(_ backend: StoreBackend) async throws {
        let store = try #require(try await backend.make() as? any IngestHealthStore)
        let many = (0..<1_005).map { RecordedRejection(at: Self.t0.addingTimeInterval(Double($0)), index: $0, field: $0 % 2 == 0 ? "unit" : "timestamp", reason: "bad \($0)", source: "test") }
        try await store.recordRejections(Array(many.prefix(600)))
        try await store.recordRejections(Array(many.suffix(405)))
        let recent = try await store.recentRejections(limit: 3)
        #expect(recent.map(\.index) == [1_004, 1_003, 1_002])
        let counts = try await store.rejectionCounts(since: .distantPast)
        #expect(counts.map(\.count).reduce(0, +) == 1_000, "bounded to the latest 1,000")
        #expect(counts.first { $0.field == "unit" }?.latest == Self.t0.addingTimeInterval(1_004))
    }
}

/// The sign-in throttle's failures, shared through the store by every replica, run against every backend.
@Suite("Sign-in failures")
struct SignInFailureStoreTests {
    @Test(arguments: StoreBackend.allCases)
    func failuresAreCountedPerAddressInTheWindowAndForgottenAfterIt(_ backend: StoreBackend) async throws {
        let store = try #require(try await backend.make() as? any SessionStore)
        let a = [UInt8](repeating: 1, count: 32), b = [UInt8](repeating: 2, count: 32)
        let t0 = ConsoleStoreTests.t0
        for i in 0..<3 { try await store.recordSignInFailure(addressHash: a, at: t0.addingTimeInterval(Double(i)), forgetBefore: t0.addingTimeInterval(-60)) }
        try await store.recordSignInFailure(addressHash: b, at: t0.addingTimeInterval(1.5), forgetBefore: t0.addingTimeInterval(-60))
        #expect(try await store.signInFailures(addressHash: a, since: t0) == [t0, t0.addingTimeInterval(1), t0.addingTimeInterval(2)])
        #expect(try await store.signInFailures(addressHash: a, since: t0.addingTimeInterval(1)).count == 2, "only the window")
        #expect(try await store.signInFailures(addressHash: b, since: t0) == [t0.addingTimeInterval(1.5)])
        // A later failure forgets every failure before its window, of every address.
        try await store.recordSignInFailure(addressHash: b, at: t0.addingTimeInterval(100), forgetBefore: t0.addingTimeInterval(40))
        #expect(try await store.signInFailures(addressHash: a, since: .distantPast).isEmpty)
        #expect(try await store.signInFailures(addressHash: b, since: .distantPast) == [t0.addingTimeInterval(100)])
    }
}
