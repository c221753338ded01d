/// One-sided α-spending tests with an always-valid watch (``AlphaSpendingPlan/watchShare``).
///
/// With w the watch share, a one-sided test rejects at a look when either its α-spending boundary at level
/// α_s = (1 − w)·α (over the plan's looks, +∞ after the maximum) or the one-sided normal-mixture sequence at level
/// α_w = w·α (Howard et al. 2021, tuned at n* = the plan's maximum) is crossed. Each has error at most its level
/// at every sequence of looks, so by the union bound the test's error is at most α_s + α_w = α, and the watch
/// keeps deciding after the maximum, where α-spending alone decides nothing (docs/statistics.md).
extension Inference {
    /// The levels (α_s, α_w) a plan splits α into for a one-sided test; α_w = 0 without a watch.
    static func watchLevels(plan: AlphaSpendingPlan, alpha: Double, oneSided: Bool) -> (spending: Double, watch: Double) {
        guard oneSided, plan.watchShare > 0 else { return (alpha, 0) }
        return ((1 - plan.watchShare) * alpha, plan.watchShare * alpha)
    }

    /// The multiplier of an α-spending test at the current look (`units`): the design's boundary, or for a one-sided
    /// test with a watch the smaller of the boundary at α_s and the watch's mixture multiplier at α_w.
    /// - Parameters:
    ///   - plan: The design and the earlier looks.
    ///   - alpha: The test's α.
    ///   - oneSided: Whether the test is one-sided.
    ///   - units: The units at the current look.
    static func spendingMultiplier(plan: AlphaSpendingPlan, alpha: Double, oneSided: Bool, units: Double) -> Double? {
        let levels = watchLevels(plan: plan, alpha: alpha, oneSided: oneSided)
        guard let b = spendingBoundary(plan: plan, alpha: levels.spending, oneSided: oneSided, units: units) else { return nil }
        guard levels.watch > 0 else { return b }
        guard let c = SequentialBoundary.oneSided(alpha: levels.watch, tuning: plan.maximumUnits).oneSidedMultiplier(units: units),
            c.isFinite
        else { return nil }
        return min(b, c)
    }

    /// The p-value of an α-spending look: ``spendingPValue(z:plan:alpha:units:oneSidedGreater:)``, or for a
    /// one-sided test with a watch the Bonferroni combination min(1, α/α_s·p_s, α/α_w·p_w) of the boundary's
    /// decision p-value p_s at α_s and the mixture's always-valid p-value p_w at α_w: below α exactly when either
    /// crosses, i.e. when the bound of ``spendingMultiplier(plan:alpha:oneSided:units:)`` excludes the null.
    static func watchedPValue(z: Double, plan: AlphaSpendingPlan, alpha: Double, units: Double, oneSidedGreater: Bool?) -> Double? {
        let levels = watchLevels(plan: plan, alpha: alpha, oneSided: oneSidedGreater != nil)
        guard let ps = spendingPValue(z: z, plan: plan, alpha: levels.spending, units: units, oneSidedGreater: oneSidedGreater) else {
            return nil
        }
        guard levels.watch > 0, let greater = oneSidedGreater else { return ps }
        let pw = SequentialBoundary.oneSided(alpha: levels.watch, tuning: plan.maximumUnits).oneSidedPValue(z: greater ? z : -z, units: units)
        return min(1, alpha / levels.spending * ps, alpha / levels.watch * pw)
    }
}
