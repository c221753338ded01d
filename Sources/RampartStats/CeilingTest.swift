/// A one-sided test of a treatment statistic against an absolute ceiling, such as
/// "p95 latency below 4000 ms" or "cost per task below $0.03".
///
/// `.belowCeiling` when the upper one-sided bound is below the ceiling, `.aboveCeiling`
/// when the lower one-sided bound is above it. Means and ratios use Student t with
/// n − 1 degrees of freedom (fixed horizon) or the one-sided asymptotic confidence
/// sequence with t = n units (sequential). Quantiles map one-sided bounds in probability
/// space back to values (see ``QuantileStatistics``).
public struct CeilingTest: Sendable {
    /// The ceiling, in the statistic's unit.
    public var ceiling: Double
    /// Alpha, sequential mode and tuning. The `alternative` is ignored.
    public var settings: TestSettings

    /// Creates a ceiling test.
    /// - Parameters:
    ///   - ceiling: The value the statistic must stay below.
    ///   - settings: Defaults to a sequential test at α = 0.05.
    public init(ceiling: Double, settings: TestSettings = TestSettings(sequential: true)) {
        self.ceiling = ceiling
        self.settings = settings
    }

    /// Evaluates a mean, proportion or ratio statistic of the treatment.
    /// - Parameter statistics: The treatment's sufficient statistics.
    public func evaluate(_ statistics: some MetricStatistics) -> CeilingResult {
        switch statistics.armEstimate() {
        case .success(let arm): evaluate(arm)
        case .failure(let reason): inconclusive(reason)
        }
    }

    /// Evaluates an arm estimate.
    /// - Parameter arm: The treatment's estimate and its variance.
    public func evaluate(_ arm: ArmEstimate) -> CeilingResult {
        var oneSided = settings
        oneSided.alternative = .treatmentGreater
        if let problem = oneSided.problem { return inconclusive(problem) }
        guard ceiling.isFinite else { return inconclusive(.invalidSetting("ceiling must be finite")) }
        guard arm.mean.isFinite, arm.variance.isFinite else {
            return inconclusive(.numericalFailure("statistic is not finite"))
        }
        guard arm.variance > 0 else { return inconclusive(.zeroVariance, estimate: arm.mean) }
        let dof: Double? = (!settings.sequential && arm.usesStudentT && arm.units > 1) ? Double(arm.units - 1) : nil
        guard let k = Inference.multiplier(settings: oneSided, dof: dof, units: arm.units, oneSided: true) else {
            return inconclusive(.numericalFailure("critical value"), estimate: arm.mean)
        }
        let se = arm.standardError
        let lower = arm.mean - k * se, upper = arm.mean + k * se
        let z = (arm.mean - ceiling) / se
        return CeilingResult(
            decision: upper < ceiling ? .belowCeiling : (lower > ceiling ? .aboveCeiling : .inconclusive),
            statistic: EffectEstimate(estimate: arm.mean, lower: lower, upper: upper, standardError: se),
            ceiling: ceiling,
            pValueBelow: Inference.pValue(z: z, settings: oneSided, dof: dof, units: arm.units, oneSidedGreater: false),
            pValueAbove: Inference.pValue(z: z, settings: oneSided, dof: dof, units: arm.units, oneSidedGreater: true),
            probabilityAbove: Distributions.normalCDF(z)
        )
    }

    /// Evaluates a quantile of the treatment (two-step protocol, see ``QuantileStatistics``).
    /// - Parameters:
    ///   - statistics: The treatment's clustered quantile statistics.
    ///   - distribution: The treatment's empirical distribution, used to map probability bounds to values.
    public func evaluate(_ statistics: QuantileStatistics, distribution: some EmpiricalDistribution) -> CeilingResult {
        var oneSided = settings
        oneSided.alternative = .treatmentGreater
        if let problem = oneSided.problem { return inconclusive(problem) }
        guard ceiling.isFinite else { return inconclusive(.invalidSetting("ceiling must be finite")) }
        let sigma: Double
        switch statistics.probabilityStandardError() {
        case .success(let value): sigma = value
        case .failure(let reason): return inconclusive(reason, estimate: statistics.estimate)
        }
        guard let k = Inference.multiplier(settings: oneSided, dof: nil, units: statistics.units, oneSided: true) else {
            return inconclusive(.numericalFailure("critical value"), estimate: statistics.estimate)
        }
        let p = statistics.level
        guard let lower = distribution.value(atProbability: max(0, p - k * sigma), rounding: .down),
              let upper = distribution.value(atProbability: min(1, p + k * sigma), rounding: .up) else {
            return inconclusive(.emptyDistribution, estimate: statistics.estimate)
        }
        // The quantile is above the ceiling exactly when the share of events at or below the ceiling is under p;
        // that share is estimated with the same probability-scale standard error σ (flat prior, normal view).
        let probabilityAbove = distribution.share(atOrBelow: ceiling).map { Distributions.normalCDF((p - $0) / sigma) }
        return CeilingResult(
            decision: upper < ceiling ? .belowCeiling : (lower > ceiling ? .aboveCeiling : .inconclusive),
            statistic: EffectEstimate(estimate: statistics.estimate, lower: lower, upper: upper),
            ceiling: ceiling,
            probabilityAbove: probabilityAbove
        )
    }

    private func inconclusive(_ reason: DegenerateReason, estimate: Double? = nil) -> CeilingResult {
        CeilingResult(decision: .inconclusive, statistic: .degenerate(reason, estimate: estimate), ceiling: ceiling, problem: reason)
    }
}
