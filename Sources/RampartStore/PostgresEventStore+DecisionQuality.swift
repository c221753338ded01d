import Foundation
import PostgresNIO
import RampartCore

extension PostgresEventStore: DecisionQualityStore {
    /// Read in the analysis's shards of unit ids on its connections sharing one snapshot
    /// (``sharingSnapshot(_:on:)``), each event attributed through the shard's unit arrays (``PostgresUnitArrays``);
    /// the shards' counts add up, and the rows are then ordered as SQLite orders them (variant, most events first,
    /// version then model byte-wise with `nil` first).
    ///
    /// The counts as of the end of the day before are kept in memory (``PastAnalysisCache/ranVersions(_:dayEnd:marker:read:)``,
    /// while no LLM event or exposure dated by then is stored), and only the events after it are read again
    /// (``ranVersionsAfter(_:experiment:names:asOf:on:)``).
    public func ranVersions(in experiment: ExperimentScope) async throws -> [RanVersionCount] {
        try await read("reading the prompt versions and models that ran in \(experiment)") { c in
            guard let id = try await self.experimentID(experiment, on: c) else { return [] }
            let names = try await self.nameIDs(RanVersionCount.eventNames, on: c)
            guard !names.isEmpty else { return [] }
            let asOf = experiment.asOfMilliseconds
            guard let dayEnd = self.pastAnalyses.ranVersionsDayEnd(experiment) else {
                return try await self.ranVersions(experiment: id, names: names, asOf: asOf, on: c)
            }
            let kept = try await self.pastAnalyses.ranVersions(
                experiment, dayEnd: dayEnd,
                marker: { names, day in try await self.storedEvents(of: names, through: day, on: c) },
                read: { try await self.ranVersions(experiment: id, names: names, asOf: dayEnd, on: c) }
            )
            let later = try await self.ranVersionsAfter(dayEnd, experiment: id, names: names, asOf: asOf, on: c)
            return RanVersionCount.totals([kept, later]).filter { $0.events != 0 }
        }
    }

    /// ``ranVersions(in:)`` as of `asOf`, read from every event.
    func ranVersions(experiment id: Int64, names: [Int64], asOf: Int64, on c: PostgresConnection) async throws -> [RanVersionCount] {
        let units = try await self.unitArrays(experiment: id, asOf: asOf, shards: try await self.shards(id, on: c), on: c)
        let jobs: [@Sendable (PostgresConnection) async throws -> [RanVersionCount]] = units.shards.map { shard in
            let events = shard.events(names: names, asOf: asOf, reading: "e.prompt_version_id, e.model")
            return { connection in
                try await self.rows(Statement("""
                    SELECT v.key, r.prompt_version_id, r.model, r.n FROM (
                        SELECT e.variant_id, e.prompt_version_id, e.model, count(*) AS n
                        FROM \(events.sql)
                        WHERE e.ts >= e.first_ts AND (e.prompt_version_id IS NOT NULL OR e.model IS NOT NULL)
                        GROUP BY 1, 2, 3
                    ) AS r JOIN variants AS v ON v.id = r.variant_id
                    """, events.values), on: connection).map(Self.ranVersionCount)
            }
        }
        return RanVersionCount.totals(try await self.sharingSnapshot(jobs, on: c))
    }

