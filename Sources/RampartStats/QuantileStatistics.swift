/// Clustered sufficient statistics for a quantile metric (p50/p90/p95/p99 latency) in one variant.
///
/// Events (requests) are clustered in randomisation units (users), so they are not
/// independent. Following Deng, Knoblich & Yu (2018), the fraction of events at or
/// below the estimated quantile, F̂ = ΣYᵢ / ΣMᵢ, is a ratio of per-unit sums, and its
/// delta-method variance is valid under clustering. The interval is built in two steps:
///
/// 1. **In SQL**: compute the point estimate q̂ (the p-quantile of all events), then per
///    unit Mᵢ = #events and Yᵢ = #events with value ≤ q̂, and aggregate `units`, ΣMᵢ,
///    ΣMᵢ², ΣYᵢ, ΣYᵢ², ΣYᵢMᵢ into this type.
/// 2. **Here**: ``probabilityInterval(settings:)`` gives [p − kσ, p + kσ]; map it back to
///    values with an ``EmpiricalDistribution`` of the events (a ``SortedSample`` or a
///    ``Histogram``) via ``interval(settings:distribution:)``, or run a second SQL query
///    for the quantiles at those two probabilities and build a ``QuantileInterval``.
public struct QuantileStatistics: Sendable, Hashable {
    /// The number of randomisation units n.
    public var units: Int
    /// The quantile level p in (0, 1), e.g. 0.95.
    public var level: Double
    /// The point estimate q̂ of the p-quantile over all events.
    public var estimate: Double
    /// Σ Mᵢ: the number of events.
    public var sumM: Double
    /// Σ Mᵢ².
    public var sumMSquares: Double
    /// Σ Yᵢ: the number of events at or below ``estimate``.
    public var sumY: Double
    /// Σ Yᵢ².
    public var sumYSquares: Double
    /// Σ Yᵢ·Mᵢ.
    public var sumYM: Double

    /// Creates quantile statistics.
    /// - Parameters:
    ///   - units: Number of randomisation units n.
    ///   - level: Quantile level p.
    ///   - estimate: Point estimate q̂.
    ///   - sumM: Σ Mᵢ (events per unit).
    ///   - sumMSquares: Σ Mᵢ².
    ///   - sumY: Σ Yᵢ (events per unit at or below q̂).
    ///   - sumYSquares: Σ Yᵢ².
    ///   - sumYM: Σ Yᵢ·Mᵢ.
    public init(
        units: Int = 0,
        level: Double = 0.5,
        estimate: Double = 0,
        sumM: Double = 0,
        sumMSquares: Double = 0,
        sumY: Double = 0,
        sumYSquares: Double = 0,
        sumYM: Double = 0
    ) {
        self.units = units
        self.level = level
        self.estimate = estimate
        self.sumM = sumM
        self.sumMSquares = sumMSquares
        self.sumY = sumY
        self.sumYSquares = sumYSquares
        self.sumYM = sumYM
    }

    /// The standard error σ of F̂ = ΣY/ΣM under clustering (delta method, Deng et al. 2018):
    ///
    ///     σ² = (1/n)·(S_YY − 2F̂·S_YM + F̂²·S_MM) / ((n − 1)·M̄²)
    ///
    /// where S are centred sums over units and M̄ = ΣM/n.
    public func probabilityStandardError() -> Result<Double, DegenerateReason> {
        if let problem = InputValidation.finite([
            "level": level, "estimate": estimate, "sumM": sumM, "sumMSquares": sumMSquares,
            "sumY": sumY, "sumYSquares": sumYSquares, "sumYM": sumYM,
        ]) {
            return .failure(problem)
        }
        guard level > 0, level < 1 else { return .failure(.invalidInput("quantile level must lie in (0, 1)")) }
        guard units >= 0 else { return .failure(.invalidInput("negative unit count")) }
        guard units > 0 else { return .failure(.noUnits) }
        guard units >= 2 else { return .failure(.tooFewUnits(required: 2, actual: units)) }
        guard sumM > 0 else { return .failure(.zeroDenominator) }
        guard sumY >= 0, sumY <= sumM else { return .failure(.invalidInput("sumY must lie between 0 and sumM")) }
        let ratio = RatioStatistics(
            units: units, numeratorSum: sumY, numeratorSumSquares: sumYSquares,
            denominatorSum: sumM, denominatorSumSquares: sumMSquares, crossSum: sumYM
        )
        return ratio.armEstimate().flatMap { arm in
            arm.variance > 0 ? .success(arm.variance.squareRoot()) : .failure(.zeroVariance)
        }
    }

    /// Step 2a: the interval for the quantile in probability space, [p − kσ, p + kσ] clipped to [0, 1].
    ///
    /// k is z₁₋α/₂ (fixed horizon) or the two-sided confidence-sequence multiplier at
    /// t = n units (sequential). The interval is always two-sided.
    /// - Parameter settings: Alpha and sequential mode.
    public func probabilityInterval(settings: TestSettings = TestSettings()) -> Result<ProbabilityInterval, DegenerateReason> {
        var twoSided = settings
        twoSided.alternative = .twoSided
        if let problem = twoSided.problem { return .failure(problem) }
        return probabilityStandardError().flatMap { sigma in
            guard let k = Inference.multiplier(settings: twoSided, dof: nil, units: units, oneSided: false) else {
                return .failure(.numericalFailure("critical value"))
            }
            return .success(ProbabilityInterval(
                level: level,
                lower: max(0, level - k * sigma),
                upper: min(1, level + k * sigma),
                standardError: sigma,
                multiplier: k
            ))
        }
    }

    /// Steps 2a and 2b: the quantile's confidence interval in the metric's unit.
    ///
    /// The lower bound is the order statistic of rank ⌊N·p_L⌋ and the upper bound that of
    /// rank ⌈N·p_U⌉ of the supplied distribution (Deng et al. 2018, outer interval).
    /// - Parameters:
    ///   - settings: Alpha and sequential mode.
    ///   - distribution: The variant's empirical distribution of event values.
    public func interval(
        settings: TestSettings = TestSettings(),
        distribution: some EmpiricalDistribution
    ) -> Result<QuantileInterval, DegenerateReason> {
        probabilityInterval(settings: settings).flatMap { probabilities in
            guard let lower = distribution.value(atProbability: probabilities.lower, rounding: .down),
                  let upper = distribution.value(atProbability: probabilities.upper, rounding: .up) else {
                return .failure(.emptyDistribution)
            }
            return .success(QuantileInterval(
                estimate: estimate, lower: lower, upper: upper,
                multiplier: probabilities.multiplier, units: units
            ))
        }
    }
}
