import Foundation
import PostgresNIO
import RampartCore

extension PostgresEventStore {
    /// Runs reads in one `REPEATABLE READ` transaction, so that they all see one snapshot.
    ///
    /// JIT compilation and nested-loop joins are off in it (``readSettings``).
    func read<T: Sendable>(_ what: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction(what, timeout: .seconds(600)) { connection in
            _ = try await self.rows(Statement("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"), on: connection)
            _ = try await self.rows(Statement(Self.readSettings), on: connection)
            return try await body(connection)
        }
    }

    /// The settings of a read transaction.
    ///
    /// - No JIT compilation. The analysis's statements carry many expressions (one `FILTER` aggregate per metric)
    ///   and cost enough to pass `jit_above_cost`, and compiling them took longer than running them (0.65 s of JIT
    ///   for a 0.05 s attribution read of 100,000 units, measured with `EXPLAIN ANALYZE`; each shard of a pass would
    ///   compile its own).
    /// - No nested-loop joins. Every read joins a whole experiment's events to its exposures, which hash or merge
    ///   joins do in one pass over each side. Before autovacuum has analysed freshly ingested tables the planner
    ///   estimates one row per side and picks a nested loop that compares every event with every exposure: a report
    ///   of the 18,918-event support-win fixture took 11–16 s that way instead of 0.5 s (docs/performance.md).
    static let readSettings = "SELECT set_config('jit', 'off', true), set_config('enable_nestloop', 'off', true)"

    public func attribution(_ experiment: ExperimentScope) async throws -> Attribution {
        try await read("reading the attribution of \(experiment)") { c in
            try await self.attribution(experiment, asOf: experiment.asOfMilliseconds, on: c)
        }
    }

    public func statistics(_ metric: MetricQuery, in experiment: ExperimentScope) async throws -> MetricAggregates {
        try metric.validate()
        return try await read("computing statistics for \(experiment)") { c in
            guard let ids = try await self.ids(experiment, event: metric.event, on: c) else {
                let attribution = try await self.attribution(experiment, asOf: experiment.asOfMilliseconds, on: c)
                return MetricAggregates(variants: attribution.enrolled.mapValues { SufficientStatistics(count: $0) }, unitsWithEvents: [:], attribution: attribution)
            }
            return try await self.statistics(metric, ids: ids, scope: experiment, asOf: experiment.asOfMilliseconds, on: c)
        }
    }

    public func jointStatistics(_ x: MetricQuery, _ y: MetricQuery, in experiment: ExperimentScope) async throws -> JointMetricAggregates {
        try x.validate()
        try y.validate()
        return try await read("computing joint statistics for \(experiment)") { c in
            let asOf = experiment.asOfMilliseconds
            let attribution = try await self.attribution(experiment, asOf: asOf, on: c)
            let experimentID = try await self.experimentID(experiment, on: c)
            let xs = try await self.perUnit(x, experiment: experimentID, asOf: asOf, on: c)
            let ys = try await self.perUnit(y, experiment: experimentID, asOf: asOf, on: c)
            return try await self.joint(xs, ys, attribution: attribution, on: c)
        }
    }

    public func quantileStatistics(_ metric: MetricQuery, level: Double, in experiment: ExperimentScope) async throws -> QuantileMetricAggregates {
        guard level > 0, level < 1 else {
            throw RampartError(.invalidInput, "quantile level must be in (0, 1), found \(level)")
        }
        guard metric.value != nil else {
            throw RampartError(.invalidInput, "a quantile of '\(metric.event)' needs a value property to rank")
        }
        try metric.validate()
        return try await read("computing a quantile for \(experiment)") { c in
            let attribution = try await self.attribution(experiment, asOf: experiment.asOfMilliseconds, on: c)
            return try await self.quantile(metric, level: level, scope: experiment, attribution: attribution, on: c)
        }
    }

    public func valueHistograms(_ metric: MetricQuery, in experiment: ExperimentScope) async throws -> [String: ValueHistogram] {
        guard metric.value != nil else {
            throw RampartError(.invalidInput, "a histogram of '\(metric.event)' needs a value property")
        }
        try metric.validate()
        return try await read("computing histograms for \(experiment)") { c in
            try await self.histograms(metric, scope: experiment, on: c)
        }
    }

    // MARK: The SQL, on one connection

    /// SQLite's ``SQLiteEventStore/attributedSQL``, with its three as-of values.
    static let attributedSQL = "f.first_ts <= ? AND (f.multi_ts IS NULL OR f.multi_ts > ?) AND e.ts >= f.first_ts AND e.ts <= ?"

