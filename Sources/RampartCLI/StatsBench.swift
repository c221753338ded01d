import ArgumentParser
import RampartBench
import RampartStats

/// `rampart bench stats`: a full analysis of one experiment from its sufficient statistics.
struct StatsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Time a full analysis of one experiment from sufficient statistics (target: microseconds)."
    )

    @Option(name: .long, help: "Iterations per run.")
    var iterations: Int = 20_000

    @Option(name: .long, help: "Runs; each prints its median.")
    var runs: Int = 3

    mutating func run() throws {
        print("rampart bench stats: \(runs) runs × \(iterations) iterations")
        for _ in 0..<runs {
            print(StatsBenchmark.run(iterations: iterations))
        }
    }
}
