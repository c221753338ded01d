import Testing
import RampartStats

/// Degenerate input gives a result that says why: never a crash, never a silent number.
@Suite("Degenerate input")
struct DegenerateInputTests {
    private let healthy = SampleStatistics(units: 100, sum: 500, sumSquares: 3_000)

    private func expectAbsent(_ estimate: EffectEstimate, _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reasonName(estimate.problem) == reason, sourceLocation: sourceLocation)
        #expect(estimate.lower == nil && estimate.upper == nil && estimate.pValue == nil, sourceLocation: sourceLocation)
    }

    @Test func nanAndInfinityAreReported() {
        for bad in [Double.nan, .infinity, -.infinity] {
            let result = EffectTest().compare(control: SampleStatistics(units: 100, sum: bad, sumSquares: 3_000), treatment: healthy)
            expectAbsent(result.absolute, "nonFiniteInput")
            expectAbsent(result.relative, "nonFiniteInput")
            #expect(reasonName(result.problem) == "nonFiniteInput")
            let ratio = EffectTest().compare(
                control: RatioStatistics(units: 10, numeratorSum: 1, numeratorSumSquares: 1, denominatorSum: 2, denominatorSumSquares: bad, crossSum: 1),
                treatment: RatioStatistics(units: 10, numeratorSum: 1, numeratorSumSquares: 1, denominatorSum: 2, denominatorSumSquares: 4, crossSum: 1)
            )
            expectAbsent(ratio.absolute, "nonFiniteInput")
        }
    }

    @Test func zeroUnitsAndOneUnit() {
        let none = EffectTest().compare(control: SampleStatistics(), treatment: healthy)
        expectAbsent(none.absolute, "noUnits")
        let one = EffectTest(settings: TestSettings(sequential: true)).compare(
            control: SampleStatistics(units: 1, sum: 3, sumSquares: 9), treatment: healthy
        )
        #expect(one.problem == .tooFewUnits(required: 2, actual: 1))
    }

    @Test func zeroVarianceKeepsThePointEstimateOnly() {
        let a = SampleStatistics(units: 10, sum: 50, sumSquares: 250)
        let b = SampleStatistics(units: 10, sum: 60, sumSquares: 360)
        let result = EffectTest().compare(control: a, treatment: b)
        expectAbsent(result.absolute, "zeroVariance")
        #expect(result.absolute.estimate == 1)
        let guardrail = GuardrailTest(margin: .relative(0.02), direction: .lowerIsBetter).evaluate(control: a, treatment: b)
        #expect(guardrail.decision == .inconclusive && guardrail.problem == .zeroVariance)
        let bayes = BayesianComparison().compare(control: a, treatment: b)
        #expect(bayes.chanceToBeatControl == nil && bayes.problem == .zeroVariance)
        let ceiling = CeilingTest(ceiling: 10).evaluate(a)
        #expect(ceiling.decision == .inconclusive && ceiling.problem == .zeroVariance)
    }

    @Test func zeroDenominatorAndZeroControlMean() {
        let zero = RatioStatistics(units: 5, numeratorSum: 3, numeratorSumSquares: 3)
        #expect(EffectTest().compare(control: zero, treatment: zero).problem == .zeroDenominator)
        let result = EffectTest().compare(control: SampleStatistics.proportion(successes: 0, units: 50), treatment: SampleStatistics.proportion(successes: 3, units: 50))
        #expect(result.absolute.pValue != nil)
        expectAbsent(result.relative, "zeroControlMean")
        let guardrail = GuardrailTest(margin: .relative(0.1), direction: .lowerIsBetter)
            .evaluate(control: SampleStatistics.proportion(successes: 0, units: 50), treatment: .proportion(successes: 3, units: 50))
        #expect(guardrail.problem == .zeroControlMean && guardrail.decision == .inconclusive)
    }

    @Test func inconsistentInputs() {
        #expect(EffectTest().compare(control: SampleStatistics(units: -3, sum: 1, sumSquares: 1), treatment: healthy).problem
            == .invalidInput("negative unit count"))
        #expect(reasonName(EffectTest().compare(control: .proportion(successes: 60, units: 50), treatment: healthy).problem) == "invalidInput")
        #expect(reasonName(EffectTest().compare(control: SampleStatistics(units: 10, sum: 100, sumSquares: 10), treatment: healthy).problem) == "invalidInput")
    }

    @Test func invalidSettings() {
        for alpha in [0, 1, -0.1, 1.5, Double.nan] {
            let result = EffectTest(settings: TestSettings(alpha: alpha)).compare(control: healthy, treatment: healthy)
            expectAbsent(result.absolute, "invalidSetting")
        }
        let tuning = EffectTest(settings: TestSettings(sequential: true, sequentialTuning: 0)).compare(control: healthy, treatment: healthy)
        expectAbsent(tuning.absolute, "invalidSetting")
        let margin = GuardrailTest(margin: .relative(-0.1), direction: .lowerIsBetter).evaluate(control: healthy, treatment: healthy)
        #expect(reasonName(margin.problem) == "invalidSetting")
        #expect(reasonName(SampleRatioMismatch(threshold: 0).test(counts: [1, 2], weights: [1, 1]).problem) == "invalidSetting")
    }

    @Test func quantileProblems() {
        let empty = QuantileStatistics(units: 10, level: 0.95, estimate: 1)
        #expect(empty.probabilityInterval().failureReason == .zeroDenominator)
        let bad = QuantileStatistics(units: 10, level: 1.2, estimate: 1, sumM: 10, sumMSquares: 10, sumY: 9, sumYSquares: 9, sumYM: 9)
        #expect(reasonName(bad.probabilityInterval().failureReason) == "invalidInput")
        let ok = QuantileStatistics(units: 4, level: 0.5, estimate: 2, sumM: 8, sumMSquares: 20, sumY: 4, sumYSquares: 6, sumYM: 10)
        #expect(ok.interval(distribution: SortedSample([])).failureReason == .emptyDistribution)
        let ceiling = CeilingTest(ceiling: 3).evaluate(ok, distribution: SortedSample([]))
        #expect(ceiling.problem == .emptyDistribution && ceiling.decision == .inconclusive)
        #expect(Histogram(edges: [0, 1], counts: [1, 2]) == nil)
        #expect(Histogram(edges: [1, 0], counts: [1]) == nil)
        #expect(Histogram(edges: [0, 1], counts: [0])?.value(atProbability: 0.5, rounding: .up) == nil)
        #expect(SortedSample([1, 2]).value(atProbability: .nan, rounding: .up) == nil)
    }

    @Test func srmProblems() {
        let srm = SampleRatioMismatch()
        #expect(srm.test(counts: [0, 0], weights: [0.5, 0.5]).problem == .noUnits)
        #expect(reasonName(srm.test(counts: [1, 2, 3], weights: [0.5, 0.5]).problem) == "invalidInput")
        #expect(reasonName(srm.test(counts: [1, 2], weights: [0.5, .nan]).problem) == "invalidInput")
        #expect(reasonName(srm.test(counts: [1, -2], weights: [0.5, 0.5]).problem) == "invalidInput")
        #expect(srm.test(counts: [500, 500], weights: [0.5, 0.5]).pValue == 1)
    }

    @Test func correctionsSkipInvalidPValues() {
        let adjusted = MultipleComparisons.adjust([0.01, .nan, nil, 2, 0.02], method: .holm)
        #expect(adjusted[1] == nil && adjusted[2] == nil && adjusted[3] == nil)
        #expect(adjusted[0] == 0.02 && adjusted[4] == 0.02)
        #expect(MultipleComparisons.adjust([Double](), method: .benjaminiHochberg).isEmpty)
    }

    @Test func powerProblems() {
        let analysis = PowerAnalysis()
        #expect(reasonName(analysis.requiredUnits(effect: 0, standardDeviation: 1).failureReason) == "invalidInput")
        #expect(analysis.requiredUnits(effect: 1, standardDeviation: 0).failureReason == .zeroVariance)
        #expect(reasonName(PowerAnalysis(power: 0.01).requiredUnits(effect: 1, standardDeviation: 1).failureReason) == "invalidSetting")
        #expect(analysis.plan(baselineMean: 0, standardDeviation: 1, relativeEffect: 0.1, dailyUnits: 100).failureReason == .zeroControlMean)
        #expect(reasonName(analysis.minimumDetectableEffect(standardDeviation: .nan, controlUnits: 1, treatmentUnits: 1).failureReason) == "nonFiniteInput")
    }
}

extension Result {
    var failureReason: Failure? {
        if case .failure(let reason) = self { return reason }
        return nil
    }
}
