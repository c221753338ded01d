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
        // No minimum interval: new events are due for the refresher at once (minimumIntervalBoundsReanalyses below).
        let probe = try await ConsoleOverviewProbe(store: store, sessions: store, configuration: ConsoleConfiguration(overviewMinInterval: 0), requestBudget: 1)
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

    @Test func minimumIntervalBoundsReanalysesUnderNewEvents() async throws {
        let store = try await TestServer.store()
        let states = try await store.rollouts()
        let cache = OverviewCache(maxAge: 300, minInterval: 60)
        let refresher = OverviewRefresher(cache: cache, store: store, interval: .seconds(1), logger: .init(label: "test"))
        let clock = Clock()
        func pass(at seconds: Double) async -> Int {
            clock.now = Self.t0.addingTimeInterval(seconds)
            return await refresher.refresh { clock.now }
        }
        func exposure(_ e: Experiment) async throws {
            _ = try await store.ingest([Event.exposure(id: UUID(), unit: UUID().uuidString, timestamp: Self.t0, experiment: e.key, variant: e.control, phase: e.phase)])
        }
        #expect(await pass(at: 0) == 2)
        // New events every few seconds: nothing is analysed again until the analyses are a minimum interval old.
        for second in stride(from: 5.0, to: 60, by: 5) {
            try await exposure(states[0].experiment)
            #expect(await pass(at: second) == 0, "at \(second) s")
        }
        #expect(await pass(at: 60) == 2, "due at 60 s: both read the exposures")
        #expect(await pass(at: 61) == 0, "their markers are current now")
        try await exposure(states[1].experiment)
        #expect(await pass(at: 100) == 0)
        // A new revision is analysed at once, whatever the interval: its row would otherwise show as pending.
        var changed = states[0]
        changed.revision += 1
        try await store.save(changed, audit: nil)
        #expect(await pass(at: 101) == 1)
        #expect(cache.cached(changed.experiment.key)?.computedAt == Self.t0.addingTimeInterval(101))
        // The other one, whose events moved at 61 s, is due at 120 s; the first (analysed at 101 s) is not.
        try await exposure(states[1].experiment)
        #expect(await pass(at: 120) == 1)
        #expect(cache.cached(states[1].experiment.key)?.computedAt == Self.t0.addingTimeInterval(120))
        // The maximum age still renews an unchanged experiment.
        #expect(await pass(at: 120 + 300) == 2)
    }

    @Test func theRefresherPausesForItsBusyShareAndTakesTheOldestFirst() async throws {
        let store = try await TestServer.store()
        let cache = OverviewCache(maxAge: 300)
        let paced = OverviewRefresher(cache: cache, store: store, interval: .seconds(1), logger: .init(label: "test"), busyShare: 0.5)
        #expect(paced.pause(after: .milliseconds(200)) == .milliseconds(200))
        let quarter = OverviewRefresher(cache: cache, store: store, interval: .seconds(1), logger: .init(label: "test"), busyShare: 0.25)
        #expect(quarter.pause(after: .milliseconds(200)) == .milliseconds(600))
        let unpaced = OverviewRefresher(cache: cache, store: store, interval: .seconds(1), logger: .init(label: "test"))
        #expect(unpaced.pause(after: .seconds(1)) == .zero, "a share of 1 (the default) never pauses")

        let clock = ContinuousClock(), started = clock.now
        #expect(await paced.refresh() == 2)
        let elapsed = (clock.now - started).seconds
        let activity = cache.refresherActivity
        #expect(activity.analyses == 2)
        #expect(abs(activity.pausedSeconds - activity.busySeconds) < 1e-6, "half the time analysing, half paused")
        #expect(elapsed >= activity.busySeconds + activity.pausedSeconds - 0.01)
        #expect(activity.longestSeconds > 0 && activity.longestSeconds <= activity.busySeconds)

        // The oldest analysis is renewed first (the other experiment was analysed later).
        let states = try await store.rollouts()
        let older = try #require(states.min { cache.cached($0.experiment.key)!.computedAt < cache.cached($1.experiment.key)!.computedAt })
        _ = try await store.ingest([Event.exposure(id: UUID(), unit: "late", timestamp: Date(), experiment: older.experiment.key, variant: older.experiment.control, phase: older.experiment.phase)])
        #expect(await unpaced.refresh() == 2)
        let renewed = states.map { cache.cached($0.experiment.key)!.computedAt }
        #expect(cache.cached(older.experiment.key)!.computedAt == renewed.min(), "renewed first")
    }
}
