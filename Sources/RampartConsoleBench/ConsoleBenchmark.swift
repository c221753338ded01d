import Foundation
import RampartCore
import RampartServer
import RampartSimulation
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

    /// Renders the overview cold (every analysis computed in the request, as the first `GET /` after a start)
    /// once, then `rounds` times warm, 200 ms apart, with the service's settings and its background
    /// refresher re-analysing every experiment all along (as `rampart serve` does when a refresh takes longer than
    /// its interval), so the renders share the cores with it.
    ///
    /// - Parameter store: The store the overview reads.
    /// - Returns: Each render's time and the size of the page.
    public func run(on store: SQLiteEventStore) async throws -> ConsoleBenchmarkResult {
        let clock = ContinuousClock()
        func milliseconds(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
        var cold: [Double] = []
        for _ in 0..<1 {
            let probe = try await ConsoleOverviewProbe(store: store, sessions: store)
            let start = clock.now
            _ = try await probe.render()
            cold.append(milliseconds(clock.now - start))
        }
        // The service's own settings, with its background refresher running all along, as in `rampart serve`.
        let probe = try await ConsoleOverviewProbe(store: store, sessions: store)
        await probe.refresh()
        let warm = try await probe.render()
        guard warm.contains("bench-000-") else { throw RampartError(.invalidInput, "the overview does not list the benchmark's experiments") }
        let refresher = Task {
            while !Task.isCancelled { await probe.refresh() }
        }
        defer { refresher.cancel() }
        var times: [Double] = []
        for _ in 0..<rounds {
            let start = clock.now
            let html = try await probe.render()
            times.append(milliseconds(clock.now - start))
            guard html.contains("bench-\(String(format: "%03d", experiments - 1))-") else { throw RampartError(.invalidInput, "an experiment is missing from the overview") }
            try await Task.sleep(for: .milliseconds(200))
        }
        return ConsoleBenchmarkResult(experiments: experiments, milliseconds: times, coldMilliseconds: cold, pageBytes: warm.utf8.count)
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

    /// The `q` quantile of the render times (nearest rank).
    public func quantile(_ q: Double) -> Double {
        let sorted = milliseconds.sorted()
        guard !sorted.isEmpty else { return .nan }
        let rank = Int((q * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    public var line: String {
        String(format: "overview of %d experiments: p50 %.1f ms, p95 %.1f ms, max %.1f ms over %d renders (%d KiB of HTML); cold (every analysis in the request): %@ ms",
               experiments, quantile(0.5), quantile(0.95), milliseconds.max() ?? .nan, milliseconds.count, pageBytes / 1024,
               coldMilliseconds.map { String(format: "%.0f", $0) }.joined(separator: ", "))
    }
}
