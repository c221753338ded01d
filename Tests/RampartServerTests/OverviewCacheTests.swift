import Foundation
import RampartCore
import RampartStore
import Testing
@testable import RampartServer

/// The overview's cache serves an analysis whose revision is current whatever its age (the background refresher
/// renews it), and analyses again in the request only when the rollout changed.
@Suite("Console: overview cache")
struct OverviewCacheTests {
    @Test func anOldEntryOfTheCurrentRevisionIsServedAndAChangedRolloutIsAnalysedAgain() async throws {
        let store = try await TestServer.store()
        var state = try #require(try await store.rollouts().first)
        let cache = OverviewCache(maxAge: 30)
        let t0 = Date(timeIntervalSince1970: 1_780_000_000)
        let first = try await cache.entry(for: state, store: store, now: t0)
        #expect(first.computedAt == t0)

        // An hour later, far beyond the maximum age: the page still reads the cached analysis.
        let later = try await cache.entry(for: state, store: store, now: t0.addingTimeInterval(3600))
        #expect(later.computedAt == t0)

        // The background refresher renews it.
        let refreshed = try await cache.entry(for: state, store: store, now: t0.addingTimeInterval(3601), refresh: true)
        #expect(refreshed.computedAt == t0.addingTimeInterval(3601))

        // A change to the rollout (a new revision) is analysed in the request.
        state.revision += 1
        try await store.save(state, audit: nil)
        let changed = try await cache.entry(for: state, store: store, now: t0.addingTimeInterval(3602))
        #expect(changed.computedAt == t0.addingTimeInterval(3602) && changed.revision == state.revision)
    }
}
