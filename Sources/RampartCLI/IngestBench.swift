import ArgumentParser
import RampartBench

/// `rampart bench ingest`: events per second from NDJSON to durable rows, and the schema comparison
/// (``IngestBenchmark``).
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
        try await IngestBenchmark.run(definition, units: units, rounds: rounds, compareSchemas: compareSchemas, cacheMiB: cacheMiB, directory: directory)
    }
}
