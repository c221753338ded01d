import RampartStats

/// A Monte Carlo check of guardrails under an α-spending design that overruns its plan: a one-sided guardrail
/// (a 10 % rate where lower is better, relative margin `margin`) read daily for `days` days on a `plannedDays`
/// plan, by α-spending alone (nothing decides after the maximum), α-spending with the always-valid watch
/// (``AlphaSpendingPlan/watchShare``) and the one-sided normal mixture, on the same draws.
///
/// The treatment's rate is the control's × (1 + `relativeEffect`) for units enrolled from day `effectFromDay` on
/// (0: from the start), so a regression that begins after the maximum can be simulated. With `relativeEffect ==
/// margin` the truth sits on the margin, the worst case of "no regression", and the regression rates are
/// false-alarm rates; with margin 0 and no effect that is an A/A.
public struct GuardrailWatchSimulation: Sendable, Hashable {
    /// Number of simulated experiments.
    public var experiments: Int
    /// Days of daily looks.
    public var days: Int
    /// Days the plan expects: the α-spending maximum is these days' units.
    public var plannedDays: Int
    /// New units per arm per day.
    public var unitsPerDayPerArm: Int
    /// Control rate of the guardrail.
    public var rate: Double
    /// The tolerated relative worsening.
    public var margin: Double
    /// The true relative worsening of the treatment's rate (0 for A/A).
    public var relativeEffect: Double
    /// The day from which enrolled treatment units carry the effect.
    public var effectFromDay: Int
    /// Significance level α of the guardrail.
    public var alpha: Double
    /// The watch's share of α.
    public var watchShare: Double
    /// n* of the mixture.
    public var sequentialTuning: Double
    /// Seed for GSL's Mersenne Twister.
    public var seed: UInt

    /// Creates a simulation (defaults: the issue-17 traffic, A/A at margin 0, 42 days on a 28-day plan).
    public init(
        experiments: Int = 1_000, days: Int = 42, plannedDays: Int = 28, unitsPerDayPerArm: Int = 200, rate: Double = 0.1,
        margin: Double = 0, relativeEffect: Double = 0, effectFromDay: Int = 0, alpha: Double = 0.05,
        watchShare: Double = 0.2, sequentialTuning: Double = 5_000, seed: UInt = 20_261_201
    ) {
        self.experiments = experiments
        self.days = days
        self.plannedDays = plannedDays
        self.unitsPerDayPerArm = unitsPerDayPerArm
        self.rate = rate
        self.margin = margin
        self.relativeEffect = relativeEffect
        self.effectFromDay = effectFromDay
        self.alpha = alpha
        self.watchShare = watchShare
        self.sequentialTuning = sequentialTuning
        self.seed = seed
    }

    /// Runs the simulation.
    public func run() -> GuardrailWatchReport {
        let clock = ContinuousClock(), start = clock.now
        let random = RandomSource(seed: seed)
        let lookCount = max(days, 1), perDay = max(unitsPerDayPerArm, 1)
        let lookUnits = (1...lookCount).map { Double(2 * perDay * $0) }
        let maximumUnits = Double(2 * perDay * max(plannedDays, 1))
        let mixture = GuardrailTest(margin: .relative(margin), direction: .lowerIsBetter, settings: TestSettings(alpha: alpha, sequential: true, sequentialTuning: sequentialTuning))
        func spending(_ look: Int, watch: Double) -> GuardrailTest {
            let plan = AlphaSpendingPlan(maximumUnits: maximumUnits, earlierLooks: Array(lookUnits[..<(look - 1)]), watchShare: watch)
            return GuardrailTest(margin: .relative(margin), direction: .lowerIsBetter, settings: TestSettings(alpha: alpha, sequential: true, sequentialMethod: .alphaSpending(plan)))
        }
        var firsts: [[Double?]] = [[], [], []]
        for _ in 0..<max(experiments, 0) {
            var c = 0.0, t = 0.0, n = 0
            var first: [Double?] = [nil, nil, nil]
            for look in 1...lookCount {
                let harmed = look > effectFromDay
                c += Double(random.binomial(probability: rate, trials: perDay))
                t += Double(random.binomial(probability: min(max(rate * (1 + (harmed ? relativeEffect : 0)), 0), 1), trials: perDay))
                n += perDay
                let control = SampleStatistics.proportion(successes: c, units: n), treatment = SampleStatistics.proportion(successes: t, units: n)
                for (i, test) in [spending(look, watch: 0), spending(look, watch: watchShare), mixture].enumerated()
                where first[i] == nil && test.evaluate(control: control, treatment: treatment).decision == .regression {
                    first[i] = Double(look)
                }
            }
            for i in 0..<3 { firsts[i].append(first[i]) }
        }
        let elapsed = clock.now - start
        return GuardrailWatchReport(
            simulation: self,
            alphaSpending: .init(decisionDays: firsts[0], plannedDays: plannedDays),
            watched: .init(decisionDays: firsts[1], plannedDays: plannedDays),
            mixture: .init(decisionDays: firsts[2], plannedDays: plannedDays),
            monteCarloStandardError: (alpha * (1 - alpha) / Double(max(experiments, 1))).squareRoot(),
            elapsedSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        )
    }
}