    /// The events of one name joined to their unit's exposure row in one experiment (`e`, `f`), attributed as of
    /// `asOf`, meeting the filter; or, with `preWindow`, in the window before the first exposure of units
    /// enrolled as of `asOf`.
    static func attributedEvents(_ query: MetricQuery, ids: (experiment: Int64, name: Int64), asOf: Int64, preWindow: Int64? = nil) throws -> Statement {
        let filter = try PostgresMetricSQL.filter(query)
        if let preWindow {
            return Statement("""
                events AS e JOIN exposure_units AS f ON f.unit_id = e.unit_id AND f.experiment_id = ?
                WHERE e.name_id = ? AND f.first_ts <= ? AND (f.multi_ts IS NULL OR f.multi_ts > ?)
                    AND e.ts < f.first_ts AND e.ts >= f.first_ts - ? AND (\(filter.sql))
                """, [.int(ids.experiment), .int(ids.name), .int(asOf), .int(asOf), .int(preWindow)] + filter.values)
        }
        return Statement("""
            events AS e JOIN exposure_units AS f ON f.unit_id = e.unit_id AND f.experiment_id = ?
            WHERE e.name_id = ? AND \(attributedSQL) AND (\(filter.sql))
            """, [.int(ids.experiment), .int(ids.name), .int(asOf), .int(asOf), .int(asOf)] + filter.values)
    }

    /// SQLite's ``SQLiteEventStore/perUnitSQL(_:ids:asOf:events:)``: per unit with a matching event, its variant
    /// and aggregate `x`.
    static func perUnitSQL(_ query: MetricQuery, ids: (experiment: Int64, name: Int64), asOf: Int64, preWindow: Int64? = nil) throws -> Statement {
        let aggregate = try PostgresMetricSQL.aggregate(query)
        let events = try attributedEvents(query, ids: ids, asOf: asOf, preWindow: preWindow)
        return Statement(
            "SELECT f.variant_id AS variant_id, e.unit_id AS unit_id, \(aggregate.sql) AS x FROM \(events.sql) GROUP BY e.unit_id, f.variant_id",
            aggregate.values + events.values
        )
    }

    /// A per-unit query, or `nil` when the experiment or the event name was never stored.
    func perUnit(_ query: MetricQuery, experiment: Int64?, asOf: Int64, preWindow: Int64? = nil, on c: PostgresConnection) async throws -> Statement? {
        guard let experiment, let name = try await nameID(query.event, on: c) else { return nil }
        return try Self.perUnitSQL(query, ids: (experiment, name), asOf: asOf, preWindow: preWindow)
    }

    func statistics(_ metric: MetricQuery, ids: (experiment: Int64, name: Int64), scope: ExperimentScope, asOf: Int64, on c: PostgresConnection) async throws -> MetricAggregates {
        let attribution = try await attribution(scope, asOf: asOf, on: c)
        return try await statistics(try Self.perUnitSQL(metric, ids: ids, asOf: asOf), attribution: attribution, on: c)
    }

    /// Per-variant Σx and Σx² of a per-unit query, with the enrolled counts of `attribution`.
    func statistics(_ perUnit: Statement?, attribution: Attribution, on c: PostgresConnection) async throws -> MetricAggregates {
        var variants = attribution.enrolled.mapValues { SufficientStatistics(count: $0) }
        var withEvents: [String: Int] = [:]
        if let perUnit {
            let sql = """
                SELECT v.key, s.n, s.sx, s.sxx FROM (
                    SELECT u.variant_id, count(*) AS n, coalesce(sum(u.x), 0)::double precision AS sx, coalesce(sum(u.x * u.x), 0)::double precision AS sxx
                    FROM (\(perUnit.sql)) AS u GROUP BY u.variant_id
                ) AS s JOIN variants AS v ON v.id = s.variant_id
                """
            for row in try await rows(Statement(sql, perUnit.values), on: c) {
                let (key, units, sum, squares) = try row.decode((String, Int64, Double, Double).self)
                variants[key, default: SufficientStatistics()].sum = sum
                variants[key, default: SufficientStatistics()].sumOfSquares = squares
                withEvents[key] = Int(units)
            }
        }
        return MetricAggregates(variants: variants, unitsWithEvents: withEvents, attribution: attribution)
    }

