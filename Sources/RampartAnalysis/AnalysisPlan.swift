import Foundation
import RampartCore
import RampartStore

/// What an experiment's report reads from the store, as one ``AnalysisRequest``: every metric, the ratios' pairs,
/// the funnel, the cost table and the primary metric's timeline, each per-unit query asked for once.
struct AnalysisPlan {
    /// The request sent to the store.
    private(set) var request = AnalysisRequest(metrics: [])
    /// Per metric key (proportion, mean, quantile): its index in the request.
    private(set) var metrics: [String: Int] = [:]
    /// Per ratio metric key: its pair's index.
    private(set) var ratios: [String: Int] = [:]
    /// The funnel's steps and their indicator metrics.
    private(set) var funnel: [(step: String, metric: Int)] = []
    /// Per model: the indices of its spend and request count.
    private(set) var cost: [(model: String, spend: Int, requests: Int)] = []
    /// The metric whose timeline is shown (the primary); the request may also ask for a timeline of the first funnel
    /// step when there is none, only for its enrolment counts.
    private(set) var timelineMetric: String?
    /// Metrics that cannot be computed, with why.
    private(set) var problems: [String: String] = [:]
    private var index: [AnalysisRequest.Metric: Int] = [:]

    /// Plans the analysis of an experiment.
    ///
    /// - Parameters:
    ///   - experiment: The experiment.
    ///   - depth: ``AnalysisDepth/full`` reads everything the report shows; ``AnalysisDepth/verdict`` reads only the
    ///     metrics with a role and the ratios' parts (no funnel, cost or timeline).
    ///   - timelinePoints: The most timeline points (0 for none).
    init(_ experiment: Experiment, depth: AnalysisDepth = .full, timelinePoints: Int = 60) {
        self.init(experiment, only: depth == .full ? nil : Self.verdictMetrics(experiment), timelinePoints: timelinePoints)
    }

    /// Plans the analysis of some of an experiment's metrics.
    ///
    /// - Parameters:
    ///   - experiment: The experiment.
    ///   - needed: The keys of the metrics to read (a ratio's numerator and denominator must be among them), with no
    ///     funnel, cost or timeline; `nil` reads everything the report shows.
    ///   - timelinePoints: The most timeline points (0 for none), when `needed` is `nil`.
    init(_ experiment: Experiment, only needed: Set<String>?, timelinePoints: Int = 60) {
        let timelinePoints = needed == nil ? timelinePoints : 0
        for metric in experiment.metrics where metric.kind != .ratio && metrics[metric.key] == nil && needed?.contains(metric.key) != false {
            do {
                let query = try MetricQuery(metric)
                try query.validate()
                var wanted = AnalysisRequest.Metric(query)
                if metric.kind == .quantile {
                    let level = metric.quantile ?? 0.5
                    guard level > 0, level < 1, query.value != nil else {
                        throw RampartError(.invalidInput, query.value == nil ? "a quantile needs a value property to rank" : "quantile level must be in (0, 1), found \(level)")
                    }
                    wanted.quantile = level
                }
                if let days = metric.effectiveCupedWindowDays {
                    wanted.covariateWindow = days * 86_400
                }
                metrics[metric.key] = add(wanted)
            } catch let error as RampartError {
                problems[metric.key] = error.message
            } catch {
                problems[metric.key] = "\(error)"
            }
        }
        for metric in experiment.metrics where metric.kind == .ratio && needed?.contains(metric.key) != false {
            guard let n = metric.numerator, let d = metric.denominator, let x = metrics[n], let y = metrics[d],
                request.metrics[x].quantile == nil, request.metrics[y].quantile == nil
            else {
                let parts = [metric.numerator, metric.denominator].compactMap { $0 }.compactMap { problems[$0] }
                problems[metric.key] = parts.first ?? "ratio metric '\(metric.key)' names an undefined numerator or denominator"
                continue
            }
            // The ratio's own numerator and denominator without CUPED windows, as the one-metric query would read them.
            let plainX = add(AnalysisRequest.Metric(request.metrics[x].query))
            let plainY = add(AnalysisRequest.Metric(request.metrics[y].query))
            ratios[metric.key] = request.pairs.count
            request.pairs.append(AnalysisRequest.Pair(x: plainX, y: plainY))
        }
        guard needed == nil else { return }
        let steps: [(String, MetricQuery)] = [
            ("request", MetricQuery(event: EventName.llmRequestStarted, aggregation: .indicator)),
            ("completed", MetricQuery(event: EventName.llmRequestCompleted, aggregation: .indicator)),
            ("rated positive", MetricQuery(event: EventName.llmOutputRated, filter: ["user_feedback": "positive"], aggregation: .indicator)),
            ("task completed", MetricQuery(event: EventName.llmTaskCompleted, filter: ["task_completed": true], aggregation: .indicator)),
        ]
        funnel = steps.map { ($0.0, add(AnalysisRequest.Metric($0.1))) }
        for model in Set(experiment.variants.map(\.payload.model)).sorted() {
            let filter: [String: JSONValue] = ["model": .string(model)]
            let spend = add(AnalysisRequest.Metric(MetricQuery(event: EventName.llmRequestCompleted, filter: filter, value: "estimated_cost_usd", aggregation: .sum)))
            let requests = add(AnalysisRequest.Metric(MetricQuery(event: EventName.llmRequestCompleted, filter: filter, aggregation: .count)))
            cost.append((model, spend, requests))
        }
        if timelinePoints > 0,
            let primary = experiment.metrics.first(where: { $0.role == .primary && ($0.kind == .proportion || $0.kind == .mean) }),
            let i = metrics[primary.key]
        {
            timelineMetric = primary.key
            request.timeline = AnalysisRequest.Timeline(metric: i, maxPoints: timelinePoints)
        } else if timelinePoints > 0, let requests = funnel.first?.metric {
            // No timeline to show, but its enrolment counts still measure the traffic (the report's plan).
            request.timeline = AnalysisRequest.Timeline(metric: requests, maxPoints: timelinePoints)
        }
    }

    /// The metrics the verdict reads: those with a role, and the numerators and denominators of ratios among them.
    static func verdictMetrics(_ experiment: Experiment) -> Set<String> {
        withRatioParts(experiment.metrics.filter { $0.role != nil })
    }

    /// The keys of `metrics` and of the numerators and denominators of the ratios among them.
    static func withRatioParts(_ metrics: [MetricDefinition]) -> Set<String> {
        var keys = Set<String>()
        for metric in metrics {
            keys.insert(metric.key)
            if metric.kind == .ratio { keys.formUnion([metric.numerator, metric.denominator].compactMap { $0 }) }
        }
        return keys
    }

    /// The event names the request reads (with the exposure event, which every analysis reads for attribution).
    var eventNames: Set<String> {
        Set(request.metrics.map(\.query.event)).union([EventName.exposure])
    }

    /// The index of a per-unit metric, added when new.
    private mutating func add(_ metric: AnalysisRequest.Metric) -> Int {
        if let i = index[metric] { return i }
        request.metrics.append(metric)
        index[metric] = request.metrics.count - 1
        return request.metrics.count - 1
    }
}
