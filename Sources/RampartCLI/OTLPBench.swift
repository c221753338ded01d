import ArgumentParser
import Foundation
import RampartOTLPBench
import RampartSimulation

/// `rampart bench otlp`: OTLP/HTTP trace ingest against native `/v1/events` on the same simulated events.
struct OTLPBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "otlp",
        abstract: "Time OTLP trace ingest (protobuf, JSON) against native /v1/events on the same events (target: OTLP ≥ 50 % of native)."
    )

    @OptionGroup var experiments: ExperimentsOption

    @Option(name: .long, help: "The experiment whose LLM requests and exposures are simulated.")
    var experiment: String = "support-answer-prompt"

    @Option(name: .long, help: "Units simulated (about 3.5 LLM requests and exposures each).")
    var units: Int = 20_000

    @Option(name: .long, help: "Spans (= events) per request.")
    var batch: Int = 512

    @Option(name: .long, help: "Requests in flight at once.")
    var concurrency: Int = 4

    @Option(name: .long, help: "Timed rounds per path, each into a fresh database.")
    var rounds: Int = 3

    @Option(name: .long, help: "Directory for the databases (default: a temporary directory).")
    var directory: String?

    mutating func run() async throws {
        let definition = try experiments.load(key: experiment)
        var settings = SimulationSettings()
        settings.units = units
        settings.days = 28
        let (events, _) = Simulator(experiment: definition, settings: settings).generate()
        let workload = try OTLPIngestWorkload(events: events, experiment: definition, batch: batch)
        let root = URL(fileURLWithPath: directory ?? FileManager.default.temporaryDirectory.path)
            .appendingPathComponent("rampart-bench-otlp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let megabytes = { (bodies: [[UInt8]]) in String(format: "%.1f MB", Double(bodies.reduce(0) { $0 + $1.count }) / 1e6) }
        print("rampart bench otlp: \(experiment), \(units) units, \(workload.events) events in \(workload.native.count) requests of ≤ \(batch); native \(megabytes(workload.native)), protobuf \(megabytes(workload.protobuf)), OTLP/JSON \(megabytes(workload.json)); concurrency \(concurrency), \(rounds) rounds")
        let results = try await OTLPIngestBenchmark.run(workload, experiment: definition, rounds: rounds, concurrency: concurrency, directory: root)
        let native = results[0].median
        for result in results {
            let perSecond = (1e9 / result.median).formatted(.number.precision(.fractionLength(0)))
            // Rounds are interleaved: each round's share is against the native figure of the same round.
            let shares = zip(results[0].nanosecondsPerOperation, result.nanosecondsPerOperation).map { String(format: "%.0f", 100 * $0 / $1) }
            print(result.line + "  → \(perSecond) events/s, \(String(format: "%.0f", 100 * native / result.median)) % of native (rounds: \(shares.joined(separator: " / ")) %)")
        }
    }
}
