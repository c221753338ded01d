import Testing
@testable import RampartStats

/// Calendar-time α-spending (``AlphaSpendingPlan/calendar``): what the schedule of looks and fractions does with even
/// traffic, days without new units, rounding, the horizon and bad input (reference values: AlphaSpendingReferenceTests).
@Suite("Calendar-time alpha-spending")
struct CalendarSpendingTests {
    /// The two-sided multiplier at `units` after earlier looks, units or calendar.
    func bound(_ plan: AlphaSpendingPlan, units: Double) -> Double? {
        Inference.spendingMultiplier(plan: plan, alpha: 0.05, oneSided: false, units: units)
    }

    func calendar(_ looks: [Double], days: [Double], day: Double, horizon: Double = 28) -> AlphaSpendingPlan {
        AlphaSpendingPlan(maximumUnits: 5_000, earlierLooks: looks, calendar: .init(horizonDays: horizon, earlierDays: days, days: day))
    }

    @Test("with even traffic the calendar fraction is the information fraction: the same boundaries")
    func evenTrafficIsTheUnitsDesign() throws {
        for k in [1, 5, 14, 28] {
            let earlier = (1..<k).map { Double($0 * 400) }
            let units = AlphaSpendingPlan(maximumUnits: 11_200, earlierLooks: earlier)
            let days = calendar(earlier, days: (1..<k).map(Double.init), day: Double(k))
            let a = try #require(bound(units, units: Double(k * 400))), b = try #require(bound(days, units: Double(k * 400)))
            #expect(abs(a - b) < 1e-12, "look \(k): \(a) vs \(b)")
        }
    }

    @Test("with uneven traffic the calendar design differs from the units one")
    func unevenTrafficDiffers() throws {
        let earlier = [20.0, 100.0, 1_000.0]
        let units = AlphaSpendingPlan(maximumUnits: 11_200, earlierLooks: earlier)
        let days = calendar(earlier, days: [1, 2, 3], day: 4, horizon: 8)
        let a = try #require(bound(units, units: 5_000)), b = try #require(bound(days, units: 5_000))
        #expect(abs(a - b) > 0.01, "\(a) vs \(b)")
    }

    @Test("a day without new units is not a new look: its α is carried to the next look that adds units")
    func zeroIncrementDays() throws {
        let skipped = calendar([100, 200], days: [1, 2], day: 5)
        let repeated = calendar([100, 200, 200, 200], days: [1, 2, 3, 4], day: 5)
        #expect(bound(skipped, units: 300) == bound(repeated, units: 300))
        // The current look without new units is the look that first reached them: the same boundary.
        let again = calendar([100, 200, 200], days: [1, 2, 3], day: 4)
        #expect(bound(again, units: 200) == bound(calendar([100], days: [1], day: 2), units: 200))
        // Even past the horizon: no look after day 2 added units, so α is not spent yet.
        let late = calendar([100, 200], days: [1, 2], day: 40)
        #expect(bound(late, units: 200)?.isFinite == true)
    }

    @Test("an earlier look within rounding of the current units is the same look", arguments: [false, true])
    func roundingIsTheSameLook(calendarTime: Bool) throws {
        let near = 6_000 * (1 - 1e-12)
        let plain = calendarTime ? calendar([2_000, 4_000], days: [1, 2], day: 3) : AlphaSpendingPlan(maximumUnits: 11_200, earlierLooks: [2_000, 4_000])
        var rounded = plain
        rounded.earlierLooks.append(near)
        rounded.calendar?.earlierDays.append(3)
        #expect(bound(rounded, units: 6_000) == bound(plain, units: 6_000))
    }

    @Test("the first look at or past the horizon spends what is left; later looks decide nothing")
    func horizon() throws {
        let earlier = (1..<7).map { Double($0 * 300) }
        let atHorizon = try #require(bound(calendar(earlier, days: (1..<7).map(Double.init), day: 7, horizon: 7), units: 2_100))
        #expect(atHorizon.isFinite && atHorizon < 2.2)
        let after = bound(calendar(earlier + [2_100], days: (1..<8).map(Double.init), day: 8, horizon: 7), units: 2_400)
        #expect(after == .infinity)
        // One-sided with a watch: the watch still decides after the horizon.
        var watched = calendar(earlier + [2_100], days: (1..<8).map(Double.init), day: 8, horizon: 7)
        watched.watchShare = 0.2
        let k = try #require(Inference.spendingMultiplier(plan: watched, alpha: 0.05, oneSided: true, units: 2_400))
        #expect(k.isFinite)
    }

    @Test("bad calendar input gives a result with a reason")
    func badInput() {
        let settings = { (plan: AlphaSpendingPlan) in TestSettings(sequential: true, sequentialMethod: .alphaSpending(plan)) }
        let pair = ArmPair(control: ArmEstimate(mean: 0, variance: 0.5, units: 500), treatment: ArmEstimate(mean: 0.1, variance: 0.5, units: 500))
        let misaligned = calendar([100, 200], days: [1], day: 3)
        #expect(EffectTest(settings: settings(misaligned)).compare(pair).absolute.problem != nil)
        let noHorizon = calendar([100], days: [1], day: 2, horizon: 0)
        #expect(EffectTest(settings: settings(noHorizon)).compare(pair).absolute.problem != nil)
    }
}
