import GRDB
import RampartCore

/// One read of one event name for every metric of an analysis that reads it: the SQL, and where each metric's
/// per-unit values are among its columns.
///
/// The query groups the event name's rows by unit, which streams along the primary key (name, unit, ts) with no
/// sort, computes each distinct per-unit aggregate once (metrics with the same filter share their count), and
/// hands every unit's row to a ``PassAccumulator`` through `rampart_accumulate`, so one row comes out:
///
/// ```sql
/// SELECT rampart_accumulate(u, c1, c2, …) FROM (
///     SELECT e.unit_id AS u, count(*) AS c1, total(e.latency_ms) AS c2, …
///     FROM events AS e
///     WHERE e.name_id = ? AND e.unit_id >= ? AND e.unit_id < ?
///         AND e.ts >= rampart_start(e.unit_id, ?, ?) AND e.ts <= ?
///     GROUP BY e.unit_id)
/// ```
struct EventPass {
    /// Where one metric's per-unit value is.
    struct Value {
        /// The metric's index in the request.
        var metric: Int
        var aggregation: MetricQuery.Aggregation
        var cap: Double?
        /// The argument holding the unit's matching event count.
        var count: Int
        /// The argument holding the sum of the value, for `.sum`.
        var sum: Int?
        /// The pre-exposure count and sum, for a CUPED covariate.
        var preCount: Int?
        var preSum: Int?
        /// Whether to keep every unit's value (the metric is in a pair).
        var keep: Bool

        /// The unit's value from its event count and sum, capped.
        func value(count: Double, sum: Double) -> Double {
            let x: Double
            switch aggregation {
            case .indicator: x = count > 0 ? 1 : 0
            case .count: x = count
            case .sum: x = sum
            }
            return cap.map { min(x, $0) } ?? x
        }
    }

    /// A quantile metric: the argument holding the unit's values.
    struct Quantile {
        var metric: Int
        var query: MetricQuery
        var level: Double
        var values: Int
    }

    /// The timeline metric: the argument holding the unit's (ts, contribution) pairs.
    struct Timeline {
        var metric: Int
        var aggregation: MetricQuery.Aggregation
        var cap: Double?
        var events: Int
    }

    var name: String
    var nameID: Int64
    /// The longest covariate window of its metrics, in milliseconds.
    var window: Int64 = 0
    /// Whether units enrolled only before the as-of moment are read (for the timeline).
    var temporary = false
    var values: [Value] = []
    var quantiles: [Quantile] = []
    var timeline: Timeline?
    /// A condition rows must meet before they are grouped, checked before the attribution.
    var prefilter: MetricQuery.Fragment?
    /// The per-unit expressions, arguments 1... of `rampart_accumulate` (0 is the unit id).
    private(set) var columns: [MetricQuery.Fragment] = []
    /// How each of ``columns`` adds up over two parts of a unit's events.
    private(set) var combines: [Combine] = []
    private var columnIndex: [String: Int] = [:]

    init(name: String, nameID: Int64) {
        self.name = name
        self.nameID = nameID
    }

    /// The argument index of an expression, added when new.
    ///
    /// - Parameters:
    ///   - fragment: The per-unit aggregate.
    ///   - combine: How its values over two parts of a unit's events make its value over all of them.
    mutating func column(_ fragment: MetricQuery.Fragment, combine: Combine) -> Int {
        let key = fragment.sql + "\u{0}" + fragment.arguments.map { "\($0.databaseValue)" }.joined(separator: "\u{0}")
        if let index = columnIndex[key] { return index }
        columns.append(fragment)
        combines.append(combine)
        columnIndex[key] = columns.count
        return columns.count
    }