/// What a ``GuardrailWatchSimulation`` measured: for each design, the share of experiments that declared a
/// regression, in all and after the planned maximum.
public struct GuardrailWatchReport: Sendable, Hashable, CustomStringConvertible {
    /// Regression decisions of one design.
    public struct Outcome: Sendable, Hashable {
        /// Share of experiments with a regression at some look (false alarms when the truth is within the margin).
        public var rate: Double
        /// Share with a first regression at a look after the planned maximum.
        public var afterMaximumRate: Double
        /// First-regression days summarised as ``SequentialDesignReport/Outcome``.
        public var days: SequentialDesignReport.Outcome

        /// Summarises first-regression days (`nil`: never).
        public init(decisionDays: [Double?], plannedDays: Int) {
            days = SequentialDesignReport.Outcome(decisionDays: decisionDays)
            rate = days.rate
            let after = decisionDays.filter { ($0 ?? 0) > Double(plannedDays) }.count
            afterMaximumRate = decisionDays.isEmpty ? 0 : Double(after) / Double(decisionDays.count)
        }
    }

    /// The simulation that produced the report.
    public var simulation: GuardrailWatchSimulation
    /// α-spending alone.
    public var alphaSpending: Outcome
    /// α-spending at (1 − w)·α with the watch at w·α.
    public var watched: Outcome
    /// The one-sided normal mixture at α.
    public var mixture: Outcome
    /// √(α(1 − α)/experiments).
    public var monteCarloStandardError: Double
    /// Wall-clock seconds.
    public var elapsedSeconds: Double

    public var description: String {
        let s = simulation
        let truth = s.relativeEffect == s.margin ? "truth on the margin (false alarms)" : "effect \(format(s.relativeEffect * 100))% from day \(s.effectFromDay)"
        var lines = [
            "Guardrail past the maximum — \(truth)",
            "  \(s.experiments) experiments × \(s.days) daily looks (plan \(s.plannedDays) days), \(s.unitsPerDayPerArm) units/arm/day, rate \(format(s.rate)), relative margin \(format(s.margin * 100))%, α = \(format(s.alpha)), seed \(s.seed)",
            "  alpha-spending alone:            \(line(alphaSpending))",
            "  alpha-spending + watch (w = \(format(s.watchShare))): \(line(watched))",
            "  mixture (n* = \(format(s.sequentialTuning))):          \(line(mixture))",
            "  Monte Carlo SE at α: \(percent(monteCarloStandardError))",
        ]
        if s.relativeEffect == s.margin {
            let limit = s.alpha + 2 * monteCarloStandardError
            lines.append("  alpha-spending + watch ≤ α + 2 SE: \(watched.rate <= limit ? "yes" : "NO")")
        }
        lines.append("  elapsed: \(format(elapsedSeconds)) s")
        return lines.joined(separator: "\n")
    }

    private func line(_ o: Outcome) -> String {
        "regression \(percent(o.rate)) (after the maximum \(percent(o.afterMaximumRate))), median day \(o.days.medianDecisionDay.map(format) ?? "never"), among deciders \(o.days.medianDecisionDayDecided.map(format) ?? "–")"
    }

    private func percent(_ value: Double) -> String { format(value * 100) + "%" }

    private func format(_ value: Double) -> String { String(describing: (value * 100).rounded() / 100) }
}
