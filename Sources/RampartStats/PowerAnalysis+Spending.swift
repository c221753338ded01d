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
    public func spendingLook(effect: Double, standardErrorScale: Double, plan: AlphaSpendingPlan, looks: [Double]) -> Result<Int?, DegenerateReason> {
        if let problem = horizonProblem(effect: effect, scale: standardErrorScale) ?? plan.problem { return .failure(problem) }
        guard let first = looks.first else { return .failure(.invalidSetting("no future looks")) }
        guard let zPower = Distributions.normalQuantile(power) else { return .failure(.numericalFailure("power quantile")) }
        let past = plan.looks(through: first).dropLast()
        let design = AlphaSpendingBoundary(alpha: alpha, spending: plan.spending, maximumUnits: plan.maximumUnits, oneSided: oneSided)
        guard let bounds = design.boundaries(looks: past + looks)?.suffix(looks.count) else {
            return .failure(.numericalFailure("alpha-spending boundaries"))
        }
        let delta = abs(effect)
        for (j, (t, b)) in zip(looks, bounds).enumerated() where b.isFinite && delta * t.squareRoot() / standardErrorScale >= b + zPower {
            return .success(j)
        }
        return .success(nil)
    }
}
