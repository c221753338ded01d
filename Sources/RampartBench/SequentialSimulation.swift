import RampartStats

/// A Monte Carlo check of the sequential test under daily peeking.
///
/// Each simulated experiment runs for `days` days; every day `unitsPerDayPerArm` new
/// units join each arm and the experiment is inspected with the fixed-horizon Welch test,
/// the two-sided sequential test and the one-sided sequential test. A test "fires" if it
/// is significant at any daily look. With `relativeEffect == 0` (an A/A test) the fire
/// rates are false-positive rates: the sequential ones should stay ≤ α, while the
/// fixed-horizon test read daily inflates. With a non-zero effect they are powers.
///
/// Draws come from GSL (`gsl_ran_binomial`, `gsl_ran_gaussian_ziggurat`, `gsl_ran_chisq`,
/// `gsl_ran_lognormal`) seeded with `seed`, so a run is reproducible.
public struct SequentialSimulation: Sendable, Hashable {
    /// The outcome distribution of one unit.
    public enum Metric: Sendable, Hashable {
        /// A Bernoulli outcome with this control rate (task completion, escalation).
        case proportion(rate: Double)
        /// A normal outcome; each day's sufficient statistics are drawn exactly
        /// (sum ~ normal, centred sum of squares ~ σ²χ²ₙ₋₁).
        case normal(mean: Double, standardDeviation: Double)
        /// A heavy-tailed lognormal outcome (latency, cost), drawn unit by unit.
        case lognormal(logMean: Double, logStandardDeviation: Double)
    }

    /// Number of simulated experiments.
    public var experiments: Int
    /// Days per experiment, one look per day.
    public var days: Int
    /// New units per arm per day.
    public var unitsPerDayPerArm: Int
    /// The outcome distribution.
    public var metric: Metric
    /// The true relative effect of the treatment (0 for an A/A test).
    public var relativeEffect: Double
    /// Significance level α.
    public var alpha: Double
    /// Sequential tuning parameter n*.
    public var sequentialTuning: Double
    /// Seed for GSL's Mersenne Twister.
    public var seed: UInt

    /// Creates a simulation.
    /// - Parameters:
    ///   - experiments: Number of experiments, default 1,000.
    ///   - days: Looks per experiment, default 28.
    ///   - unitsPerDayPerArm: New units per arm per day, default 200.
    ///   - metric: Outcome distribution, default a 10 % proportion.
    ///   - relativeEffect: True relative effect, default 0 (A/A).
    ///   - alpha: Significance level, default 0.05.
    ///   - sequentialTuning: n*, default 5,000.
    ///   - seed: Random seed.
    public init(
        experiments: Int = 1_000,
        days: Int = 28,
        unitsPerDayPerArm: Int = 200,
        metric: Metric = .proportion(rate: 0.1),
        relativeEffect: Double = 0,
        alpha: Double = 0.05,
        sequentialTuning: Double = 5_000,
        seed: UInt = 20_250_601
    ) {
        self.experiments = experiments
        self.days = days
        self.unitsPerDayPerArm = unitsPerDayPerArm
        self.metric = metric
        self.relativeEffect = relativeEffect
        self.alpha = alpha
        self.sequentialTuning = sequentialTuning
        self.seed = seed
    }

    /// Runs the simulation.
    public func run() -> SimulationReport {
        let clock = ContinuousClock()
        let start = clock.now
        let random = RandomSource(seed: seed)
        let fixed = EffectTest(settings: TestSettings(alpha: alpha))
        let sequential = EffectTest(settings: TestSettings(alpha: alpha, sequential: true, sequentialTuning: sequentialTuning))
        let oneSided = EffectTest(settings: TestSettings(
            alpha: alpha, alternative: .treatmentGreater, sequential: true, sequentialTuning: sequentialTuning
        ))
        var fixedAny = 0, fixedFinal = 0, sequentialAny = 0, oneSidedAny = 0, fixedFinalOnly = 0
        var sequentialFirstDays = 0
        let experimentCount = max(experiments, 0), dayCount = max(days, 1)
        for _ in 0..<experimentCount {
            var control = emptyStatistics(), treatment = emptyStatistics()
            var firedFixed = false, firedSequential = false, firedOneSided = false
            for day in 1...dayCount {
                add(to: &control, effect: 0, random: random)
                add(to: &treatment, effect: relativeEffect, random: random)
                if !firedFixed, fixed.compare(control: control, treatment: treatment).isSignificant { firedFixed = true }
                if !firedSequential, sequential.compare(control: control, treatment: treatment).isSignificant {
                    firedSequential = true
                    sequentialFirstDays += day
                }
                if !firedOneSided, oneSided.compare(control: control, treatment: treatment).isSignificant { firedOneSided = true }
                if day == dayCount, fixed.compare(control: control, treatment: treatment).isSignificant { fixedFinalOnly += 1 }
            }
            if firedFixed { fixedAny += 1 }
            if firedSequential { sequentialAny += 1 }
            if firedOneSided { oneSidedAny += 1 }
        }
        fixedFinal = fixedFinalOnly
        let elapsed = clock.now - start
        let n = Double(max(experimentCount, 1))
        return SimulationReport(
            simulation: self,
            fixedHorizonAnyLookRate: Double(fixedAny) / n,
            fixedHorizonFinalLookRate: Double(fixedFinal) / n,
            sequentialTwoSidedRate: Double(sequentialAny) / n,
            sequentialOneSidedRate: Double(oneSidedAny) / n,
            meanSequentialDecisionDay: sequentialAny > 0 ? Double(sequentialFirstDays) / Double(sequentialAny) : nil,
            monteCarloStandardError: (alpha * (1 - alpha) / n).squareRoot(),
            elapsedSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        )
    }

    private func emptyStatistics() -> SampleStatistics {
        if case .proportion = metric { return SampleStatistics(kind: .proportion) }
        return SampleStatistics()
    }

    /// Adds one day of units to an arm's sufficient statistics.
    private func add(to statistics: inout SampleStatistics, effect: Double, random: RandomSource) {
        let n = max(unitsPerDayPerArm, 1)
        switch metric {
        case .proportion(let rate):
            let p = min(max(rate * (1 + effect), 0), 1)
            let successes = Double(random.binomial(probability: p, trials: n))
            statistics.sum += successes
            statistics.sumSquares += successes
        case .normal(let mean, let sd):
            let mu = mean * (1 + effect), count = Double(n)
            let sum = count * mu + sd * count.squareRoot() * random.gaussian(sigma: 1)
            let centred = n > 1 ? sd * sd * random.chiSquared(dof: count - 1) : 0
            statistics.sum += sum
            statistics.sumSquares += centred + sum * sum / count
        case .lognormal(let logMean, let logSD):
            for _ in 0..<n {
                let y = random.lognormal(zeta: logMean, sigma: logSD) * (1 + effect)
                statistics.sum += y
                statistics.sumSquares += y * y
            }
        }
        statistics.units += n
    }
}