    /// What changes the counts as of `dayEnd` into those as of `asOf`: +1 for each event after `dayEnd` of a unit
    /// enrolled as of `asOf`, −1 for each event up to `dayEnd` of a unit enrolled then but multi-variant by `asOf`
    /// (counted as of `dayEnd`, not any more). Units first exposed after `dayEnd` have no event counted as of it,
    /// and a unit's first exposure and variant as of `dayEnd` are still its own as of `asOf` (an exposure dated by
    /// then would have moved the marker), so nothing else differs. The first part reads the events after `dayEnd`
    /// by the `(name_id, ts)` index; the second only the few units that left, by their ids.
    func ranVersionsAfter(_ dayEnd: Int64, experiment id: Int64, names: [Int64], asOf: Int64, on c: PostgresConnection) async throws -> [RanVersionCount] {
        let list = names.map { _ in "?" }.joined(separator: ", ")
        let named: [Value] = names.map { .int($0) }
        let left = "f.first_ts <= ? AND f.multi_ts > ? AND f.multi_ts <= ?"
        return try await rows(Statement("""
            SELECT v.key, r.prompt_version_id, r.model, r.n FROM (
                SELECT d.variant_id, d.prompt_version_id, d.model, sum(d.n)::bigint AS n FROM (
                    SELECT f.variant_id, e.prompt_version_id, e.model, 1 AS n
                    FROM events AS e JOIN exposure_units AS f ON f.experiment_id = ?::integer AND f.unit_id = e.unit_id
                    WHERE e.name_id IN (\(list)) AND e.ts > ? AND e.ts <= ? AND e.ts >= f.first_ts
                        AND f.first_ts <= ? AND (f.multi_ts IS NULL OR f.multi_ts > ?)
                    UNION ALL
                    SELECT f.variant_id, e.prompt_version_id, e.model, -1
                    FROM events AS e JOIN exposure_units AS f ON f.experiment_id = ?::integer AND f.unit_id = e.unit_id
                    WHERE e.name_id IN (\(list)) AND e.ts >= f.first_ts AND e.ts <= ? AND \(left)
                        AND e.unit_id = ANY (ARRAY(SELECT f.unit_id FROM exposure_units AS f WHERE f.experiment_id = ?::integer AND \(left)))
                ) AS d
                WHERE d.prompt_version_id IS NOT NULL OR d.model IS NOT NULL
                GROUP BY 1, 2, 3
            ) AS r JOIN variants AS v ON v.id = r.variant_id
            """,
            [.int(id)] + named + [.int(dayEnd), .int(asOf), .int(asOf), .int(asOf)]
                + [.int(id)] + named + [.int(dayEnd), .int(dayEnd), .int(dayEnd), .int(asOf)]
                + [.int(id), .int(dayEnd), .int(dayEnd), .int(asOf)]
        ), on: c).map(Self.ranVersionCount)
    }

    /// A row of `(variant key, version, model, events)`.
    static func ranVersionCount(_ row: PostgresRow) throws -> RanVersionCount {
        let (variant, version, model, n) = try row.decode((String, String?, String?, Int64).self)
        return RanVersionCount(variant: variant, promptVersionId: version, model: model, events: Int(n))
    }

