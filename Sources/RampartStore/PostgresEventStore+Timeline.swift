import Foundation
import PostgresNIO
import RampartCore

/// An analysis's timeline on PostgreSQL: its moments and buckets, each shard's changes per variant and bucket, and
/// the statements that read them (``PostgresEventStore/analysis(_:in:on:)`` merges the shards).
extension PostgresEventStore {
    /// One bucket's changes of a timeline: units entering (+) or leaving (−) the count, Σx and Σx².
    struct TimelineChange: Sendable {
        var units: Int64 = 0
        var sum: Double = 0
        var squares: Double = 0

        mutating func add(_ other: TimelineChange) {
            units += other.units
            sum += other.sum
            squares += other.squares
        }
    }

    /// A timeline's moments and the statement's parts, before its reads.
    struct TimelinePlan: Sendable {
        let query: MetricQuery
        let experimentID: Int64
        let name: Int64?
        let moments: [(Int64, Date)]
        let buckets: TimelineBuckets?

        /// The points from the merged changes: the changes accumulated over the buckets in order.
        func points(_ changes: [String: [TimelineChange]]) -> [TimelineAggregates] {
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
    }

    /// The timeline's moments (``TimelineSweep/moments``) and buckets.
    func timelinePlan(_ timeline: AnalysisRequest.Timeline, query: MetricQuery, scope: ExperimentScope, experimentID: Int64, on c: PostgresConnection) async throws -> TimelinePlan {
        let asOf = scope.asOfMilliseconds
        let bounds = try await rows(Statement(
            "SELECT min(first_ts), max(first_ts) FROM exposure_units WHERE experiment_id = ?::integer AND first_ts <= ?",
            [.int(experimentID), .int(asOf)]
        ), on: c)[0].decode((Int64?, Int64?).self)
        let moments = TimelineSweep.moments(timeline, origin: bounds.0, latestFirst: bounds.1, asOf: asOf)
        let buckets = moments.isEmpty ? nil : try TimelineBuckets(moments.map(\.0))
        return TimelinePlan(query: query, experimentID: experimentID, name: try await nameID(query.event, on: c), moments: moments, buckets: buckets)
    }

    /// The timeline's changes per variant and bucket over one shard of units.
    ///
    /// Each event falls in the first moment at or after it (its bucket); per unit, the cumulative value at each
    /// bucket where it has events gives the changes of x and x² there; a unit enters its variant's count at the
    /// bucket of its first exposure and leaves it, with its value, at the bucket where it became multi-variant.
    /// Summing the changes per variant and bucket, then accumulating over the buckets in order
    /// (``TimelinePlan/points(_:)``), gives each moment's Σx and Σx², as if each moment had been computed on its own.
    func timelineChanges(_ plan: TimelinePlan, shard: Range<Int64>?, on c: PostgresConnection) async throws -> [String: [TimelineChange]] {
        guard let end = plan.moments.last?.0, let buckets = plan.buckets else { return [:] }
        var changes = [String: [TimelineChange]]()
        let empty = Array(repeating: TimelineChange(), count: plan.moments.count)
        if let name = plan.name {
            let statement = try Self.timelineSQL(plan.query, experiment: plan.experimentID, name: name, buckets: buckets, end: end, shard: shard)
            for row in try await rows(statement, on: c) {
                let (key, k, units, sum, squares) = try row.decode((String, Int64, Int64, Double, Double).self)
                changes[key, default: empty][Int(k) - 1] = TimelineChange(units: units, sum: sum, squares: squares)
            }
        } else {
            // No event of the metric's name: only the enrolled counts change.
            for row in try await rows(Self.enrolmentChangesSQL(experiment: plan.experimentID, buckets: buckets, end: end, shard: shard), on: c) {
                let (key, k, units) = try row.decode((String, Int64, Int64).self)
                changes[key, default: empty][Int(k) - 1].units = units
            }
        }
        return changes
    }

    /// Per variant and bucket: units entering (+1 at the bucket of their first exposure) and leaving (−1 at the bucket
    /// where they became multi-variant) the count.
    static func enrolmentChangesSQL(experiment: Int64, buckets: TimelineBuckets, end: Int64, shard: Range<Int64>? = nil) -> Statement {
        let u = unitsSQL(experiment: experiment, buckets: buckets, end: end, shard: shard)
        return Statement("""
            WITH u AS (\(u.sql))
            SELECT v.key, t.k, t.n FROM (
                SELECT d.variant_id, d.k, sum(d.n)::bigint AS n FROM (
                    SELECT variant_id, kb AS k, 1 AS n FROM u UNION ALL SELECT variant_id, km, -1 FROM u WHERE km <= \(buckets.count)
                ) AS d GROUP BY 1, 2
            ) AS t JOIN variants AS v ON v.id = t.variant_id
            """, u.values)
    }

    /// The experiment's units exposed by `end`, with the buckets of their first exposure (`kb`) and of their
    /// becoming multi-variant (`km`, past the last bucket when they never did).
    static func unitsSQL(experiment: Int64, buckets: TimelineBuckets, end: Int64, shard: Range<Int64>? = nil) -> Statement {
        let first = buckets.sql("f.first_ts"), multi = buckets.sql("f.multi_ts")
        return Statement("""
            SELECT f.unit_id, f.variant_id, f.first_ts, \(first.sql) AS kb,
                CASE WHEN f.multi_ts IS NULL OR f.multi_ts > ? THEN \(buckets.count + 1) ELSE \(multi.sql) END AS km
            FROM exposure_units AS f WHERE f.experiment_id = ? AND f.first_ts <= ?\(shard == nil ? "" : " AND f.unit_id >= ? AND f.unit_id < ?")
            """, first.values + [.int(end)] + multi.values + [.int(experiment), .int(end)] + (shard.map { [.int($0.lowerBound), .int($0.upperBound)] } ?? []))
    }

    /// The changes of the enrolled count, Σx and Σx² per variant and bucket (see ``timelineChanges(_:shard:on:)``).
    static func timelineSQL(_ query: MetricQuery, experiment: Int64, name: Int64, buckets: TimelineBuckets, end: Int64, shard: Range<Int64>? = nil) throws -> Statement {
        let u = unitsSQL(experiment: experiment, buckets: buckets, end: end, shard: shard)
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
                WHERE e.name_id = ? AND e.ts >= u.first_ts AND e.ts <= ?\(shard == nil ? "" : " AND e.unit_id >= ? AND e.unit_id < ?") AND (\(filter.sql))
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
            SELECT v.key, t.k, t.n, t.d1, t.d2 FROM (
                SELECT c.variant_id, c.k, sum(c.n)::bigint AS n, sum(c.d1)::double precision AS d1, sum(c.d2)::double precision AS d2 FROM (
                    SELECT variant_id, b AS k, 0 AS n, x - px AS d1, x * x - px * px AS d2 FROM d
                    UNION ALL SELECT variant_id, km, 0, -x, -x * x FROM d WHERE last AND km <= \(buckets.count)
                    UNION ALL SELECT variant_id, kb, 1, 0, 0 FROM u
                    UNION ALL SELECT variant_id, km, -1, 0, 0 FROM u WHERE km <= \(buckets.count)
                ) AS c GROUP BY 1, 2
            ) AS t JOIN variants AS v ON v.id = t.variant_id
            """
        let range: [Value] = shard.map { [.int($0.lowerBound), .int($0.upperBound)] } ?? []
        return Statement(sql, u.values + bucket.values + amount.values + [.int(name), .int(end)] + range + filter.values + x.values)
    }
}
