import Foundation

/// An experiment as it stands in the store: its definition with the coverage and status in force, the ramp stage
/// and, when a ramp action entered that stage, when it did.
public struct RolloutState: Sendable, Hashable, Codable {
    public var experiment: Experiment
    /// The index of the current stage in `experiment.ramp`, or `nil` when the coverage is not a stage.
    public var stageIndex: Int?
    /// The moment of the audited ramp action that entered the current stage; `nil` when no ramp action did (the
    /// first stage of a phase), in which case the stage started with the phase's first exposure. It is a recorded
    /// fact, never the moment someone first opened the database: the analysis derives the start of a stage
    /// without one from the events (``resolvedStageStart(firstExposure:now:)``).
    public var stageStartedAt: Date?
    /// Incremented by every change; used for optimistic concurrency between replicas.
    public var revision: Int

    public init(experiment: Experiment, stageIndex: Int? = nil, stageStartedAt: Date? = nil, revision: Int = 0) {
        self.experiment = experiment
        self.stageIndex = stageIndex ?? experiment.ramp.firstIndex { abs($0.coverage - experiment.coverage) < 1e-12 }
        self.stageStartedAt = stageStartedAt
        self.revision = revision
    }

    /// "running at 5% (stage 2 of 5)".
    public var summary: String {
        let coverage = VerdictFormat.percent(experiment.coverage)
        let stage = stageIndex.map { " (stage \($0 + 1) of \(experiment.ramp.count))" } ?? ""
        return "\(experiment.status.rawValue) at \(coverage)\(stage)"
    }

    /// When the current stage started, as the data stood at `now`.
    ///
    /// - Parameters:
    ///   - firstExposure: The phase's earliest exposure at or before `now`, if any.
    ///   - now: The moment analysed.
    /// - Returns: The recorded ramp action that entered the stage, else the phase's first exposure; `nil` when
    ///   the stage had not started by `now` (no exposure yet, or the ramp action came later). Never after `now`.
    public func resolvedStageStart(firstExposure: Date?, now: Date) -> StageStart? {
        if let recorded = stageStartedAt {
            return recorded <= now ? StageStart(at: recorded, source: .rampAction) : nil
        }
        guard let firstExposure, firstExposure <= now else { return nil }
        return StageStart(at: firstExposure, source: .firstExposure)
    }
}
