/// A metric's per-variant statistics, with the attribution they rest on.
public struct MetricAggregates: Sendable, Hashable {
    /// Per variant: count (enrolled units), Σx and Σx² of the per-unit values.
    public var variants: [String: SufficientStatistics]
    /// Per variant: enrolled units with at least one matching event.
    public var unitsWithEvents: [String: Int]
    /// Enrolment and exclusions.
    public var attribution: Attribution

    public init(variants: [String: SufficientStatistics], unitsWithEvents: [String: Int], attribution: Attribution) {
        self.variants = variants
        self.unitsWithEvents = unitsWithEvents
        self.attribution = attribution
    }
}

/// Two metrics' per-variant joint statistics (ratio numerator and denominator, or a metric and its covariate).
public struct JointMetricAggregates: Sendable, Hashable {
    /// Per variant: both values' statistics over enrolled units and Σxy.
    public var variants: [String: JointStatistics]
    /// Enrolment and exclusions.
    public var attribution: Attribution

    public init(variants: [String: JointStatistics], attribution: Attribution) {
        self.variants = variants
        self.attribution = attribution
    }
}

/// A quantile of an event property per variant, with what a unit-clustered confidence interval needs.
///
/// With `c_i` the unit's number of matching events with a value and `b_i` how many of them are at or below the
/// estimate, the share below is Σb/Σc; its delta-method variance over units needs n, Σc, Σc², Σb, Σb², Σbc.
public struct QuantileAggregates: Sendable, Hashable {
    /// The quantile estimate: the smallest value with at least `level` of the events at or below it, NaN if none.
    public var estimate: Double
    /// Matching events with a value (Σc).
    public var events: Int
    /// Per-unit event counts `c` (count = units with at least one event) and per-unit counts at or below the
    /// estimate `b`, with Σbc.
    public var perUnit: JointStatistics

    public init(estimate: Double, events: Int, perUnit: JointStatistics) {
        self.estimate = estimate
        self.events = events
        self.perUnit = perUnit
    }
}

/// A quantile metric's per-variant statistics.
public struct QuantileMetricAggregates: Sendable, Hashable {
    /// The quantile level.
    public var level: Double
    /// Per variant.
    public var variants: [String: QuantileAggregates]
    /// Enrolment and exclusions.
    public var attribution: Attribution

    public init(level: Double, variants: [String: QuantileAggregates], attribution: Attribution) {
        self.level = level
        self.variants = variants
        self.attribution = attribution
    }
}
