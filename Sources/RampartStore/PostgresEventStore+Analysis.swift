import Foundation
import PostgresNIO
import RampartCore

extension PostgresEventStore {
    /// Everything an analysis needs, computed in PostgreSQL by the one-metric queries, all in one
    /// `REPEATABLE READ` snapshot: per metric its statistics, quantile and histograms; the CUPED covariates (the
    /// same per-unit aggregate over `[first exposure − window, first exposure)`, joined to the metric); the pairs'
    /// joint statistics; the timeline, as the statistics as of each of its moments (``TimelineSweep/moments``).
    public func analysis(_ request: AnalysisRequest, in experiment: ExperimentScope) async throws -> AnalysisResult {
        try SQLiteEventStore.validate(request)
        return try await read("analysing \(experiment)") { c in
            guard let experimentID = try await self.experimentID(experiment, on: c) else {
                return SQLiteEventStore.empty(request)
            }
            let asOf = experiment.asOfMilliseconds
            let attribution = try await self.attribution(experiment, asOf: asOf, on: c)
            var result = SQLiteEventStore.empty(request)
            result.attribution = attribution
            var perUnit: [Statement?] = []
            for (i, metric) in request.metrics.enumerated() {
                let post = try await self.perUnit(metric.query, experiment: experimentID, asOf: asOf, on: c)
                perUnit.append(post)
                result.metrics[i] = try await self.statistics(post, attribution: attribution, on: c)
                if let level = metric.quantile {
                    result.quantiles[i] = try await self.quantile(metric.query, level: level, scope: experiment, attribution: attribution, on: c)
                    result.histograms[i] = try await self.histograms(metric.query, scope: experiment, on: c)
                }
                if let window = metric.covariateWindow {
                    let pre = try await self.perUnit(metric.query, experiment: experimentID, asOf: asOf, preWindow: EventPass.milliseconds(window), on: c)
                    result.covariates[i] = try await self.joint(pre, post, attribution: attribution, on: c)
                }
            }
            for (p, pair) in request.pairs.enumerated() {
                result.pairs[p] = try await self.joint(perUnit[pair.x], perUnit[pair.y], attribution: attribution, on: c)
            }
            if let timeline = request.timeline {
                result.timeline = try await self.timeline(timeline, query: request.metrics[timeline.metric].query, scope: experiment, experimentID: experimentID, on: c)
            }
            return result
        }
    }

    /// The timeline's points: at each moment, the units enrolled then and their values over their events up to then.
    func timeline(_ timeline: AnalysisRequest.Timeline, query: MetricQuery, scope: ExperimentScope, experimentID: Int64, on c: PostgresConnection) async throws -> [TimelineAggregates] {
        let asOf = scope.asOfMilliseconds
        let bounds = try await rows(Statement(
            "SELECT min(first_ts), max(first_ts) FROM exposure_units WHERE experiment_id = ?::integer AND first_ts <= ?",
            [.int(experimentID), .int(asOf)]
        ), on: c)[0].decode((Int64?, Int64?).self)
        var points: [TimelineAggregates] = []
        for (moment, date) in TimelineSweep.moments(timeline, origin: bounds.0, latestFirst: bounds.1, asOf: asOf) {
            let attribution = try await attribution(scope, asOf: moment, on: c)
            let perUnit = try await perUnit(query, experiment: experimentID, asOf: moment, on: c)
            let statistics = try await statistics(perUnit, attribution: attribution, on: c)
            points.append(TimelineAggregates(at: date, variants: statistics.variants.mapValues {
                SufficientStatistics(count: $0.count, sum: $0.sum, sumOfSquares: max(0, $0.sumOfSquares))
            }))
        }
        return points
    }
}
