import ArgumentParser
import Foundation
import RampartConsoleBench

/// `rampart bench console`: times the console's overview with 200 experiments (target: p95 < 300 ms server-side).
struct ConsoleBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Time the console's overview page rendered server-side with many experiments (target: 200 experiments, p95 < 300 ms)."
    )

    @OptionGroup var experimentFiles: ExperimentsOption

    @Option(name: .customLong("count"), help: "Experiments listed.")
    var count: Int = 200

    @Option(name: .long, help: "Units simulated per experiment.")
    var units: Int = 200

    @Option(name: .long, help: "Timed renders after one warm-up.")
    var rounds: Int = 30

    @Flag(name: .long, help: "Store no new events while timing (by default a few arrive every second, so the background refresher re-analyses).")
    var quiet = false

    @Option(name: .long, help: "The database to build.")
    var db: String = "rampart-bench-console.sqlite"

    mutating func run() async throws {
        let templates = try experimentFiles.loadAll()
        let bench = ConsoleBenchmark(experiments: count, unitsPerExperiment: units, rounds: rounds)
        let built = try await bench.buildStore(at: db, templates: templates)
        print("rampart bench console: \(count) experiments, \(built.events) events in \(db)")
        print(try await bench.run(on: built.store, trickle: !quiet).line)
    }
}
