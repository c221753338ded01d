import Testing
import RampartStats

/// Structural properties of the methods that the reference values do not pin down.
@Suite("Properties")
struct PropertyTests {
    private let control = SampleStatistics.proportion(successes: 4_100, units: 10_000)
    private let treatment = SampleStatistics.proportion(successes: 4_260, units: 10_000)

    @Test func sequentialIntervalIsWiderThanFixedAndAgreesWithItsPValue() throws {
        let fixed = EffectTest().compare(control: control, treatment: treatment)
        let sequential = EffectTest(settings: TestSettings(sequential: true)).compare(control: control, treatment: treatment)
        let f = fixed.absolute, s = sequential.absolute
        #expect(try #require(s.lower) < #require(f.lower))
        #expect(try #require(s.upper) > #require(f.upper))
        #expect(try #require(s.pValue) >= #require(f.pValue))
        #expect(sequential.degreesOfFreedom == nil)
        // Always-valid p < α exactly when the confidence sequence excludes zero.
        for successes in stride(from: 4_100.0, through: 4_400, by: 10) {
            let r = EffectTest(settings: TestSettings(sequential: true))
                .compare(control: control, treatment: .proportion(successes: successes, units: 10_000)).absolute
            #expect(r.excludes(0) == (try #require(r.pValue) < 0.05))
        }
    }

    @Test func oneSidedIntervalsAreOpenOnOneSide() throws {
        for sequential in [false, true] {
            let greater = EffectTest(settings: TestSettings(alternative: .treatmentGreater, sequential: sequential))
                .compare(control: control, treatment: treatment).absolute
            #expect(greater.upper == .infinity)
            let less = EffectTest(settings: TestSettings(alternative: .treatmentLess, sequential: sequential))
                .compare(control: control, treatment: treatment).absolute
            #expect(less.lower == -.infinity)
            let two = EffectTest(settings: TestSettings(sequential: sequential)).compare(control: control, treatment: treatment).absolute
            // A one-sided bound is tighter than the two-sided one on the same side.
            #expect(try #require(greater.lower) > #require(two.lower))
            #expect(try #require(less.upper) < #require(two.upper))
        }
    }

    @Test func guardrailAndCeilingDecisionsMatchTheirPValues() throws {
        let test = GuardrailTest(margin: .relative(0.02), direction: .lowerIsBetter)
        for successes in stride(from: 3_800.0, through: 4_700, by: 25) {
            let r = test.evaluate(control: control, treatment: .proportion(successes: successes, units: 10_000))
            #expect((r.decision == .nonInferior) == (try #require(r.pValueNonInferior) < 0.05))
            #expect((r.decision == .regression) == (try #require(r.pValueRegression) < 0.05))
        }
        let ceiling = CeilingTest(ceiling: 0.42)
        for successes in stride(from: 3_900.0, through: 4_500, by: 25) {
            let r = ceiling.evaluate(SampleStatistics.proportion(successes: successes, units: 10_000))
            #expect((r.decision == .belowCeiling) == (try #require(r.pValueBelow) < 0.05))
            #expect((r.decision == .aboveCeiling) == (try #require(r.pValueAbove) < 0.05))
        }
    }

    @Test func guardrailDirectionsMirrorEachOther() {
        let worse = SampleStatistics.proportion(successes: 4_600, units: 10_000)
        let lowerIsBetter = GuardrailTest(margin: .absolute(0.01), direction: .lowerIsBetter).evaluate(control: control, treatment: worse)
        #expect(lowerIsBetter.decision == .regression)
        let higherIsBetter = GuardrailTest(margin: .absolute(0.01), direction: .higherIsBetter).evaluate(control: worse, treatment: control)
        #expect(higherIsBetter.decision == .regression)
        let safe = GuardrailTest(margin: .absolute(0.05), direction: .lowerIsBetter).evaluate(control: control, treatment: control)
        #expect(safe.decision == .nonInferior)
    }

    @Test func cupedShrinksTheStandardError() throws {
        let c = RegressionAdjustedStatistics(units: 1_000, postSum: 1_000_000, postSumSquares: 1.04e9, preSum: 990_000, preSumSquares: 1.0201e9, crossSum: 1.0190e9)
        let t = RegressionAdjustedStatistics(units: 1_000, postSum: 1_010_000, postSumSquares: 1.0605e9, preSum: 995_000, preSumSquares: 1.0302e9, crossSum: 1.0340e9)
        let adjusted = EffectTest().compare(control: c, treatment: t)
        let raw = EffectTest().compare(control: c.unadjusted, treatment: t.unadjusted)
        #expect(try #require(adjusted.absolute.standardError) < #require(raw.absolute.standardError))
        let constant = RegressionAdjustedStatistics(units: 10, postSum: 10, postSumSquares: 12, preSum: 10, preSumSquares: 10, crossSum: 10)
        #expect(try RegressionAdjustedStatistics.theta(control: constant, treatment: constant).get() == 0)
    }

    @Test func histogramIntervalsWidenToBinEdges() throws {
        let histogram = try #require(Histogram(edges: [0, 100, 200, 300, 400], counts: [10, 20, 30, 40]))
        #expect(histogram.value(atProbability: 0.5, rounding: .up) == 300)
        #expect(histogram.value(atProbability: 0.5, rounding: .down) == 200)
        #expect(histogram.value(atProbability: 0, rounding: .down) == 0)
        #expect(histogram.value(atProbability: 1, rounding: .up) == 400)
        let sample = SortedSample([5, 1, 4, .nan, 2, 3])
        #expect(sample.values == [1, 2, 3, 4, 5])
        #expect(sample.quantile(0.5) == 3)
        #expect(sample.value(atProbability: 0.5, rounding: .down) == 2)
    }

