import Foundation
import PostgresNIO
import RampartCore

extension PostgresEventStore {
    public func ingest(_ events: [Event]) async throws -> IngestResult {
        guard !events.isEmpty else { return IngestResult() }
        return try await store(EncodedBatch(events, hasher: unitHasher))
    }

    public func ingestNDJSON(_ bytes: [UInt8], firstIndex: Int, parser: EventParser, now: Date) async throws -> IngestResult {
        try await store(EncodedBatch(ndjson: bytes, firstIndex: firstIndex, parser: parser, now: now, hasher: unitHasher))
    }

    public func ingestScanned(_ source: some ScannedEventSource, parser: EventParser, now: Date) async throws -> IngestResult {
        try await store(EncodedBatch(source, parser: parser, now: now, hasher: unitHasher))
    }

    public func ingestPlainJSONArray(_ bytes: [UInt8], parser: EventParser, now: Date) async throws -> IngestResult? {
        guard let batch = EncodedBatch(jsonArray: bytes, parser: parser, now: now, hasher: unitHasher) else { return nil }
        return try await store(batch)
    }

    public func eventCount() async throws -> Int {
        let rows = try await rows(Statement("SELECT count(*) FROM events"), "counting events")
        return Int(try rows.first?.decode(Int64.self) ?? 0)
    }

    /// Stores an encoded batch in one transaction; returns once it has committed.
    ///
    /// Within the batch the first event with a uuid is the one stored (as in SQLite); an event whose uuid is
    /// already in `events` is a duplicate (`ON CONFLICT DO NOTHING`, whichever replica stored it). Rows are
    /// written in uuid order and exposure upserts in (experiment, unit) order, so concurrent batches never deadlock.
    func store(_ batch: EncodedBatch) async throws -> IngestResult {
        guard batch.count > 0 else { return IngestResult(rejections: batch.rejections) }
        var batch = batch
        batch.prepareForWriter()
        let prepared = batch
        var result = try await transaction("storing a batch of \(batch.count) events (none of it was stored)") { connection in
            try await self.stage(prepared, on: connection)
        }
        result.rejections = batch.rejections
        return result
    }

    /// The batch's events inside a transaction: ids for names and units, the rows, the exposures.
    func stage(_ batch: EncodedBatch, on connection: PostgresConnection) async throws -> IngestResult {
        // The first event of each uuid, in uuid order.
        var candidates: [Int] = []
        var previous: UUIDKey?
        for index in batch.uuidOrder {
            let key = UUIDKey(batch.uuids[Int(index)])
            if key == previous { continue }
            previous = key
            candidates.append(Int(index))
        }
        let nameIDs = try await dictionary("event_names", "name", batch.distinctNames, on: connection)
        var usedUnits = [Bool](repeating: false, count: batch.distinctUnits.count)
        for i in candidates { usedUnits[Int(batch.unitSlots[i])] = true }
        let unitKeys = batch.distinctUnits.indices.filter { usedUnits[$0] }.map { batch.distinctUnits[$0] }
        let unitIDs = try await dictionary("units", "key", unitKeys, on: connection)

        let stored = switch insertMethod {
        case .copy: try await copyEvents(candidates, of: batch, nameIDs: nameIDs, unitIDs: unitIDs, on: connection)
        case .json: try await insertEvents(candidates, of: batch, nameIDs: nameIDs, unitIDs: unitIDs, on: connection)
        }
        try await countStored(stored, of: batch, nameIDs: nameIDs, on: connection)
        // Per exposure group: the earliest and latest stored exposure, and how many were stored.
        var groupFirst = [Int64](repeating: .max, count: batch.exposureGroups.count)
        var groupLast = [Int64](repeating: .min, count: groupFirst.count)
        var groupCount = [Int64](repeating: 0, count: groupFirst.count)
        for i in stored where batch.exposureGroupOf[i] >= 0 {
            let g = Int(batch.exposureGroupOf[i]), ts = batch.timestamps[i]
            groupFirst[g] = min(groupFirst[g], ts)
            groupLast[g] = max(groupLast[g], ts)
            groupCount[g] += 1
        }
        var upserts: [(experiment: Int64, unit: Int64, variant: Int64, first: Int64, last: Int64, count: Int64)] = []
        var exposureIDs: [EncodedBatch.ExposureKey: (experiment: Int64, variant: Int64)] = [:]
        for (g, group) in batch.exposureGroups.enumerated() where groupCount[g] > 0 {
            let ids: (experiment: Int64, variant: Int64)
            if let known = exposureIDs[group.exposure] {
                ids = known
            } else {
                let experiment = try await storedExperimentID(group.exposure.scope, on: connection)
                ids = (experiment, try await variantID(group.exposure.variant, experiment: experiment, on: connection))
                exposureIDs[group.exposure] = ids
            }
            upserts.append((ids.experiment, unitIDs[batch.distinctUnits[Int(group.unitSlot)]]!, ids.variant, groupFirst[g], groupLast[g], groupCount[g]))
        }
        try await recordExposures(upserts, on: connection)
        return IngestResult(stored: stored.count, duplicates: batch.count - stored.count)
    }

