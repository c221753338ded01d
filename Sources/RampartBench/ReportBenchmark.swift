import Foundation
import RampartAnalysis
import RampartCore
import RampartSimulation
import RampartStore

/// `rampart bench report`'s workload: a full report (`ExperimentAnalyzer.analyze`) end to end over a large
/// simulated store, built once (about 9.5 events per unit) and reused with ``reuse``.
public struct ReportBenchmark {
    /// The experiment whose events are simulated.
    public var definition: Experiment
    /// The database to build or reuse.
    public var db: String
    /// Reuse the database at ``db`` if it exists instead of rebuilding it.
    public var reuse = false
    /// Units simulated.
    public var units = 1_000_000
    /// Days over which units arrive.
    public var days: Double = 28
    /// Timed rounds after one warm-up.
    public var rounds = 5
    /// Event names an analysis reads at once (default: the store's).
    public var concurrency: Int?
    /// Also time the unit table and each event name's pass on their own.
    public var breakdown = false
    /// Keep analyses as of an earlier day in memory (``SQLiteEventStore/Configuration/pastAnalyses``), as
    /// `rampart serve` does, so that after the first report the look of an α-spending design is answered from
    /// memory; off by default, so that every report reads everything.
    public var keepPastAnalyses = false

    /// A benchmark of `definition` on the database at `db`; set the other settings as needed.
    public init(definition: Experiment, db: String) {
        self.definition = definition
        self.db = db
    }

    /// The SQLite database built first when ``db`` is a PostgreSQL URL; it is then copied there with
    /// ``StoreMigration`` (what `rampart migrate-store` does), so both backends time the same events.
    public var buildDB = "rampart-bench-report.sqlite"

