/// The variant a unit gets from one experiment, and why.
public struct Assignment: Sendable, Hashable {
    /// The experiment's key.
    public var experimentKey: String
    /// The experiment's phase at assignment time; exposures record it.
    public var phase: Int
    /// The variant served.
    public var variant: Variant
    /// Whether the unit is enrolled in the experiment, and so counts in its analysis and logs an exposure.
    public var enrolled: Bool
    /// The unit's bucket value in [0, 1), when the unit was hashed.
    public var bucket: Double?
    /// Why this variant was served.
    public var reason: AssignmentReason

    public init(experimentKey: String, phase: Int, variant: Variant, enrolled: Bool, bucket: Double?, reason: AssignmentReason) {
        self.experimentKey = experimentKey
        self.phase = phase
        self.variant = variant
        self.enrolled = enrolled
        self.bucket = bucket
        self.reason = reason
    }
}
