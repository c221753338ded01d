/// Why a unit received the variant it did. The raw values are OpenFeature's resolution reasons.
public enum AssignmentReason: String, Sendable, Hashable, Codable {
    /// Enrolled by the traffic split of an experiment without targeting.
    case split = "SPLIT"
    /// Enrolled by the traffic split after matching the experiment's targeting.
    case targetingMatch = "TARGETING_MATCH"
    /// Not enrolled (outside coverage, not targeted, outside the namespace slice or no unit id): served control.
    case `default` = "DEFAULT"
    /// The experiment is not running (draft, paused or stopped): served control.
    case disabled = "DISABLED"
    /// The experiment has shipped: everyone gets the shipped variant.
    case `static` = "STATIC"
}
