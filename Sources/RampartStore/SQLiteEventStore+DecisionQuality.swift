import Crypto
import Foundation
import GRDB
import RampartCore

extension SQLiteEventStore: DecisionQualityStore {
    /// Read like an analysis's passes (``runPasses(_:units:sweep:timelineName:)``): the experiment's unit table once,
    /// then per event name and shard of unit ids one read along `events`' primary key that hands each attributed event
    /// to a ``RanVersionCounter`` (its unit's variant from the unit table, no join and no sort), on
    /// ``Configuration/analysisConcurrency`` connections; the shards' counts add up (``RanVersionCount/totals(_:)``).
    public func ranVersions(in experiment: ExperimentScope) async throws -> [RanVersionCount] {
        let start = try await read { db -> (UnitTable, [Int64])? in
            guard let units = try UnitTable.load(experiment, db: db, members: try Self.segmentMembers(experiment, db: db)) else { return nil }
            return (units, try Self.nameIDs(RanVersionCount.eventNames, db: db))
        }
        guard let (units, names) = start, !names.isEmpty else { return [] }
        let jobs = names.flatMap { name in analysisShards(units).map { (name, $0) } }.map { name, shard in
            { @Sendable in try await self.read { db in try Self.countVersions(name: name, shard: shard, units: units, db: db) } }
        }
        return RanVersionCount.totals(try await bounded(max(1, configuration.analysisConcurrency), jobs))
    }

    /// One name's attributed LLM events over one shard of unit ids, counted per variant, version and model.
    static func countVersions(name: Int64, shard: Range<Int>, units: UnitTable, db: Database) throws -> [RanVersionCount] {
        let counter = RanVersionCounter(units: units)
        func rows(_ table: String) -> String {
            "SELECT name_id, unit_id, ts, prompt_version_id, model FROM \(table) WHERE name_id = ? AND unit_id >= ? AND unit_id < ?"
        }
        let range: [any DatabaseValueConvertible & Sendable] = [name, Int64(shard.lowerBound), Int64(shard.upperBound)]
        let staged = try hasStagedEvents(db)
        let source = staged ? "(\(rows("events")) UNION ALL \(rows("events_pending")))" : "(\(rows("events")))"
        try AnalysisFunctions.with(db, units: units, accumulator: counter) {
            _ = try Row.fetchOne(db, sql: """
                SELECT rampart_accumulate(e.unit_id, e.prompt_version_id, e.model) FROM \(source) AS e
                WHERE e.ts >= rampart_start(e.unit_id, 0, 0) AND e.ts <= ? AND (e.prompt_version_id IS NOT NULL OR e.model IS NOT NULL)
                """, arguments: StatementArguments((staged ? range + range : range) + [units.asOf]))
        }
        return counter.rows
    }