    /// Builds the database (unless reused), then times full reports and prints the medians, CPU time and memory.
    public func run() async throws {
        var settings = SimulationSettings()
        settings.units = units
        settings.days = days
        let onPostgres = PostgresLocation.isURL(db)
        let sqlitePath = onPostgres ? buildDB : db
        var configuration = SQLiteEventStore.Configuration(synchronous: .normal, cacheSizeMiB: 256)
        if let concurrency { configuration.analysisConcurrency = concurrency }
        let pastAnalyses = keepPastAnalyses ? SQLiteEventStore.Configuration().pastAnalyses : 0
        configuration.pastAnalyses = pastAnalyses
        let store: any ValueDistributionStore
        if onPostgres {
            let postgres = try await PostgresEventStore(url: db, analysisConnections: concurrency, pastAnalyses: pastAnalyses)
            let stored = try await postgres.eventCount()
            if stored == 0 || !reuse {
                guard stored == 0 else {
                    throw BenchFailure("\(postgres.location) already has \(stored) events: pass --reuse to time them, or give an empty database")
                }
                if !reuse || !FileManager.default.fileExists(atPath: sqlitePath) {
                    for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: sqlitePath + suffix) }
                    try await Self.build(sqlitePath, definition: definition, settings: settings)
                }
                let source = try SQLiteEventStore(path: sqlitePath, configuration: configuration)
                let start = ContinuousClock.now
                let copied = try await StoreMigration(from: source, to: postgres, pageSize: 20_000).run()
                let seconds = (ContinuousClock.now - start).seconds
                print(String(format: "copied %d events into %@ in %.0f s (%.0f events/s)", copied.events.stored, postgres.location.description, seconds, Double(copied.events.stored) / seconds))
            }
            store = postgres
        } else {
            if !reuse || !FileManager.default.fileExists(atPath: db) {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
                try await Self.build(db, definition: definition, settings: settings)
            }
            store = try SQLiteEventStore(path: db, configuration: configuration)
        }
        let events = try await store.eventCount()
        let attribution = try await store.attribution(ExperimentScope(definition))
        let exposed = attribution.enrolled.values.reduce(0, +) + attribution.multiVariantUnits
        let now = Date(timeIntervalSince1970: Double(settings.startMilliseconds) / 1000 + (days + 1) * 86_400)
        let state = RolloutState(experiment: definition, stageStartedAt: Date(timeIntervalSince1970: Double(settings.startMilliseconds) / 1000))
        let analyzer = ExperimentAnalyzer(store: store)
        print("rampart bench report: \(definition.key) on \(onPostgres ? "PostgreSQL" : "SQLite"), \(exposed) exposed units, \(events) events, as of \(now), concurrency \((store as? PostgresEventStore)?.analysisConnections ?? configuration.analysisConcurrency), \(rounds) rounds, \(keepPastAnalyses ? "past analyses kept" : "every analysis read")")

        let clock = ContinuousClock()
        var samples: [Double] = []
        var cpu: [Double] = []
        var report: ExperimentReport?
        for round in 0...rounds {
            let cpuBefore = ResourceUsage.cpuSeconds()
            // Each round a second later, as reports come: the analysis as of now is never the one before; the
            // look, as of the last day end, is the same.
            let at = now.addingTimeInterval(Double(round))
            let elapsed = try await clock.measure { report = try await analyzer.analyze(state, now: at) }
            let seconds = ResourceUsage.seconds(elapsed)
            if round == 0 {
                print(String(format: "first run (cold page cache)        %.3f s", seconds))
            } else {
                samples.append(seconds)
                cpu.append(ResourceUsage.cpuSeconds() - cpuBefore)
            }
        }
        if !samples.isEmpty {
            let result = BenchTimer.Result(name: "full report (ExperimentAnalyzer)", operations: 1, nanosecondsPerOperation: samples.map { $0 * 1e9 })
            print(String(format: "full report: median %.3f s (min %.3f, max %.3f) over %d rounds", result.median / 1e9, result.minimum / 1e9, result.maximum / 1e9, samples.count))
            print(String(format: "  CPU time per report (user + system, all threads): median %.3f s", BenchTimer.Result.median(cpu)))
        }
        if let report {
            let timelinePoints = Set(report.timeline.map(\.at)).count
            print("  \(report.metrics.count) metrics, \(timelinePoints) timeline points, verdict \(report.verdict.action.rawValue), enrolled \(report.units.enrolled.sorted { $0.key < $1.key })")
        }
        print(String(format: "  peak resident memory %.0f MiB", ResourceUsage.peakResidentMiB()))
        if breakdown { try await Self.breakdown(store, definition: definition, now: now, rounds: rounds) }
    }

    /// Times the unit table alone, then each event name's metrics alone (unit table included), and the timeline.
    public static func breakdown(_ store: any ValueDistributionStore, definition: Experiment, now: Date, rounds: Int) async throws {
        let request = ExperimentAnalyzer.request(for: definition)
        func time(_ name: String, _ request: AnalysisRequest) async throws {
            var samples: [Double] = []
            for round in 0..<max(1, rounds) {
                // A moment of its own each round, so that no kept analysis answers it.
                let scope = ExperimentScope(definition, asOf: now.addingTimeInterval(Double(round) / 1000))
                samples.append(ResourceUsage.seconds(try await ContinuousClock().measure { _ = try await store.analysis(request, in: scope) }))
            }
            print(String(format: "  %-44@ median %.3f s", name as NSString, BenchTimer.Result.median(samples)))
        }
        print("breakdown (each alone, on the store's analysis connections; every line includes the unit table):")
        try await time("unit table (exposure_units → arrays)", AnalysisRequest(metrics: []))
        for name in Set(request.metrics.map(\.query.event)).sorted() {
            let metrics = request.metrics.filter { $0.query.event == name }
            try await time("\(name) (\(metrics.count) metrics)", AnalysisRequest(metrics: metrics))
        }
        if let timeline = request.timeline {
            let metric = request.metrics[timeline.metric]
            try await time("timeline of \(metric.query.event)", AnalysisRequest(metrics: [metric], timeline: AnalysisRequest.Timeline(metric: 0)))
        }
        try await time("everything (all passes)", request)
    }

    /// Simulates `settings.units` units in chunks and ingests each chunk's events in arrival order.
    public static func build(_ path: String, definition: Experiment, settings: SimulationSettings) async throws {
        let store = try SQLiteEventStore(path: path, configuration: .init(synchronous: .normal, cacheSizeMiB: 256))
        let simulator = Simulator(experiment: definition, settings: settings)
        let clock = ContinuousClock()
        let start = clock.now
        let chunk = 25_000
        var stored = 0
        var truth = SimulationTruth()
        for first in stride(from: 0, to: settings.units, by: chunk) {
            let events = simulator.events(units: first..<min(first + chunk, settings.units), truth: &truth)
            for batch in stride(from: 0, to: events.count, by: 50_000) {
                let result = try await store.ingest(Array(events[batch..<min(batch + 50_000, events.count)]))
                stored += result.stored
            }
            if (first / chunk) % 8 == 7 {
                print(String(format: "  built %d units, %d events, %.0f s", first + chunk, stored, ResourceUsage.seconds(clock.now - start)))
            }
        }
        // As `rampart ingest` does at its end: the last events staged (up to `stagedEventLimit`) join the clustered
        // table, so reports time the layout a finished load leaves (docs/performance.md, "Session 15").
        try await store.mergeStagedEvents()
        print(String(format: "built %@: %d units, %d events in %.0f s", path as NSString, settings.units, stored, ResourceUsage.seconds(clock.now - start)))
    }
}
