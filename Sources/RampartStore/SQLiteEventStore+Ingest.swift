import Foundation
import GRDB
import GRDBSQLite
import RampartCore

extension SQLiteEventStore {
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

    /// Commits an encoded batch through the group commit; the result carries the batch's rejections too.
    func store(_ batch: EncodedBatch) async throws -> IngestResult {
        guard batch.count > 0 else { return IngestResult(rejections: batch.rejections) }
        var batch = batch
        batch.prepareForWriter()  // here, on the caller's task, not on the writer
        do {
            var result = try await commits.submit(batch, weight: batch.count)
            result.rejections = batch.rejections
            return result
        } catch let error as RampartError {
            throw error
        } catch {
            throw RampartError(.storage, "storing a batch of \(batch.count) events failed; none of it was stored", cause: error)
        }
    }

    /// Stores several callers' batches in one transaction (the group commit); one result per batch, in order.
    ///
    /// Batches are processed in order, so when two batches carry the same uuid the earlier one stores it and the
    /// later one counts it as a duplicate, exactly as if they had been committed one after the other.
    func commit(_ batches: [EncodedBatch]) async throws -> [IngestResult] {
        try await write("storing events", work: .events) { db in
            let cache = self.cache
            db.afterNextTransaction(
                onCommit: { _ in self.stagedCount.store(cache.staged.count, ordering: .releasing) },
                onRollback: { _ in cache.clear() }
            )
            try self.refreshStagedUUIDs(db)
            // A large transaction into a table not much larger writes each B-tree page for many events anyway:
            // straight into `events`.
            let events = batches.reduce(0) { $0 + $1.count }
            let direct = try events >= self.configuration.directInsertThreshold
                && Self.storedEvents(db) <= events * self.configuration.directInsertTableRatio
            return try batches.map { try self.stage($0, direct: direct, db: db) }
        }
    }

