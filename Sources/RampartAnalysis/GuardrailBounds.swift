import Foundation

/// The interval a guardrail's decision reads: the two one-sided bounds of its test, each at level 1 − α
/// (sequential when the experiment is), on the threshold's scale, and the limit they are compared with.
///
/// Not the two-sided interval of `relative` / `absolute`: a one-sided bound at 1 − α is closer to the estimate than
/// a two-sided one, and for a margin it is the relative or absolute effect the margin is written on. With a limit
/// L: a `decrease` metric is non-inferior (below its ceiling) when `upper` < L and regresses (above it) when
/// `lower` > L; an `increase` metric the other way round.
public struct GuardrailBounds: Sendable, Codable, Hashable {
    /// The effect (relative or absolute) or, for a ceiling, the treatment's value.
    public var estimate: Double?
    /// The one-sided lower bound at `level`.
    public var lower: Double?
    /// The one-sided upper bound at `level`.
    public var upper: Double?
    /// The confidence level of each bound, 1 − α.
    public var level: Double
    /// Whether the bounds are always-valid (sequential).
    public var sequential: Bool
    /// `relative`, `absolute` (effects against control) or `value` (the treatment's own value, for ceilings).
    public var scale: String
    /// The limit: +margin (`decrease`) or −margin (`increase`) on the effect, or the ceiling (floor) on the value.
    public var limit: Double

    public init(estimate: Double?, lower: Double?, upper: Double?, level: Double, sequential: Bool, scale: String, limit: Double) {
        self.estimate = estimate.finite
        self.lower = lower.finite
        self.upper = upper.finite
        self.level = level
        self.sequential = sequential
        self.scale = scale
        self.limit = limit
    }
}
