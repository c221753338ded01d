import Foundation
import RampartStats

/// A representative experiment — one control, one treatment — and the full analysis the
/// verdict policy runs on it. Used by ``StatsBenchmark``.
struct ExperimentAnalysisExample {
    let counts = [10_112, 10_047]
    let completion = (SampleStatistics.proportion(successes: 7_411, units: 10_112), SampleStatistics.proportion(successes: 7_530, units: 10_047))
    let escalation = (SampleStatistics.proportion(successes: 812, units: 10_112), SampleStatistics.proportion(successes: 779, units: 10_047))
    let errors = (SampleStatistics.proportion(successes: 153, units: 10_112), SampleStatistics.proportion(successes: 149, units: 10_047))
    let tokens = (
        SampleStatistics(units: 10_112, sum: 14_380_112, sumSquares: 2.61e10),
        SampleStatistics(units: 10_047, sum: 13_902_050, sumSquares: 2.48e10)
    )
    let latency = (
        RegressionAdjustedStatistics(units: 10_112, postSum: 2.05e7, postSumSquares: 5.1e10, preSum: 1.98e7, preSumSquares: 4.7e10, crossSum: 4.3e10),
        RegressionAdjustedStatistics(units: 10_047, postSum: 1.99e7, postSumSquares: 4.9e10, preSum: 1.97e7, preSumSquares: 4.65e10, crossSum: 4.2e10)
    )
    let cost = (
        RatioStatistics(units: 10_112, numeratorSum: 212.4, numeratorSumSquares: 9.1, denominatorSum: 7_411, denominatorSumSquares: 11_800, crossSum: 291.0),
        RatioStatistics(units: 10_047, numeratorSum: 205.9, numeratorSumSquares: 8.7, denominatorSum: 7_530, denominatorSumSquares: 11_950, crossSum: 283.5)
    )
    let p95 = (
        QuantileStatistics(units: 10_112, level: 0.95, estimate: 3_650, sumM: 48_210, sumMSquares: 402_000, sumY: 45_800, sumYSquares: 372_500, sumYM: 386_900),
        QuantileStatistics(units: 10_047, level: 0.95, estimate: 3_580, sumM: 47_930, sumMSquares: 398_100, sumY: 45_533, sumYSquares: 368_700, sumYM: 383_100)
    )
    let latencyHistogram: Histogram? = Histogram(
        edges: stride(from: 0.0, through: 10_000, by: 100).map { $0 },
        counts: (0..<100).map { bin in Int((5_000 * exp(-Double(bin) / 12)).rounded()) + 1 }
    )

    /// Runs every test the verdict policy needs and folds the results into a checksum,
    /// so the optimiser cannot drop any of the work.
    func analyse() -> Double {
        var checksum = 0.0
        var pValues: [Double?] = []
        let srm = SampleRatioMismatch().test(counts: counts, weights: [0.5, 0.5])
        checksum += srm.pValue ?? 0

        let fixed = EffectTest()
        let sequential = EffectTest(settings: TestSettings(sequential: true))
        for pair in [completion, escalation, errors] {
            let f = fixed.compare(control: pair.0, treatment: pair.1)
            let s = sequential.compare(control: pair.0, treatment: pair.1)
            pValues.append(f.relative.pValue)
            checksum += (s.relative.upper ?? 0) + (f.absolute.lower ?? 0)
        }
        checksum += BayesianComparison().compare(control: completion.0, treatment: completion.1).chanceToBeatControl ?? 0

        let guardrail = GuardrailTest(margin: .relative(0.02), direction: .lowerIsBetter)
        for pair in [escalation, errors] {
            let g = guardrail.evaluate(control: pair.0, treatment: pair.1)
            checksum += g.decision == .nonInferior ? 1 : (g.effect.upper ?? 0)
        }
        let tokenResult = fixed.compare(control: tokens.0, treatment: tokens.1)
        pValues.append(tokenResult.absolute.pValue)
        let latencyResult = fixed.compare(control: latency.0, treatment: latency.1)
        pValues.append(latencyResult.absolute.pValue)
        let costResult = sequential.compare(control: cost.0, treatment: cost.1)
        pValues.append(costResult.relative.pValue)
        checksum += CeilingTest(ceiling: 0.03).evaluate(cost.1).statistic.upper ?? 0

        if let histogram = latencyHistogram,
           case .success(let control) = p95.0.interval(distribution: histogram),
           case .success(let treatment) = p95.1.interval(distribution: histogram) {
            let q = fixed.compare(control: control, treatment: treatment)
            pValues.append(q.absolute.pValue)
            checksum += CeilingTest(ceiling: 4_000).evaluate(p95.1, distribution: histogram).statistic.upper ?? 0
        }
        for value in MultipleComparisons.adjust(pValues, method: .holm) { checksum += value ?? 0 }
        for value in MultipleComparisons.adjust(pValues, method: .benjaminiHochberg) { checksum += value ?? 0 }
        return checksum
    }
}
