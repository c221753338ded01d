import ArgumentParser
import Foundation
import RampartBench

/// `rampart bench soak`: `rampart serve` under mixed load for minutes, its memory watched (``SoakBenchmark``).
struct SoakBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak",
        abstract: "Run rampart serve under mixed OFREP, event and results load; check for errors and memory growth (not in CI).",
        discussion: "Holds when no request failed, every acknowledged event is stored, and resident memory's level over the last minute is within 10 % of its level over the minute after 5 minutes (after half the run when shorter than 10); a level is the median of the 1-second samples."
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
