import Foundation
import RampartCore
import RampartServer
import RampartSimulation
import RampartStats
import RampartStore

/// `rampart bench console`: the console's overview with many experiments, rendered server-side (store reads, one
/// analysis per experiment, the template) as `GET /` does, timed over rounds; the target is p95 < 300 ms with 200.
public struct ConsoleBenchmark: Sendable {
    /// How many experiments the overview lists.
    public var experiments: Int
    /// Units simulated per experiment (about 9.5 events each).
    public var unitsPerExperiment: Int
    /// Timed renders after one warm-up.
    public var rounds: Int

    public init(experiments: Int = 200, unitsPerExperiment: Int = 200, rounds: Int = 30) {
        self.experiments = experiments
        self.unitsPerExperiment = unitsPerExperiment
        self.rounds = rounds
    }

    /// Builds a store at `path` (replacing it) with `experiments` copies of the templates, alternating, each with its
    /// own key, salt and simulated events.
    ///
    /// - Parameters:
    ///   - path: The SQLite file.
    ///   - templates: The experiment definitions copied (the bundled ones).
    /// - Returns: The store and how many events it holds.
    public func buildStore(at path: String, templates: [Experiment]) async throws -> (store: SQLiteEventStore, events: Int) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        let store = try SQLiteEventStore(path: path, configuration: .init(synchronous: .normal, cacheSizeMiB: 128))
        var definitions: [Experiment] = []
        var events = 0
        for i in 0..<experiments {
            var e = templates[i % templates.count]
            e.key = String(format: "bench-%03d-", i) + e.key
            e.name = "\(e.name) #\(i)"
            e.salt = e.key
            definitions.append(e)
            var settings = SimulationSettings()
            settings.units = unitsPerExperiment
            settings.days = 14
            settings.seed = UInt64(i + 1)
            let generated = Simulator(experiment: e, settings: settings).generate().events
            events += try await store.ingest(generated).stored
        }
        try await store.seed(definitions)
        return (store, events)
    }

    /// Renders the overview once cold (a fresh service: at most the request budget analysed in the request, the
    /// rest shown as pending), runs one refresher pass that analyses every experiment (back to back, timed), then
    /// renders `rounds` times, 200 ms apart, while the service's background refresher runs as `rampart serve` runs it
    /// (``ConsoleConfiguration``: a pass every refresh interval or when a page asks, paced to its busy share, new
    /// events re-analysing an experiment at most once per minimum interval).
    ///
    /// With `trickle`, a few new events are stored for one experiment every second; since every analysis reads the
    /// exposures, every experiment's data then moves all the time (the busy case), and the timed renders start once
    /// the first analyses are a minimum interval old, so that they run while the refresher re-analyses. Without, the
    /// store is quiet and the refresher re-analyses only what ages beyond the maximum age.
    ///
    /// - Parameters:
    ///   - store: The store the overview reads.
    ///   - trickle: Store new events all along.
    ///   - configuration: The console's settings (refresher pacing, minimum interval, maximum age).
    /// - Returns: Each render's time, the size of the page, and what the refresher did.
    public func run(on store: SQLiteEventStore, trickle: Bool = true, configuration: ConsoleConfiguration = ConsoleConfiguration()) async throws -> ConsoleBenchmarkResult {
        let clock = ContinuousClock()
        func milliseconds(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
        let probe = try await ConsoleOverviewProbe(store: store, sessions: store, configuration: configuration)
        var start = clock.now
        let first = try await probe.render()
        let cold = milliseconds(clock.now - start)
        let pendingAtStart = first.components(separatedBy: "verdict-pending").count - 1
        // A first pass analysing everything, back to back (the service paces it, so there it takes longer).
        start = clock.now
        let firstPassStarted = clock.now
        let analysedAtStart = await probe.refresh(paced: false)
        let firstPass = milliseconds(clock.now - start)
        let warm = try await probe.render()
        guard warm.contains("bench-000-"), !warm.contains("verdict-pending") else {
            throw RampartError(.invalidInput, "the overview does not list the benchmark's experiments, all analysed")
        }
        let definitions = try await store.rollouts().map(\.experiment)
        let refresher = Task { await probe.runRefresher() }
        let ingest = Task {
            var round: UInt64 = 0
            while trickle && !Task.isCancelled {
                round += 1
                var settings = SimulationSettings()
                settings.units = 2
                settings.days = 1
                settings.seed = 1_000_000 + round
                let e = definitions[Int(round) % definitions.count]
                _ = try? await store.ingest(Simulator(experiment: e, settings: settings).generate().events)
                try? await Task.sleep(for: .seconds(1))
            }
        }
        defer { refresher.cancel(); ingest.cancel() }
        // With new events, wait until the first analyses are due again, so the renders meet a working refresher.
        if trickle {
            let due = firstPassStarted + .milliseconds(Int64(configuration.overviewMinInterval * 1000)) + .seconds(1)
            if clock.now < due { try await Task.sleep(until: due, clock: clock) }
        }
        let before = probe.refresherActivity()
        let boundariesBefore = AlphaSpendingPlan.boundaryCacheStatistics
        var times: [Double] = []
        let timedFrom = Date()
        let windowStart = clock.now
        for _ in 0..<rounds {
            start = clock.now
            let html = try await probe.render()
            times.append(milliseconds(clock.now - start))
            guard html.contains("bench-\(String(format: "%03d", experiments - 1))-") else { throw RampartError(.invalidInput, "an experiment is missing from the overview") }
            try await Task.sleep(for: .milliseconds(200))
        }
        let window = milliseconds(clock.now - windowStart) / 1000
        let after = probe.refresherActivity()
        let boundariesAfter = AlphaSpendingPlan.boundaryCacheStatistics
        return ConsoleBenchmarkResult(
            experiments: experiments, milliseconds: times, coldMilliseconds: [cold], pageBytes: warm.utf8.count,
            pendingAtStart: pendingAtStart, firstPassMilliseconds: firstPass, analysedAtStart: analysedAtStart,
            analysedWhileTimed: probe.analysedCount(since: timedFrom), trickle: trickle,
            timedSeconds: window, refresherAnalyses: after.analyses - before.analyses,
            refresherBusySeconds: after.busySeconds - before.busySeconds, refresherPausedSeconds: after.pausedSeconds - before.pausedSeconds,
            longestAnalysisSeconds: after.longestSeconds,
            boundaryHits: boundariesAfter.hits - boundariesBefore.hits, boundaryMisses: boundariesAfter.misses - boundariesBefore.misses,
            minInterval: configuration.overviewMinInterval, busyShare: configuration.overviewRefresherShare
        )
    }
}

