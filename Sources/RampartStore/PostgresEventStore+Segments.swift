import Foundation
import PostgresNIO
import RampartCore

extension PostgresEventStore: SegmentStore {
    /// While set, every statement run by ``rows(_:on:)`` reads `exposure_units` restricted to these units: how an
    /// analysis is confined to one segment (``ExperimentScope/segment``) without a second copy of each query.
    @TaskLocal static var segmentUnits: SegmentUnits?

    /// A segment's units as a `bigint[]` literal (`{1,2,3}`), written once per analysis and bound as one text
    /// parameter to every statement: the client copies one string, PostgreSQL parses the array.
    struct SegmentUnits: Sendable {
        let literal: String

        init(literal: String) {
            self.literal = literal
        }

        init(_ units: [Int64]) {
            literal = "{" + units.map(String.init).joined(separator: ",") + "}"
        }
    }

    public func segments(_ attribute: String, in experiment: ExperimentScope) async throws -> SegmentMembership {
        try await read("reading the segments of \(experiment)") { c in try await self.segmentMembership(attribute, in: experiment, on: c) }
    }

    /// SQLite's ``SQLiteEventStore/segmentMembership(_:in:db:)`` without the units: each unit's value on its first
    /// exposure (earliest timestamp, then uuid), a boolean read as 1 or 0 as SQLite's `json_extract` reads it, counted
    /// per recorded value in PostgreSQL.
    func segmentMembership(_ attribute: String, in experiment: ExperimentScope, on c: PostgresConnection) async throws -> SegmentMembership {
        SegmentMembership(counts: try await segmentRows(attribute, in: experiment, units: false, on: c).map { ($0.value, $0.units) })
    }

    /// Per recorded value (as text, `nil` when none): its units and, when `units`, their ids as a comma-separated list.
    func segmentRows(_ attribute: String, in experiment: ExperimentScope, units: Bool, on c: PostgresConnection) async throws -> [(value: String?, units: Int, ids: String)] {
        let value: Statement
        switch try PostgresMetricSQL.Column(attribute) {
        case .typed(let name, _): value = Statement("'string' AS t, e.\(name)::text AS v")
        case .json(let key): value = Statement("jsonb_typeof(rampart_prop(e.props, ?)) AS t, rampart_prop(e.props, ?) #>> '{}' AS v", [.text(key), .text(key)])
        }
        let statement = Statement("""
            SELECT t, v, count(*)::bigint, \(units ? "string_agg(unit_id::text, ',')" : "''") FROM (
                SELECT DISTINCT ON (e.unit_id) e.unit_id, \(value.sql)
                FROM events AS e
                WHERE e.name_id = (SELECT id FROM event_names WHERE name = ?) AND e.experiment = ?
                    AND coalesce(e.phase, 0) = ? AND e.ts <= ?
                ORDER BY e.unit_id, e.ts, e.uuid
            ) AS firsts GROUP BY 1, 2
            """, value.values + [.text(EventName.exposure), .text(experiment.key), .int(Int64(experiment.phase)), .int(experiment.asOfMilliseconds)])
        return try await rows(statement, on: c).map { row in
            let (type, text, count, ids) = try row.decode((String?, String?, Int64, String).self)
            let recorded: String?
            switch (type, text) {
            case ("string", let text?): recorded = text
            case ("number", let text?): recorded = Double(text).map(SegmentMembership.text(number:))
            default: recorded = nil
            }
            return (recorded, Int(count), ids)
        }
    }

    /// The scope's segment's units, `nil` when the scope has no segment.
    func segmentMembers(_ experiment: ExperimentScope, on c: PostgresConnection) async throws -> SegmentUnits? {
        guard let segment = experiment.segment else { return nil }
        let rows = try await segmentRows(segment.attribute, in: experiment, units: true, on: c)
        let membership = SegmentMembership(counts: rows.map { ($0.value, $0.units) })
        let lists = rows.filter { $0.value.map(membership.shown) == segment.value }.map(\.ids)
        return SegmentUnits(literal: "{" + lists.joined(separator: ",") + "}")
    }
}

extension PostgresEventStore.Statement {
    /// The statement with every `exposure_units` it reads (outside string literals) replaced by the rows of
    /// `units` only, joined to the ids bound as one `bigint[]` (text) parameter (a hash join, however many units), placed
    /// among the values where its placeholder falls.
    /// - Parameter units: The units.
    func restrictingExposureUnits(to units: PostgresEventStore.SegmentUnits) -> Self {
        let restricted = "(SELECT r.* FROM exposure_units AS r JOIN unnest(?::bigint[]) AS s (unit_id) ON s.unit_id = r.unit_id)"
        let ids = PostgresEventStore.Value.text(units.literal)
        let token = Array("exposure_units".utf8)
        let bytes = Array(sql.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 2 * restricted.utf8.count)
        var values = values
        var placeholders = 0
        var i = 0
        var inString = false
        func isWord(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F }
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "'") { inString.toggle() }
            if !inString, c == UInt8(ascii: "?") { placeholders += 1 }
            if !inString, i + token.count <= bytes.count, bytes[i..<(i + token.count)].elementsEqual(token),
               i == 0 || !isWord(bytes[i - 1]), i + token.count == bytes.count || !isWord(bytes[i + token.count]) {
                out += restricted.utf8
                values.insert(ids, at: placeholders)
                placeholders += 1
                // A subquery in FROM needs an alias: keep the table's name as one unless the SQL gives its own.
                let rest = String(decoding: bytes[(i + token.count)...].prefix(4), as: UTF8.self).uppercased()
                if rest != " AS " { out += " AS exposure_units".utf8 }
                i += token.count
                continue
            }
            out.append(c)
            i += 1
        }
        return Self(String(decoding: out, as: UTF8.self), values)
    }
}
