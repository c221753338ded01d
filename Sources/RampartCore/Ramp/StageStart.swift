import Foundation

/// When a ramp stage started, and which recorded fact says so.
public struct StageStart: Sendable, Hashable, Codable {
    /// The recorded fact a stage's start is read from.
    public enum Source: String, Sendable, Hashable, Codable {
        /// The audited ramp action (`advance`) that entered the stage.
        case rampAction = "ramp_action"
        /// The phase's first exposure: the first stage of a phase, entered by no ramp action.
        case firstExposure = "first_exposure"
    }

    public var at: Date
    public var source: Source

    public init(at: Date, source: Source) {
        self.at = at
        self.source = source
    }
}
