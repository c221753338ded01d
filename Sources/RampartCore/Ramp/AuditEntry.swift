import Foundation

/// One recorded change to an experiment's rollout: who, when, from what to what, the verdict then, and why.
public struct AuditEntry: Sendable, Hashable, Codable {
    public var experiment: String
    public var action: String
    public var actor: String
    public var at: Date
    /// The state before, e.g. "running at 5% (stage 2 of 5)".
    public var from: String
    /// The state after.
    public var to: String
    /// The verdict at the time of the change, with its decisive reasons.
    public var verdict: String
    public var reason: String
    /// Whether the change overrode the verdict with `--force`.
    public var forced: Bool

    public init(experiment: String, action: String, actor: String, at: Date, from: String, to: String, verdict: String, reason: String, forced: Bool) {
        self.experiment = experiment
        self.action = action
        self.actor = actor
        self.at = at
        self.from = from
        self.to = to
        self.verdict = verdict
        self.reason = reason
        self.forced = forced
    }
}