    public func metricExamples(_ query: ExampleQuery, in experiment: ExperimentScope) async throws -> [MetricExample] {
        try query.validate()
        try query.metric.validate()
        let filter = try PostgresMetricSQL.filter(query.metric)
        let aggregate = try PostgresMetricSQL.aggregate(query.metric)
        let ranked = try query.metric.value.map { try PostgresMetricSQL.Column($0).rankable }
        return try await read("reading examples of \(query.metric.event) in \(experiment)") { c in
            guard let id = try await self.experimentID(experiment, on: c),
                let variant = try await self.variantIDs(id, on: c).first(where: { $0.0 == query.variant })?.1
            else { return [] }
            let name = try await self.nameID(query.metric.event, on: c)
            let asOf = experiment.asOfMilliseconds
            let sample = Value.text(ExampleQuery.sampleKey)
            let statement: Statement
            switch query.selection {
            case .withEvents:
                guard let name else { return [] }
                statement = Statement("""
                    SELECT m.unit_id, u.key, m.x, m.first_ts, NULL::bigint, NULL::text FROM (
                        SELECT e.unit_id AS unit_id, \(aggregate.sql) AS x, min(f.first_ts) AS first_ts
                        FROM events AS e JOIN exposure_units AS f ON f.unit_id = e.unit_id AND f.experiment_id = ?
                        WHERE e.name_id = ? AND \(Self.attributedSQL) AND f.variant_id = ? AND (\(filter.sql))
                        GROUP BY e.unit_id
                    ) AS m JOIN units AS u ON u.id = m.unit_id
                    ORDER BY md5(? || u.key) COLLATE "C", u.key COLLATE "C" LIMIT ?
                    """, aggregate.values + [.int(id), .int(name), .int(asOf), .int(asOf), .int(asOf), .int(variant)] + filter.values + [sample, .int(Int64(query.limit))])
            case .withoutEvents:
                var none = ""
                var values: [Value] = []
                if let name {
                    none = """
                        AND NOT EXISTS (SELECT 1 FROM events AS e WHERE e.name_id = ? AND e.unit_id = f.unit_id
                            AND e.ts >= f.first_ts AND e.ts <= ? AND (\(filter.sql)))
                        """
                    values = [.int(name), .int(asOf)] + filter.values
                }
                statement = Statement("""
                    SELECT f.unit_id, u.key, 0::double precision, f.first_ts, NULL::bigint, NULL::text
                    FROM exposure_units AS f JOIN units AS u ON u.id = f.unit_id
                    WHERE f.experiment_id = ? AND f.variant_id = ? AND f.first_ts <= ? AND (f.multi_ts IS NULL OR f.multi_ts > ?)
                        \(none)
                    ORDER BY md5(? || u.key) COLLATE "C", u.key COLLATE "C" LIMIT ?
                    """, [.int(id), .int(variant), .int(asOf), .int(asOf)] + values + [sample, .int(Int64(query.limit))])
            case .above(let threshold):
                guard let name, let ranked else { return [] }
                statement = Statement("""
                    SELECT m.unit_id, u.key, m.x, m.first_ts, m.ts, m.trace_id FROM (
                        SELECT e.unit_id AS unit_id, \(ranked.sql) AS x, f.first_ts AS first_ts, e.ts AS ts, e.trace_id AS trace_id, e.uuid AS uuid
                        FROM events AS e JOIN exposure_units AS f ON f.unit_id = e.unit_id AND f.experiment_id = ?
                        WHERE e.name_id = ? AND \(Self.attributedSQL) AND f.variant_id = ? AND (\(filter.sql))
                    ) AS m JOIN units AS u ON u.id = m.unit_id
                    WHERE m.x > ?
                    ORDER BY m.x DESC, m.ts, m.uuid LIMIT ?
                    """, ranked.values + [.int(id), .int(name), .int(asOf), .int(asOf), .int(asOf), .int(variant)] + filter.values + [.double(threshold), .int(Int64(query.limit))])
            }
            var perEvent = false
            if case .above = query.selection { perEvent = true }
            var examples: [MetricExample] = []
            for row in try await self.rows(statement, on: c) {
                let (unitID, key, value, first, ts, traceID) = try row.decode((Int64, String, Double, Int64, Int64?, String?).self)
                var at = ts
                var trace = traceID
                if !perEvent, let found = try await self.firstTrace(unit: unitID, from: first, asOf: asOf, matching: name.map { ($0, filter) }, on: c) {
                    (trace, at) = (found.0, found.1)
                }
                examples.append(MetricExample(unit: key, value: value, traceID: trace, at: Date(timeIntervalSince1970: Double(at ?? first) / 1000)))
            }
            return examples
        }
    }

    /// SQLite's ``SQLiteEventStore/firstTrace(unit:from:asOf:matching:events:db:)``.
    func firstTrace(unit: Int64, from first: Int64, asOf: Int64, matching: (Int64, Statement)?, on c: PostgresConnection) async throws -> (String, Int64)? {
        func sql(_ names: String, _ condition: String) -> String {
            "SELECT e.trace_id, e.ts FROM events AS e WHERE e.name_id IN (\(names)) AND e.unit_id = ? AND e.ts >= ? AND e.ts <= ? AND e.trace_id IS NOT NULL AND (\(condition)) ORDER BY e.ts, e.uuid LIMIT 1"
        }
        if let (name, filter) = matching,
            let row = try await rows(Statement(sql("?", filter.sql), [.int(name), .int(unit), .int(first), .int(asOf)] + filter.values), on: c).first
        {
            return try row.decode((String, Int64).self)
        }
        let requests = try await nameIDs(MetricExample.requestEvents, on: c)
        guard !requests.isEmpty else { return nil }
        let marks = requests.map { _ in "?" }.joined(separator: ", ")
        return try await rows(Statement(sql(marks, "TRUE"), requests.map { .int($0) } + [.int(unit), .int(first), .int(asOf)]), on: c)
            .first?.decode((String, Int64).self)
    }

    /// The ids of the stored event names among `names`.
    func nameIDs(_ names: [String], on c: PostgresConnection) async throws -> [Int64] {
        let marks = names.map { _ in "?" }.joined(separator: ", ")
        return try await rows(Statement("SELECT id::bigint FROM event_names WHERE name IN (\(marks)) ORDER BY id", names.map { .text($0) }), on: c)
            .map { try $0.decode(Int64.self) }
    }
}
