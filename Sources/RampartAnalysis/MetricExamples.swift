import Foundation
import RampartCore
import RampartStore

/// Example units behind one metric and variant, with their trace ids and links (`rampart examples`,
/// `GET /v1/experiments/{key}/metrics/{metric}/examples`; docs/report-format.md, "Metric examples").
public struct MetricExamples: Sendable, Codable {
    public static let schemaVersion = "rampart.examples/v1"
    /// The default number of examples per group.
    public static let defaultLimit = 20

    public var schema: String = MetricExamples.schemaVersion
    public var experiment: String
    public var metric: String
    public var name: String
    public var kind: MetricKind
    public var role: MetricRole?
    public var variant: String
    public var asOf: Date
    /// The most examples per group.
    public var limit: Int
    /// The experiment's `trace_url` template, if any.
    public var traceURL: String?
    public var groups: [Group]

    enum CodingKeys: String, CodingKey {
        case schema, experiment, metric, name, kind, role, variant, limit, groups
        case asOf = "as_of"
        case traceURL = "trace_url"
    }

    /// One kind of example: units with the outcome, without it, with events, or requests above the quantile.
    public struct Group: Sendable, Codable {
        /// `with_outcome` | `without_outcome` | `with_events` | `above_quantile`.
        public var kind: String
        /// What the group holds, in words.
        public var description: String
        /// For `above_quantile`: the variant's quantile the examples exceed.
        public var threshold: Double?
        public var examples: [Example]
    }

    /// One example unit (or request, above a quantile).
    public struct Example: Sendable, Codable {
        /// The unit id as stored (hashed when unit hashing is on).
        public var unit: String
        /// The unit's value of the metric (events, sum or 1/0), or the request's ranked value.
        public var value: Double
        public var traceID: String?
        /// `trace_url` with the trace id filled in.
        public var traceURL: String?
        public var at: Date

        enum CodingKeys: String, CodingKey {
            case unit, value, at
            case traceID = "trace_id"
            case traceURL = "trace_url"
        }

