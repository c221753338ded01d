import Testing
import RampartBench
import RampartStats

/// Smaller versions of `rampart bench sequential --designs` (docs/statistics.md, "Simulation: α-spending").
@Suite("Sequential designs")
struct SequentialDesignTests {
    @Test("A/A with daily looks: α-spending spends about α, and no more")
    func aaDaily() {
        let report = SequentialDesignSimulation(experiments: 300, days: 14, plannedDays: 14, unitsPerDayPerArm: 200, seed: 3).run()
        let limit = 0.05 + 3 * report.monteCarloStandardError
        #expect(report.alphaSpending.rate <= limit && report.alphaSpendingOneSidedRate <= limit, "\(report)")
    }

    @Test("A/A when the sample runs to four times the plan: no decision after α is spent")
    func aaOverrun() {
        let report = SequentialDesignSimulation(experiments: 300, days: 28, plannedDays: 7, unitsPerDayPerArm: 200, seed: 5).run()
        let limit = 0.05 + 3 * report.monteCarloStandardError
        #expect(report.alphaSpending.rate <= limit && report.alphaSpendingOneSidedRate <= limit, "\(report)")
    }

    @Test("A/A with twice-daily looks on a lognormal mean")
    func aaTwiceDaily() {
        let report = SequentialDesignSimulation(
            experiments: 200, days: 7, plannedDays: 7, looksPerDay: 2, unitsPerDayPerArm: 100,
            metric: .lognormal(logMean: 7, logStandardDeviation: 1), seed: 7
        ).run()
        #expect(report.alphaSpending.rate <= 0.05 + 3 * report.monteCarloStandardError, "\(report)")
    }

    @Test("power at +20 %: α-spending keeps ≥ 80 % of the fixed horizon's and beats the mixture")
    func power() {
        let report = SequentialDesignSimulation(experiments: 150, relativeEffect: 0.2, seed: 11).run()
        #expect(report.alphaSpending.rate >= 0.8 * report.fixedAtPlannedEndRate, "\(report)")
        #expect(report.alphaSpending.rate > report.mixture.rate, "\(report)")
    }
}

/// Smaller versions of `rampart bench sequential --designs --calendar` (the default design: α spent by day over the
/// horizon, the units giving the covariance; docs/statistics.md, "Default").
@Suite("Sequential designs, calendar time")
struct CalendarSpendingDesignTests {
    @Test("A/A with daily looks on ramped traffic (units per day grow 100×), 50 % past the horizon")
    func aaRampOverrun() {
        let report = SequentialDesignSimulation(experiments: 300, days: 21, plannedDays: 14, unitsPerDayPerArm: 100, seed: 19, calendar: true, ramp: true).run()
        let limit = 0.05 + 3 * report.monteCarloStandardError
        #expect(report.alphaSpending.rate <= limit && report.alphaSpendingOneSidedRate <= limit, "\(report)")
    }

    @Test("A/A when the run is four times the horizon: nothing is decided after α is spent")
    func aaFourTimesTheHorizon() {
        let report = SequentialDesignSimulation(experiments: 300, days: 28, plannedDays: 7, unitsPerDayPerArm: 200, seed: 23, calendar: true).run()
        let limit = 0.05 + 3 * report.monteCarloStandardError
        #expect(report.alphaSpending.rate <= limit && report.alphaSpendingOneSidedRate <= limit, "\(report)")
    }

    @Test("A/A with twice-daily looks on a lognormal mean")
    func aaTwiceDaily() {
        let report = SequentialDesignSimulation(
            experiments: 200, days: 7, plannedDays: 7, looksPerDay: 2, unitsPerDayPerArm: 100,
            metric: .lognormal(logMean: 7, logStandardDeviation: 1), seed: 29, calendar: true
        ).run()
        #expect(report.alphaSpending.rate <= 0.05 + 3 * report.monteCarloStandardError, "\(report)")
    }

    @Test("power at +20 %: calendar α-spending keeps ≥ 80 % of the fixed horizon's and beats the mixture, even on a ramp")
    func power() {
        for ramp in [false, true] {
            let report = SequentialDesignSimulation(experiments: 150, relativeEffect: 0.2, seed: 31, calendar: true, ramp: ramp).run()
            #expect(report.alphaSpending.rate >= 0.8 * report.fixedAtPlannedEndRate, "\(report)")
            #expect(report.alphaSpending.rate > report.mixture.rate, "\(report)")
        }
    }
}

/// Smaller versions of `rampart bench sequential --guardrail` (docs/statistics.md, "Guardrails past the maximum").
@Suite("Guardrail watch")
struct GuardrailWatchTests {
    @Test("A/A on a guardrail that runs to three times the plan: the watched design's false alarms stay ≤ α")
    func aaOverrun() {
        let report = GuardrailWatchSimulation(experiments: 300, days: 21, plannedDays: 7, seed: 13).run()
        #expect(report.watched.rate <= 0.05 + 3 * report.monteCarloStandardError, "\(report)")
        #expect(report.alphaSpending.afterMaximumRate == 0, "\(report)")
    }

    @Test("a regression that begins after the maximum: the watch detects it, α-spending alone cannot")
    func regressionAfterTheMaximum() {
        let report = GuardrailWatchSimulation(experiments: 100, days: 28, plannedDays: 7, relativeEffect: 0.5, effectFromDay: 7, seed: 17).run()
        #expect(report.alphaSpending.afterMaximumRate == 0, "\(report)")
        #expect(report.watched.afterMaximumRate >= 0.8, "\(report)")
    }
}