    public func metricExamples(_ query: ExampleQuery, in experiment: ExperimentScope) async throws -> [MetricExample] {
        try query.validate()
        let filter = try query.metric.filterSQL()
        let aggregate = try query.metric.aggregateSQL()
        let ranked = try query.metric.value.map(MetricQuery.column)
        return try await read { db in
            guard let id = try Self.experimentID(experiment, db: db),
                let variant = try Self.variantIDs(id, db: db).first(where: { $0.0 == query.variant })?.1
            else { return [] }
            let name = try Self.nameIDs([query.metric.event], db: db).first
            let events = try Self.eventsSource(db)
            let asOf = experiment.asOfMilliseconds
            try db.add(function: Self.sampleFunction)
            defer { db.remove(function: Self.sampleFunction) }
            // (unit id, unit key, value, first exposure, event time, trace id) of each candidate.
            var rows: [Row]
            switch query.selection {
            case .withEvents:
                guard let name else { return [] }
                rows = try Row.fetchAll(db, sql: """
                    SELECT m.unit_id, u.key, m.x, m.first_ts, NULL, NULL FROM (
                        SELECT e.unit_id AS unit_id, \(aggregate.sql) AS x, f.first_ts AS first_ts
                        FROM \(events) AS e CROSS JOIN exposure_units AS f
                        WHERE e.name_id = ? AND f.experiment_id = ? AND f.unit_id = e.unit_id AND \(Self.attributedSQL)
                            AND f.variant_id = ? AND (\(filter.sql))
                        GROUP BY e.unit_id
                    ) AS m JOIN units AS u ON u.id = m.unit_id
                    ORDER BY rampart_sample(u.key), u.key LIMIT ?
                    """, arguments: StatementArguments(aggregate.arguments + [name, id, asOf, asOf, asOf, variant] + filter.arguments + [query.limit]))
            case .withoutEvents:
                let none: String
                var arguments: [any DatabaseValueConvertible & Sendable] = [id, variant, asOf, asOf]
                if let name {
                    none = """
                        AND NOT EXISTS (SELECT 1 FROM \(events) AS e WHERE e.name_id = ? AND e.unit_id = f.unit_id
                            AND e.ts >= f.first_ts AND e.ts <= ? AND (\(filter.sql)))
                        """
                    arguments += [name, asOf] + filter.arguments
                } else {
                    none = ""
                }
                rows = try Row.fetchAll(db, sql: """
                    SELECT f.unit_id, u.key, 0.0, f.first_ts, NULL, NULL
                    FROM exposure_units AS f JOIN units AS u ON u.id = f.unit_id
                    WHERE f.experiment_id = ? AND f.variant_id = ? AND f.first_ts <= ? AND (f.multi_ts IS NULL OR f.multi_ts > ?)
                        \(none)
                    ORDER BY rampart_sample(u.key), u.key LIMIT ?
                    """, arguments: StatementArguments(arguments + [query.limit]))
            case .above(let threshold):
                guard let name, let ranked else { return [] }
                rows = try Row.fetchAll(db, sql: """
                    SELECT m.unit_id, u.key, m.x, m.first_ts, m.ts, m.trace_id FROM (
                        SELECT e.unit_id AS unit_id, \(ranked.sql) AS x, f.first_ts AS first_ts, e.ts AS ts, e.trace_id AS trace_id, e.uuid AS uuid
                        FROM \(events) AS e CROSS JOIN exposure_units AS f
                        WHERE e.name_id = ? AND f.experiment_id = ? AND f.unit_id = e.unit_id AND \(Self.attributedSQL)
                            AND f.variant_id = ? AND (\(filter.sql))
                    ) AS m JOIN units AS u ON u.id = m.unit_id
                    WHERE typeof(m.x) IN ('integer', 'real') AND m.x > ?
                    ORDER BY m.x DESC, m.ts, m.uuid LIMIT ?
                    """, arguments: StatementArguments(ranked.arguments + [name, id, asOf, asOf, asOf, variant] + filter.arguments + [threshold, query.limit]))
            }
            let perEvent: Bool
            if case .above = query.selection { perEvent = true } else { perEvent = false }
            return try rows.map { row in
                let unitID: Int64 = row[0]
                let first: Int64 = row[3]
                var at: Int64? = row[4]
                var trace: String? = row[5]
                if !perEvent, let found = try Self.firstTrace(unit: unitID, from: first, asOf: asOf, matching: name.map { ($0, filter) }, events: events, db: db) {
                    (trace, at) = (found.0, found.1)
                }
                return MetricExample(unit: row[1], value: row[2], traceID: trace, at: Date(timeIntervalSince1970: Double(at ?? first) / 1000))
            }
        }
    }

    /// The first trace id of a unit's attributed events: among its matching events, else among its LLM requests.
    static func firstTrace(
        unit: Int64, from first: Int64, asOf: Int64, matching: (Int64, MetricQuery.Fragment)?, events: String, db: Database
    ) throws -> (String, Int64)? {
        func sql(_ names: String, _ condition: String) -> String {
            "SELECT e.trace_id, e.ts FROM \(events) AS e WHERE e.name_id IN (\(names)) AND e.unit_id = ? AND e.ts >= ? AND e.ts <= ? AND e.trace_id IS NOT NULL AND (\(condition)) ORDER BY e.ts, e.uuid LIMIT 1"
        }
        if let (name, filter) = matching,
            let row = try Row.fetchOne(db, sql: sql("?", filter.sql), arguments: StatementArguments([name, unit, first, asOf] + filter.arguments))
        {
            return (row[0], row[1])
        }
        let requests = try nameIDs(MetricExample.requestEvents, db: db)
        guard !requests.isEmpty else { return nil }
        let marks = requests.map { _ in "?" }.joined(separator: ", ")
        guard let row = try Row.fetchOne(db, sql: sql(marks, "1"), arguments: StatementArguments(requests + [unit, first, asOf])) else { return nil }
        return (row[0], row[1])
    }

    /// The ids of the stored event names among `names`.
    static func nameIDs(_ names: [String], db: Database) throws -> [Int64] {
        let marks = names.map { _ in "?" }.joined(separator: ", ")
        return try Int64.fetchAll(db, sql: "SELECT id FROM event_names WHERE name IN (\(marks)) ORDER BY id", arguments: StatementArguments(names))
    }

    /// `rampart_sample(key)`: the hex MD5 of ``ExampleQuery/sampleKey`` followed by the unit key, PostgreSQL's
    /// `md5(…)`, so both backends order examples alike.
    static let sampleFunction = DatabaseFunction("rampart_sample", argumentCount: 1, pure: true) { values in
        guard let key = String.fromDatabaseValue(values[0]) else { return nil }
        return sampleOrder(key)
    }

    /// The sample order of a unit key: hex MD5 of ``ExampleQuery/sampleKey`` + key.
    static func sampleOrder(_ key: String) -> String {
        Insecure.MD5.hash(data: Array((ExampleQuery.sampleKey + key).utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