    @Test func quantileTwoStepProtocolAgreesWithQuantileInterval() throws {
        let statistics = QuantileStatistics(units: 200, level: 0.9, estimate: 90, sumM: 1_000, sumMSquares: 6_000, sumY: 905, sumYSquares: 4_950, sumYM: 5_440)
        let sample = SortedSample((1...1_000).map { Double($0) / 10 })
        let probabilities = try statistics.probabilityInterval().get()
        let interval = try statistics.interval(distribution: sample).get()
        #expect(interval.lower == sample.value(atProbability: probabilities.lower, rounding: .down))
        #expect(interval.upper == sample.value(atProbability: probabilities.upper, rounding: .up))
        #expect(interval.lower <= 90 && 90 <= interval.upper)
        let byHand = QuantileInterval(estimate: 90, lower: interval.lower, upper: interval.upper, multiplier: probabilities.multiplier, units: 200)
        #expect(byHand == interval)
        let sequential = try statistics.interval(settings: TestSettings(sequential: true), distribution: sample).get()
        #expect(sequential.lower <= interval.lower && sequential.upper >= interval.upper)
        let ceiling = CeilingTest(ceiling: 120, settings: TestSettings(sequential: false)).evaluate(statistics, distribution: sample)
        #expect(ceiling.decision == .belowCeiling)
        #expect(CeilingTest(ceiling: 50).evaluate(statistics, distribution: sample).decision == .aboveCeiling)
    }

    @Test func sequentialPlanNeedsMoreUnitsThanFixed() throws {
        let plan = try PowerAnalysis().plan(baselineMean: 0.7, standardDeviation: (0.7 * 0.3).squareRoot(), relativeEffect: 0.03, dailyUnits: 2_000).get()
        #expect(plan.sequentialUnits > plan.fixedHorizonUnits.total)
        #expect(plan.sequentialDays > plan.fixedHorizonDays)
        #expect(abs(plan.fixedHorizonDays - plan.fixedHorizonUnits.total / 2_000) < 1e-9)
        let oneSided = try PowerAnalysis(oneSided: true).plan(baselineMean: 0.7, standardDeviation: (0.7 * 0.3).squareRoot(), relativeEffect: 0.03, dailyUnits: 2_000).get()
        #expect(oneSided.sequentialUnits < plan.sequentialUnits)
    }

    @Test func horizonUnitsAndMDEAreInversesAndAgreeWithTheTwoArmPlan() throws {
        for analysis in [PowerAnalysis(), PowerAnalysis(oneSided: true), PowerAnalysis(alpha: 0.01, power: 0.9, sequentialTuning: 20_000)] {
            for t in [500.0, 8_000, 250_000] {
                let mde = try analysis.sequentialMinimumDetectableEffect(standardErrorScale: 1.3, units: t).get()
                let back = try analysis.sequentialUnits(effect: mde, standardErrorScale: 1.3).get()
                #expect(abs(back - t) < 1e-6 * t, "sequential, t = \(t)")
                let fixed = try analysis.fixedMinimumDetectableEffect(standardErrorScale: 1.3, units: t).get()
                #expect(abs(try analysis.fixedUnits(effect: fixed, standardErrorScale: 1.3).get() - t) < 1e-6 * t, "fixed, t = \(t)")
                #expect(fixed < mde, "always-valid intervals are wider than one look's")
            }
        }
        // Two arms with shares 1/3 and 2/3 and per-unit sd σ: SE·√t = σ·√(3 + 3/2).
        let analysis = PowerAnalysis(controlShare: 1.0 / 3, treatmentShare: 2.0 / 3)
        let sd = (0.3 * 0.7).squareRoot()
        let twoArm = try analysis.sequentialUnits(effect: 0.02, standardDeviation: sd).get()
        let scaled = try analysis.sequentialUnits(effect: 0.02, standardErrorScale: sd * 4.5.squareRoot()).get()
        #expect(abs(twoArm - scaled) < 1e-9 * twoArm)
        let required = try analysis.requiredUnits(effect: 0.02, standardDeviation: sd).get().total
        #expect(abs(try analysis.fixedUnits(effect: 0.02, standardErrorScale: sd * 4.5.squareRoot()).get() - required) < 1e-6 * required)
        #expect(analysis.sequentialUnits(effect: 0, standardErrorScale: 1).failureReason != nil, "no sample size decides a zero distance")
        #expect(analysis.sequentialMinimumDetectableEffect(standardErrorScale: 0, units: 10).failureReason != nil)
    }

    @Test func concurrentUseIsSafeAndDeterministic() async {
        let expected = EffectTest(settings: TestSettings(alternative: .treatmentGreater, sequential: true)).compare(control: control, treatment: treatment)
        let results = await withTaskGroup(of: TestResult.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    EffectTest(settings: TestSettings(alternative: .treatmentGreater, sequential: true)).compare(control: control, treatment: treatment)
                }
            }
            var all: [TestResult] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 64 && results.allSatisfy { $0 == expected })
    }
}
