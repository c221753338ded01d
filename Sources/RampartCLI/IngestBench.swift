import ArgumentParser
import Foundation
import RampartBench
import RampartConfig
import RampartCore
import RampartSimulation
import RampartStore

/// `rampart bench ingest`: events per second from NDJSON to durable rows, and the schema comparison.
struct IngestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Time ingestion from NDJSON to durable SQLite rows (target: 200,000 events/s in a release build)."
    )

    @OptionGroup var experiments: ExperimentsOption

    @Option(name: .long, help: "The experiment whose events are simulated.")
    var experiment: String = "support-answer-prompt"

    @Option(name: .long, help: "Units simulated (about 11 events each).")
    var units: Int = 100_000

    @Option(name: .long, help: "Timed rounds, each into a fresh database.")
    var rounds: Int = 5

    @Flag(name: .long, help: "Also measure per-unit aggregates maintained on ingest against the indexed raw events.")
    var compareSchemas = false

    @Option(name: .customLong("cache-mib"), help: "SQLite page cache per connection, in MiB.")
    var cacheMiB: Int = 128

    @Option(name: .long, help: "Directory for the databases (default: a temporary directory).")
    var directory: String?

    mutating func run() async throws {
        let definition = try experiments.load(key: experiment)
        var settings = SimulationSettings()
        settings.units = units
        settings.days = 28
        let (bytes, truth) = Simulator(experiment: definition, settings: settings).ndjson()
        let events = truth.events
        let root = URL(fileURLWithPath: directory ?? FileManager.default.temporaryDirectory.path)
            .appendingPathComponent("rampart-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        print("rampart bench ingest: \(experiment), \(units) units, \(events) events, \(bytes.count / 1_000_000) MB of NDJSON, \(rounds) rounds")

        // Parsing alone.
        let parser = EventParser()
        let (parse, _) = BenchTimer.measure("parse + validate (1 core)", rounds: rounds, operations: events) {
            bytes.withUnsafeBufferPointer { parser.parseNDJSON($0).events.count }
        }
        print(parse.line + "  → \(Self.rate(parse)) events/s")

        var rawIngest: [Double] = []
        var aggregateIngest: [Double] = []
        var lastRaw: SQLiteEventStore?
        var lastAggregate: SQLiteEventStore?
        for round in 0..<rounds {
            let store = try SQLiteEventStore(path: root.appendingPathComponent("raw-\(round).sqlite").path, configuration: .init(cacheSizeMiB: cacheMiB))
            rawIngest.append(try await Self.timeIngest(bytes, into: store, events: events))
            lastRaw = store
            if compareSchemas {
                let store = try SQLiteEventStore(path: root.appendingPathComponent("agg-\(round).sqlite").path, configuration: .init(cacheSizeMiB: cacheMiB))
                try await SchemaComparison.addAggregates(to: store)
                aggregateIngest.append(try await Self.timeIngest(bytes, into: store, events: events))
                lastAggregate = store
            }
        }
        let raw = BenchTimer.Result(name: "NDJSON → durable rows (chosen)", operations: events, nanosecondsPerOperation: rawIngest)
        print(raw.line + "  → \(Self.rate(raw)) events/s")
        if compareSchemas, let lastRaw, let lastAggregate {
            let aggregate = BenchTimer.Result(name: "… + per-unit aggregates on ingest", operations: events, nanosecondsPerOperation: aggregateIngest)
            print(aggregate.line + "  → \(Self.rate(aggregate)) events/s")
            try await SchemaComparison.compareQueries(raw: lastRaw, aggregates: lastAggregate, experiment: definition, rounds: rounds)
        }
    }

    static func timeIngest(_ bytes: [UInt8], into store: SQLiteEventStore, events: Int) async throws -> Double {
        let clock = ContinuousClock()
        var stored = 0
        let elapsed = try await clock.measure {
            let summary = try await NDJSONIngester(parser: EventParser()).run(ByteChunkReader(bytes: bytes, chunkSize: NDJSONIngester.defaultChunkBytes), into: store)
            // Timed too: the last staged events reach the clustered table, where reports read them.
            try await store.mergeStagedEvents()
            stored = summary.result.stored
        }
        guard stored == events else { throw CLIFailure("bench: stored \(stored) of \(events) events") }
        return (Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9) / Double(events)
    }

    static func rate(_ result: BenchTimer.Result) -> String {
        let perSecond = 1e9 / result.median
        return perSecond.formatted(.number.precision(.fractionLength(0)))
    }
}