    /// Per-variant joint sums of two per-unit queries (0 for a unit without events), as SQLite's
    /// ``SQLiteEventStore/jointStatistics(_:_:in:)``.
    func joint(_ x: Statement?, _ y: Statement?, attribution: Attribution, on c: PostgresConnection) async throws -> JointMetricAggregates {
        var variants = attribution.enrolled.mapValues {
            JointStatistics(x: SufficientStatistics(count: $0), y: SufficientStatistics(count: $0))
        }
        var branches: [String] = []
        var values: [Value] = []
        if let x {
            branches.append("SELECT variant_id, unit_id, x, 0::double precision AS y FROM (\(x.sql)) AS px")
            values += x.values
        }
        if let y {
            branches.append("SELECT variant_id, unit_id, 0::double precision AS x, x AS y FROM (\(y.sql)) AS py")
            values += y.values
        }
        guard !branches.isEmpty else { return JointMetricAggregates(variants: variants, attribution: attribution) }
        let sql = """
            SELECT v.key, s.sx, s.sxx, s.sy, s.syy, s.sxy FROM (
                SELECT u.variant_id, coalesce(sum(u.x), 0)::double precision AS sx, coalesce(sum(u.x * u.x), 0)::double precision AS sxx,
                    coalesce(sum(u.y), 0)::double precision AS sy, coalesce(sum(u.y * u.y), 0)::double precision AS syy,
                    coalesce(sum(u.x * u.y), 0)::double precision AS sxy
                FROM (
                    SELECT variant_id, unit_id, sum(x) AS x, sum(y) AS y
                    FROM (\(branches.joined(separator: " UNION ALL "))) AS b
                    GROUP BY unit_id, variant_id
                ) AS u GROUP BY u.variant_id
            ) AS s JOIN variants AS v ON v.id = s.variant_id
            """
        for row in try await rows(Statement(sql, values), on: c) {
            let (key, xs, xq, ys, yq, xy) = try row.decode((String, Double, Double, Double, Double, Double).self)
            var s = variants[key] ?? JointStatistics()
            s.x.sum = xs
            s.x.sumOfSquares = xq
            s.y.sum = ys
            s.y.sumOfSquares = yq
            s.sumOfProducts = xy
            variants[key] = s
        }
        return JointMetricAggregates(variants: variants, attribution: attribution)
    }

    /// SQLite's ``SQLiteEventStore/quantileStatistics(_:level:in:)``: per variant the value of rank
    /// ⌈level·n⌉ among the attributed events' values, and per unit the event count and the count at or below it.
    func quantile(_ metric: MetricQuery, level: Double, scope: ExperimentScope, attribution: Attribution, on c: PostgresConnection) async throws -> QuantileMetricAggregates {
        var variants: [String: QuantileAggregates] = [:]
        for key in attribution.enrolled.keys {
            variants[key] = QuantileAggregates(estimate: .nan, events: 0, perUnit: JointStatistics())
        }
        guard let ids = try await ids(scope, event: metric.event, on: c) else {
            return QuantileMetricAggregates(level: level, variants: variants, attribution: attribution)
        }
        let value = try PostgresMetricSQL.Column(metric.value ?? "").rankable
        let events = try Self.attributedEvents(metric, ids: ids, asOf: scope.asOfMilliseconds)
        for (key, variantID) in try await variantIDs(ids.experiment, on: c) {
            let base = Statement(
                "SELECT * FROM (SELECT e.unit_id AS unit_id, \(value.sql) AS x FROM \(events.sql) AND f.variant_id = ?) AS q WHERE x IS NOT NULL",
                value.values + events.values + [.int(variantID)]
            )
            let count = try await rows(Statement("SELECT count(*) FROM (\(base.sql)) AS b", base.values), on: c)[0].decode(Int64.self)
            guard count > 0 else { continue }
            let rank = max(0, Int((level * Double(count)).rounded(.up)) - 1)
            let estimate = try await rows(Statement("SELECT x FROM (\(base.sql)) AS b ORDER BY x LIMIT 1 OFFSET ?", base.values + [.int(Int64(rank))]), on: c)
                .first?.decode(Double.self) ?? .nan
            let row = try await rows(Statement("""
                SELECT count(*), coalesce(sum(c), 0), coalesce(sum(c * c), 0), coalesce(sum(b), 0), coalesce(sum(b * b), 0), coalesce(sum(b * c), 0)
                FROM (SELECT count(*)::double precision AS c, sum(CASE WHEN x <= ? THEN 1 ELSE 0 END)::double precision AS b
                    FROM (\(base.sql)) AS q GROUP BY unit_id) AS u
                """, [.double(estimate)] + base.values), on: c)[0]
            let (units, cs, cq, bs, bq, bc) = try row.decode((Int64, Double, Double, Double, Double, Double).self)
            let perUnit = JointStatistics(
                x: SufficientStatistics(count: Int(units), sum: cs, sumOfSquares: cq),
                y: SufficientStatistics(count: Int(units), sum: bs, sumOfSquares: bq),
                sumOfProducts: bc
            )
            variants[key] = QuantileAggregates(estimate: estimate, events: Int(count), perUnit: perUnit)
        }
        return QuantileMetricAggregates(level: level, variants: variants, attribution: attribution)
    }

