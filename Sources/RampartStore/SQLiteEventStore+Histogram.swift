import Foundation
import GRDB
import RampartCore

extension SQLiteEventStore: ValueDistributionStore {
    /// Per variant, a log-binned histogram of a property over the attributed, matching events: the empirical
    /// distribution that maps a quantile's confidence interval from probabilities back to values.
    ///
    /// - Parameters:
    ///   - metric: The events and the property (``MetricQuery/value`` is required).
    ///   - experiment: The experiment and phase.
    public func valueHistograms(_ metric: MetricQuery, in experiment: ExperimentScope) async throws -> [String: ValueHistogram] {
        guard let value = metric.value else {
            throw RampartError(.invalidInput, "a histogram of '\(metric.event)' needs a value property")
        }
        let column = try MetricQuery.column(value)
        let filter = try metric.filterSQL()
        return try await read { db in
            guard let ids = try Self.ids(experiment, event: metric.event, db: db) else { return [:] }
            let sql = """
                SELECT v.key, CASE WHEN h.x > 0 THEN CAST(floor(ln(h.x) / ln(?)) AS INTEGER) END AS bin,
                    count(*), min(h.x)
                FROM (
                    SELECT f.variant_id AS variant_id, \(column.sql) AS x
                    FROM \(try Self.eventsSource(db)) AS e CROSS JOIN exposure_units AS f
                    WHERE e.name_id = ? AND f.experiment_id = ? AND f.unit_id = e.unit_id AND \(Self.attributedSQL)
                        AND (\(filter.sql)) AND x IS NOT NULL
                ) AS h JOIN variants AS v ON v.id = h.variant_id
                GROUP BY v.key, bin
                """
            let arguments: [any DatabaseValueConvertible & Sendable] = [ValueHistogram.growth] + column.arguments + [ids.name, ids.experiment] + Array(repeating: experiment.asOfMilliseconds, count: 3) + filter.arguments
            var bins: [String: [Int: Int]] = [:]
            var nonPositive: [String: (count: Int, minimum: Double)] = [:]
            for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)) {
                let key: String = row[0]
                let count: Int = row[2]
                if let bin: Int = row[1] {
                    bins[key, default: [:]][bin] = count
                } else {
                    nonPositive[key] = (count, row[3])
                }
            }
            var result: [String: ValueHistogram] = [:]
            for key in Set(bins.keys).union(nonPositive.keys) {
                result[key] = ValueHistogram.fromLogBins(bins[key] ?? [:], nonPositive: nonPositive[key])
            }
            return result
        }
    }
}
