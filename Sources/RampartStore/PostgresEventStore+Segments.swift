import Foundation
import PostgresNIO
import RampartCore

extension PostgresEventStore: SegmentStore {
    /// While set, every statement run by ``rows(_:on:)`` reads `exposure_units` restricted to these units: how an
    /// analysis is confined to one segment (``ExperimentScope/segment``) without a second copy of each query.
    @TaskLocal static var segmentUnits: Set<Int64>?

    public func segments(_ attribute: String, in experiment: ExperimentScope) async throws -> SegmentMembership {
        try await read("reading the segments of \(experiment)") { c in try await self.segmentMembership(attribute, in: experiment, on: c) }
    }

    /// SQLite's ``SQLiteEventStore/segmentMembership(_:in:db:)``: each unit's value on its first exposure (earliest
    /// timestamp, then uuid), a boolean read as 1 or 0 as SQLite's `json_extract` reads it.
    func segmentMembership(_ attribute: String, in experiment: ExperimentScope, on c: PostgresConnection) async throws -> SegmentMembership {
        let value: Statement
        switch try PostgresMetricSQL.Column(attribute) {
        case .typed(let name, _): value = Statement("'string', e.\(name)::text")
        case .json(let key): value = Statement("jsonb_typeof(rampart_prop(e.props, ?)), rampart_prop(e.props, ?) #>> '{}'", [.text(key), .text(key)])
        }
        let statement = Statement("""
            SELECT DISTINCT ON (e.unit_id) e.unit_id::bigint, \(value.sql)
            FROM events AS e
            WHERE e.name_id = (SELECT id FROM event_names WHERE name = ?) AND e.experiment = ?
                AND coalesce(e.phase, 0) = ? AND e.ts <= ?
            ORDER BY e.unit_id, e.ts, e.uuid
            """, value.values + [.text(EventName.exposure), .text(experiment.key), .int(Int64(experiment.phase)), .int(experiment.asOfMilliseconds)])
        var firsts: [(unit: Int64, value: String?)] = []
        for row in try await rows(statement, on: c) {
            let (unit, type, text) = try row.decode((Int64, String?, String?).self)
            switch (type, text) {
            case ("string", let text?): firsts.append((unit, text))
            case ("number", let text?): firsts.append((unit, Double(text).map(SegmentMembership.text(number:))))
            default: firsts.append((unit, nil))
            }
        }
        return SegmentMembership(firsts: firsts)
    }

    /// The store ids of the scope's segment's units, `nil` when the scope has no segment.
    func segmentMembers(_ experiment: ExperimentScope, on c: PostgresConnection) async throws -> Set<Int64>? {
        guard let segment = experiment.segment else { return nil }
        return try await segmentMembership(segment.attribute, in: experiment, on: c).units(segment.value)
    }
}

extension PostgresEventStore.Statement {
    /// The statement with every `exposure_units` it reads (outside string literals) replaced by the rows of
    /// `units` only; the unit ids are written inline as a `bigint[]` literal, so the placeholders do not move.
    func restrictingExposureUnits(to units: Set<Int64>) -> Self {
        let list = units.sorted().map(String.init).joined(separator: ",")
        let restricted = "(SELECT * FROM exposure_units WHERE unit_id = ANY('{\(list)}'::bigint[]))"
        let token = Array("exposure_units")
        let chars = Array(sql)
        var out = ""
        out.reserveCapacity(sql.count + restricted.count)
        var i = 0
        var inString = false
        while i < chars.count {
            let c = chars[i]
            if c == "'" { inString.toggle() }
            if !inString, i + token.count <= chars.count, Array(chars[i..<(i + token.count)]) == token,
               i == 0 || !(chars[i - 1].isLetter || chars[i - 1].isNumber || chars[i - 1] == "_"),
               i + token.count == chars.count || !(chars[i + token.count].isLetter || chars[i + token.count].isNumber || chars[i + token.count] == "_") {
                out += restricted
                // A subquery in FROM needs an alias: keep the table's name as one unless the SQL gives its own.
                let rest = String(chars[(i + token.count)...].prefix(5)).uppercased()
                if !rest.hasPrefix(" AS ") { out += " AS exposure_units" }
                i += token.count
                continue
            }
            out.append(c)
            i += 1
        }
        return Self(out, values)
    }
}
