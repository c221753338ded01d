/// What the simulator generates: how many units over how long, the seed, and the true effects.
public struct SimulationSettings: Sendable, Codable {
    /// Units to simulate.
    public var units: Int = 2000
    /// Days over which units arrive.
    public var days: Double = 14
    /// The seed; the same seed gives byte-identical output.
    public var seed: UInt64 = 1
    /// The first arrival, in milliseconds since the epoch (default 2026-06-01T00:00:00Z).
    public var startMilliseconds: Int64 = 1_780_272_000_000
    /// The coverage used for assignment; all units are enrolled at 1.
    public var coverage: Double = 1
    /// Relative effects of treatment (every non-control variant), by behaviour.
    public var effects: [SimulationEffect: Double] = [:]
    /// The share of units that are, by a bug, also exposed to another variant.
    public var multiExposureRate: Double = 0.002
    /// The share of exposures delivered late (minutes to hours after the events they explain).
    public var lateExposureRate: Double = 0.05

    // Base behaviour in control.
    /// Chance a unit's ticket is resolved.
    public var resolutionRate: Double = 0.30
    /// Chance a task is escalated to a human.
    public var escalationRate: Double = 0.12
    /// Chance a task completes.
    public var completionRate: Double = 0.80
    /// Chance an agent edits the output.
    public var editRate: Double = 0.25
    /// Chance a rating is positive (negative and neutral share the rest).
    public var positiveFeedbackRate: Double = 0.55
    /// Chance a unit rates an answer.
    public var ratingRate: Double = 0.35
    /// Median latency in ms, and the log-scale spread.
    public var latencyMedianMs: Double = 1100
    public var latencySigma: Double = 0.45
    /// Chance a request hits the slow tail (a Pareto multiplier with shape 2).
    public var latencyTailRate: Double = 0.03
    /// Median tokens per request.
    public var inputTokensMedian: Double = 950
    public var outputTokensMedian: Double = 260
    /// Chance a request fails.
    public var errorRate: Double = 0.02
    /// Mean extra requests per unit beyond the first.
    public var extraRequestsMean: Double = 1.5
    /// The spread of the per-unit latent quality that ties tasks, feedback and resolution together.
    public var qualitySpread: Double = 0.6

    /// Settings with the defaults above.
    public init() {}

    /// The multiplier of a behaviour in a variant: 1 in control, 1 + effect elsewhere.
    func factor(_ effect: SimulationEffect, treated: Bool) -> Double {
        treated ? 1 + (effects[effect] ?? 0) : 1
    }

    enum CodingKeys: String, CodingKey {
        case units, days, seed, coverage, effects
        case startMilliseconds = "start_ms"
        case multiExposureRate = "multi_exposure_rate"
        case lateExposureRate = "late_exposure_rate"
        case resolutionRate = "resolution_rate"
        case escalationRate = "escalation_rate"
        case completionRate = "completion_rate"
        case editRate = "edit_rate"
        case positiveFeedbackRate = "positive_feedback_rate"
        case ratingRate = "rating_rate"
        case latencyMedianMs = "latency_median_ms"
        case latencySigma = "latency_sigma"
        case latencyTailRate = "latency_tail_rate"
        case inputTokensMedian = "input_tokens_median"
        case outputTokensMedian = "output_tokens_median"
        case errorRate = "error_rate"
        case extraRequestsMean = "extra_requests_mean"
        case qualitySpread = "quality_spread"
    }
}