    /// Inserts the candidate rows, `ON CONFLICT (uuid) DO NOTHING`, as one statement whose rows arrive as one JSON
    /// array parameter (one array per event, in column order); returns the indices of the events stored.
    func insertEvents(_ candidates: [Int], of batch: EncodedBatch, nameIDs: [String: Int64], unitIDs: [String: Int64], on connection: PostgresConnection) async throws -> [Int] {
        var stored: [Int] = []
        let chunk = 5_000
        for start in stride(from: 0, to: candidates.count, by: chunk) {
            let part = Array(candidates[start..<min(start + chunk, candidates.count)])
            let json = Self.rowsJSON(part, of: batch, nameIDs: nameIDs, unitIDs: unitIDs)
            var inserted = Set<UUID>()
            let rows = try await self.rows(Statement(Self.insertEventsSQL, [.text(json)]), on: connection)
            for row in rows { inserted.insert(try row.decode(UUID.self)) }
            for i in part where inserted.contains(UUID(uuid: batch.uuids[i])) { stored.append(i) }
        }
        return stored
    }

    /// The insert of ``insertEvents(_:of:nameIDs:unitIDs:on:)``.
    static let insertEventsSQL: String = {
        var columns = ["uuid", "name_id", "unit_id", "ts"]
        var values = ["(r->>0)::uuid", "(r->>1)::integer", "(r->>2)::bigint", "(r->>3)::bigint"]
        for (k, column) in EventColumns.typed.enumerated() {
            columns.append(column.name)
            let type = EventColumns.storage[column.name]!
            let cast = type == .text ? "" : (type == .real ? "::double precision" : "::bigint")
            values.append("(r->>\(4 + k))\(cast)")
        }
        columns.append("props")
        values.append("(r->>\(4 + EventColumns.typed.count))::jsonb")
        return """
            INSERT INTO events (\(columns.joined(separator: ", ")))
            SELECT \(values.joined(separator: ", ")) FROM jsonb_array_elements(?::jsonb) AS r
            ON CONFLICT (uuid) DO NOTHING RETURNING uuid
            """
    }()