    /// The events stored, from the per-name counts kept at ingest (merged or staged alike).
    static func storedEvents(_ db: Database) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT coalesce(sum(stored), 0) FROM event_name_counts")) ?? 0
    }

    /// The ledger insert of the direct path: a uuid not seen before goes in, a known one changes nothing.
    static let ledgerInsertSQL = "INSERT INTO event_uuids (uuid) VALUES (?) ON CONFLICT DO NOTHING"
    /// The ledger lookup of the staging path, which reads and writes nothing else.
    static let ledgerProbeSQL = "SELECT 1 FROM event_uuids WHERE uuid = ?"

    /// Stores the new events of an encoded batch inside the current transaction, binding through SQLite's C API
    /// (the hot path): appended to `events_staged`, or with `direct` inserted into `events`.
    ///
    /// An event is new when its uuid is neither staged (the in-memory set mirrors `events_staged`) nor in the
    /// `event_uuids` ledger, which holds the uuid of every event in `events` (``newEvents(in:direct:db:)``). Then
    /// the new events' units and names get their ids, their rows are stored — in primary-key order on the direct
    /// path, so consecutive rows land on the same B-tree pages — and their exposures are folded into
    /// `exposure_units`, one upsert per unit and variant.
    func stage(_ batch: EncodedBatch, direct: Bool, db: Database) throws -> IngestResult {
        precondition(batch.isPrepared, "EncodedBatch.prepareForWriter() runs before a batch reaches the writer")
        let isNew = try newEvents(in: batch, direct: direct, db: db)
        let unitIDs = try resolveUnits(batch, isNew: isNew, db: db)
        var nameIDs = [Int64](repeating: -1, count: batch.distinctNames.count)
        for i in 0..<batch.count where isNew[i] {
            let n = Int(batch.nameSlots[i])
            if nameIDs[n] < 0 { nameIDs[n] = try self.nameID(batch.distinctNames[n], db: db) }
        }
        var rows = (0..<batch.count).filter { isNew[$0] }
        if direct {
            let keys = rows.map { i in (nameIDs[Int(batch.nameSlots[i])], unitIDs[Int(batch.unitSlots[i])], batch.timestamps[i]) }
            var order = Array(rows.indices)
            order.sort { keys[$0] < keys[$1] }
            rows = order.map { rows[$0] }
        }
        try insertRows(rows, of: batch, nameIDs: nameIDs, unitIDs: unitIDs, direct: direct, db: db)
        var perName = [Int64](repeating: 0, count: nameIDs.count)
        for i in rows { perName[Int(batch.nameSlots[i])] += 1 }
        try countStored(perName, nameIDs: nameIDs, db: db)
        try countTimes(rows, of: batch, nameIDs: nameIDs, db: db)
        // Per exposure group: the earliest and latest stored exposure, and how many were stored.
        var groupFirst = [Int64](repeating: .max, count: batch.exposureGroups.count)
        var groupLast = [Int64](repeating: .min, count: groupFirst.count)
        var groupCount = [Int64](repeating: 0, count: groupFirst.count)
        for i in rows where batch.exposureGroupOf[i] >= 0 {
            let g = Int(batch.exposureGroupOf[i]), ts = batch.timestamps[i]
            groupFirst[g] = min(groupFirst[g], ts)
            groupLast[g] = max(groupLast[g], ts)
            groupCount[g] += 1
        }
        for (g, group) in batch.exposureGroups.enumerated() where groupCount[g] > 0 {
            let unitID = unitIDs[Int(group.unitSlot)]
            try recordExposures(group.exposure, unitID: unitID, first: groupFirst[g], last: groupLast[g], count: groupCount[g], db: db)
        }
        return IngestResult(stored: rows.count, duplicates: batch.count - rows.count)
    }

    /// Which events of a batch are new, checked in uuid order (``EncodedBatch/uuidOrder``), so the ledger's B-tree
    /// is walked once from left to right instead of at random.
    ///
    /// The direct path inserts each uuid into the ledger (a refused insert is a duplicate); the staging path only
    /// looks it up and adds it to the staged set, and the merge adds the staged uuids to the ledger later, in one
    /// sorted pass. Of two events sharing a uuid, the first in input order is new.
    func newEvents(in batch: EncodedBatch, direct: Bool, db: Database) throws -> [Bool] {
        let ledger = try db.cachedStatement(sql: direct ? Self.ledgerInsertSQL : Self.ledgerProbeSQL).sqliteStatement
        let connection = db.sqliteConnection
        defer { sqlite3_reset(ledger) }
        func check(_ code: Int32, _ expected: Int32) throws {
            guard code == expected else {
                throw DatabaseError.step(code, on: connection)
            }
        }
        var isNew = [Bool](repeating: false, count: batch.count)
        for index in batch.uuidOrder {
            let i = Int(index)
            var uuid = batch.uuids[i]
            let key = UUIDKey(uuid)
            if cache.staged.contains(key) { continue }
            let code = withUnsafeBytes(of: &uuid) { raw in
                sqlite3_reset(ledger)
                sqlite3_bind_blob(ledger, 1, raw.baseAddress, 16, nil)
                return sqlite3_step(ledger)
            }
            if direct {
                try check(code, SQLITE_DONE)
                isNew[i] = sqlite3_changes(connection) == 1
            } else {
                if code == SQLITE_ROW { continue }
                try check(code, SQLITE_DONE)
                isNew[i] = true
                cache.staged.insert(key)
            }
        }
        return isNew
    }

    /// Makes the in-memory set of staged uuids match `events_staged`, reloading it when another connection has
    /// committed since it was last known to match (or after a rollback).
    func refreshStagedUUIDs(_ db: Database) throws {
        let version = try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA data_version")) ?? 0
        guard version != cache.stagedVersion else { return }
        cache.staged.removeAll(keepingCapacity: true)
        let select = try db.makeStatement(sql: "SELECT uuid FROM events_staged")
        let statement = select.sqliteStatement
        defer { withExtendedLifetime(select) { _ = sqlite3_reset(statement) } }
        var code = sqlite3_step(statement)
        while code == SQLITE_ROW {
            if sqlite3_column_bytes(statement, 0) == 16, let bytes = sqlite3_column_blob(statement, 0) {
                cache.staged.insert(UUIDKey(bytes: bytes))
            }
            code = sqlite3_step(statement)
        }
        guard code == SQLITE_DONE else {
            throw DatabaseError.step(code, on: db.sqliteConnection)
        }
        cache.stagedVersion = version
    }

    /// Keeps `exposure_units` up to date: the earliest exposure and its variant, the moment the unit became
    /// multi-variant, the latest exposure and the count.
    ///
    /// Whatever the order exposures arrive in, a unit ends with the same row: the earliest variant's exposure is
    /// at most every other variant's earliest, so when an exposure to another variant arrives earlier than the
    /// recorded first one, the recorded first one becomes the moment two variants were seen; otherwise that moment
    /// is the earliest exposure to a variant other than the first. The row depends only on each variant's earliest
    /// exposure, the latest exposure and the count, so several exposures of the unit to one variant are applied
    /// at once: `first` is their earliest, `last` their latest, `count` how many.
    func recordExposures(_ exposure: EncodedBatch.ExposureKey, unitID: Int64, first: Int64, last: Int64, count: Int64, db: Database) throws {
        let experimentID = try experimentID(exposure.scope, db: db)
        let variantID = try variantID(exposure.variant, experiment: experimentID, db: db)
        let statement = try db.cachedStatement(sql: Self.exposureSQL).sqliteStatement
        defer { sqlite3_reset(statement) }
        sqlite3_bind_int64(statement, 1, experimentID)
        sqlite3_bind_int64(statement, 2, unitID)
        sqlite3_bind_int64(statement, 3, variantID)
        sqlite3_bind_int64(statement, 4, first)
        sqlite3_bind_int64(statement, 5, last)
        sqlite3_bind_int64(statement, 6, count)
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else {
            throw DatabaseError.step(code, on: db.sqliteConnection)
        }
    }

    /// The upsert of ``recordExposures(_:unitID:first:last:count:db:)``: experiment, unit, variant, earliest and
    /// latest time, count.
    static let exposureSQL = """
        INSERT INTO exposure_units (experiment_id, unit_id, variant_id, first_ts, multi_ts, last_ts, exposures)
        VALUES (?1, ?2, ?3, ?4, NULL, ?5, ?6)
        ON CONFLICT (experiment_id, unit_id) DO UPDATE SET
            multi_ts = CASE
                WHEN excluded.variant_id = variant_id THEN multi_ts
                WHEN excluded.first_ts < first_ts THEN first_ts
                ELSE min(coalesce(multi_ts, excluded.first_ts), excluded.first_ts) END,
            variant_id = CASE
                WHEN excluded.variant_id <> variant_id AND excluded.first_ts < first_ts THEN excluded.variant_id
                ELSE variant_id END,
            first_ts = min(first_ts, excluded.first_ts),
            last_ts = max(last_ts, excluded.last_ts),
            exposures = exposures + excluded.exposures
        """

    /// The ids of a batch's distinct units that have a new event (−1 for the others), by their stored keys (the
    /// id itself or its keyed hash).
    ///
    /// Units missing from the cache are looked up or inserted through the C API in key order, so the unique index
    /// on `units.key` is walked once from left to right; new units get consecutive ids.
    func resolveUnits(_ batch: EncodedBatch, isNew: [Bool], db: Database) throws -> [Int64] {
        var ids = [Int64](repeating: -1, count: batch.distinctUnits.count)
        var needed = [Bool](repeating: false, count: ids.count)
        for i in 0..<batch.count where isNew[i] { needed[Int(batch.unitSlots[i])] = true }
        var misses: [Int] = []
        for slot in ids.indices where needed[slot] {
            if let id = cache.units[batch.distinctUnits[slot]] { ids[slot] = id } else { misses.append(slot) }
        }
        guard !misses.isEmpty else { return ids }
        misses.sort { batch.distinctUnits[$0] < batch.distinctUnits[$1] }
        let insert = try db.cachedStatement(sql: Self.unitInsertSQL).sqliteStatement
        let select = try db.cachedStatement(sql: Self.unitSelectSQL).sqliteStatement
        let connection = db.sqliteConnection
        defer {
            sqlite3_reset(insert)
            sqlite3_reset(select)
        }
        if cache.units.count + misses.count > cache.limit { cache.units.removeAll(keepingCapacity: true) }
        for slot in misses {
            var key = batch.distinctUnits[slot]
            let id: Int64 = try key.withUTF8 { utf8 in
                let bytes = UnsafeRawPointer(utf8.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self)
                sqlite3_reset(insert)
                sqlite3_bind_text(insert, 1, bytes, Int32(utf8.count), nil)
                let code = sqlite3_step(insert)
                guard code == SQLITE_DONE else { throw DatabaseError.step(code, on: connection) }
                if sqlite3_changes(connection) == 1 { return sqlite3_last_insert_rowid(connection) }
                sqlite3_reset(select)
                sqlite3_bind_text(select, 1, bytes, Int32(utf8.count), nil)
                let found = sqlite3_step(select)
                guard found == SQLITE_ROW else {
                    throw found == SQLITE_DONE
                        ? DatabaseError(resultCode: .SQLITE_INTERNAL, message: "a unit key was neither inserted nor found")
                        : DatabaseError.step(found, on: connection)
                }
                return sqlite3_column_int64(select, 0)
            }
            ids[slot] = id
            cache.units[batch.distinctUnits[slot]] = id
        }
        return ids
    }

    /// Inserts a unit key (its id is then the last inserted rowid), or changes nothing when the key is there.
    static let unitInsertSQL = "INSERT INTO units (key) VALUES (?) ON CONFLICT DO NOTHING"
    /// The id of an existing unit key.
    static let unitSelectSQL = "SELECT id FROM units WHERE key = ?"

    func nameID(_ name: String, db: Database) throws -> Int64 {
        if let id = cache.names[name] { return id }
        let id = try Self.dictionaryID(table: "event_names", column: "name", value: name, db: db)
        cache.names[name] = id
        return id
    }

    func experimentID(_ scope: ExperimentScope, db: Database) throws -> Int64 {
        if let id = cache.experiments[scope] { return id }
        try db.cachedStatement(sql: "INSERT INTO experiments (key, phase) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .execute(arguments: [scope.key, scope.phase])
        let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM experiments WHERE key = ? AND phase = ?"), arguments: [scope.key, scope.phase])!
        cache.experiments[scope] = id
        return id
    }

    func variantID(_ variant: String, experiment: Int64, db: Database) throws -> Int64 {
        let key = IngestCache.VariantKey(experiment: experiment, variant: variant)
        if let id = cache.variants[key] { return id }
        try db.cachedStatement(sql: "INSERT INTO variants (experiment_id, key) VALUES (?, ?) ON CONFLICT DO NOTHING")
            .execute(arguments: [experiment, variant])
        let id = try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM variants WHERE experiment_id = ? AND key = ?"), arguments: [experiment, variant])!
        cache.variants[key] = id
        return id
    }

    /// The id of `value` in a dictionary table, inserting it when new.
    static func dictionaryID(table: String, column: String, value: String, db: Database) throws -> Int64 {
        if let id = try Int64.fetchOne(db.cachedStatement(sql: "INSERT INTO \(table) (\(column)) VALUES (?) ON CONFLICT DO NOTHING RETURNING id"), arguments: [value]) {
            return id
        }
        return try Int64.fetchOne(db.cachedStatement(sql: "SELECT id FROM \(table) WHERE \(column) = ?"), arguments: [value])!
    }
}

/// SQLite copies the bound bytes.
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
