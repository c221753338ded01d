import ArgumentParser
import RampartBench
import RampartStats

/// `rampart bench quantile-coverage`: coverage of clustered quantile intervals, by simulation.
struct QuantileCoverageBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantile-coverage",
        abstract: "Simulate clustered latency data and measure the coverage of p95 confidence intervals."
    )

    @Option(name: .long, help: "Replications.")
    var replications: Int = 1_000

    @Option(name: .long, help: "Random seed.")
    var seed: UInt = 7

    mutating func run() throws {
        print(QuantileCoverageSimulation(replications: replications, seed: seed).run())
    }
}
