/// The estimate of one metric in one variant: a mean (or ratio, or quantile) and its variance.
///
/// Every metric type reduces to this before comparison, as in GrowthBook's gbstats, so
/// the effect, guardrail, ceiling and Bayesian tests share one implementation.
public struct ArmEstimate: Sendable, Hashable {
    /// The point estimate of the metric in this variant.
    public var mean: Double
    /// The variance of ``mean`` as an estimator (the squared standard error).
    public var variance: Double
    /// The number of randomisation units behind the estimate.
    public var units: Int
    /// Whether inference should use Student t with Welch–Satterthwaite degrees of freedom
    /// (means, proportions, ratios, CUPED) or the normal distribution (quantiles).
    public var usesStudentT: Bool

    /// Creates an estimate.
    /// - Parameters:
    ///   - mean: The point estimate.
    ///   - variance: The estimator's variance (standard error squared).
    ///   - units: The number of randomisation units.
    ///   - usesStudentT: `true` for Welch t inference, `false` for normal inference.
    public init(mean: Double, variance: Double, units: Int, usesStudentT: Bool = true) {
        self.mean = mean
        self.variance = variance
        self.units = units
        self.usesStudentT = usesStudentT
    }

    /// The standard error, √variance.
    public var standardError: Double { variance.squareRoot() }
}
