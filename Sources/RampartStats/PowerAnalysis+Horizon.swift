import Foundation

/// Power for an estimate whose standard error shrinks as s/√t with the units t behind it: the form every
/// comparison takes (s = σ·√(1/share_c + 1/share_t) for two arms over t units in all) and every one-arm estimate
/// (s = σ, t the arm's units). A running experiment measures s directly as SE·√t, whatever the metric's kind
/// (CUPED, ratio, quantile), which is what `rampart plan` does.
///
/// The decision is reached when the interval (two-sided, or the one-sided bound when ``oneSided``) excludes a
/// boundary at distance δ from the true value. Fixed horizon: δ√t/s = z*, z* the standardised effect at which the
/// test has the target power (``requiredStandardisedEffect()``). Sequential: δ√t/s = c(t) + z_power, c the
/// always-valid multiplier at t (``SequentialBoundary``).
extension PowerAnalysis {
    /// Units at which a fixed-horizon test resolves a distance with the target power: t = (z*·s/δ)².
    /// - Parameters:
    ///   - effect: The distance δ between the true value and the boundary (its sign is ignored).
    ///   - standardErrorScale: s, the standard error times √units.
    public func fixedUnits(effect: Double, standardErrorScale: Double) -> Result<Double, DegenerateReason> {
        if let problem = horizonProblem(effect: effect, scale: standardErrorScale) { return .failure(problem) }
        return requiredStandardisedEffect().map { z in pow(z * standardErrorScale / abs(effect), 2) }
    }

    /// Units at which the sequential test resolves a distance with the target power at that look (earlier looks
    /// only add power, so this is conservative): the root in t of δ√t/s − c(t) − z_power, by GSL Brent on ln t.
    /// - Parameters:
    ///   - effect: The distance δ between the true value and the boundary (its sign is ignored).
    ///   - standardErrorScale: s, the standard error times √units.
    public func sequentialUnits(effect: Double, standardErrorScale: Double) -> Result<Double, DegenerateReason> {
        if let problem = horizonProblem(effect: effect, scale: standardErrorScale) { return .failure(problem) }
        guard let zPower = Distributions.normalQuantile(power) else { return .failure(.numericalFailure("power quantile")) }
        let delta = abs(effect)
        let f: (Double) -> Double = { logUnits in
            let t = exp(logUnits)
            guard let c = self.sequentialMultiplier(units: t) else { return .nan }
            return delta * t.squareRoot() / standardErrorScale - c - zPower
        }
        guard let root = RootFinder.brent(lower: log(2), upper: log(1e13), relativeTolerance: 1e-10, f) else {
            return .failure(.numericalFailure("no sample size up to 10¹³ units reaches the target power"))
        }
        return .success(exp(root))
    }

    /// The smallest distance a fixed-horizon test resolves with the target power at `units`: z*·s/√t.
    /// - Parameters:
    ///   - standardErrorScale: s, the standard error times √units.
    ///   - units: t.
    public func fixedMinimumDetectableEffect(standardErrorScale: Double, units: Double) -> Result<Double, DegenerateReason> {
        if let problem = horizonProblem(effect: 1, scale: standardErrorScale, units: units) { return .failure(problem) }
        return requiredStandardisedEffect().map { z in z * standardErrorScale / units.squareRoot() }
    }

    /// The smallest distance the sequential test resolves with the target power at a look after `units`:
    /// (c(t) + z_power)·s/√t.
    /// - Parameters:
    ///   - standardErrorScale: s, the standard error times √units.
    ///   - units: t.
    public func sequentialMinimumDetectableEffect(standardErrorScale: Double, units: Double) -> Result<Double, DegenerateReason> {
        if let problem = horizonProblem(effect: 1, scale: standardErrorScale, units: units) { return .failure(problem) }
        guard let zPower = Distributions.normalQuantile(power) else { return .failure(.numericalFailure("power quantile")) }
        guard let c = sequentialMultiplier(units: units) else { return .failure(.numericalFailure("sequential multiplier")) }
        return .success((c + zPower) * standardErrorScale / units.squareRoot())
    }

    /// The always-valid multiplier at t units: two-sided, or the one-sided bound's when ``oneSided``.
    func sequentialMultiplier(units t: Double) -> Double? {
        let c = oneSided
            ? SequentialBoundary.oneSided(alpha: alpha, tuning: sequentialTuning).oneSidedMultiplier(units: t)
            : SequentialBoundary.twoSided(alpha: alpha, tuning: sequentialTuning).twoSidedMultiplier(units: t)
        guard let c, c.isFinite else { return nil }
        return c
    }

    func horizonProblem(effect: Double, scale: Double, units: Double = 1) -> DegenerateReason? {
        if let problem { return problem }
        guard effect.isFinite, scale.isFinite, units.isFinite else { return .nonFiniteInput(field: "effect, standard error or units") }
        guard scale > 0 else { return .zeroVariance }
        guard effect != 0 else { return .invalidInput("the distance to the boundary is zero: no sample size decides it") }
        guard units > 0 else { return .noUnits }
        return nil
    }
}

extension PowerAnalysis {
    /// The multiplier k of the test itself (no power term) at `units`: estimate ± k·SE is its interval, two-sided or,
    /// when ``oneSided``, each one-sided bound. Sequential: the always-valid c(t); fixed: the normal z₁₋α(/2).
    /// Reads a standard error back from bounds that have no other (quantile intervals): SE = (bound − estimate)/k.
    public func testMultiplier(units: Double, sequential: Bool) -> Double? {
        guard problem == nil, units.isFinite, units > 0 else { return nil }
        if sequential { return sequentialMultiplier(units: units) }
        return Distributions.normalQuantile(1 - (oneSided ? alpha : alpha / 2))
    }
}
