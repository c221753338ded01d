import Foundation
import RampartCore
import RampartSimulation
import RampartStore

/// `rampart bench ingest`'s workload: events per second from NDJSON to durable rows, and the schema comparison.
public enum IngestBenchmark {
    /// Simulates the events of `units` units, times parsing alone, then ingestion into a fresh database per round
    /// (with `compareSchemas`, also into one with per-unit aggregates maintained on ingest), and prints the rates.
    ///
    /// - Parameters:
    ///   - definition: The experiment whose events are simulated.
    ///   - units: Units simulated (about 11 events each).
    ///   - rounds: Timed rounds, each into a fresh database.
    ///   - compareSchemas: Also measure the aggregate schema (``SchemaComparison``).
    ///   - cacheMiB: SQLite page cache per connection.
    ///   - directory: Where the databases go (default: a temporary directory); removed afterwards.
    public static func run(_ definition: Experiment, units: Int, rounds: Int, compareSchemas: Bool, cacheMiB: Int, directory: String?) async throws {
        var settings = SimulationSettings()
        settings.units = units
        settings.days = 28
        let (bytes, truth) = Simulator(experiment: definition, settings: settings).ndjson()
        let events = truth.events
        let root = URL(fileURLWithPath: directory ?? FileManager.default.temporaryDirectory.path)
            .appendingPathComponent("rampart-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        print("rampart bench ingest: \(definition.key), \(units) units, \(events) events, \(bytes.count / 1_000_000) MB of NDJSON, \(rounds) rounds")

        // Parsing alone.
        let parser = EventParser()
        let (parse, _) = BenchTimer.measure("parse + validate (1 core)", rounds: rounds, operations: events) {
            bytes.withUnsafeBufferPointer { parser.parseNDJSON($0).events.count }
        }
        print(parse.line + "  → \(rate(parse)) events/s")

        var rawIngest: [Double] = []
        var aggregateIngest: [Double] = []
        var lastRaw: SQLiteEventStore?
        var lastAggregate: SQLiteEventStore?
        for round in 0..<rounds {
            let store = try SQLiteEventStore(path: root.appendingPathComponent("raw-\(round).sqlite").path, configuration: .init(cacheSizeMiB: cacheMiB))
            rawIngest.append(try await timeIngest(bytes, into: store, events: events))
            lastRaw = store
            if compareSchemas {
                let store = try SQLiteEventStore(path: root.appendingPathComponent("agg-\(round).sqlite").path, configuration: .init(cacheSizeMiB: cacheMiB))
                try await SchemaComparison.addAggregates(to: store)
                aggregateIngest.append(try await timeIngest(bytes, into: store, events: events))
                lastAggregate = store
            }
        }
        let raw = BenchTimer.Result(name: "NDJSON → durable rows (chosen)", operations: events, nanosecondsPerOperation: rawIngest)
        print(raw.line + "  → \(rate(raw)) events/s")
        if compareSchemas, let lastRaw, let lastAggregate {
            let aggregate = BenchTimer.Result(name: "… + per-unit aggregates on ingest", operations: events, nanosecondsPerOperation: aggregateIngest)
            print(aggregate.line + "  → \(rate(aggregate)) events/s")
            try await SchemaComparison.compareQueries(raw: lastRaw, aggregates: lastAggregate, experiment: definition, rounds: rounds)
        }
    }

    /// Ingests NDJSON as `rampart ingest` does (chunks, then the final merge) and returns nanoseconds per event.
    ///
    /// - Throws: ``BenchFailure`` when fewer than `events` events were stored, or what the store throws.
    public static func timeIngest(_ bytes: [UInt8], into store: SQLiteEventStore, events: Int) async throws -> Double {
        let clock = ContinuousClock()
        var stored = 0
        let elapsed = try await clock.measure {
            let summary = try await NDJSONIngester(parser: EventParser()).run(ByteChunkReader(bytes: bytes, chunkSize: NDJSONIngester.defaultChunkBytes), into: store)
            // Timed too: the last staged events reach the clustered table, where reports read them.
            try await store.mergeStagedEvents()
            stored = summary.result.stored
        }
        guard stored == events else { throw BenchFailure("bench: stored \(stored) of \(events) events") }
        return (Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9) / Double(events)
    }

    /// Operations per second at a result's median, e.g. `151,234`.
    public static func rate(_ result: BenchTimer.Result) -> String {
        let perSecond = 1e9 / result.median
        return perSecond.formatted(.number.precision(.fractionLength(0)))
    }
}