/// Render times of the overview.
public struct ConsoleBenchmarkResult: Sendable {
    public var experiments: Int
    /// Warm renders (analyses cached).
    public var milliseconds: [Double]
    /// Cold renders (every experiment analysed in the request).
    public var coldMilliseconds: [Double]
    public var pageBytes: Int
    /// Experiments shown as pending on the first render.
    public var pendingAtStart = 0
    /// The refresher's first pass (every experiment analysed, verdict only).
    public var firstPassMilliseconds = 0.0
    public var analysedAtStart = 0
    /// Experiments the refresher analysed during the timed renders (each counted once, passes under way included).
    public var analysedWhileTimed = 0
    /// Whether new events were stored during the timed renders.
    public var trickle = false
    /// The length of the timed window, in seconds.
    public var timedSeconds = 0.0
    /// The refresher's analyses finished during the timed window, the time spent in them and in its pauses.
    public var refresherAnalyses = 0
    public var refresherBusySeconds = 0.0
    public var refresherPausedSeconds = 0.0
    /// The refresher's longest analysis so far (the first pass included), in seconds.
    public var longestAnalysisSeconds = 0.0
    /// α-spending boundary sets found in and missing from the process-wide cache during the timed window.
    public var boundaryHits = 0
    public var boundaryMisses = 0
    /// The settings: the minimum re-analysis interval under new events and the refresher's busy share.
    public var minInterval = 0.0
    public var busyShare = 1.0

    /// The `q` quantile of the render times (nearest rank).
    public func quantile(_ q: Double) -> Double {
        let sorted = milliseconds.sorted()
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    public var line: String {
        String(format: "overview of %d experiments: p50 %.1f ms, p95 %.1f ms, max %.1f ms over %d renders (%d KiB of HTML), %@; first render after a start %.0f ms with %d pending; refresher: first pass %d analyses in %.1f s (back to back), then while timed (%.1f s): %d analyses (%d experiments), busy %.1f s (%.0f %%), paused %.1f s, longest analysis %.2f s; settings: busy share %.2f, new events re-analysed at most every %.0f s; alpha-spending boundaries while timed: %d cached, %d computed",
               experiments, quantile(0.5), quantile(0.95), milliseconds.max() ?? .nan, milliseconds.count, pageBytes / 1024,
               trickle ? "new events stored every second" : "no new events",
               coldMilliseconds.first ?? .nan, pendingAtStart,
               analysedAtStart, firstPassMilliseconds / 1000, timedSeconds, refresherAnalyses, analysedWhileTimed,
               refresherBusySeconds, timedSeconds > 0 ? 100 * refresherBusySeconds / timedSeconds : 0, refresherPausedSeconds,
               longestAnalysisSeconds, busyShare, minInterval, boundaryHits, boundaryMisses)
    }
}
