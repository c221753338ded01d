import RampartStats

/// A Monte Carlo study of the verdict's `advance_risk` rule on a ramp (docs/rollouts.md, "Guardrails at risk").
///
/// Each simulated rollout starts at the first stage of a ramp. Every day new units enrol (`eligiblePerDay` × the
/// stage's coverage, or `eligiblePerDay` whatever the stage), split evenly, and each has a guardrail event (an
/// escalation) with probability `rate` in control and `rate × (1 + relativeEffect)` in treatment. The guardrail is
/// tested daily as the verdict does, with ``GuardrailTest`` (relative margin, lower is better, sequential):
/// a regression rolls back; otherwise, once the stage's minimum days and units per arm are met, the rollout advances
/// unless the probability that the effect is beyond the margin is above the threshold (it then holds a day).
/// The run repeats for each threshold with the same seed. With `relativeEffect == 0` (A/A) every hold is a
/// needless delay; with a harmful effect every advance widens the harm.
///
/// Draws come from GSL (`gsl_ran_binomial`) seeded with `seed`, so a run is reproducible.
public struct GuardrailRiskSimulation: Sendable, Hashable {
    /// One ramp stage.
    public struct Stage: Sendable, Hashable {
        public var coverage: Double
        public var minDays: Int
        public var minUnitsPerArm: Int

        public init(coverage: Double, minDays: Int = 0, minUnitsPerArm: Int = 0) {
            self.coverage = coverage
            self.minDays = minDays
            self.minUnitsPerArm = minUnitsPerArm
        }
    }

    /// experiments/support-answer-prompt.yaml's ramp: 1 %, 5 %, 25 %, 50 %, 100 %.
    public static let supportRamp = [
        Stage(coverage: 0.01, minDays: 1, minUnitsPerArm: 200), Stage(coverage: 0.05, minDays: 1, minUnitsPerArm: 500),
        Stage(coverage: 0.25, minDays: 2, minUnitsPerArm: 2_000), Stage(coverage: 0.5, minDays: 3, minUnitsPerArm: 5_000),
        Stage(coverage: 1),
    ]

    /// Simulated rollouts per threshold.
    public var rollouts: Int
    /// Days after which a rollout that neither reached the last stage nor rolled back is counted as stuck.
    public var horizonDays: Int
    /// Eligible units a day at full coverage.
    public var eligiblePerDay: Int
    /// Whether enrolment scales with the stage's coverage (a real ramp) or not (the fixtures, enrolled at 100 %).
    public var scalesWithCoverage: Bool
    /// The ramp.
    public var stages: [Stage]
    /// The guardrail's control rate, e.g. 0.12 escalations per unit.
    public var rate: Double
    /// The relative margin, e.g. 0.02.
    public var margin: Double
    /// The true relative effect on the guardrail (0 for A/A, 0.4 for a 40 % regression).
    public var relativeEffect: Double
    /// The `advance_risk` values compared; 1 switches the rule off.
    public var thresholds: [Double]
    /// Significance level α and sequential tuning n* of the guardrail test.
    public var alpha: Double
    public var sequentialTuning: Double
    /// Seed for GSL's Mersenne Twister.
    public var seed: UInt
    /// Units and guardrail events already observed in each arm when the rollouts start (e.g. a fixture's 14 days, to
    /// ask how much more data its regression needs); empty by default.
    public var initialControl: SampleStatistics
    public var initialTreatment: SampleStatistics

    public init(
        rollouts: Int = 400, horizonDays: Int = 60, eligiblePerDay: Int = 42_000, scalesWithCoverage: Bool = true,
        stages: [Stage] = GuardrailRiskSimulation.supportRamp, rate: Double = 0.12, margin: Double = 0.02,
        relativeEffect: Double = 0, thresholds: [Double] = [0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 1],
        alpha: Double = 0.05, sequentialTuning: Double = 5_000, seed: UInt = 20_261_130,
        initialControl: SampleStatistics = .proportion(successes: 0, units: 0),
        initialTreatment: SampleStatistics = .proportion(successes: 0, units: 0)
    ) {
        self.rollouts = rollouts
        self.horizonDays = horizonDays
        self.eligiblePerDay = eligiblePerDay
        self.scalesWithCoverage = scalesWithCoverage
        self.stages = stages
        self.rate = rate
        self.margin = margin
        self.relativeEffect = relativeEffect
        self.thresholds = thresholds
        self.alpha = alpha
        self.sequentialTuning = sequentialTuning
        self.seed = seed
        self.initialControl = initialControl
        self.initialTreatment = initialTreatment
    }