        /// Every key, `null` when unknown.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(unit, forKey: .unit)
            try c.encode(value, forKey: .value)
            try c.encode(traceID, forKey: .traceID)
            try c.encode(traceURL, forKey: .traceURL)
            try c.encode(at, forKey: .at)
        }
    }

    /// Finds the examples of a metric and variant as of a moment, deterministically.
    ///
    /// Proportions list units with and without the outcome; means and ratios the units with matching events (a
    /// ratio's numerator), which drive a guardrail; quantiles the slowest requests above the variant's quantile.
    ///
    /// - Parameters:
    ///   - store: The store (it must implement ``DecisionQualityStore``).
    ///   - e: The experiment.
    ///   - metricKey: The metric's key.
    ///   - variant: The variant's key.
    ///   - limit: The most examples per group, 1 … 100.
    ///   - now: The moment the data is read as of.
    /// - Throws: `not_found` for an unknown metric, `invalid_input` naming `variant` or `limit`.
    public static func find(
        in store: any ValueDistributionStore, experiment e: Experiment, metric metricKey: String, variant: String,
        limit: Int = defaultLimit, now: Date = Date()
    ) async throws -> MetricExamples {
        guard let metric = e.metric(metricKey) else {
            throw RampartError(.notFound, "metric: experiment '\(e.key)' has no metric '\(metricKey)' (its metrics: \(e.metrics.map(\.key).joined(separator: ", ")))")
        }
        guard e.variants.contains(where: { $0.key == variant }) else {
            throw RampartError(.invalidInput, "variant: experiment '\(e.key)' has no variant '\(variant)' (its variants: \(e.variants.map(\.key).joined(separator: ", ")))")
        }
        guard (1...ExampleQuery.maximumLimit).contains(limit) else {
            throw RampartError(.invalidInput, "limit: must be between 1 and \(ExampleQuery.maximumLimit), found \(limit)")
        }
        guard let quality = store as? any DecisionQualityStore else {
            throw RampartError(.storage, "this store cannot list examples")
        }
        let scope = ExperimentScope(e, asOf: now)
        var groups: [Group] = []
        func add(_ kind: String, _ description: String, _ query: MetricQuery, _ selection: ExampleQuery.Selection, threshold: Double? = nil) async throws {
            let found = try await quality.metricExamples(ExampleQuery(metric: query, variant: variant, selection: selection, limit: limit), in: scope)
            let examples = found.map {
                Example(unit: $0.unit, value: $0.value, traceID: $0.traceID, traceURL: TraceLink.url(template: e.analysis.traceURL, traceID: $0.traceID), at: $0.at)
            }
            groups.append(Group(kind: kind, description: description, threshold: threshold, examples: examples))
        }
        switch metric.kind {
        case .proportion:
            let query = try MetricQuery(metric)
            try await add("with_outcome", "units with a matching \(query.event) event (the outcome)", query, .withEvents)
            try await add("without_outcome", "enrolled units without one", query, .withoutEvents)
        case .mean:
            let query = try MetricQuery(metric)
            try await add("with_events", "units with matching \(query.event) events, which drive the metric", query, .withEvents)
        case .ratio:
            guard let numerator = metric.numerator.flatMap(e.metric) else {
                throw RampartError(.invalidInput, "metric: ratio '\(metric.key)' has no numerator metric to take examples from")
            }
            let query = try MetricQuery(numerator)
            try await add("with_events", "units with matching \(query.event) events (the numerator, \(numerator.key))", query, .withEvents)
        case .quantile:
            let query = try MetricQuery(metric)
            let level = metric.quantile ?? 0.5
            let estimate = try await store.quantileStatistics(query, level: level, in: scope).variants[variant]?.estimate
            let description = "\(query.event) events above the variant's p\(ReportFormat.level(level).dropLast()), highest \(query.value ?? "value") first"
            if let estimate, estimate.isFinite {
                try await add("above_quantile", description, query, .above(estimate), threshold: estimate)
            } else {
                groups.append(Group(kind: "above_quantile", description: description, threshold: nil, examples: []))
            }
        }
        return MetricExamples(
            experiment: e.key, metric: metric.key, name: metric.name, kind: metric.kind, role: metric.role, variant: variant,
            asOf: now, limit: limit, traceURL: e.analysis.traceURL, groups: groups
        )
    }

    /// The examples of every metric with a role, for every variant (the report's `examples`).
    ///
    /// - Parameters:
    ///   - store: The store.
    ///   - e: The experiment.
    ///   - limit: The most examples per group.
    ///   - now: The moment the data is read as of.
    public static func all(in store: any ValueDistributionStore, experiment e: Experiment, limit: Int, now: Date) async throws -> [MetricExamples] {
        var all: [MetricExamples] = []
        for metric in e.metrics where metric.role != nil {
            for variant in e.variants {
                all.append(try await find(in: store, experiment: e, metric: metric.key, variant: variant.key, limit: limit, now: now))
            }
        }
        return all
    }

    /// The examples as plain text: a header, then each group's table.
    public var text: String {
        var out = ["\(experiment) — \(name) (\(metric)), variant \(variant), as of \(ReportFormat.date(asOf))"]
        for group in groups {
            out += ["", "\(group.kind): \(group.description)" + (group.threshold.map { " (threshold \(String(format: "%.6g", $0)))" } ?? "")]
            if group.examples.isEmpty {
                out.append("  (none)")
                continue
            }
            let rows = [["unit", "value", "at", "trace id", "trace url"]] + group.examples.map {
                [$0.unit, String(format: "%.6g", $0.value), ReportFormat.date($0.at), $0.traceID ?? "—", $0.traceURL ?? "—"]
            }
            out += ExperimentReport.table(rows).map { "  " + $0 }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The examples as JSON, with the report's encoder.
    public func json() throws -> String {
        String(decoding: try ExperimentReport.encoder.encode(self), as: UTF8.self)
    }
}
