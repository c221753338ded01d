import RampartStats

/// A Monte Carlo comparison of the two always-valid designs under repeated looks: the normal
/// mixture (n* = `sequentialTuning`, the default before session 8) and group-sequential α-spending over the
/// planned information (`plannedDays` of traffic), against the fixed-horizon test read once at
/// the planned end.
///
/// Looks are deterministic: `looksPerDay` per day, at equal shares of the day's units, for
/// `days` days (more than `plannedDays` simulates an overrun). α-spending indexes its spending by the
/// information fraction (units over the planned days' units) or, with `calendar`, by calendar time
/// (day over `plannedDays`, Lan & DeMets 1989), the default design of experiment files. With `ramp`
/// the traffic grows as a rollout's does (``rampCoverage``), so units and calendar time differ. A design "decides" at its first
/// significant look. With `relativeEffect == 0` the decision rates are false-positive rates.
/// Draws come from GSL seeded with `seed`, so a run is reproducible.
public struct SequentialDesignSimulation: Sendable, Hashable {
    /// The outcome of one unit.
    public enum Metric: Sendable, Hashable, CustomStringConvertible {
        /// A Bernoulli outcome with this control rate.
        case proportion(rate: Double)
        /// A heavy-tailed lognormal outcome, drawn unit by unit.
        case lognormal(logMean: Double, logStandardDeviation: Double)
        /// A normal outcome with a pre-exposure covariate of the same distribution correlated
        /// `correlation` with it; `cuped` decides whether the tests adjust for it.
        case normal(mean: Double, standardDeviation: Double, correlation: Double, cuped: Bool)

        public var description: String {
            switch self {
            case .proportion(let rate): "proportion(\(rate))"
            case .lognormal(let m, let s): "lognormal(\(m), \(s))"
            case .normal(let m, let s, let r, let cuped): "normal(\(m), \(s)), pre-period ρ = \(r)\(cuped ? ", CUPED" : "")"
            }
        }
    }

    /// Number of simulated experiments.
    public var experiments: Int
    /// Days of data (the plan's days, or more for an overrun).
    public var days: Int
    /// Days the plan expects: α-spending's maximum information is these days' units.
    public var plannedDays: Int
    /// Looks per day.
    public var looksPerDay: Int
    /// New units per arm per day.
    public var unitsPerDayPerArm: Int
    /// The outcome distribution.
    public var metric: Metric
    /// The true relative effect (0 for A/A).
    public var relativeEffect: Double
    /// Significance level α.
    public var alpha: Double
    /// The spending function of the α-spending design.
    public var spending: SpendingFunction
    /// n* of the mixture design.
    public var sequentialTuning: Double
    /// Seed for GSL's Mersenne Twister.
    public var seed: UInt
    /// Whether α-spending spends by calendar time (day / `plannedDays`) instead of the information fraction.
    public var calendar: Bool
    /// Whether the traffic follows a ramp (``rampCoverage`` of 4 × `unitsPerDayPerArm` a day) instead of being even.
    public var ramp: Bool

    /// The ramp's (days, coverage) stages: 1 % → 5 % → 25 % → 50 % → 100 %, the last to the end; 100 % coverage
    /// is 4 × `unitsPerDayPerArm` a day, so units per day grow 100×.
    public static let rampCoverage: [(days: Int, coverage: Double)] = [(3, 0.01), (4, 0.05), (7, 0.25), (7, 0.5)]

    /// New units per arm on `day` (1-based).
    func unitsPerArm(day: Int) -> Int {
        guard ramp else { return unitsPerDayPerArm }
        var start = 0
        for stage in Self.rampCoverage {
            if day <= start + stage.days { return max(1, Int((4 * Double(unitsPerDayPerArm) * stage.coverage).rounded())) }
            start += stage.days
        }
        return 4 * unitsPerDayPerArm
    }

    /// Creates a simulation (defaults: the issue-17 proportion scenario, A/A, daily looks).
    public init(
        experiments: Int = 1_000, days: Int = 28, plannedDays: Int = 28, looksPerDay: Int = 1,
        unitsPerDayPerArm: Int = 200, metric: Metric = .proportion(rate: 0.1), relativeEffect: Double = 0,
        alpha: Double = 0.05, spending: SpendingFunction = .obrienFleming, sequentialTuning: Double = 5_000,
        seed: UInt = 20_261_130, calendar: Bool = false, ramp: Bool = false
    ) {
        self.calendar = calendar
        self.ramp = ramp
        self.experiments = experiments
        self.days = days
        self.plannedDays = plannedDays
        self.looksPerDay = looksPerDay
        self.unitsPerDayPerArm = unitsPerDayPerArm
        self.metric = metric
        self.relativeEffect = relativeEffect
        self.alpha = alpha
        self.spending = spending
        self.sequentialTuning = sequentialTuning
        self.seed = seed
    }