    /// The condition an event must meet to count for a metric: its filter, and for passes that also read
    /// pre-exposure events, being at or after the unit's first exposure (or in the covariate window).
    static func condition(_ query: MetricQuery, post: Bool, preWindow: Int64?) throws -> MetricQuery.Fragment {
        let filter = try query.filterSQL()
        var parts: [String] = []
        var arguments: [any DatabaseValueConvertible & Sendable] = []
        if let preWindow {
            parts.append("e.ts < rampart_first(e.unit_id) AND e.ts >= rampart_first(e.unit_id) - ?")
            arguments.append(preWindow)
        } else if post {
            parts.append("e.ts >= rampart_first(e.unit_id)")
        }
        if filter.sql != "1" || parts.isEmpty {
            parts.append(filter.sql)
            arguments += filter.arguments
        }
        return MetricQuery.Fragment(sql: parts.map { "(\($0))" }.joined(separator: " AND "), arguments: arguments)
    }

    /// `count` of the events meeting a condition.
    static func count(_ condition: MetricQuery.Fragment) -> MetricQuery.Fragment {
        condition.sql == "(1)"
            ? MetricQuery.Fragment(sql: "count(*)", arguments: [])
            : MetricQuery.Fragment(sql: "count(CASE WHEN \(condition.sql) THEN 1 END)", arguments: condition.arguments)
    }

    /// An aggregate of a property over the events meeting a condition, e.g. `total` or `rampart_collect`.
    static func over(_ function: String, _ property: String, _ condition: MetricQuery.Fragment) throws -> MetricQuery.Fragment {
        let column = try MetricQuery.column(property)
        if condition.sql == "(1)" { return MetricQuery.Fragment(sql: "\(function)(\(column.sql))", arguments: column.arguments) }
        return MetricQuery.Fragment(
            sql: "\(function)(CASE WHEN \(condition.sql) THEN \(column.sql) END)",
            arguments: condition.arguments + column.arguments
        )
    }

    /// Adds a per-unit metric.
    mutating func add(_ metric: Int, _ request: AnalysisRequest.Metric, keep: Bool) throws {
        let query = request.query
        let post = try Self.condition(query, post: window > 0, preWindow: nil)
        var value = Value(metric: metric, aggregation: query.aggregation, cap: query.cap, count: column(Self.count(post), combine: .add), keep: keep)
        if query.aggregation == .sum {
            guard let property = query.value else {
                throw RampartError(.invalidInput, "metric on '\(query.event)': a sum needs a value property")
            }
            value.sum = column(try Self.over("total", property, post), combine: .add)
        }
        if let seconds = request.covariateWindow {
            let pre = try Self.condition(query, post: false, preWindow: Self.milliseconds(seconds))
            value.preCount = column(Self.count(pre), combine: .add)
            if let property = query.value, query.aggregation == .sum {
                value.preSum = column(try Self.over("total", property, pre), combine: .add)
            }
        }
        values.append(value)
        if let level = request.quantile {
            guard let property = query.value else {
                throw RampartError(.invalidInput, "a quantile of '\(query.event)' needs a value property to rank")
            }
            quantiles.append(Quantile(metric: metric, query: query, level: level, values: column(try Self.over("rampart_collect", property, post), combine: .concatenate)))
        }
    }

    /// Adds the timeline metric.
    mutating func addTimeline(_ metric: Int, _ query: MetricQuery) throws {
        let post = try Self.condition(query, post: window > 0, preWindow: nil)
        let contribution: MetricQuery.Fragment
        if query.aggregation == .sum, let property = query.value {
            contribution = try MetricQuery.column(property)
        } else {
            contribution = MetricQuery.Fragment(sql: "1", arguments: [])
        }
        let sql = post.sql == "(1)"
            ? "rampart_collect_ts(e.ts, \(contribution.sql))"
            : "rampart_collect_ts(CASE WHEN \(post.sql) THEN e.ts END, \(contribution.sql))"
        let fragment = MetricQuery.Fragment(sql: sql, arguments: (post.sql == "(1)" ? [] : post.arguments) + contribution.arguments)
        timeline = Timeline(metric: metric, aggregation: query.aggregation, cap: query.cap, events: column(fragment, combine: .concatenate))
    }

