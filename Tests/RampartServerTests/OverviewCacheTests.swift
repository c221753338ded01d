import Foundation
import RampartAnalysis
import RampartCore
import RampartStore
import Testing
@testable import RampartServer

/// The overview's cache: the background refresher re-analyses only experiments whose data (the stored-event counts
/// of the names their analysis reads), definition (the revision) or age changed; a page analyses at most its budget
/// and shows the rest as pending; the verdict shown is the report's.
@Suite("Console: overview cache")
struct OverviewCacheTests {
    static let t0 = Date(timeIntervalSince1970: 1_780_000_000)

    /// A refresher whose passes run at a given moment.
    final class Clock: @unchecked Sendable {
        var now = OverviewCacheTests.t0
    }

    @Test func theRefresherReanalysesOnlyWhatChanged() async throws {
        let store = try await TestServer.store()
        let states = try await store.rollouts()
        #expect(states.count == 2)
        let cache = OverviewCache(maxAge: 300)
        let refresher = OverviewRefresher(cache: cache, store: store, interval: .seconds(1), logger: .init(label: "test"))
        let clock = Clock()
        func pass(at seconds: Double) async -> Int {
            clock.now = Self.t0.addingTimeInterval(seconds)
            return await refresher.refresh { clock.now }
        }
        #expect(await pass(at: 0) == 2, "first pass: everything")
        #expect(await pass(at: 10) == 0, "nothing changed")

        // An event no analysis reads changes nothing.
        _ = try await store.ingest([Event(id: UUID(), name: "nobody_reads_this", unit: "u1", timestamp: Self.t0)])
        #expect(await pass(at: 20) == 0)

        // An event of a name only one experiment's verdict reads re-analyses that one.
        let (a, b) = (states[0].experiment, states[1].experiment)
        let namesA = ExperimentAnalyzer.eventNames(for: a, depth: .verdict), namesB = ExperimentAnalyzer.eventNames(for: b, depth: .verdict)
        let onlyA = try #require(namesA.subtracting(namesB).sorted().first, "\(namesA) vs \(namesB)")
        _ = try await store.ingest([Event(id: UUID(), name: onlyA, unit: "u1", timestamp: Self.t0)])
        #expect(await pass(at: 30) == 1)
        #expect(cache.cached(a.key)?.computedAt == Self.t0.addingTimeInterval(30))
        #expect(cache.cached(b.key)?.computedAt == Self.t0)

        // An exposure: every analysis reads exposures.
        _ = try await store.ingest([Event.exposure(id: UUID(), unit: "u2", timestamp: Self.t0, experiment: b.key, variant: b.control, phase: b.phase)])
        #expect(await pass(at: 40) == 2)

        // A new revision (a ramp action, a new definition) of one.
        var changed = states[1]
        changed.revision += 1
        try await store.save(changed, audit: nil)
        #expect(await pass(at: 50) == 1)
        #expect(cache.cached(b.key)?.revision == changed.revision)

        // Beyond the maximum age, unchanged experiments are analysed again (stage durations move with the clock).
        #expect(await pass(at: 60 + 300) == 2)
    }

    @Test func theFirstPageAnalysesAtMostItsBudgetAndShowsTheVerdictOfTheReport() async throws {
        let store = try await TestServer.store()
        let states = try await store.rollouts()
        for state in states {
            let e = state.experiment
            _ = try await store.ingest((0..<40).map { i in
                Event.exposure(id: UUID(), unit: "u\(i)", timestamp: Date().addingTimeInterval(-3600), experiment: e.key, variant: e.variants[i % e.variants.count].key, phase: e.phase)
            })
        }
        let probe = try await ConsoleOverviewProbe(store: store, sessions: store, requestBudget: 1)
        let first = try await probe.render()
        #expect(first.components(separatedBy: "verdict-pending").count - 1 == 1, "one analysed in the request, one pending")
        #expect(first.contains("1 still analysing"))
        #expect(probe.controller.overviewCache.takeNudge(), "a pending row asks the refresher for a pass")
        #expect(await probe.refresh() == 1, "the refresher fills in the pending one only")
        let filled = try await probe.render()
        #expect(!filled.contains("verdict-pending") && !filled.contains("still analysing"))
        for state in states {
            let report = try await ExperimentAnalyzer(store: store).analyze(state)
            #expect(filled.contains("data-key=\"\(state.experiment.key)\" data-verdict=\"\(report.verdict.action.rawValue)\""), "\(state.experiment.key): \(report.verdict.action)")
        }
        #expect(!probe.controller.overviewCache.takeNudge(), "nothing to ask for")

        // New events: the page shows the analyses it has, marked as updating, and nudges the refresher.
        let e = states[0].experiment
        _ = try await store.ingest([Event.exposure(id: UUID(), unit: "late", timestamp: Date().addingTimeInterval(-60), experiment: e.key, variant: e.control, phase: e.phase)])
        let stale = try await probe.render()
        #expect(stale.contains("2 with new events, updating") && stale.contains("updating…"))
        #expect(probe.controller.overviewCache.takeNudge())
        #expect(await probe.refresh() == 2)
        #expect(!(try await probe.render()).contains("updating"))
    }
}