    /// Runs the simulation.
    public func run() -> SequentialDesignReport {
        let clock = ContinuousClock(), start = clock.now
        let random = RandomSource(seed: seed)
        let perDay = max(looksPerDay, 1)
        let lookCount = max(days, 1) * perDay
        // New units per arm at each look: the day's units in equal shares.
        let perLook = (1...lookCount).map { look in max(unitsPerArm(day: (look - 1) / perDay + 1) / perDay, 1) }
        var lookUnits: [Double] = [], total = 0
        for n in perLook { total += 2 * n; lookUnits.append(Double(total)) }
        let plannedLook = max(plannedDays, 1) * perDay
        let maximumUnits = lookUnits[min(plannedLook, lookCount) - 1] + Double(2 * perLook.last! * max(plannedLook - lookCount, 0))
        let lookDays = (1...lookCount).map { Double($0) / Double(perDay) }
        let mixture = EffectTest(settings: TestSettings(alpha: alpha, sequential: true, sequentialTuning: sequentialTuning))
        let fixed = EffectTest(settings: TestSettings(alpha: alpha))
        var mixtureDays: [Double?] = [], spendingDays: [Double?] = [], oneSidedFired = 0, fixedFired = 0
        for _ in 0..<max(experiments, 0) {
            var control = RegressionAdjustedStatistics(), treatment = RegressionAdjustedStatistics()
            var mixtureDay: Double?, spendingDay: Double?, oneSided = false
            for look in 1...lookCount {
                add(perLook[look - 1], to: &control, effect: 0, random: random)
                add(perLook[look - 1], to: &treatment, effect: relativeEffect, random: random)
                let day = lookDays[look - 1]
                let plan = AlphaSpendingPlan(
                    spending: spending, maximumUnits: maximumUnits, earlierLooks: Array(lookUnits[..<(look - 1)]),
                    calendar: calendar ? .init(horizonDays: Double(plannedDays), earlierDays: Array(lookDays[..<(look - 1)]), days: day) : nil
                )
                let spendingTest = EffectTest(settings: TestSettings(alpha: alpha, sequential: true, sequentialMethod: .alphaSpending(plan)))
                let oneSidedTest = EffectTest(settings: TestSettings(
                    alpha: alpha, alternative: .treatmentGreater, sequential: true, sequentialMethod: .alphaSpending(plan)
                ))
                if mixtureDay == nil, significant(mixture, control, treatment) { mixtureDay = day }
                if spendingDay == nil, significant(spendingTest, control, treatment) { spendingDay = day }
                if !oneSided, significant(oneSidedTest, control, treatment) { oneSided = true }
                if look == plannedLook, significant(fixed, control, treatment) { fixedFired += 1 }
            }
            mixtureDays.append(mixtureDay)
            spendingDays.append(spendingDay)
            if oneSided { oneSidedFired += 1 }
        }
        let elapsed = clock.now - start
        let n = Double(max(experiments, 1))
        return SequentialDesignReport(
            simulation: self,
            mixture: .init(decisionDays: mixtureDays),
            alphaSpending: .init(decisionDays: spendingDays),
            alphaSpendingOneSidedRate: Double(oneSidedFired) / n,
            fixedAtPlannedEndRate: Double(fixedFired) / n,
            monteCarloStandardError: (alpha * (1 - alpha) / n).squareRoot(),
            elapsedSeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        )
    }

    private func significant(_ test: EffectTest, _ control: RegressionAdjustedStatistics, _ treatment: RegressionAdjustedStatistics) -> Bool {
        switch metric {
        case .proportion:
            let c = SampleStatistics.proportion(successes: control.postSum, units: control.units)
            let t = SampleStatistics.proportion(successes: treatment.postSum, units: treatment.units)
            return test.compare(control: c, treatment: t).isSignificant
        case .normal(_, _, _, true):
            return test.compare(control: control, treatment: treatment).isSignificant
        default:
            return test.compare(control: control.unadjusted, treatment: treatment.unadjusted).isSignificant
        }
    }

    /// Adds `units` units to an arm.
    private func add(_ units: Int, to arm: inout RegressionAdjustedStatistics, effect: Double, random: RandomSource) {
        switch metric {
        case .proportion(let rate):
            let successes = Double(random.binomial(probability: min(max(rate * (1 + effect), 0), 1), trials: units))
            arm.postSum += successes
            arm.postSumSquares += successes
        case .lognormal(let logMean, let logSD):
            for _ in 0..<units {
                let y = random.lognormal(zeta: logMean, sigma: logSD) * (1 + effect)
                arm.postSum += y
                arm.postSumSquares += y * y
            }
        case .normal(let mean, let sd, let rho, _):
            let residual = (1 - rho * rho).squareRoot()
            for _ in 0..<units {
                let z1 = random.gaussian(sigma: 1), z2 = random.gaussian(sigma: 1)
                let x = mean + sd * z1
                let y = mean * (1 + effect) + sd * (rho * z1 + residual * z2)
                arm.postSum += y
                arm.postSumSquares += y * y
                arm.preSum += x
                arm.preSumSquares += x * x
                arm.crossSum += x * y
            }
        }
        arm.units += units
    }
}
