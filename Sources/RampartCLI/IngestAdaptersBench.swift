import ArgumentParser
import Foundation
import RampartIngestBench
import RampartSimulation

/// `rampart bench ingest-adapters`: PostHog batches against native `/v1/events` on the same simulated events.
struct IngestAdaptersBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest-adapters",
        abstract: "Events/s of PostHog /batch/ (plain and gzip) against native /v1/events on the same events (target: ≥ 80 %)."
    )

    @OptionGroup var experiments: ExperimentsOption

    @Option(name: .long, help: "The experiment whose events are simulated.")
    var experiment: String = "support-answer-prompt"

    @Option(name: .long, help: "Units simulated (about 11 events each).")
    var units: Int = 20_000

    @Option(name: .long, help: "Events per request.")
    var batch: Int = 500

    @Option(name: .long, help: "Requests in flight at once.")
    var concurrency: Int = 8

    @Option(name: .long, help: "Timed rounds per path, each into a fresh database.")
    var rounds: Int = 3

    mutating func run() async throws {
        let definition = try experiments.load(key: experiment)
        var settings = SimulationSettings()
        settings.units = units
        settings.days = 28
        let (ndjson, _) = Simulator(experiment: definition, settings: settings).ndjson()
        let bodies = try IngestAdapterBenchmark.bodies(ndjson: ndjson, batchSize: batch)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let bench = IngestAdapterBenchmark(experiments: [definition], concurrency: concurrency, directory: root)
        print("rampart bench ingest-adapters: \(experiment), \(bodies.events) events in \(bodies.native.count) requests of \(batch), \(concurrency) in flight, \(rounds) rounds")
        print("  bodies: \(bodies.sizes)")
        // Rounds interleave the paths (native, PostHog, PostHog gzip, then again), so that a change in the machine's
        // load falls on all three; each round's share is taken against the native figure of the same round.
        var native = IngestAdapterBenchmark.Figures(name: "native /v1/events", eventsPerSecond: [])
        var postHog = IngestAdapterBenchmark.Figures(name: "PostHog /batch/", eventsPerSecond: [])
        var gzip = IngestAdapterBenchmark.Figures(name: "PostHog /batch/ gzip", eventsPerSecond: [])
        for round in 0..<rounds {
            native.eventsPerSecond += try await bench.measure(native.name, bodies: bodies.native, events: bodies.events, rounds: 1, firstRound: round) { try await $0.native($1) }.eventsPerSecond
            postHog.eventsPerSecond += try await bench.measure(postHog.name, bodies: bodies.postHog, events: bodies.events, rounds: 1, firstRound: round) { try await $0.postHogBatch($1) }.eventsPerSecond
            gzip.eventsPerSecond += try await bench.measure(gzip.name, bodies: bodies.postHogGzip, events: bodies.events, rounds: 1, firstRound: round) { try await $0.postHogBatch($1, gzip: true) }.eventsPerSecond
        }
        for figures in [native, postHog, gzip] {
            let rounds = figures.eventsPerSecond.map { String(Int($0)) }.joined(separator: " / ")
            let shares = zip(figures.eventsPerSecond, native.eventsPerSecond).map { $0 / $1 * 100 }.sorted()
            print("  \(figures.name.padding(toLength: 22, withPad: " ", startingAt: 0)) median \(Int(figures.median)) events/s (\(rounds))  \(String(format: "%.0f", shares[shares.count / 2])) % of native (median of the rounds' shares; \(shares.map { String(format: "%.0f", $0) }.joined(separator: " / ")))")
        }
    }
}
