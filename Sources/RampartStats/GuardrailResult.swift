/// The result of a ``GuardrailTest``.
public struct GuardrailResult: Sendable, Hashable {
    /// The decision.
    public var decision: GuardrailDecision
    /// The effect on the margin's scale (relative or absolute treatment − control), with
    /// the two one-sided bounds, each at level 1 − α, as `lower` and `upper`. `pValue` is
    /// not set here; see ``pValueNonInferior`` and ``pValueRegression``.
    public var effect: EffectEstimate
    /// The margin tested.
    public var margin: Margin
    /// The metric's good direction.
    public var direction: MetricDirection
    /// p-value for H₀ "the effect is beyond the margin" (small ⇒ non-inferior).
    /// Always-valid when the test is sequential.
    public var pValueNonInferior: Double?
    /// p-value for H₀ "the effect is within the margin" (small ⇒ regression).
    public var pValueRegression: Double?
    /// The probability that the true effect is beyond the margin (worse than the tolerated
    /// worsening), in the flat-prior normal view of ``BayesianComparison``: the effect has
    /// posterior N(estimate, SE²), so P = Φ((estimate − m)/SE) for a lower-is-better metric and
    /// Φ((−m − estimate)/SE) otherwise. Not sequential: it reads the evidence as it stands now,
    /// which is what the verdict's `advance_risk` rule needs (docs/statistics.md).
    public var probabilityBeyondMargin: Double?
    /// Why the test could not be carried out; the decision is then `.inconclusive`.
    public var problem: DegenerateReason?

    /// Creates a result.
    public init(
        decision: GuardrailDecision,
        effect: EffectEstimate,
        margin: Margin,
        direction: MetricDirection,
        pValueNonInferior: Double? = nil,
        pValueRegression: Double? = nil,
        probabilityBeyondMargin: Double? = nil,
        problem: DegenerateReason? = nil
    ) {
        self.decision = decision
        self.effect = effect
        self.margin = margin
        self.direction = direction
        self.pValueNonInferior = pValueNonInferior
        self.pValueRegression = pValueRegression
        self.probabilityBeyondMargin = probabilityBeyondMargin
        self.problem = problem
    }
}
