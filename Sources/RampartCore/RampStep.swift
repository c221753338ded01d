/// One stage of a ramp plan.
public struct RampStep: Sendable, Hashable, Codable {
    /// The coverage during this stage, in (0, 1].
    public var coverage: Double
    /// The minimum time spent in the stage before advancing, in seconds.
    public var minDuration: Double
    /// The minimum number of units per variant before advancing.
    public var minUnitsPerVariant: Int
    /// Whether a human must approve leaving this stage.
    public var requiresApproval: Bool

    public init(coverage: Double, minDuration: Double = 0, minUnitsPerVariant: Int = 0, requiresApproval: Bool = false) {
        self.coverage = coverage
        self.minDuration = minDuration
        self.minUnitsPerVariant = minUnitsPerVariant
        self.requiresApproval = requiresApproval
    }

    enum CodingKeys: String, CodingKey {
        case coverage
        case minDuration = "min_duration_seconds"
        case minUnitsPerVariant = "min_units_per_variant"
        case requiresApproval = "requires_approval"
    }
}
