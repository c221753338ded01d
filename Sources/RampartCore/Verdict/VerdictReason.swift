/// One reason behind a verdict, with the numbers a person can check.
public struct VerdictReason: Sendable, Hashable, Codable {
    /// What kind of finding this is.
    public enum Kind: String, Sendable, Hashable, Codable {
        case guardrailRegression = "guardrail_regression"
        case guardrailNoninferior = "guardrail_noninferior"
        case guardrailInconclusive = "guardrail_inconclusive"
        /// A guardrail's probability of being beyond its threshold is above `advance_risk`.
        case guardrailAtRisk = "guardrail_at_risk"
        case primaryWin = "primary_win"
        case primaryLoss = "primary_loss"
        case primaryInconclusive = "primary_inconclusive"
        case sampleRatioMismatch = "sample_ratio_mismatch"
        case sampleRatioOK = "sample_ratio_ok"
        case missingMetric = "missing_metric"
        case tooFewUnits = "too_few_units"
        case stageTooShort = "stage_too_short"
        case stageMinimumsMet = "stage_minimums_met"
        case dataQuality = "data_quality"
        case notRunning = "not_running"
        /// Below full coverage with no ramp plan: there is no next stage to advance to.
        case noRampPlan = "no_ramp_plan"
        case lastStage = "last_stage"
    }

    public var kind: Kind
    /// The metric concerned, if any.
    public var metric: String?
    /// The treatment variant concerned, if any.
    public var variant: String?
    /// For a segment guardrail's finding, the segment concerned; `nil` for findings over all units.
    public var segment: SegmentFilter?
    /// The finding in words and numbers, e.g. "escalation rate +31.2% relative (CI +18.0% .. +45.1%), margin +2%: regression".
    public var message: String
    /// Whether this reason decided the verdict (as opposed to context).
    public var decisive: Bool

    public init(_ kind: Kind, metric: String? = nil, variant: String? = nil, segment: SegmentFilter? = nil, _ message: String, decisive: Bool = false) {
        self.kind = kind
        self.metric = metric
        self.variant = variant
        self.segment = segment
        self.message = message
        self.decisive = decisive
    }
}
