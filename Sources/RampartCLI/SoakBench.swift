import ArgumentParser
import Foundation
import RampartBench

/// `rampart bench soak`: `rampart serve` under mixed load for minutes, its memory watched (``SoakBenchmark``).
struct SoakBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Run rampart serve under mixed OFREP, event and results load; check for errors and memory growth (not in CI).",
        discussion: "Holds when no request failed and resident memory at the end is within 10 % of its level after 5 minutes (half the run when shorter than 10)."
    )

    @Option(name: .long, help: "Minutes of load.")
    var minutes: Double = 30

    @Option(name: .long, help: "The experiments directory the server loads.")
    var experiments: String = "experiments"

    @Option(name: .customLong("events-per-second"), help: "Events per second, in batches of 500.")
    var eventsPerSecond: Int = 10_000

    @Option(name: .customLong("evaluations-per-second"), help: "OFREP evaluations per second.")
    var evaluationsPerSecond: Int = 200

    mutating func run() async throws {
        let binary = Bundle.main.executablePath ?? CommandLine.arguments[0]
        var soak = SoakBenchmark(binary: binary, experiments: experiments, minutes: minutes)
        soak.eventsPerSecond = eventsPerSecond
        soak.evaluationsPerSecond = evaluationsPerSecond
        guard try await soak.run() else { throw ExitCode.failure }
    }
}
