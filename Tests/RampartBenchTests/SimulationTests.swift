import Testing
import RampartBench
import RampartStats

/// Smaller versions of the simulations `rampart bench` runs in full (see docs/statistics.md).
@Suite("Simulations")
struct SimulationTests {
    @Test("A/A with daily peeking: sequential stays within alpha, fixed-horizon inflates")
    func aaPeeking() {
        let report = SequentialSimulation(experiments: 400, days: 28, unitsPerDayPerArm: 200, metric: .proportion(rate: 0.1)).run()
        #expect(report.sequentialWithinAlpha, "\(report)")
        #expect(report.fixedHorizonAnyLookRate > 0.05 + 3 * report.monteCarloStandardError, "\(report)")
        #expect(report.fixedHorizonAnyLookRate > report.sequentialTwoSidedRate)
        #expect(abs(report.fixedHorizonFinalLookRate - 0.05) < 4 * report.monteCarloStandardError, "\(report)")
    }

    @Test("advance_risk: a lower threshold holds more A/A looks and lets fewer harmful rollouts widen")
    func guardrailRisk() {
        let thresholds = [0.2, 0.5, 0.8, 1.0]
        let aa = GuardrailRiskSimulation(rollouts: 150, horizonDays: 40, thresholds: thresholds).run()
        let harm = GuardrailRiskSimulation(rollouts: 150, horizonDays: 40, relativeEffect: 0.4, thresholds: thresholds).run()
        // The rule off (1.0) never holds; every A/A reaches 100 % in about a week, every +40 % rollout widens first.
        #expect(aa[3].heldLooks == 0 && harm[3].heldLooks == 0)
        #expect(aa[3].reachedLastStage == 1 && harm[3].advancedPastFirstStage == 1, "\(aa[3]) \(harm[3])")
        for i in 0..<3 {
            #expect(aa[i].heldLooks > aa[i + 1].heldLooks, "\(aa)")
            #expect((aa[i].meanDaysToLastStage ?? .infinity) > (aa[i + 1].meanDaysToLastStage ?? 0), "\(aa)")
            #expect(harm[i].advancedPastFirstStage <= harm[i + 1].advancedPastFirstStage, "\(harm)")
            #expect(harm[i].meanTreatedUnits < harm[i + 1].meanTreatedUnits, "\(harm)")
        }
        // Every +40 % regression is rolled back, and the default (0.5) keeps most of them at the first stage.
        #expect(harm.allSatisfy { $0.rolledBack == 1 }, "\(harm)")
        #expect(harm[1].advancedPastFirstStage < 0.25, "\(harm[1])")
        #expect(aa[1].reachedLastStage > 0.85, "\(aa[1])")
    }

    @Test("A/A on a heavy-tailed mean")
    func aaLognormal() {
        let report = SequentialSimulation(
            experiments: 200, days: 14, unitsPerDayPerArm: 100,
            metric: .lognormal(logMean: 7, logStandardDeviation: 1), seed: 11
        ).run()
        #expect(report.sequentialWithinAlpha, "\(report)")
    }

    @Test("fixed-horizon power matches the power calculator", arguments: [
        SequentialSimulation.Metric.normal(mean: 100, standardDeviation: 20),
        .proportion(rate: 0.3),
    ])
    func fixedPower(metric: SequentialSimulation.Metric) throws {
        let (mean, sd): (Double, Double) = switch metric {
        case .normal(let m, let s): (m, s)
        case .proportion(let p): (p, (p * (1 - p)).squareRoot())
        case .lognormal: (1, 1)
        }
        let relative = 0.04
        let units = try PowerAnalysis().requiredUnits(effect: mean * relative, standardDeviation: sd).get()
        let report = SequentialSimulation(
            experiments: 2_000, days: 1, unitsPerDayPerArm: Int(units.control.rounded(.up)),
            metric: metric, relativeEffect: relative, seed: 3
        ).run()
        #expect(abs(report.fixedHorizonFinalLookRate - 0.8) < 0.04, "\(report)")
    }

    @Test("sequential power at the planned day reaches the target")
    func sequentialPower() throws {
        let daily = 400
        let plan = try PowerAnalysis().plan(baselineMean: 100, standardDeviation: 20, relativeEffect: 0.03, dailyUnits: Double(2 * daily)).get()
        let report = SequentialSimulation(
            experiments: 500, days: Int(plan.sequentialDays.rounded(.up)), unitsPerDayPerArm: daily,
            metric: .normal(mean: 100, standardDeviation: 20), relativeEffect: 0.03, seed: 5
        ).run()
        #expect(report.sequentialTwoSidedRate > 0.8 - 0.05, "\(report)")
    }

    @Test("clustered quantile intervals keep coverage; naive ones do not")
    func quantileCoverage() {
        let report = QuantileCoverageSimulation(replications: 300, units: 200).run()
        #expect(report.replications == 300)
        #expect(abs(report.clusteredCoverage - 0.95) < 0.04, "\(report)")
        #expect(report.naiveCoverage < 0.88, "\(report)")
    }

    @Test func benchmarkRunsAndReportsFiniteTimings() {
        let result = StatsBenchmark.run(iterations: 20)
        #expect(result.iterations == 20)
        #expect(result.medianNanoseconds > 0 && result.checksum.isFinite)
    }
}
