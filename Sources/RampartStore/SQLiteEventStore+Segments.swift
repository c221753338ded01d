import Foundation
import GRDB
import RampartCore

extension SQLiteEventStore: SegmentStore {
    public func segments(_ attribute: String, in experiment: ExperimentScope) async throws -> SegmentMembership {
        try await read { db in try Self.segmentMembership(attribute, in: experiment, db: db) }
    }

    /// Each unit's value of `attribute` on its first exposure in the scope's phase, at or before its moment.
    ///
    /// Reads the stored exposure events (merged and staged): the property is a typed column for a known text
    /// property (`environment`, `model`, …), otherwise `props`. The events' primary key (name, unit, time, uuid)
    /// gives each unit's exposures in order.
    static func segmentMembership(_ attribute: String, in experiment: ExperimentScope, db: Database) throws -> SegmentMembership {
        let column = try MetricQuery.column(attribute)
        let sql = """
            SELECT unit_id, v FROM (
                SELECT e.unit_id AS unit_id, \(column.sql) AS v,
                    row_number() OVER (PARTITION BY e.unit_id ORDER BY e.ts, e.uuid) AS r
                FROM \(try eventsSource(db)) AS e
                WHERE e.name_id = (SELECT id FROM event_names WHERE name = ?) AND e.experiment = ?
                    AND coalesce(e.phase, 0) = ? AND e.ts <= ?
            ) WHERE r = 1
            """
        let arguments = StatementArguments(column.arguments) + [EventName.exposure, experiment.key, experiment.phase, experiment.asOfMilliseconds]
        var firsts: [(unit: Int64, value: String?)] = []
        let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let row = try rows.next() {
            let value: String?
            switch (row[1] as DatabaseValue).storage {
            case .string(let s): value = s
            case .int64(let i): value = SegmentMembership.text(number: Double(i))
            case .double(let d): value = SegmentMembership.text(number: d)
            case .null, .blob: value = nil
            }
            firsts.append((row[0], value))
        }
        return SegmentMembership(firsts: firsts)
    }

    /// The store ids of the scope's segment's units, `nil` when the scope has no segment.
    static func segmentMembers(_ experiment: ExperimentScope, db: Database) throws -> Set<Int64>? {
        guard let segment = experiment.segment else { return nil }
        return try segmentMembership(segment.attribute, in: experiment, db: db).units(segment.value)
    }
}
