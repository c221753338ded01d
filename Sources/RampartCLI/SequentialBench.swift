import ArgumentParser
import RampartBench
import RampartStats

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

    @Flag(name: .long, help: "Compare the mixture and alpha-spending designs (issue 17) instead.")
    var designs = false

    @Option(name: .long, help: "With --designs: looks per day.")
    var looksPerDay: Int = 1

    @Option(name: .long, help: "With --designs: the plan's days (alpha-spending's maximum information); --days beyond it is an overrun.")
    var plannedDays: Int = 28

    @Option(name: .long, help: "With --designs: spending function (obrien-fleming or pocock).")
    var spending: String = "obrien-fleming"

    @Option(name: .long, help: "With --designs and --metric normal: correlation of the pre-period covariate with the outcome.")
    var preCorrelation: Double = 0.5

    @Flag(name: .long, help: "With --designs and --metric normal: adjust for the pre-period covariate (CUPED).")
    var cuped = false

    @Flag(name: .long, help: "Guardrails past an alpha-spending design's maximum: alpha-spending alone, with the always-valid watch, and the mixture (use --days beyond --planned-days).")
    var guardrail = false

    @Option(name: .long, help: "With --guardrail: the relative margin (the truth sits on it when --effect equals it).")
    var margin: Double = 0

    @Option(name: .long, help: "With --guardrail: the day from which treatment units carry the effect (0: from the start).")
    var effectFromDay: Int = 0

    @Option(name: .long, help: "With --guardrail: the watch's share of alpha.")
    var watchShare: Double = 0.2

    @Flag(name: .long, help: "With --designs: alpha-spending spends by calendar time (day / --planned-days), the experiment files' default, instead of units.")
    var calendar = false

    @Flag(name: .long, help: "With --designs: traffic ramps 1 → 5 → 25 → 50 → 100 % of 4 × --units-per-day (3, 4, 7, 7 days, then 100 %).")
    var ramp = false

    mutating func run() throws {
        if guardrail {
            print(GuardrailWatchSimulation(
                experiments: experiments, days: days, plannedDays: plannedDays, unitsPerDayPerArm: unitsPerDay, margin: margin,
                relativeEffect: effect, effectFromDay: effectFromDay, alpha: alpha, watchShare: watchShare, sequentialTuning: tuning, seed: seed
            ).run())
            return
        }
        if designs { return try runDesigns() }
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

    /// The issue-17 comparison; the normal metric is mean 1, sd 3 (the 10 % proportion's coefficient of variation).
    private func runDesigns() throws {
        guard let function = SpendingFunction(rawValue: spending) else {
            throw ValidationError("--spending must be one of \(SpendingFunction.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let distribution: SequentialDesignSimulation.Metric = switch metric {
        case .proportion: .proportion(rate: 0.1)
        case .normal: .normal(mean: 1, standardDeviation: 3, correlation: preCorrelation, cuped: cuped)
        case .lognormal: .lognormal(logMean: 7, logStandardDeviation: 1)
        }
        print(SequentialDesignSimulation(
            experiments: experiments, days: days, plannedDays: plannedDays, looksPerDay: looksPerDay,
            unitsPerDayPerArm: unitsPerDay, metric: distribution, relativeEffect: effect, alpha: alpha,
            spending: function, sequentialTuning: tuning, seed: seed, calendar: calendar, ramp: ramp
        ).run())
    }
}
