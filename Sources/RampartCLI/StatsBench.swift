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

/// `rampart bench sequential`: A/A false-positive rate and power under daily peeking, by simulation.
struct SequentialBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sequential",
        abstract: "Simulate experiments inspected daily: false-positive rate (A/A) or power (with --effect)."
    )

    enum MetricKind: String, ExpressibleByArgument, CaseIterable {
        case proportion, normal, lognormal
    }

    @Option(name: .long, help: "Simulated experiments.")
    var experiments: Int = 1_000

    @Option(name: .long, help: "Daily looks per experiment.")
    var days: Int = 28

    @Option(name: .long, help: "New units per arm per day.")
    var unitsPerDay: Int = 200

    @Option(name: .long, help: "Outcome distribution.")
    var metric: MetricKind = .proportion

    @Option(name: .long, help: "True relative effect of the treatment (0 for A/A).")
    var effect: Double = 0

    @Option(name: .long, help: "Significance level.")
    var alpha: Double = 0.05

    @Option(name: .long, help: "Sequential tuning parameter n*.")
    var tuning: Double = 5_000

    @Option(name: .long, help: "Random seed.")
    var seed: UInt = 20_250_601

    mutating func run() throws {
        let distribution: SequentialSimulation.Metric
        switch metric {
        case .proportion: distribution = .proportion(rate: 0.1)
        case .normal: distribution = .normal(mean: 10, standardDeviation: 4)
        case .lognormal: distribution = .lognormal(logMean: 7, logStandardDeviation: 0.8)
        }
        let simulation = SequentialSimulation(
            experiments: experiments, days: days, unitsPerDayPerArm: unitsPerDay, metric: distribution,
            relativeEffect: effect, alpha: alpha, sequentialTuning: tuning, seed: seed
        )
        print(simulation.run())
    }
}

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
