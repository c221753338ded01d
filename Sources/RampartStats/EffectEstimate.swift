/// A point estimate with its confidence interval and p-value.
///
/// Values are `nil` only when ``problem`` says why. One-sided intervals use −∞ or +∞
/// for their open end. For sequential tests the interval is a confidence sequence and
/// the p-value is always-valid (see docs/statistics.md).
public struct EffectEstimate: Sendable, Hashable {
    /// The point estimate (difference, relative change, or statistic).
    public var estimate: Double?
    /// Lower confidence bound (−∞ for a `treatmentLess` one-sided interval).
    public var lower: Double?
    /// Upper confidence bound (+∞ for a `treatmentGreater` one-sided interval).
    public var upper: Double?
    /// The p-value against the null value (0 unless stated otherwise).
    public var pValue: Double?
    /// The standard error of the estimate.
    public var standardError: Double?
    /// Why some of the numbers above are missing.
    public var problem: DegenerateReason?

    /// Creates an estimate.
    public init(
        estimate: Double? = nil,
        lower: Double? = nil,
        upper: Double? = nil,
        pValue: Double? = nil,
        standardError: Double? = nil,
        problem: DegenerateReason? = nil
    ) {
        self.estimate = estimate
        self.lower = lower
        self.upper = upper
        self.pValue = pValue
        self.standardError = standardError
        self.problem = problem
    }

    /// An estimate that could not be computed, keeping the point estimate when it exists.
    public static func degenerate(_ reason: DegenerateReason, estimate: Double? = nil) -> EffectEstimate {
        EffectEstimate(estimate: estimate, problem: reason)
    }

    /// Whether the interval excludes `value` (by default zero).
    public func excludes(_ value: Double = 0) -> Bool {
        guard let lower, let upper else { return false }
        return value < lower || value > upper
    }
}
