import Foundation

/// Power of an α-spending design at projected looks (``AlphaSpendingPlan``), for `rampart plan`.
extension PowerAnalysis {
    /// The first of some future looks at which the α-spending test resolves a distance with the target power at
    /// that look: δ√t_j/s ≥ b_j + z_power, b_j the design's boundary at t_j after the plan's earlier looks and the
    /// future looks before it (earlier looks only add power, so this is conservative, as ``sequentialUnits(effect:standardErrorScale:)``).
    ///
    /// - Parameters:
    ///   - effect: The distance δ between the true value and the boundary (its sign is ignored).
    ///   - standardErrorScale: s, the standard error times √units.
    ///   - plan: The design and the looks already taken.
    ///   - looks: Units at the future looks, increasing and above the plan's earlier looks.
    /// - Returns: The index in `looks` of the deciding look, `nil` when none of them reaches the target power (the
    ///   design's maximum comes first, after which α is spent), or the reason it cannot be computed.
    ///   A one-sided test with a watch (``AlphaSpendingPlan/watchShare``) reads the smaller of the boundary at α_s and
    ///   the watch's multiplier at α_w, so looks past the maximum may still decide.
    public func spendingLook(effect: Double, standardErrorScale: Double, plan: AlphaSpendingPlan, looks: [Double]) -> Result<Int?, DegenerateReason> {
        if let problem = horizonProblem(effect: effect, scale: standardErrorScale) ?? plan.problem { return .failure(problem) }
        guard !looks.isEmpty else { return .failure(.invalidSetting("no future looks")) }
        guard let zPower = Distributions.normalQuantile(power) else { return .failure(.numericalFailure("power quantile")) }
        guard let bounds = spendingMultipliers(plan: plan, looks: looks) else {
            return .failure(.numericalFailure("alpha-spending boundaries"))
        }
        let delta = abs(effect)
        for (j, (t, b)) in zip(looks, bounds).enumerated() where b.isFinite && delta * t.squareRoot() / standardErrorScale >= b + zPower {
            return .success(j)
        }
        return .success(nil)
    }

    /// The smallest distance the α-spending test resolves with the target power at the current look after `units`:
    /// (b + z_power)·s/√t, b the design's multiplier at t after the plan's earlier looks (for a one-sided test with
    /// a watch, the smaller of the boundary at α_s and the watch's mixture multiplier at α_w, as the test reads it).
    /// - Parameters:
    ///   - standardErrorScale: s, the standard error times √units.
    ///   - units: t, the units at the current look.
    ///   - plan: The design and the looks before the current one.
    /// - Returns: The distance, or the reason: α already spent (past the maximum, without a watch) among them.
    public func spendingMinimumDetectableEffect(standardErrorScale: Double, units: Double, plan: AlphaSpendingPlan) -> Result<Double, DegenerateReason> {
        if let problem = horizonProblem(effect: 1, scale: standardErrorScale, units: units) ?? plan.problem { return .failure(problem) }
        guard let zPower = Distributions.normalQuantile(power) else { return .failure(.numericalFailure("power quantile")) }
        guard let b = Inference.spendingMultiplier(plan: plan, alpha: alpha, oneSided: oneSided, units: units) else {
            return .failure(.numericalFailure("alpha-spending boundary"))
        }
        guard b.isFinite else { return .failure(.invalidInput("alpha-spending: all of alpha was spent at the design's maximum; no later look can decide")) }
        return .success((b + zPower) * standardErrorScale / units.squareRoot())
    }

    /// The design's multipliers at future looks after the plan's earlier looks: the boundary at α_s up to the first
    /// look at or past the maximum and +∞ after it, and for a one-sided test with a watch the smaller of that and
    /// the watch's mixture multiplier at α_w.
    func spendingMultipliers(plan: AlphaSpendingPlan, looks: [Double]) -> [Double]? {
        guard let first = looks.first else { return [] }
        let levels = Inference.watchLevels(plan: plan, alpha: alpha, oneSided: oneSided)
        let past = plan.schedule(through: first)
        let futureFractions = plan.fractions(future: looks)
        let reach = (futureFractions.firstIndex { $0 >= 1 }).map { $0 + 1 } ?? looks.count
        let design = AlphaSpendingBoundary(alpha: levels.spending, spending: plan.spending, maximumUnits: plan.maximumUnits, oneSided: oneSided)
        guard let spent = design.boundaries(
            looks: Array(past.looks.dropLast()) + looks.prefix(reach),
            fractions: Array(past.fractions.dropLast()) + futureFractions.prefix(reach)
        )?.suffix(reach) else { return nil }
        var bounds = Array(spent) + Array(repeating: Double.infinity, count: looks.count - reach)
        guard levels.watch > 0 else { return bounds }
        let watch = SequentialBoundary.oneSided(alpha: levels.watch, tuning: plan.maximumUnits)
        for (j, t) in looks.enumerated() {
            guard let c = watch.oneSidedMultiplier(units: t), c.isFinite else { return nil }
            bounds[j] = min(bounds[j], c)
        }
        return bounds
    }
}
