/// A quantile's confidence interval in probability space (step 2a of the quantile protocol).
public struct ProbabilityInterval: Sendable, Hashable {
    /// The quantile level p.
    public var level: Double
    /// p − kσ, clipped at 0.
    public var lower: Double
    /// p + kσ, clipped at 1.
    public var upper: Double
    /// σ, the clustered standard error of the fraction of events below the estimate.
    public var standardError: Double
    /// k, the critical value used.
    public var multiplier: Double

    /// Creates a probability interval.
    public init(level: Double, lower: Double, upper: Double, standardError: Double, multiplier: Double) {
        self.level = level
        self.lower = lower
        self.upper = upper
        self.standardError = standardError
        self.multiplier = multiplier
    }
}
