/// What the statistics say about one metric for one treatment variant against control, as the verdict policy
/// needs it. The analysis layer fills it from the stats engine's results.
public struct MetricAssessment: Sendable, Hashable, Codable {
    /// How a metric compares with its goal.
    public enum Outcome: String, Sendable, Hashable, Codable {
        /// Primary: significantly better. Guardrail: shown within its margin or under its ceiling.
        case pass
        /// Primary: significantly worse. Guardrail: shown beyond its margin or over its ceiling.
        case fail
        /// Not enough evidence either way yet.
        case inconclusive
        /// No usable number: no data, zero variance, a zero denominator, NaN. `problem` says which.
        case missing
    }

    public var metric: String
    public var name: String
    public var role: MetricRole
    public var variant: String
    public var outcome: Outcome
    /// The effect as it is judged (relative for relative margins and primaries, absolute otherwise), if known.
    public var effect: Double?
    public var lower: Double?
    public var upper: Double?
    /// Whether `effect`, `lower` and `upper` are relative changes (fractions of control).
    public var relative: Bool
    /// The treatment's own value, for ceilings.
    public var value: Double?
    /// The threshold that was tested, for guardrails.
    public var threshold: GuardrailThreshold?
    /// Why the number is missing, when `outcome` is `missing`.
    public var problem: String?
    /// For guardrails: the probability that the true effect (or value, for ceilings) is beyond the threshold, from the
    /// same estimate and standard error under a flat-prior normal posterior; `nil` when it cannot be computed (no
    /// standard error, or no distribution for a quantile). The verdict holds when it exceeds `advance_risk`.
    public var probabilityBeyondThreshold: Double?
    /// What `lower` .. `upper` is, as reasons name it ("sequential 95% CI", "one-sided sequential 95% bounds");
    /// `nil` reads as "CI".
    public var intervalLabel: String?
    /// For a segment guardrail, the segment whose units were tested; `nil` for the metric over all units.
    public var segment: SegmentFilter?

    public init(
        metric: String, name: String? = nil, role: MetricRole, variant: String, outcome: Outcome,
        effect: Double? = nil, lower: Double? = nil, upper: Double? = nil, relative: Bool = true,
        value: Double? = nil, threshold: GuardrailThreshold? = nil, problem: String? = nil,
        probabilityBeyondThreshold: Double? = nil, segment: SegmentFilter? = nil
    ) {
        self.metric = metric
        self.name = name ?? metric
        self.role = role
        self.variant = variant
        self.outcome = outcome
        self.effect = effect
        self.lower = lower
        self.upper = upper
        self.relative = relative
        self.value = value
        self.threshold = threshold
        self.problem = problem
        self.probabilityBeyondThreshold = probabilityBeyondThreshold
        self.segment = segment
    }
}
