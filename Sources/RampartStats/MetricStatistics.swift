/// Sufficient statistics of one variant that reduce to an ``ArmEstimate`` on their own.
///
/// Conformers: ``SampleStatistics``, ``RatioStatistics``, ``QuantileInterval``.
public protocol MetricStatistics: Sendable {
    /// Reduces the statistics to a mean and its variance, or explains why that is impossible.
    func armEstimate() -> Result<ArmEstimate, DegenerateReason>
}

/// Sufficient statistics that can be compared between a control and a treatment.
///
/// Most metrics estimate each arm on its own; CUPED (``RegressionAdjustedStatistics``)
/// needs both arms at once to pool its regression coefficient.
public protocol ComparableStatistics: Sendable {
    /// Reduces a control/treatment pair to two arm estimates.
    static func armEstimates(control: Self, treatment: Self) -> Result<ArmPair, DegenerateReason>
}

/// A control and a treatment estimate of the same metric.
public struct ArmPair: Sendable, Hashable {
    /// The control (baseline) estimate.
    public var control: ArmEstimate
    /// The treatment estimate.
    public var treatment: ArmEstimate

    /// Creates a pair.
    public init(control: ArmEstimate, treatment: ArmEstimate) {
        self.control = control
        self.treatment = treatment
    }
}

extension ComparableStatistics where Self: MetricStatistics {
    /// Estimates each arm independently.
    public static func armEstimates(control: Self, treatment: Self) -> Result<ArmPair, DegenerateReason> {
        control.armEstimate().flatMap { c in
            treatment.armEstimate().map { t in ArmPair(control: c, treatment: t) }
        }
    }
}