    /// SQLite's ``SQLiteEventStore/valueHistograms(_:in:)``: log bins `floor(ln x / ln growth)` per variant
    /// (``binnedValues(_:source:on:)`` over every unit, joined to `exposure_units`).
    func histograms(_ metric: MetricQuery, scope: ExperimentScope, on c: PostgresConnection) async throws -> [String: ValueHistogram] {
        guard let ids = try await ids(scope, event: metric.event, on: c) else { return [:] }
        return try await binnedValues(metric, source: Self.joined(metric, ids: ids, asOf: scope.asOfMilliseconds), on: c)
            .mapValues { ValueHistogram.fromLogBins($0.bins, nonPositive: $0.nonPositive) }
    }

    /// SQLite's ``SQLiteEventStore/attribution(_:db:)``.
    func attribution(_ experiment: ExperimentScope, asOf: Int64, on c: PostgresConnection) async throws -> Attribution {
        guard let id = try await experimentID(experiment, on: c) else { return Attribution() }
        var result = Attribution()
        let rows = try await rows(Statement("""
            SELECT v.key, (x.multi_ts IS NOT NULL AND x.multi_ts <= ?), count(*), min(x.first_ts),
                coalesce(sum(CASE WHEN x.last_ts <= ? THEN x.exposures ELSE (
                    SELECT count(*) FROM events AS e
                    WHERE e.name_id = (SELECT id FROM event_names WHERE name = ?) AND e.unit_id = x.unit_id
                        AND e.ts <= ? AND e.experiment = ? AND coalesce(e.phase, 0) = ?
                ) END), 0)::bigint
            FROM exposure_units AS x JOIN variants AS v ON v.id = x.variant_id
            WHERE x.experiment_id = ? AND x.first_ts <= ? GROUP BY 1, 2
            """, [.int(asOf), .int(asOf), .text(EventName.exposure), .int(asOf), .text(experiment.key), .int(Int64(experiment.phase)), .int(id), .int(asOf)]), on: c)
        for row in rows {
            let (key, multi, units, first, exposures) = try row.decode((String, Bool, Int64, Int64, Int64).self)
            result.exposures += Int(exposures)
            result.firstExposure = min(result.firstExposure ?? .distantFuture, Date(timeIntervalSince1970: Double(first) / 1000))
            if multi { result.multiVariantUnits += Int(units) } else { result.enrolled[key] = Int(units) }
        }
        return result
    }

    func experimentID(_ experiment: ExperimentScope, on c: PostgresConnection) async throws -> Int64? {
        try await rows(Statement("SELECT id::bigint FROM experiments WHERE key = ? AND phase = ?::integer", [.text(experiment.key), .int(Int64(experiment.phase))]), on: c)
            .first?.decode(Int64.self)
    }

    func nameID(_ name: String, on c: PostgresConnection) async throws -> Int64? {
        try await rows(Statement("SELECT id::bigint FROM event_names WHERE name = ?", [.text(name)]), on: c).first?.decode(Int64.self)
    }

    func variantIDs(_ experiment: Int64, on c: PostgresConnection) async throws -> [(String, Int64)] {
        try await rows(Statement("SELECT key, id::bigint FROM variants WHERE experiment_id = ?::integer ORDER BY key", [.int(experiment)]), on: c)
            .map { try $0.decode((String, Int64).self) }
    }

    /// The experiment's id and the event name's id, or `nil` when either was never stored.
    func ids(_ experiment: ExperimentScope, event: String, on c: PostgresConnection) async throws -> (experiment: Int64, name: Int64)? {
        guard let e = try await experimentID(experiment, on: c), let n = try await nameID(event, on: c) else { return nil }
        return (e, n)
    }
}
