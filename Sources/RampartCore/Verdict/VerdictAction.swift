/// What the release manager should do next with an experiment.
public enum VerdictAction: String, Sendable, Hashable, Codable, CaseIterable {
    /// Move to the next ramp stage: the stage's minimums are met and nothing regresses.
    case advance = "ADVANCE"
    /// Stay at the current stage: too little data, missing metrics, warnings, or an inconclusive result.
    case hold = "HOLD"
    /// Go back to control now: a guardrail regressed beyond its margin, or the traffic split is broken.
    case rollback = "ROLLBACK"
    /// Roll the treatment out to everyone: at the last stage, the primary metric wins and every guardrail is
    /// shown non-inferior.
    case ship = "SHIP"
    /// End the experiment: the primary metric is significantly worse.
    case stop = "STOP"
}
