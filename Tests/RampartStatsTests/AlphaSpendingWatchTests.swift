import Testing
@testable import RampartStats

/// A guardrail's α-spending design with the always-valid watch (``AlphaSpendingPlan/watchShare``): the multiplier is
/// the smaller of the boundary at (1 − w)·α and the one-sided mixture at w·α, and it keeps deciding past the maximum.
@Suite("Alpha-spending watch")
struct AlphaSpendingWatchTests {
    let looks = (1...28).map { Double($0 * 400) }

    private func guardrail(_ plan: AlphaSpendingPlan) -> GuardrailTest {
        GuardrailTest(margin: .absolute(0), direction: .lowerIsBetter, settings: TestSettings(sequential: true, sequentialMethod: .alphaSpending(plan)))
    }

    /// A comparison over `units` units in all whose harm is `z` standard errors (each arm's estimator variance is
    /// 0.5, so SE = 1).
    private func pair(z: Double, units: Int) -> ArmPair {
        ArmPair(control: ArmEstimate(mean: 0, variance: 0.5, units: units / 2), treatment: ArmEstimate(mean: z, variance: 0.5, units: units - units / 2))
    }

    @Test("the one-sided multiplier is min(boundary at 0.8α, mixture at 0.2α tuned at the maximum), computed directly")
    func multiplierIsTheSmallerOfTheTwo() throws {
        for (k, units) in [(1, 400.0), (14, 5_600), (28, 11_200), (35, 14_000), (60, 24_000)] {
            let plan = AlphaSpendingPlan(maximumUnits: 11_200, earlierLooks: Array(looks.prefix(k - 1)), watchShare: 0.2)
            let design = AlphaSpendingBoundary(alpha: 0.04, spending: .obrienFleming, maximumUnits: 11_200, oneSided: true)
            let spent = try #require(design.boundaries(looks: Array(looks.prefix(min(k - 1, 28))) + [units])?.last)
            let mixture = try #require(SequentialBoundary.oneSided(alpha: 0.01, tuning: 11_200).oneSidedMultiplier(units: units))
            let k = try #require(Inference.spendingMultiplier(plan: plan, alpha: 0.05, oneSided: true, units: units))
            #expect(abs(k - min(spent, mixture)) < 1e-12, "units \(units): \(k) vs \(spent), \(mixture)")
            // Two-sided tests ignore the watch.
            let twoSided = try #require(Inference.spendingMultiplier(plan: plan, alpha: 0.05, oneSided: false, units: units))
            let plain = try #require(Inference.spendingBoundary(plan: plan, alpha: 0.05, oneSided: false, units: units))
            #expect(twoSided == plain)
        }
    }

    @Test("past the maximum a regression is still detected with the watch, and not without it")
    func regressionPastTheMaximum() throws {
        let units = 35 * 400
        let plain = guardrail(AlphaSpendingPlan(maximumUnits: 11_200, earlierLooks: looks))
        let watched = guardrail(AlphaSpendingPlan(maximumUnits: 11_200, earlierLooks: looks, watchShare: 0.2))
        // Harm of 4 standard errors; the watch's multiplier at 14,000 units (n* = 11,200, 0.2α) is about 3.4.
        let harm = pair(z: 4, units: units)
        #expect(plain.evaluate(harm).decision == .inconclusive)
        let result = watched.evaluate(harm)
        #expect(result.decision == .regression)
        #expect(try #require(result.pValueRegression) < 0.05)
        // No harm: not a regression (the watch does not fire on noise-free data at the margin).
        #expect(watched.evaluate(pair(z: 0, units: units)).decision != .regression)
    }

    @Test("p < α exactly when the watched bound excludes the margin", arguments: [0.5, 1.9, 2.2, 2.6, 3.1, 4.5])
    func pValueMatchesTheBound(z: Double) throws {
        for (k, units) in [(14, 5_600), (28, 11_200), (40, 16_000)] {
            let plan = AlphaSpendingPlan(maximumUnits: 11_200, earlierLooks: Array(looks.prefix(k - 1)), watchShare: 0.2)
            let result = guardrail(plan).evaluate(pair(z: z, units: units))
            let p = try #require(result.pValueRegression)
            #expect((p < 0.05) == (result.decision == .regression), "z = \(z), units \(units): p = \(p), \(result.decision)")
            if z >= 4.5 { #expect(result.decision == .regression) }
            if z <= 0.5 { #expect(result.decision != .regression) }
        }
    }

    @Test("a watch share outside [0, 1) is an invalid setting")
    func invalidShare() {
        let result = guardrail(AlphaSpendingPlan(maximumUnits: 1_000, watchShare: 1)).evaluate(pair(z: 1, units: 100))
        #expect(result.problem == .invalidSetting("watchShare must lie in [0, 1)"))
    }

    @Test("the α-spending MDE now is (b + z_power)·s/√t at the design's boundary, and none once α is spent without a watch")
    func minimumDetectableEffect() throws {
        let s = 3.0, zPower = try #require(Distributions.normalQuantile(0.8))
        for oneSided in [false, true] {
            let analysis = PowerAnalysis(alpha: 0.05, power: 0.8, oneSided: oneSided)
            for (k, units) in [(5, 2_000.0), (20, 8_000), (28, 11_200)] {
                let plan = AlphaSpendingPlan(maximumUnits: 11_200, earlierLooks: Array(looks.prefix(k - 1)))
                let b = try #require(AlphaSpendingBoundary(alpha: 0.05, spending: .obrienFleming, maximumUnits: 11_200, oneSided: oneSided)
                    .boundaries(looks: Array(looks.prefix(k - 1)) + [units])?.last)
                let mde = try analysis.spendingMinimumDetectableEffect(standardErrorScale: s, units: units, plan: plan).get()
                #expect(abs(mde - (b + zPower) * s / units.squareRoot()) < 1e-12)
                // Not the mixture's.
                let mixture = try analysis.sequentialMinimumDetectableEffect(standardErrorScale: s, units: units).get()
                #expect(abs(mde - mixture) > 1e-3)
            }
            // Past the maximum: α is spent, no MDE; a one-sided test with a watch still has one, the watch's.
            let past = AlphaSpendingPlan(maximumUnits: 11_200, earlierLooks: looks)
            #expect((try? analysis.spendingMinimumDetectableEffect(standardErrorScale: s, units: 14_000, plan: past).get()) == nil)
            if oneSided {
                var watched = past
                watched.watchShare = 0.2
                let c = try #require(SequentialBoundary.oneSided(alpha: 0.01, tuning: 11_200).oneSidedMultiplier(units: 14_000))
                let mde = try analysis.spendingMinimumDetectableEffect(standardErrorScale: s, units: 14_000, plan: watched).get()
                #expect(abs(mde - (c + zPower) * s / 14_000.0.squareRoot()) < 1e-12)
            }
        }
    }
}
