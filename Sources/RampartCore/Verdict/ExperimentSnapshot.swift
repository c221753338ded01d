import Foundation

/// Everything the verdict policy looks at, at one moment.
public struct ExperimentSnapshot: Sendable, Hashable {
    public var experiment: Experiment
    /// The index of the current ramp stage in `experiment.ramp`, or `nil` when the coverage is off-plan.
    public var stageIndex: Int?
    /// When the current stage started, at or before `now`; `nil` when it had not started by then (see
    /// ``RolloutState/resolvedStageStart(firstExposure:now:)``).
    public var stageStartedAt: Date?
    /// The moment of the analysis (`--as-of`).
    public var now: Date
    /// Enrolled, analysable units per variant key.
    public var unitsPerVariant: [String: Int]
    /// The sample-ratio-mismatch test's p-value, if it could be computed.
    public var srmPValue: Double?
    /// Data-quality warnings: multi-exposed units above a tolerance, events before exposure, clock skew, ...
    public var warnings: [String]
    /// The assessments of every primary and guardrail metric, per treatment variant.
    public var assessments: [MetricAssessment]
    /// Per variant, how often its LLM events ran another prompt version or model than it serves.
    public var servedMismatches: [ServedMismatch]

    public init(
        experiment: Experiment, stageIndex: Int?, stageStartedAt: Date?, now: Date,
        unitsPerVariant: [String: Int], srmPValue: Double?, warnings: [String] = [],
        assessments: [MetricAssessment], servedMismatches: [ServedMismatch] = []
    ) {
        self.servedMismatches = servedMismatches
        self.experiment = experiment
        self.stageIndex = stageIndex
        self.stageStartedAt = stageStartedAt
        self.now = now
        self.unitsPerVariant = unitsPerVariant
        self.srmPValue = srmPValue
        self.warnings = warnings
        self.assessments = assessments
    }

    /// Whether the current stage is the last of the ramp plan (or full coverage without a plan).
    public var isLastStage: Bool {
        if let stageIndex, !experiment.ramp.isEmpty { return stageIndex == experiment.ramp.count - 1 }
        return experiment.coverage >= 1
    }

    /// The current stage, when on plan.
    public var stage: RampStep? {
        stageIndex.flatMap { experiment.ramp.indices.contains($0) ? experiment.ramp[$0] : nil }
    }
}
