import Foundation

/// An experiment as it stands in the store: its definition with the coverage and status in force, the ramp stage
/// and when that stage started.
public struct RolloutState: Sendable, Hashable, Codable {
    public var experiment: Experiment
    /// The index of the current stage in `experiment.ramp`, or `nil` when the coverage is not a stage.
    public var stageIndex: Int?
    public var stageStartedAt: Date
    /// Incremented by every change; used for optimistic concurrency between replicas.
    public var revision: Int

    public init(experiment: Experiment, stageIndex: Int? = nil, stageStartedAt: Date, revision: Int = 0) {
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
}
