import RampartCore

/// One read of PostgreSQL's events for an analysis: the events of a group of names (those a pair joins), grouped
/// per unit, with every per-unit value the request needs from them in one statement — each metric's aggregate
/// (`FILTER`), the CUPED covariates (the same aggregate over the pre-exposure window), the quantiles' per-unit
/// counts — then per variant the sums of those values and of the pairs' and covariates' products.
///
/// A pass runs over a shard of unit ids (`[lower, upper)`); the shards' sums add up (``Partial/merge(_:)``).
struct PostgresAnalysisPass: Sendable {
    typealias Statement = PostgresEventStore.Statement
    typealias Value = PostgresEventStore.Value

    /// A metric read by the pass: its index in the request and its query.
    struct Metric: Sendable {
        let index: Int
        let query: MetricQuery
        let name: Int64
    }

    /// A covariate: the metric's value over `[first exposure − window, first exposure)`.
    struct Covariate: Sendable {
        let metric: Metric
        let window: Int64
    }

    /// A quantile metric's per-unit counts: events with a rankable value, and those at or below the variant's estimate.
    struct Quantile: Sendable {
        let metric: Metric
        /// Per variant id, the estimate (variants without one count no event at or below it).
        let estimates: [Int64: Double]
    }

    var names: [Int64] = []
    var metrics: [Metric] = []
    var covariates: [Covariate] = []
    /// The request's pairs read by this pass: the pair's index and the positions of x and y in ``metrics``.
    var pairs: [(pair: Int, x: Int, y: Int)] = []
    var quantiles: [Quantile] = []

    /// The per-variant sums of one shard (or of several, merged).
    struct Partial: Sendable {
        /// Per variant key and metric position: units with a value, Σx, Σx².
        var metrics: [String: [(units: Int, sum: Double, squares: Double)]] = [:]
        /// Per variant key and joint (the covariates, then the pairs): Σx, Σx², Σy, Σy², Σxy.
        var joints: [String: [[Double]]] = [:]
        /// Per variant key and quantile: units with events, Σc, Σc², Σb, Σb², Σbc.
        var quantiles: [String: [(units: Int, sums: [Double])]] = [:]

        /// Adds another shard's sums.
        mutating func merge(_ other: Partial) {
            for (key, values) in other.metrics {
                guard var mine = metrics[key] else { metrics[key] = values; continue }
                for i in mine.indices {
                    mine[i].units += values[i].units
                    mine[i].sum += values[i].sum
                    mine[i].squares += values[i].squares
                }
                metrics[key] = mine
            }
            for (key, values) in other.joints {
                guard var mine = joints[key] else { joints[key] = values; continue }
                for i in mine.indices { for j in mine[i].indices { mine[i][j] += values[i][j] } }
                joints[key] = mine
            }
            for (key, values) in other.quantiles {
                guard var mine = quantiles[key] else { quantiles[key] = values; continue }
                for i in mine.indices {
                    mine[i].units += values[i].units
                    for j in mine[i].sums.indices { mine[i].sums[j] += values[i].sums[j] }
                }
                quantiles[key] = mine
            }
        }
    }

    /// The longest covariate window (0 without covariates).
    var window: Int64 { covariates.map(\.window).max() ?? 0 }

