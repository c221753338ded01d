/// A metric an experiment is judged on: what it reads from the event stream and how it is tested.
///
/// The fields that apply depend on ``kind``: proportions, means and quantiles read ``event`` (with ``filter``);
/// ratios name two other metrics as ``numerator`` and ``denominator``. See docs/experiment-format.md.
public struct MetricDefinition: Sendable, Hashable, Codable {
    /// The metric key, unique within the experiment.
    public var key: String
    /// A human-readable name.
    public var name: String
    /// Primary, guardrail or secondary; `nil` for a building block that only feeds a ratio.
    public var role: MetricRole?
    /// How the metric aggregates events per unit and per variant.
    public var kind: MetricKind
    /// The event it reads, for proportions, means and quantiles.
    public var event: String?
    /// Conditions on the event's properties; only matching events count.
    public var filter: [String: JSONValue]
    /// The numeric property summed (means) or ranked (quantiles); `nil` counts events.
    public var value: String?
    /// The metric whose per-unit sum is the ratio's numerator.
    public var numerator: String?
    /// The metric whose per-unit sum is the ratio's denominator.
    public var denominator: String?
    /// The quantile level for quantile metrics, in (0, 1), e.g. 0.95.
    public var quantile: Double?
    /// Whether an increase or a decrease is good.
    public var direction: MetricDirection
    /// The guardrail's limit, for guardrail metrics.
    public var threshold: GuardrailThreshold?
    /// A cap applied to each unit's value before aggregation (winsorization), if any.
    public var winsorize: Double?
    /// The number of days before a unit's first exposure used as its CUPED covariate, if any.
    public var cupedWindowDays: Double?
    /// For a guardrail, the segments it also guards on their own (attribute → values, e.g. `plan: [enterprise]`):
    /// each feeds the verdict like the guardrail itself (docs/rollouts.md, "Segment guardrails"); none by default.
    public var segments: [String: [String]]?

    public init(
        key: String,
        name: String? = nil,
        role: MetricRole? = nil,
        kind: MetricKind,
        event: String? = nil,
        filter: [String: JSONValue] = [:],
        value: String? = nil,
        numerator: String? = nil,
        denominator: String? = nil,
        quantile: Double? = nil,
        direction: MetricDirection = .increase,
        threshold: GuardrailThreshold? = nil,
        winsorize: Double? = nil,
        cupedWindowDays: Double? = nil,
        segments: [String: [String]]? = nil
    ) {
        self.segments = segments
        self.key = key
        self.name = name ?? key
        self.role = role
        self.kind = kind
        self.event = event
        self.filter = filter
        self.value = value
        self.numerator = numerator
        self.denominator = denominator
        self.quantile = quantile
        self.direction = direction
        self.threshold = threshold
        self.winsorize = winsorize
        self.cupedWindowDays = cupedWindowDays
    }

    enum CodingKeys: String, CodingKey {
        case key, name, role, kind, event, filter, value, numerator, denominator, quantile, direction, threshold
        case winsorize
        case cupedWindowDays = "cuped_window_days"
        case segments
    }
}

/// What part a metric plays in the verdict.
public enum MetricRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// The one metric the experiment is trying to move.
    case primary
    /// A metric that must not get worse beyond its threshold.
    case guardrail
    /// A metric reported for context, not used in the verdict.
    case secondary
}

/// How a metric aggregates.
public enum MetricKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// The share of units with at least one matching event.
    case proportion
    /// The mean over units of a per-unit sum (or count) of matching events.
    case mean
    /// The ratio of two per-unit sums, tested with the delta method.
    case ratio
    /// A quantile of a property over all matching events, e.g. p95 latency.
    case quantile
}

/// Which way is good.
public enum MetricDirection: String, Sendable, Hashable, Codable, CaseIterable {
    /// Bigger is better, e.g. resolution rate.
    case increase
    /// Smaller is better, e.g. latency or cost.
    case decrease
}

/// The limit a guardrail metric must respect.
public enum GuardrailThreshold: Sendable, Hashable, Codable {
    /// The treatment may be worse than control by at most this fraction of control, e.g. 0.02 for 2 %.
    case relativeMargin(Double)
    /// The treatment may be worse than control by at most this amount, in the metric's units.
    case absoluteMargin(Double)
    /// The treatment's value must stay below (for `decrease` metrics) or above (for `increase`) this level.
    case ceiling(Double)

    /// The number that defines the limit.
    public var amount: Double {
        switch self {
        case .relativeMargin(let x), .absoluteMargin(let x), .ceiling(let x): return x
        }
    }
}