    /// The statements of the pass, reading the data as of `asOf` (milliseconds), for the units whose ids are in
    /// `shard`: one, or two to run in this order in one read transaction.
    ///
    /// With `staged` (``SQLiteEventStore/eventsSource(_:)`` found rows in `events_pending`), a unit's events may lie in
    /// both tables. The first statement reads the units with a pending row of this name: each is grouped twice, its
    /// rows in `events` (looked up by key, unit after unit: no sort, no scan of the shard) and its pending rows (a sort
    /// of the pending rows only), and its two partial rows are combined per column (``Combine``), so
    /// `rampart_accumulate` sees one row per unit; the accumulator records those units (``RowAccumulator/Filter``).
    /// The second statement is the pass without pending rows, streaming the clustered table in key order, and the
    /// accumulator leaves out the units already recorded. Before, one statement grouped the union of both tables'
    /// rows for the pending units (a sort of all their rows) and checked every other row against the list of
    /// pending units (docs/performance.md, "Session 19").
    func statements(asOf: Int64, shard: Range<Int>, staged: Bool = false) -> [MetricQuery.Fragment] {
        let names = columns.indices.map { "c\($0 + 1)" }
        let selected = zip(columns, names).map { "\($0.sql) AS \($1)" }
        let accumulate = "SELECT rampart_accumulate(\((["u"] + names).joined(separator: ", "))) FROM"
        // Per unit, from `events` read as `e` (with its own arguments): the units in the shard's range, or those of a
        // list, which the plan then looks up one by one in key order.
        func perUnit(_ events: MetricQuery.Fragment, inList: String? = nil) -> MetricQuery.Fragment {
            var arguments = columns.flatMap(\.arguments) + events.arguments
            arguments += inList == nil ? [nameID, Int64(shard.lowerBound), Int64(shard.upperBound)] : [nameID]
            arguments += prefilter?.arguments ?? []
            arguments += [window, temporary ? 1 : 0, asOf]
            let units = inList.map { "e.unit_id IN \($0)" } ?? "e.unit_id >= ? AND e.unit_id < ?"
            return MetricQuery.Fragment(
                sql: """
                    SELECT e.unit_id AS u\(selected.map { ", " + $0 }.joined())
                    FROM \(events.sql) AS e
                    WHERE e.name_id = ? AND \(units)\(prefilter.map { " AND (\($0.sql))" } ?? "") AND e.ts >= rampart_start(e.unit_id, ?, ?) AND e.ts <= ?
                    GROUP BY e.unit_id
                    """,
                arguments: arguments
            )
        }
        let clustered = perUnit(MetricQuery.Fragment(sql: "events", arguments: []))
        let settled = MetricQuery.Fragment(sql: "\(accumulate) (\n\(clustered.sql)\n)", arguments: clustered.arguments)
        guard staged else { return [settled] }
        // The shard's pending rows of this name, read once (the staged table has no index: a scan).
        let stagedRows = MetricQuery.Fragment(
            sql: "WITH staged AS MATERIALIZED (SELECT \(SQLiteEventStore.eventColumns) FROM events_pending WHERE name_id = ? AND unit_id >= ? AND unit_id < ?)\n",
            arguments: [nameID, Int64(shard.lowerBound), Int64(shard.upperBound)]
        )
        let merged = perUnit(MetricQuery.Fragment(sql: "events", arguments: []), inList: "(SELECT unit_id FROM staged)")
        let pending = perUnit(MetricQuery.Fragment(sql: "staged", arguments: []))
        let combined = zip(combines, names).map { "\($0.sql)(\($1)) AS \($1)" }
        let both = MetricQuery.Fragment(
            sql: """
                \(stagedRows.sql)\(accumulate) (
                SELECT u\(combined.map { ", " + $0 }.joined()) FROM (
                \(merged.sql)
                UNION ALL
                \(pending.sql)
                ) GROUP BY u
                )
                """,
            arguments: stagedRows.arguments + merged.arguments + pending.arguments
        )
        return [both, settled]
    }

    /// Seconds to whole milliseconds, saturating.
    static func milliseconds(_ seconds: Double) -> Int64 {
        let ms = (seconds * 1000).rounded()
        return ms.isFinite && ms < 9e18 ? max(0, Int64(ms)) : Int64(9e18)
    }
}
