/// The result of a ``CeilingTest``.
public struct CeilingResult: Sendable, Hashable {
    /// The decision.
    public var decision: CeilingDecision
    /// The treatment statistic with its two one-sided bounds (each at level 1 − α) as
    /// `lower` and `upper`.
    public var statistic: EffectEstimate
    /// The ceiling tested.
    public var ceiling: Double
    /// p-value for H₀ "statistic ≥ ceiling" (small ⇒ below). `nil` for quantiles, whose
    /// bounds come from order statistics rather than a standard error.
    public var pValueBelow: Double?
    /// p-value for H₀ "statistic ≤ ceiling" (small ⇒ above). `nil` for quantiles.
    public var pValueAbove: Double?
    /// The probability that the true statistic is above the ceiling, in the flat-prior normal
    /// view (posterior N(estimate, SE²)): Φ((estimate − ceiling)/SE). For a p-quantile, in
    /// probability space: Φ((p − F̂(ceiling))/σ), with F̂ the empirical CDF and σ the clustered
    /// standard error of the rank (see ``QuantileStatistics``).
    public var probabilityAbove: Double?
    /// Why the test could not be carried out; the decision is then `.inconclusive`.
    public var problem: DegenerateReason?

    /// Creates a result.
    public init(
        decision: CeilingDecision,
        statistic: EffectEstimate,
        ceiling: Double,
        pValueBelow: Double? = nil,
        pValueAbove: Double? = nil,
        probabilityAbove: Double? = nil,
        problem: DegenerateReason? = nil
    ) {
        self.decision = decision
        self.statistic = statistic
        self.ceiling = ceiling
        self.pValueBelow = pValueBelow
        self.pValueAbove = pValueAbove
        self.probabilityAbove = probabilityAbove
        self.problem = problem
    }
}
