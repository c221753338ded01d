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
        problem: DegenerateReason? = nil
    ) {
        self.decision = decision
        self.effect = effect
        self.margin = margin
        self.direction = direction
        self.pValueNonInferior = pValueNonInferior
        self.pValueRegression = pValueRegression
        self.problem = problem
    }
}