    /// What happened to the rollouts at one threshold.
    public struct Row: Sendable, Hashable {
        public var threshold: Double
        /// Share of rollouts that reached the last stage within the horizon.
        public var reachedLastStage: Double
        /// Mean and median day the last stage was reached, among those that reached it.
        public var meanDaysToLastStage: Double?
        public var medianDaysToLastStage: Double?
        /// Share of rollouts that widened beyond the first stage.
        public var advancedPastFirstStage: Double
        /// Share rolled back (a regression shown), and the mean day it happened.
        public var rolledBack: Double
        public var meanRollbackDay: Double?
        /// The median and 90th percentile of the rollback day, among rollouts rolled back.
        public var medianRollbackDay: Double?
        public var rollbackDay90: Double?
        /// Share of looks with the stage's minimums met at which the rule held.
        public var heldLooks: Double
        /// Mean treatment units enrolled until the rollout ended (rollback, last stage or horizon): the exposure.
        public var meanTreatedUnits: Double
    }

    /// Runs every threshold.
    public func run() -> [Row] {
        thresholds.map(run(threshold:))
    }

    /// Runs the rollouts at one threshold.
    public func run(threshold: Double) -> Row {
        let random = RandomSource(seed: seed)
        let settings = TestSettings(alpha: alpha, sequential: true, sequentialTuning: sequentialTuning)
        let test = GuardrailTest(margin: .relative(margin), direction: .lowerIsBetter, settings: settings)
        var daysToLast: [Double] = [], rollbackDays: [Double] = []
        var advancedPastFirst = 0, held = 0, looks = 0, treated = 0.0
        let count = max(rollouts, 1)
        for _ in 0..<count {
            var control = initialControl, treatment = initialTreatment
            var stage = 0, daysInStage = 0
            for day in 1...max(horizonDays, 1) {
                let coverage = scalesWithCoverage ? stages[stage].coverage : 1
                let units = Int((Double(eligiblePerDay) * coverage).rounded())
                let toTreatment = random.binomial(probability: 0.5, trials: units)
                add(&control, units: units - toTreatment, rate: rate, random: random)
                add(&treatment, units: toTreatment, rate: rate * (1 + relativeEffect), random: random)
                daysInStage += 1
                let result = test.evaluate(control: control, treatment: treatment)
                if result.decision == .regression {
                    rollbackDays.append(Double(day))
                    break
                }
                let step = stages[stage]
                guard stage < stages.count - 1, daysInStage >= step.minDays,
                    min(control.units, treatment.units) >= step.minUnitsPerArm
                else { continue }
                looks += 1
                if let risk = result.probabilityBeyondMargin, risk > threshold, threshold < 1 {
                    held += 1
                    continue
                }
                stage += 1
                daysInStage = 0
                if stage == 1 { advancedPastFirst += 1 }
                if stage == stages.count - 1 {
                    daysToLast.append(Double(day))
                    break
                }
            }
            treated += Double(treatment.units)
        }
        let n = Double(count)
        let sorted = daysToLast.sorted(), rollbacks = rollbackDays.sorted()
        return Row(
            threshold: threshold,
            reachedLastStage: Double(daysToLast.count) / n,
            meanDaysToLastStage: daysToLast.isEmpty ? nil : daysToLast.reduce(0, +) / Double(daysToLast.count),
            medianDaysToLastStage: sorted.isEmpty ? nil : sorted[sorted.count / 2],
            advancedPastFirstStage: Double(advancedPastFirst) / n,
            rolledBack: Double(rollbackDays.count) / n,
            meanRollbackDay: rollbackDays.isEmpty ? nil : rollbackDays.reduce(0, +) / Double(rollbackDays.count),
            medianRollbackDay: rollbacks.isEmpty ? nil : rollbacks[rollbacks.count / 2],
            rollbackDay90: rollbacks.isEmpty ? nil : rollbacks[min(rollbacks.count - 1, rollbacks.count * 9 / 10)],
            heldLooks: looks > 0 ? Double(held) / Double(looks) : 0,
            meanTreatedUnits: treated / n
        )
    }

    private func add(_ statistics: inout SampleStatistics, units: Int, rate: Double, random: RandomSource) {
        let successes = Double(random.binomial(probability: min(max(rate, 0), 1), trials: units))
        statistics.units += units
        statistics.sum += successes
        statistics.sumSquares += successes
    }
}
