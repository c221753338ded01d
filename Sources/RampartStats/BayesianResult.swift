/// The Bayesian view of a comparison: chance to beat control and expected loss.
public struct BayesianResult: Sendable, Hashable {
    /// P(treatment is better than control), direction-aware.
    public var chanceToBeatControl: Double?
    /// Expected loss of shipping the treatment: E[max(0, −gain)], on the chosen scale.
    public var expectedLossTreatment: Double?
    /// Expected loss of keeping the control: E[max(0, gain)].
    public var expectedLossControl: Double?
    /// Posterior mean of the effect on the chosen scale.
    public var posteriorMean: Double?
    /// Posterior standard deviation of the effect.
    public var posteriorStandardDeviation: Double?
    /// Whether the scale is relative (treatment/control − 1) or absolute.
    public var relative: Bool
    /// Why the numbers are missing.
    public var problem: DegenerateReason?

    /// Creates a result.
    public init(
        chanceToBeatControl: Double? = nil,
        expectedLossTreatment: Double? = nil,
        expectedLossControl: Double? = nil,
        posteriorMean: Double? = nil,
        posteriorStandardDeviation: Double? = nil,
        relative: Bool = true,
        problem: DegenerateReason? = nil
    ) {
        self.chanceToBeatControl = chanceToBeatControl
        self.expectedLossTreatment = expectedLossTreatment
        self.expectedLossControl = expectedLossControl
        self.posteriorMean = posteriorMean
        self.posteriorStandardDeviation = posteriorStandardDeviation
        self.relative = relative
        self.problem = problem
    }
}
