import Foundation
import GRDB
import RampartCore

extension SQLiteEventStore {
    public func eventCount() async throws -> Int {
        try await read { db in
            try Int.fetchOne(db, sql: "SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM events_pending)") ?? 0
        }
    }

    public func attribution(_ experiment: ExperimentScope) async throws -> Attribution {
        try await read { db in try Self.attribution(experiment, db: db) }
    }

    public func statistics(_ metric: MetricQuery, in experiment: ExperimentScope) async throws -> MetricAggregates {
        _ = try metric.filterSQL()
        return try await read { db in
            let attribution = try Self.attribution(experiment, db: db)
            var variants = attribution.enrolled.mapValues { SufficientStatistics(count: $0) }
            var withEvents: [String: Int] = [:]
            guard let ids = try Self.ids(experiment, event: metric.event, db: db) else {
                return MetricAggregates(variants: variants, unitsWithEvents: withEvents, attribution: attribution)
            }
            let perUnit = try Self.perUnitSQL(metric, ids: ids, asOf: experiment.asOfMilliseconds, events: Self.eventsSource(db))
            let sql = """
                SELECT v.key, count(*), total(u.x), total(u.x * u.x)
                FROM (\(perUnit.sql)) AS u JOIN variants AS v ON v.id = u.variant_id
                GROUP BY v.key
                """
            let rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(perUnit.arguments))
            for row in rows {
                let key: String = row[0]
                variants[key, default: SufficientStatistics()].sum = row[2]
                variants[key, default: SufficientStatistics()].sumOfSquares = row[3]
                withEvents[key] = row[1]
            }
            return MetricAggregates(variants: variants, unitsWithEvents: withEvents, attribution: attribution)
        }
    }

    public func jointStatistics(_ x: MetricQuery, _ y: MetricQuery, in experiment: ExperimentScope) async throws -> JointMetricAggregates {
        _ = try (x.aggregateSQL(), y.aggregateSQL(), x.filterSQL(), y.filterSQL())
        return try await read { db in
            let attribution = try Self.attribution(experiment, db: db)
            var variants = attribution.enrolled.mapValues {
                JointStatistics(x: SufficientStatistics(count: $0), y: SufficientStatistics(count: $0))
            }
            let xIDs = try Self.ids(experiment, event: x.event, db: db)
            let yIDs = try Self.ids(experiment, event: y.event, db: db)
            var branches: [String] = []
            var arguments: [any DatabaseValueConvertible & Sendable] = []
            if let xIDs {
                let xSQL = try Self.perUnitSQL(x, ids: xIDs, asOf: experiment.asOfMilliseconds, events: Self.eventsSource(db))
                branches.append("SELECT variant_id, unit_id, x, 0 AS y FROM (\(xSQL.sql))")
                arguments += xSQL.arguments
            }
            if let yIDs {
                let ySQL = try Self.perUnitSQL(y, ids: yIDs, asOf: experiment.asOfMilliseconds, events: Self.eventsSource(db))
                branches.append("SELECT variant_id, unit_id, 0 AS x, x AS y FROM (\(ySQL.sql))")
                arguments += ySQL.arguments
            }
            guard !branches.isEmpty else { return JointMetricAggregates(variants: variants, attribution: attribution) }
            let sql = """
                SELECT v.key, total(u.x), total(u.x * u.x), total(u.y), total(u.y * u.y), total(u.x * u.y)
                FROM (
                    SELECT variant_id, unit_id, total(x) AS x, total(y) AS y
                    FROM (\(branches.joined(separator: " UNION ALL ")))
                    GROUP BY unit_id
                ) AS u JOIN variants AS v ON v.id = u.variant_id
                GROUP BY v.key
                """
            for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)) {
                let key: String = row[0]
                var s = variants[key] ?? JointStatistics()
                s.x.sum = row[1]
                s.x.sumOfSquares = row[2]
                s.y.sum = row[3]
                s.y.sumOfSquares = row[4]
                s.sumOfProducts = row[5]
                variants[key] = s
            }
            return JointMetricAggregates(variants: variants, attribution: attribution)
        }
    }

    public func quantileStatistics(_ metric: MetricQuery, level: Double, in experiment: ExperimentScope) async throws -> QuantileMetricAggregates {
        guard level > 0, level < 1 else {
            throw RampartError(.invalidInput, "quantile level must be in (0, 1), found \(level)")
        }
        guard let value = metric.value else {
            throw RampartError(.invalidInput, "a quantile of '\(metric.event)' needs a value property to rank")
        }
        let column = try MetricQuery.column(value)
        let filter = try metric.filterSQL()
        return try await read { db in
            let attribution = try Self.attribution(experiment, db: db)
            var variants: [String: QuantileAggregates] = [:]
            for key in attribution.enrolled.keys {
                variants[key] = QuantileAggregates(estimate: .nan, events: 0, perUnit: JointStatistics())
            }
            guard let ids = try Self.ids(experiment, event: metric.event, db: db) else {
                return QuantileMetricAggregates(level: level, variants: variants, attribution: attribution)
            }
            // The matching, attributed events of one variant, with their value as `x`.
            let events = """
                SELECT e.unit_id AS unit_id, \(column.sql) AS x
                FROM \(try Self.eventsSource(db)) AS e CROSS JOIN exposure_units AS f
                WHERE e.name_id = ? AND f.experiment_id = ? AND f.unit_id = e.unit_id AND \(Self.attributedSQL)
                    AND f.variant_id = ? AND (\(filter.sql)) AND x IS NOT NULL
                """
            let asOf = experiment.asOfMilliseconds
            for (key, variantID) in try Self.variantIDs(ids.experiment, db: db) {
                let base: [any DatabaseValueConvertible & Sendable] = column.arguments + [ids.name, ids.experiment, asOf, asOf, asOf, variantID] + filter.arguments
                let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM (\(events))", arguments: StatementArguments(base)) ?? 0
                guard count > 0 else { continue }
                let rank = max(0, Int((level * Double(count)).rounded(.up)) - 1)
                let estimate = try Double.fetchOne(
                    db, sql: "SELECT x FROM (\(events)) ORDER BY x LIMIT 1 OFFSET ?",
                    arguments: StatementArguments(base + [rank])
                ) ?? .nan
                let row = try Row.fetchOne(db, sql: """
                    SELECT count(*), total(c), total(c * c), total(b), total(b * b), total(b * c)
                    FROM (SELECT count(*) AS c, total(x <= ?) AS b FROM (\(events)) GROUP BY unit_id)
                    """, arguments: StatementArguments([estimate] + base))!
                let units: Int = row[0]
                let perUnit = JointStatistics(
                    x: SufficientStatistics(count: units, sum: row[1], sumOfSquares: row[2]),
                    y: SufficientStatistics(count: units, sum: row[3], sumOfSquares: row[4]),
                    sumOfProducts: row[5]
                )
                variants[key] = QuantileAggregates(estimate: estimate, events: count, perUnit: perUnit)
            }
            return QuantileMetricAggregates(level: level, variants: variants, attribution: attribution)
        }
    }

    /// The attribution condition on `events AS e` joined to `exposure_units AS f`, with three arguments, all the
    /// as-of moment in milliseconds: the unit was first exposed by then and not yet exposed to a second variant,
    /// and the event is at or after the first exposure and not after the moment.
    static let attributedSQL = "f.first_ts <= ? AND (f.multi_ts IS NULL OR f.multi_ts > ?) AND e.ts >= f.first_ts AND e.ts <= ?"

    /// Per unit with at least one matching event at or after its first exposure, among units of one variant:
    /// `variant_id`, `unit_id` and the aggregate `x`.
    ///
    /// The events table is scanned first (`CROSS JOIN` fixes the order) along its primary key, one event name at
    /// a time and in unit order, so `GROUP BY e.unit_id` streams without a sort; each event looks its unit up in
    /// `exposure_units` by primary key.
    ///
    /// - Parameters:
    ///   - metric: What to aggregate.
    ///   - ids: The experiment and event name ids.
    ///   - asOf: Read the data as of this moment, in milliseconds (`Int64.max` for everything).
    ///   - events: The relation read as `events` (``eventsSource(_:)``).
    static func perUnitSQL(_ metric: MetricQuery, ids: (experiment: Int64, name: Int64), asOf: Int64, events: String) throws -> MetricQuery.Fragment {
        let aggregate = try metric.aggregateSQL()
        let filter = try metric.filterSQL()
        return MetricQuery.Fragment(
            sql: """
                SELECT f.variant_id AS variant_id, e.unit_id AS unit_id, \(aggregate.sql) AS x
                FROM \(events) AS e CROSS JOIN exposure_units AS f
                WHERE e.name_id = ? AND f.experiment_id = ? AND f.unit_id = e.unit_id AND \(attributedSQL)
                    AND (\(filter.sql))
                GROUP BY e.unit_id
                """,
            arguments: aggregate.arguments + [ids.name, ids.experiment, asOf, asOf, asOf] + filter.arguments
        )
    }

    /// Enrolment as of the scope's moment: units first exposed by then, excluded when they had seen a second
    /// variant by then, and the exposure events up to then (counted from the events only for units exposed again
    /// after the moment).
    static func attribution(_ experiment: ExperimentScope, db: Database) throws -> Attribution {
        guard let id = try experimentID(experiment, db: db) else { return Attribution() }
        var result = Attribution()
        let asOf = experiment.asOfMilliseconds
        let rows = try Row.fetchAll(db, sql: """
            SELECT v.key, x.multi_ts IS NOT NULL AND x.multi_ts <= ?1, count(*), min(x.first_ts),
                total(CASE WHEN x.last_ts <= ?1 THEN x.exposures ELSE (
                    SELECT count(*) FROM \(try eventsSource(db)) AS e
                    WHERE e.name_id = (SELECT id FROM event_names WHERE name = ?2) AND e.unit_id = x.unit_id
                        AND e.ts <= ?1 AND e.experiment = ?3 AND coalesce(e.phase, 0) = ?4
                ) END)
            FROM exposure_units AS x JOIN variants AS v ON v.id = x.variant_id
            WHERE x.experiment_id = ?5 AND x.first_ts <= ?1 GROUP BY 1, 2
            """, arguments: [asOf, EventName.exposure, experiment.key, experiment.phase, id])
        for row in rows {
            let key: String = row[0]
            let multi: Bool = row[1]
            let units: Int = row[2]
            let first: Int64 = row[3]
            let exposures: Double = row[4]
            result.exposures += Int(exposures)
            result.firstExposure = min(result.firstExposure ?? .distantFuture, Date(timeIntervalSince1970: Double(first) / 1000))
            if multi { result.multiVariantUnits += units } else { result.enrolled[key] = units }
        }
        return result
    }

    static func experimentID(_ experiment: ExperimentScope, db: Database) throws -> Int64? {
        try Int64.fetchOne(db, sql: "SELECT id FROM experiments WHERE key = ? AND phase = ?", arguments: [experiment.key, experiment.phase])
    }

    static func variantIDs(_ experiment: Int64, db: Database) throws -> [(String, Int64)] {
        try Row.fetchAll(db, sql: "SELECT key, id FROM variants WHERE experiment_id = ? ORDER BY key", arguments: [experiment])
            .map { ($0[0], $0[1]) }
    }

    /// The experiment's id and the event name's id, or `nil` when either was never stored.
    static func ids(_ experiment: ExperimentScope, event: String, db: Database) throws -> (experiment: Int64, name: Int64)? {
        guard let experimentID = try experimentID(experiment, db: db),
            let nameID = try Int64.fetchOne(db, sql: "SELECT id FROM event_names WHERE name = ?", arguments: [event])
        else { return nil }
        return (experimentID, nameID)
    }
}