    /// The statement over one shard of unit ids.
    ///
    /// Each event is attributed through the shard's arrays (``PostgresUnitArrays``): its unit's first exposure and
    /// variant are elements of two bound arrays, computed once per event in a subquery the planner keeps apart
    /// (`OFFSET 0`), so that the filters reading them do not subscript the arrays again.
    ///
    /// - Parameters:
    ///   - asOf: The analysis moment.
    ///   - units: The shard's unit ids and the enrolled units' first exposures and variants.
    func sql(asOf: Int64, units: PostgresUnitArrays.Shard) throws -> Statement {
        var columns: [String] = []
        var values: [Value] = []
        let several = names.count > 1
        let windowed = window > 0
        /// The conditions placing an event in a metric: its name (when the pass reads several) and after the exposure
        /// (when the pass also reads the pre-exposure window).
        func post(_ metric: Metric) -> Statement {
            var parts: [String] = []
            var v: [Value] = []
            if several { parts.append("e.name_id = ?"); v.append(.int(metric.name)) }
            if windowed { parts.append("e.ts >= e.first_ts") }
            return Statement(parts.joined(separator: " AND "), v)
        }
        for (i, metric) in metrics.enumerated() {
            let x = try PostgresMetricSQL.filteredAggregate(metric.query, scope: post(metric))
            columns.append("\(x.sql) AS x\(i)")
            values += x.values
        }
        for (i, covariate) in covariates.enumerated() {
            var scope = Statement("e.ts < e.first_ts AND e.ts >= e.first_ts - ?", [.int(covariate.window)])
            if several { scope = Statement("e.name_id = ? AND " + scope.sql, [.int(covariate.metric.name)] + scope.values) }
            let x = try PostgresMetricSQL.filteredAggregate(covariate.metric.query, scope: scope)
            columns.append("\(x.sql) AS w\(i)")
            values += x.values
        }
        for (i, quantile) in quantiles.enumerated() {
            let filter = try PostgresMetricSQL.filter(quantile.metric.query)
            let scope = post(quantile.metric)
            let value = try PostgresMetricSQL.Column(quantile.metric.query.value ?? "").rankable
            let condition = Statement(
                (scope.sql.isEmpty ? "" : scope.sql + " AND ") + "(\(filter.sql)) AND \(value.sql) IS NOT NULL",
                scope.values + filter.values + value.values
            )
            columns.append("nullif(count(*) FILTER (WHERE \(condition.sql)), 0)::double precision AS c\(i)")
            values += condition.values
            let estimates = quantile.estimates.sorted { $0.key < $1.key }
            let estimate = estimates.isEmpty
                ? "NULL::double precision"
                : "CASE e.variant_id " + estimates.map { _ in "WHEN ? THEN ?::double precision" }.joined(separator: " ") + " END"
            columns.append("count(*) FILTER (WHERE \(condition.sql) AND \(value.sql) <= \(estimate))::double precision AS b\(i)")
            values += condition.values + value.values + estimates.flatMap { [Value.int($0.key), .double($0.value)] }
        }
        var sumsPerVariant: [String] = []
        for i in metrics.indices {
            sumsPerVariant += ["count(u.x\(i))::double precision", "coalesce(sum(u.x\(i)), 0)::double precision", "coalesce(sum(u.x\(i) * u.x\(i)), 0)::double precision"]
        }
        let joints = covariates.indices.map { ("coalesce(u.w\($0), 0)", "coalesce(u.x\(metricPosition(covariates[$0].metric)), 0)") }
            + pairs.map { ("coalesce(u.x\($0.x), 0)", "coalesce(u.x\($0.y), 0)") }
        for (x, y) in joints {
            sumsPerVariant += [
                "coalesce(sum(\(x)), 0)::double precision", "coalesce(sum(\(x) * \(x)), 0)::double precision", "coalesce(sum(\(y)), 0)::double precision",
                "coalesce(sum(\(y) * \(y)), 0)::double precision", "coalesce(sum(\(x) * \(y)), 0)::double precision",
            ]
        }
        for i in quantiles.indices {
            sumsPerVariant += [
                "count(u.c\(i))::double precision", "coalesce(sum(u.c\(i)), 0)::double precision", "coalesce(sum(u.c\(i) * u.c\(i)), 0)::double precision",
                "coalesce(sum(u.b\(i)) FILTER (WHERE u.c\(i) IS NOT NULL), 0)::double precision",
                "coalesce(sum(u.b\(i) * u.b\(i)) FILTER (WHERE u.c\(i) IS NOT NULL), 0)::double precision", "coalesce(sum(u.b\(i) * u.c\(i)), 0)::double precision",
            ]
        }
        let events = units.events(names: names, asOf: asOf, reading: columns.joined(separator: ", "))
        // Per variant id first, its key joined after: grouped by the joined key, PostgreSQL estimated the join of
        // the per-unit rows to `variants` at a hundredth of them and sorted every unit's row to group it.
        let sums = sumsPerVariant.enumerated().map { "\($0.element) AS s\($0.offset)" }
        let named = sums.indices.map { "s.s\($0)" }.joined(separator: ", ")
        let sql = """
            SELECT v.key, \(named) FROM (
                SELECT u.variant_id, \(sums.joined(separator: ", ")) FROM (
                    SELECT e.variant_id AS variant_id, \(columns.joined(separator: ", "))
                    FROM \(events.sql)
                    WHERE e.ts >= e.first_ts - ?
                    GROUP BY e.unit_id, e.variant_id
                ) AS u GROUP BY u.variant_id
            ) AS s JOIN variants AS v ON v.id = s.variant_id
            """
        values += events.values + [.int(window)]
        return Statement(sql, values)
    }

    /// The position in ``metrics`` of a covariate's metric.
    private func metricPosition(_ metric: Metric) -> Int {
        metrics.firstIndex { $0.index == metric.index }!
    }

    /// The sums of one shard from the statement's rows.
    func decode(_ rows: [[Double]], keys: [String]) -> Partial {
        var partial = Partial()
        let joints = covariates.count + pairs.count
        for (key, row) in zip(keys, rows) {
            var cells = row.makeIterator()
            partial.metrics[key] = metrics.indices.map { _ in (Int(cells.next()!), cells.next()!, cells.next()!) }
            partial.joints[key] = (0..<joints).map { _ in (0..<5).map { _ in cells.next()! } }
            partial.quantiles[key] = quantiles.indices.map { _ in (Int(cells.next()!), (0..<5).map { _ in cells.next()! }) }
        }
        return partial
    }
}
