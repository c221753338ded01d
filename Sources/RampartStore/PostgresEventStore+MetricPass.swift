import PostgresNIO
import RampartCore

extension PostgresEventStore {
    /// The statistics of several metrics of one event name in one pass over its events, as SQLite's event pass
    /// does: per unit, each metric's aggregate over the unit's events meeting that metric's filter (`FILTER`), then
    /// per variant its count of units with events, Σx and Σx², in the same statement.
    ///
    /// Each metric's result equals ``statistics(_:attribution:on:)`` of its own per-unit query.
    ///
    /// - Parameters:
    ///   - queries: The metrics, all of the event name `name`.
    ///   - ids: The experiment's and the event name's ids.
    ///   - asOf: The analysis moment.
    ///   - attribution: The enrolment as of `asOf` (the counts of units).
    /// - Returns: One result per query, in order.
    func statistics(of queries: [MetricQuery], ids: (experiment: Int64, name: Int64), asOf: Int64, attribution: Attribution, on c: PostgresConnection) async throws -> [MetricAggregates] {
        guard !queries.isEmpty else { return [] }
        var columns: [String] = []
        var values: [Value] = []
        for (i, query) in queries.enumerated() {
            let x = try PostgresMetricSQL.filteredAggregate(query)
            columns.append("\(x.sql) AS x\(i)")
            values += x.values
        }
        let sums = queries.indices.map { "count(u.x\($0)), coalesce(sum(u.x\($0)), 0)::double precision, coalesce(sum(u.x\($0) * u.x\($0)), 0)::double precision" }
        let sql = """
            SELECT v.key, \(sums.joined(separator: ", ")) FROM (
                SELECT f.variant_id AS variant_id, \(columns.joined(separator: ", "))
                FROM events AS e JOIN exposure_units AS f ON f.unit_id = e.unit_id AND f.experiment_id = ?
                WHERE e.name_id = ? AND \(Self.attributedSQL)
                GROUP BY e.unit_id, f.variant_id
            ) AS u JOIN variants AS v ON v.id = u.variant_id GROUP BY v.key
            """
        values += [.int(ids.experiment), .int(ids.name), .int(asOf), .int(asOf), .int(asOf)]
        var results = queries.map { _ in
            MetricAggregates(variants: attribution.enrolled.mapValues { SufficientStatistics(count: $0) }, unitsWithEvents: [:], attribution: attribution)
        }
        for row in try await rows(Statement(sql, values), on: c) {
            var cells = row.makeIterator()
            let key = try cells.next()!.decode(String.self)
            for i in queries.indices {
                let units = try cells.next()!.decode(Int64.self)
                let sum = try cells.next()!.decode(Double.self)
                let squares = try cells.next()!.decode(Double.self)
                guard units > 0 else { continue }
                results[i].variants[key, default: SufficientStatistics()].sum = sum
                results[i].variants[key, default: SufficientStatistics()].sumOfSquares = squares
                results[i].unitsWithEvents[key] = Int(units)
            }
        }
        return results
    }
}
