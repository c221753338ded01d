import Testing
import RampartStats

/// Properties of the α-spending design that hold whatever the reference values.
@Suite("Alpha-spending design")
struct AlphaSpendingTests {
    private func estimate(delta: Double, units: Int, plan: AlphaSpendingPlan, alternative: Alternative = .twoSided) -> EffectEstimate {
        let settings = TestSettings(alternative: alternative, sequential: true, sequentialMethod: .alphaSpending(plan))
        return EffectTest(settings: settings).compare(ArmPair(
            control: ArmEstimate(mean: 0, variance: 0.5, units: units / 2),
            treatment: ArmEstimate(mean: delta, variance: 0.5, units: units - units / 2)
        )).absolute
    }

    @Test("a single look at the maximum information is the fixed-horizon z test")
    func singleLook() throws {
        let e = estimate(delta: 0, units: 1_000, plan: AlphaSpendingPlan(maximumUnits: 1_000))
        #expect(abs(try #require(e.upper) - 1.959963984540054) < 1e-9)
        let one = estimate(delta: 0, units: 1_000, plan: AlphaSpendingPlan(maximumUnits: 1_000), alternative: .treatmentGreater)
        #expect(abs(-(try #require(one.lower)) - 1.6448536269514722) < 1e-9)
    }

    @Test("p < α exactly when the interval excludes 0", arguments: [0.5, 1.9, 2.2, 2.6, 3.1, 4.5])
    func pValueMatchesInterval(delta: Double) throws {
        let plan = AlphaSpendingPlan(maximumUnits: 11_200, earlierLooks: (1..<14).map { Double($0 * 400) })
        for alternative in [Alternative.twoSided, .treatmentGreater] {
            let e = estimate(delta: delta, units: 14 * 400, plan: plan, alternative: alternative)
            let p = try #require(e.pValue)
            #expect((p < 0.05) == e.excludes(0), "Δ = \(delta), \(alternative): p = \(p)")
        }
    }

    @Test("beyond the plan's maximum information α is spent: no further rejection")
    func overrun() throws {
        let looks = (1...28).map { Double($0 * 400) }
        let plan = AlphaSpendingPlan(maximumUnits: 11_200, earlierLooks: looks)
        let late = estimate(delta: 10, units: 35 * 400, plan: plan)
        #expect(late.upper == .infinity && late.lower == -.infinity && late.pValue == 1)
        // The first look at or beyond the maximum spends what is left, with a finite boundary.
        let last = estimate(delta: 10, units: 28 * 400, plan: AlphaSpendingPlan(maximumUnits: 11_200, earlierLooks: Array(looks.dropLast())))
        #expect(try #require(last.upper).isFinite)
    }

    @Test("an unusable plan is an invalid setting, not a crash")
    func invalidPlan() {
        let e = estimate(delta: 1, units: 100, plan: AlphaSpendingPlan(maximumUnits: 0))
        #expect(e.problem == .invalidSetting("maximumUnits must be positive"))
        #expect(e.estimate == 1)
    }

    @Test("extra looks lower no boundary below its fixed-horizon value at τ = 1")
    func moreLooksWidenTheEnd() throws {
        let daily = AlphaSpendingPlan(maximumUnits: 11_200, earlierLooks: (1..<28).map { Double($0 * 400) })
        let twice = AlphaSpendingPlan(maximumUnits: 11_200, earlierLooks: (1..<56).map { Double($0 * 200) })
        let b1 = try #require(estimate(delta: 0, units: 11_200, plan: daily).upper)
        let b2 = try #require(estimate(delta: 0, units: 11_200, plan: twice).upper)
        #expect(b1 > 1.96 && b2 > b1 && b2 < 2.3)
    }
}
