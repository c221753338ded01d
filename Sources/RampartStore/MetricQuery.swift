import RampartCore

/// What to aggregate per unit: an event, a filter on its properties, and a value.
///
/// It mirrors the event-reading part of a `MetricDefinition` (docs/experiment-format.md): the store turns it into
/// SQL, and known properties compare on their typed columns.
public struct MetricQuery: Sendable, Hashable {
    /// How a unit's matching events become one number.
    public enum Aggregation: Sendable, Hashable {
        /// 1 if the unit has at least one matching event, else 0 (proportion metrics).
        case indicator
        /// The number of matching events (mean metrics without a value).
        case count
        /// The sum of ``MetricQuery/value`` over matching events (mean metrics with a value); booleans count 0/1.
        case sum
    }

    /// The event name.
    public var event: String
    /// Conditions on properties, as in metric definitions: a value means equality; an operator object may use
    /// `$eq $ne $in $nin $gt $gte $lt $lte $exists`.
    public var filter: [String: JSONValue]
    /// The property summed (``Aggregation/sum``) or ranked (quantiles).
    public var value: String?
    /// How events aggregate per unit.
    public var aggregation: Aggregation
    /// A cap on each unit's value (winsorization), applied before the per-variant sums.
    public var cap: Double?

    /// Creates a query.
    ///
    /// - Parameters:
    ///   - event: The event name.
    ///   - filter: Conditions on properties.
    ///   - value: The property summed or ranked.
    ///   - aggregation: How events aggregate per unit; by default `.sum` when there is a value, else `.count`.
    ///   - cap: A per-unit cap.
    public init(
        event: String, filter: [String: JSONValue] = [:], value: String? = nil, aggregation: Aggregation? = nil,
        cap: Double? = nil
    ) {
        self.event = event
        self.filter = filter
        self.value = value
        self.aggregation = aggregation ?? (value == nil ? .count : .sum)
        self.cap = cap
    }

    /// The per-unit query of a proportion, mean or quantile metric.
    ///
    /// - Parameter metric: The metric definition.
    /// - Throws: `RampartError` (`invalid_input`) for a ratio (use its numerator and denominator) or a metric
    ///   without an event.
    public init(_ metric: MetricDefinition) throws {
        guard metric.kind != .ratio else {
            throw RampartError(.invalidInput, "metric '\(metric.key)': a ratio has no events of its own; query its numerator and denominator")
        }
        guard let event = metric.event, !event.isEmpty else {
            throw RampartError(.invalidInput, "metric '\(metric.key)': event is required")
        }
        let aggregation: Aggregation
        switch metric.kind {
        case .proportion: aggregation = .indicator
        case .mean, .quantile, .ratio: aggregation = metric.value == nil ? .count : .sum
        }
        self.init(event: event, filter: metric.filter, value: metric.value, aggregation: aggregation, cap: metric.winsorize)
    }

    /// Checks that the store can compute the query: its filter's operators and operands, and a value for sums.
    ///
    /// - Throws: `RampartError` (`invalid_input`) saying what is wrong.
    public func validate() throws {
        _ = try filterSQL()
        _ = try aggregateSQL()
    }
}
