import ArgumentParser
import Foundation
import RampartConsoleBench
import RampartServer

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

    @Option(name: .customLong("refresher-share"), help: "The most of its time the background refresher spends analysing, in (0, 1] (the service's default: 0.5; 1 never pauses).")
    var refresherShare: Double = ConsoleConfiguration().overviewRefresherShare

    @Option(name: .customLong("min-interval"), help: "Seconds between two analyses of an experiment whose events moved on (the service's default: 60; 0 re-analyses at every pass).")
    var minInterval: Double = ConsoleConfiguration().overviewMinInterval

    @Option(name: .long, help: "The database to build.")
    var db: String = "rampart-bench-console.sqlite"

    mutating func run() async throws {
        guard refresherShare.isFinite, refresherShare > 0, refresherShare <= 1 else {
            throw ValidationError("--refresher-share must lie in (0, 1], got \(refresherShare)")
        }
        guard minInterval.isFinite, minInterval >= 0 else { throw ValidationError("--min-interval must be 0 or more seconds, got \(minInterval)") }
        let templates = try experimentFiles.loadAll()
        let bench = ConsoleBenchmark(experiments: count, unitsPerExperiment: units, rounds: rounds)
        let built = try await bench.buildStore(at: db, templates: templates)
        print("rampart bench console: \(count) experiments, \(built.events) events in \(db)")
        let configuration = ConsoleConfiguration(overviewMinInterval: minInterval, overviewRefresherShare: refresherShare)
        print(try await bench.run(on: built.store, trickle: !quiet, configuration: configuration).line)
    }
}
