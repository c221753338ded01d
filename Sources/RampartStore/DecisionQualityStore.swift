import Foundation
import RampartCore

/// What a decision's follow-up questions read: which prompt versions and models actually ran for each variant
/// ("served vs. ran"), and example units behind a metric, with their trace ids.
///
/// Implemented by ``SQLiteEventStore`` and ``PostgresEventStore``; both read the data as of the scope's moment and
/// attribute events as every analysis does (``EventStore``).
public protocol DecisionQualityStore: Sendable {
    /// The LLM events (``RanVersionCount/eventNames``) of each variant's enrolled units that name a prompt version
    /// or a model, counted per variant, `prompt_version_id` and `model`.
    ///
    /// - Parameter experiment: The experiment, phase and as-of moment.
    /// - Returns: One row per variant and combination seen, in variant, count (descending), version and model order.
    func ranVersions(in experiment: ExperimentScope) async throws -> [RanVersionCount]

    /// Example units of one variant behind a metric, chosen deterministically: two calls on the same data return
    /// the same examples.
    ///
    /// - Parameters:
    ///   - query: The metric's events, the variant, which units, and how many.
    ///   - experiment: The experiment, phase and as-of moment.
    /// - Returns: At most `query.limit` examples, in a stable order (``ExampleQuery/Selection``).
    func metricExamples(_ query: ExampleQuery, in experiment: ExperimentScope) async throws -> [MetricExample]
}

/// How many attributed LLM events of one variant ran one prompt version and model.
public struct RanVersionCount: Sendable, Hashable {
    /// The LLM events read: requests (started, completed, failed), ratings and tasks.
    public static let eventNames = [
        EventName.llmRequestStarted, EventName.llmRequestCompleted, EventName.llmRequestFailed,
        EventName.llmOutputRated, EventName.llmTaskCompleted,
    ]

    public var variant: String
    /// The events' `prompt_version_id`, `nil` when they had none.
    public var promptVersionId: String?
    /// The events' `model`, `nil` when they had none.
    public var model: String?
    public var events: Int

    public init(variant: String, promptVersionId: String?, model: String?, events: Int) {
        self.variant = variant
        self.promptVersionId = promptVersionId
        self.model = model
        self.events = events
    }

    /// The rows of several reads (shards of units) added up per variant, version and model, in the order both stores
    /// answer: variant, most events first, then version and model byte-wise with `nil` first (SQLite's `ORDER BY`,
    /// PostgreSQL's `COLLATE "C" NULLS FIRST`).
    static func totals(_ parts: [[RanVersionCount]]) -> [RanVersionCount] {
        var totals: [RanVersionCount: Int] = [:]
        for row in parts.joined() {
            var key = row
            key.events = 0
            totals[key, default: 0] += row.events
        }
        func before(_ a: String?, _ b: String?) -> Bool? {
            switch (a, b) {
            case (nil, nil): return nil
            case (nil, _): return true
            case (_, nil): return false
            case let (a?, b?): return a == b ? nil : a.utf8.lexicographicallyPrecedes(b.utf8)
            }
        }
        return totals.map { key, n in
            var row = key
            row.events = n
            return row
        }.sorted { a, b in
            if a.variant != b.variant { return a.variant.utf8.lexicographicallyPrecedes(b.variant.utf8) }
            if a.events != b.events { return a.events > b.events }
            return before(a.promptVersionId, b.promptVersionId) ?? before(a.model, b.model) ?? false
        }
    }
}

/// Which example units of a metric and variant to list.
public struct ExampleQuery: Sendable, Hashable {
    /// The units wanted, and their order.
    public enum Selection: Sendable, Hashable {
        /// Units with at least one matching event (with the outcome), in sample order.
        case withEvents
        /// Enrolled units without a matching event (without the outcome), in sample order.
        case withoutEvents
        /// Matching events whose ranked value (``MetricQuery/value``) is above the threshold, highest first
        /// (e.g. the requests slower than the variant's p95).
        case above(Double)
    }

    /// The key mixed into each unit id before hashing, so the sample order is fixed and unrelated to bucketing.
    public static let sampleKey = "rampart.examples/v1:"
    /// The most examples one query returns.
    public static let maximumLimit = 100

    /// The metric's events, filter and value (the aggregate gives each example's value).
    public var metric: MetricQuery
    /// The variant key.
    public var variant: String
    public var selection: Selection
    /// How many examples, 1 … ``maximumLimit``.
    public var limit: Int

    public init(metric: MetricQuery, variant: String, selection: Selection, limit: Int) {
        self.metric = metric
        self.variant = variant
        self.selection = selection
        self.limit = limit
    }

    /// Throws `invalid_input` for a limit outside 1 … ``maximumLimit`` or an above-threshold query without a value.
    func validate() throws {
        guard (1...Self.maximumLimit).contains(limit) else {
            throw RampartError(.invalidInput, "limit must be between 1 and \(Self.maximumLimit), found \(limit)")
        }
        if case .above = selection, metric.value == nil {
            throw RampartError(.invalidInput, "examples above a quantile of '\(metric.event)' need a value property to rank")
        }
    }
}

/// One example unit (or, above a quantile, one event) behind a metric.
public struct MetricExample: Sendable, Hashable {
    /// The unit id as stored (hashed when unit hashing is on).
    public var unit: String
    /// The unit's value: the metric's per-unit aggregate (0 without events), or the event's ranked value.
    public var value: Double
    /// The trace id of the example's event: the first matching event with one, else the unit's first LLM request
    /// with one; `nil` when none has a trace id.
    public var traceID: String?
    /// When the event with the trace id happened (or, without one, the unit's first exposure).
    public var at: Date

    public init(unit: String, value: Double, traceID: String?, at: Date) {
        self.unit = unit
        self.value = value
        self.traceID = traceID
        self.at = at
    }

    /// The names of the request events searched for a trace id when the matching events have none.
    static let requestEvents = [EventName.llmRequestStarted, EventName.llmRequestCompleted, EventName.llmRequestFailed]
}