    /// The rows as a JSON array of arrays: uuid, name id, unit id, time, the typed columns, props.
    static func rowsJSON(_ rows: [Int], of batch: EncodedBatch, nameIDs: [String: Int64], unitIDs: [String: Int64]) -> String {
        let width = EventColumns.fixedCount + EventColumns.typed.count + 1
        var out: [UInt8] = []
        out.reserveCapacity(rows.count * 200)
        out.append(UInt8(ascii: "["))
        var cells = [Range<Int>?](repeating: nil, count: width)
        var scratch: [UInt8] = []
        for (r, i) in rows.enumerated() {
            if r > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: "[\"\(UUID(uuid: batch.uuids[i]).uuidString)\",\(nameIDs[batch.distinctNames[Int(batch.nameSlots[i])]]!),\(unitIDs[batch.distinctUnits[Int(batch.unitSlots[i])]]!),\(batch.timestamps[i])".utf8)
            scratch.removeAll(keepingCapacity: true)
            for c in cells.indices { cells[c] = nil }
            for b in batch.binds[batch.bindStarts[i]..<batch.bindStarts[i + 1]] {
                let start = scratch.count
                switch b.kind {
                case .integer: scratch.append(contentsOf: String(b.integer).utf8)
                case .real: JSONValue.number(b.real).appendJSON(to: &scratch)
                case .text:
                    let text = String(decoding: batch.text[Int(b.textStart)..<Int(b.textStart + b.textCount)], as: UTF8.self)
                    // props holds a JSON object's text: stored as a string that the insert casts to jsonb.
                    JSONValue.string(text).appendJSON(to: &scratch)
                }
                cells[Int(b.column) - 1] = start..<scratch.count
            }
            for c in EventColumns.fixedCount..<width {
                out.append(UInt8(ascii: ","))
                if let range = cells[c] { out.append(contentsOf: scratch[range]) } else { out.append(contentsOf: "null".utf8) }
            }
            out.append(UInt8(ascii: "]"))
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    /// The ids of dictionary values, inserting the new ones (in sorted order, so concurrent writers never
    /// deadlock); a value inserted by another transaction at the same time is read once that one commits.
    func dictionary(_ table: String, _ column: String, _ values: [String], on connection: PostgresConnection) async throws -> [String: Int64] {
        guard !values.isEmpty else { return [:] }
        let sorted = Array(Set(values)).sorted()
        var json: [UInt8] = []
        JSONValue.array(sorted.map(JSONValue.string)).appendJSON(to: &json)
        let text = String(decoding: json, as: UTF8.self)
        _ = try await rows(Statement("""
            INSERT INTO \(table) (\(column)) SELECT v FROM json_array_elements_text(?::json) AS v
            WHERE NOT EXISTS (SELECT 1 FROM \(table) WHERE \(column) = v)
            ON CONFLICT DO NOTHING
            """, [.text(text)]), on: connection)
        var ids: [String: Int64] = [:]
        for row in try await rows(Statement("SELECT \(column), id::bigint FROM \(table) WHERE \(column) IN (SELECT json_array_elements_text(?::json))", [.text(text)]), on: connection) {
            let (value, id) = try row.decode((String, Int64).self)
            ids[value] = id
        }
        return ids
    }

    func storedExperimentID(_ scope: ExperimentScope, on connection: PostgresConnection) async throws -> Int64 {
        _ = try await rows(Statement("INSERT INTO experiments (key, phase) VALUES (?, ?::integer) ON CONFLICT DO NOTHING", [.text(scope.key), .int(Int64(scope.phase))]), on: connection)
        let rows = try await rows(Statement("SELECT id::bigint FROM experiments WHERE key = ? AND phase = ?::integer", [.text(scope.key), .int(Int64(scope.phase))]), on: connection)
        return try rows[0].decode(Int64.self)
    }

    func variantID(_ variant: String, experiment: Int64, on connection: PostgresConnection) async throws -> Int64 {
        _ = try await rows(Statement("INSERT INTO variants (experiment_id, key) VALUES (?::integer, ?) ON CONFLICT DO NOTHING", [.int(experiment), .text(variant)]), on: connection)
        let rows = try await rows(Statement("SELECT id::bigint FROM variants WHERE experiment_id = ?::integer AND key = ?", [.int(experiment), .text(variant)]), on: connection)
        return try rows[0].decode(Int64.self)
    }

    /// Folds exposures into `exposure_units` with SQLite's upsert (``SQLiteEventStore/exposureSQL``), so a unit
    /// ends with the same row whatever the order its exposures arrive in, on whichever replica. Rows for one
    /// (experiment, unit) go in successive statements (a statement may change a row once).
    func recordExposures(_ upserts: [(experiment: Int64, unit: Int64, variant: Int64, first: Int64, last: Int64, count: Int64)], on connection: PostgresConnection) async throws {
        var rounds: [[String]] = []
        var seen: [String: Int] = [:]
        for u in upserts.sorted(by: { ($0.experiment, $0.unit, $0.first, $0.variant) < ($1.experiment, $1.unit, $1.first, $1.variant) }) {
            let key = "\(u.experiment):\(u.unit)"
            let round = seen[key, default: 0]
            seen[key] = round + 1
            if rounds.count <= round { rounds.append([]) }
            rounds[round].append("[\(u.experiment),\(u.unit),\(u.variant),\(u.first),\(u.last),\(u.count)]")
        }
        for round in rounds {
            _ = try await rows(Statement(Self.exposureSQL, [.text("[" + round.joined(separator: ",") + "]")]), on: connection)
        }
    }

    static let exposureSQL = """
        INSERT INTO exposure_units AS x (experiment_id, unit_id, variant_id, first_ts, multi_ts, last_ts, exposures)
        SELECT (r->>0)::integer, (r->>1)::bigint, (r->>2)::integer, (r->>3)::bigint, NULL, (r->>4)::bigint, (r->>5)::bigint
        FROM jsonb_array_elements(?::jsonb) AS r
        ON CONFLICT (experiment_id, unit_id) DO UPDATE SET
            multi_ts = CASE
                WHEN excluded.variant_id = x.variant_id THEN x.multi_ts
                WHEN excluded.first_ts < x.first_ts THEN x.first_ts
                ELSE least(coalesce(x.multi_ts, excluded.first_ts), excluded.first_ts) END,
            variant_id = CASE
                WHEN excluded.variant_id <> x.variant_id AND excluded.first_ts < x.first_ts THEN excluded.variant_id
                ELSE x.variant_id END,
            first_ts = least(x.first_ts, excluded.first_ts),
            last_ts = greatest(x.last_ts, excluded.last_ts),
            exposures = x.exposures + excluded.exposures
        """
}
