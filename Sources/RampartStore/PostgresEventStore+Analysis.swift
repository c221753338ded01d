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
            let members = try await self.segmentMembers(experiment, on: c)
            return try await Self.$segmentUnits.withValue(members) { try await self.analysis(request, in: experiment, on: c) }
        }
    }

    /// ``analysis(_:in:)`` inside its transaction (restricted to ``segmentUnits`` when set).
    func analysis(_ request: AnalysisRequest, in experiment: ExperimentScope, on c: PostgresConnection) async throws -> AnalysisResult {
        guard let experimentID = try await self.experimentID(experiment, on: c) else {
            return SQLiteEventStore.empty(request)
        }
        let asOf = experiment.asOfMilliseconds
        let attribution = try await self.attribution(experiment, asOf: asOf, on: c)
        var result = SQLiteEventStore.empty(request)
        result.attribution = attribution
        var perUnit: [Statement?] = []
        for metric in request.metrics {
            perUnit.append(try await self.perUnit(metric.query, experiment: experimentID, asOf: asOf, on: c))
        }
        // One pass over each event name for the statistics of all its metrics.
        for (name, indices) in Dictionary(grouping: request.metrics.indices, by: { request.metrics[$0].query.event }) {
            guard let nameID = try await self.nameID(name, on: c) else {
                for i in indices { result.metrics[i] = try await self.statistics(nil, attribution: attribution, on: c) }
                continue
            }
            let statistics = try await self.statistics(of: indices.map { request.metrics[$0].query }, ids: (experimentID, nameID), asOf: asOf, attribution: attribution, on: c)
            for (i, s) in zip(indices, statistics) { result.metrics[i] = s }
        }
        for (i, metric) in request.metrics.enumerated() {
            let post = perUnit[i]
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

    /// The timeline's points: at each moment, the units enrolled then and their values over their events up to then.
    ///
    /// One query for every moment, not one per moment: each event falls in the first moment at or after it (its
    /// bucket); per unit, the cumulative value at each bucket where it has events gives the changes of x and x² there;
    /// a unit enters its variant's count at the bucket of its first exposure and leaves it, with its value, at the
    /// bucket where it became multi-variant. Summing the changes per variant and bucket, then accumulating over the
    /// buckets in order, gives each moment's Σx and Σx², as if each moment had been computed on its own.
    func timeline(_ timeline: AnalysisRequest.Timeline, query: MetricQuery, scope: ExperimentScope, experimentID: Int64, on c: PostgresConnection) async throws -> [TimelineAggregates] {
        let asOf = scope.asOfMilliseconds
        let bounds = try await rows(Statement(
            "SELECT min(first_ts), max(first_ts) FROM exposure_units WHERE experiment_id = ?::integer AND first_ts <= ?",
            [.int(experimentID), .int(asOf)]
        ), on: c)[0].decode((Int64?, Int64?).self)
        let moments = TimelineSweep.moments(timeline, origin: bounds.0, latestFirst: bounds.1, asOf: asOf)
        guard let end = moments.last?.0 else { return [] }
        let buckets = try TimelineBuckets(moments.map(\.0))
        var changes = [String: [(units: Int64, sum: Double, squares: Double)]]()
        if let name = try await nameID(query.event, on: c) {
            let statement = try Self.timelineSQL(query, experiment: experimentID, name: name, buckets: buckets, end: end)
            for row in try await rows(statement, on: c) {
                let (key, k, units, sum, squares) = try row.decode((String, Int64, Int64, Double, Double).self)
                changes[key, default: Array(repeating: (0, 0, 0), count: moments.count)][Int(k) - 1] = (units, sum, squares)
            }
        } else {
            // No event of the metric's name: only the enrolled counts change.
            for row in try await rows(Self.enrolmentChangesSQL(experiment: experimentID, buckets: buckets, end: end), on: c) {
                let (key, k, units) = try row.decode((String, Int64, Int64).self)
                changes[key, default: Array(repeating: (0, 0, 0), count: moments.count)][Int(k) - 1].units = units
            }
        }
        var running = changes.mapValues { _ in SufficientStatistics() }
        return moments.indices.map { k in
            for (key, deltas) in changes {
                running[key]!.count += Int(deltas[k].units)
                running[key]!.sum += deltas[k].sum
                running[key]!.sumOfSquares += deltas[k].squares
            }
            let enrolled = running.filter { $0.value.count > 0 }.mapValues {
                SufficientStatistics(count: $0.count, sum: $0.sum, sumOfSquares: max(0, $0.sumOfSquares))
            }
            return TimelineAggregates(at: moments[k].1, variants: enrolled)
        }
    }

    /// Per variant and bucket: units entering (+1 at the bucket of their first exposure) and leaving (−1 at the bucket
    /// where they became multi-variant) the count.
    static func enrolmentChangesSQL(experiment: Int64, buckets: TimelineBuckets, end: Int64) -> Statement {
        let u = unitsSQL(experiment: experiment, buckets: buckets, end: end)
        return Statement("""
            WITH u AS (\(u.sql))
            SELECT v.key, d.k, sum(d.n)::bigint FROM (
                SELECT variant_id, kb AS k, 1 AS n FROM u UNION ALL SELECT variant_id, km, -1 FROM u WHERE km <= \(buckets.count)
            ) AS d JOIN variants AS v ON v.id = d.variant_id GROUP BY 1, 2
            """, u.values)
    }

    /// The experiment's units exposed by `end`, with the buckets of their first exposure (`kb`) and of their
    /// becoming multi-variant (`km`, past the last bucket when they never did).
    static func unitsSQL(experiment: Int64, buckets: TimelineBuckets, end: Int64) -> Statement {
        let first = buckets.sql("f.first_ts"), multi = buckets.sql("f.multi_ts")
        return Statement("""
            SELECT f.unit_id, f.variant_id, f.first_ts, \(first.sql) AS kb,
                CASE WHEN f.multi_ts IS NULL OR f.multi_ts > ? THEN \(buckets.count + 1) ELSE \(multi.sql) END AS km
            FROM exposure_units AS f WHERE f.experiment_id = ? AND f.first_ts <= ?
            """, first.values + [.int(end)] + multi.values + [.int(experiment), .int(end)])
    }

    /// The changes of the enrolled count, Σx and Σx² per variant and bucket (see ``timeline(_:query:scope:experimentID:on:)``).
    static func timelineSQL(_ query: MetricQuery, experiment: Int64, name: Int64, buckets: TimelineBuckets, end: Int64) throws -> Statement {
        let u = unitsSQL(experiment: experiment, buckets: buckets, end: end)
        let filter = try PostgresMetricSQL.filter(query)
        let bucket = buckets.sql("e.ts")
        let amount: Statement
        if query.aggregation == .sum, let value = query.value {
            let number = try PostgresMetricSQL.Column(value).number
            amount = Statement("coalesce(sum(\(number.sql)), 0)", number.values)
        } else {
            amount = Statement("0::double precision")
        }
        // The unit's value from its cumulative count `cc` and sum `cs`, as ``PostgresMetricSQL/aggregate(_:)``.
        var x: Statement
        switch query.aggregation {
        case .indicator: x = Statement("1::double precision")
        case .count: x = Statement("cc")
        case .sum: x = Statement("cs")
        }
        if let cap = query.cap { x = Statement("least(\(x.sql), ?::double precision)", x.values + [.double(cap)]) }
        let sql = """
            WITH u AS (\(u.sql)),
            per AS (
                SELECT e.unit_id, u.variant_id, u.km, \(bucket.sql) AS b, count(*)::double precision AS n, \(amount.sql) AS s
                FROM events AS e JOIN u ON u.unit_id = e.unit_id
                WHERE e.name_id = ? AND e.ts >= u.first_ts AND e.ts <= ? AND (\(filter.sql))
                GROUP BY 1, 2, 3, 4
            ),
            cum AS (
                SELECT unit_id, variant_id, km, b,
                    sum(n) OVER (PARTITION BY unit_id ORDER BY b) AS cc, sum(s) OVER (PARTITION BY unit_id ORDER BY b) AS cs
                FROM per WHERE b < km
            ),
            vals AS (
                SELECT unit_id, variant_id, km, b, \(x.sql) AS x FROM cum
            ),
            d AS (
                SELECT variant_id, km, b, x,
                    coalesce(lag(x) OVER w, 0) AS px, lead(b) OVER w IS NULL AS last
                FROM vals WINDOW w AS (PARTITION BY unit_id ORDER BY b)
            )
            SELECT v.key, c.k, sum(c.n)::bigint, sum(c.d1)::double precision, sum(c.d2)::double precision FROM (
                SELECT variant_id, b AS k, 0 AS n, x - px AS d1, x * x - px * px AS d2 FROM d
                UNION ALL SELECT variant_id, km, 0, -x, -x * x FROM d WHERE last AND km <= \(buckets.count)
                UNION ALL SELECT variant_id, kb, 1, 0, 0 FROM u
                UNION ALL SELECT variant_id, km, -1, 0, 0 FROM u WHERE km <= \(buckets.count)
            ) AS c JOIN variants AS v ON v.id = c.variant_id GROUP BY 1, 2
            """
        return Statement(sql, u.values + bucket.values + amount.values + [.int(name), .int(end)] + filter.values + x.values)
    }
}
