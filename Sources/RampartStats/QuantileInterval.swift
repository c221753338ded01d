/// A quantile estimate with its confidence interval in the metric's unit (step 2b of the
/// quantile protocol), comparable between variants.
///
/// For comparisons the standard error of the quantile is recovered from the interval
/// width, SE = (upper − lower) / (2k) (Deng et al. 2018, section 4), and the difference
/// of two quantiles uses normal inference.
public struct QuantileInterval: Sendable, Hashable, MetricStatistics, ComparableStatistics {
    /// The point estimate q̂.
    public var estimate: Double
    /// The lower confidence bound.
    public var lower: Double
    /// The upper confidence bound.
    public var upper: Double
    /// The critical value k that produced [lower, upper] (z₁₋α/₂ for a fixed-horizon interval).
    public var multiplier: Double
    /// The number of randomisation units.
    public var units: Int

    /// Creates an interval, e.g. from a second SQL query at the probabilities of a ``ProbabilityInterval``.
    /// - Parameters:
    ///   - estimate: The point estimate.
    ///   - lower: The value at the lower probability bound.
    ///   - upper: The value at the upper probability bound.
    ///   - multiplier: The ``ProbabilityInterval/multiplier`` used.
    ///   - units: The number of randomisation units.
    public init(estimate: Double, lower: Double, upper: Double, multiplier: Double, units: Int) {
        self.estimate = estimate
        self.lower = lower
        self.upper = upper
        self.multiplier = multiplier
        self.units = units
    }

    /// Reduces to the estimate and the variance implied by the interval width, with normal inference.
    public func armEstimate() -> Result<ArmEstimate, DegenerateReason> {
        if let problem = InputValidation.finite(["estimate": estimate, "lower": lower, "upper": upper, "multiplier": multiplier]) {
            return .failure(problem)
        }
        guard units > 0 else { return .failure(.noUnits) }
        guard multiplier > 0, lower <= upper else { return .failure(.invalidInput("interval bounds are inverted")) }
        let se = (upper - lower) / (2 * multiplier)
        return .success(ArmEstimate(mean: estimate, variance: se * se, units: units, usesStudentT: false))
    }
}
