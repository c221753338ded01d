import Foundation
import GRDB
import GRDBSQLite
import RampartCore

extension SQLiteEventStore {
    public func ingest(_ events: [Event]) async throws -> IngestResult {
        guard !events.isEmpty else { return IngestResult() }
        let hasher = unitHasher
        let batch = EncodedBatch(events) { unit in hasher?.hash(unit) ?? unit }
        guard batch.count > 0 else { return IngestResult(rejections: batch.rejections) }
        do {
            var result = try await writer.write { db in
                let cache = self.cache
                db.afterNextTransaction(onCommit: { _ in }, onRollback: { _ in cache.clear() })
                return try self.insert(batch, db: db)
            }
            result.rejections = batch.rejections
            return result
        } catch let error as RampartError {
            throw error
        } catch {
            throw RampartError(.storage, "storing a batch of \(events.count) events failed; none of it was stored", cause: error)
        }
    }

    /// The `INSERT` for one event: fixed columns, typed columns, then `props`.
    static let insertSQL: String = {
        let columns = ["name_id", "unit_id", "ts", "uuid"] + EventColumns.typed.map(\.name) + ["props"]
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        return "INSERT INTO events (\(columns.joined(separator: ", "))) VALUES (\(marks)) ON CONFLICT DO NOTHING"
    }()

    /// Inserts an encoded batch inside the current transaction, binding through SQLite's C API (the hot path).
    func insert(_ batch: EncodedBatch, db: Database) throws -> IngestResult {
        var result = IngestResult()
        let statement = try db.cachedStatement(sql: Self.insertSQL).sqliteStatement
        let connection = db.sqliteConnection
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        // Insert in primary-key order: consecutive inserts then land on the same B-tree pages.
        var nameIDs = [Int64](repeating: 0, count: batch.count)
        var unitIDs = [Int64](repeating: 0, count: batch.count)
        for i in 0..<batch.count {
            nameIDs[i] = try nameID(batch.names[i], db: db)
            unitIDs[i] = try unitID(batch.units[i], db: db)
        }
        let order = (0..<batch.count).sorted {
            (nameIDs[$0], unitIDs[$0], batch.timestamps[$0]) < (nameIDs[$1], unitIDs[$1], batch.timestamps[$1])
        }
        try batch.text.withUnsafeBufferPointer { textBuffer in
            let text = UnsafeRawPointer(textBuffer.baseAddress ?? UnsafePointer(bitPattern: 1)!).assumingMemoryBound(to: CChar.self)
            for i in order {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
                let unitID = unitIDs[i]
                let ts = batch.timestamps[i]
                sqlite3_bind_int64(statement, 1, nameIDs[i])
                sqlite3_bind_int64(statement, 2, unitID)
                sqlite3_bind_int64(statement, 3, ts)
                withUnsafeBytes(of: batch.uuids[i]) { raw in
                    _ = sqlite3_bind_blob(statement, 4, raw.baseAddress, 16, SQLITE_TRANSIENT)
                }
                for b in batch.binds[batch.bindStarts[i]..<batch.bindStarts[i + 1]] {
                    switch b.kind {
                    case .integer: sqlite3_bind_int64(statement, b.column, b.integer)
                    case .real: sqlite3_bind_double(statement, b.column, b.real)
                    case .text: sqlite3_bind_text(statement, b.column, text + Int(b.textStart), b.textCount, nil)
                    }
                }
                let code = sqlite3_step(statement)
                guard code == SQLITE_DONE else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)))
                }
                if sqlite3_changes(connection) == 1 {
                    result.stored += 1
                    if let exposure = batch.exposures[i] {
                        try recordExposure(exposure, unitID: unitID, ts: ts, db: db)
                    }
                } else {
                    result.duplicates += 1
                }
            }
        }
        return result
    }

    /// Keeps `exposure_units` up to date: the earliest exposure and its variant, the moment the unit became
    /// multi-variant, the latest exposure and the count.
    ///
    /// Whatever the order exposures arrive in, a unit ends with the same row: the earliest variant's exposure is
    /// at most every other variant's earliest, so when an exposure to another variant arrives earlier than the
    /// recorded first one, the recorded first one becomes the moment two variants were seen; otherwise that moment
    /// is the earliest exposure to a variant other than the first.
    func recordExposure(_ exposure: EncodedBatch.ExposureKey, unitID: Int64, ts: Int64, db: Database) throws {
        let experimentID = try experimentID(exposure.scope, db: db)
        let variantID = try variantID(exposure.variant, experiment: experimentID, db: db)
        try db.cachedStatement(sql: """
            INSERT INTO exposure_units (experiment_id, unit_id, variant_id, first_ts, multi_ts, last_ts, exposures)
            VALUES (?1, ?2, ?3, ?4, NULL, ?4, 1)
            ON CONFLICT (experiment_id, unit_id) DO UPDATE SET
                multi_ts = CASE
                    WHEN excluded.variant_id = variant_id THEN multi_ts
                    WHEN excluded.first_ts < first_ts THEN first_ts
                    ELSE min(coalesce(multi_ts, excluded.first_ts), excluded.first_ts) END,
                variant_id = CASE
                    WHEN excluded.variant_id <> variant_id AND excluded.first_ts < first_ts THEN excluded.variant_id
                    ELSE variant_id END,
                first_ts = min(first_ts, excluded.first_ts),
                last_ts = max(last_ts, excluded.first_ts),
                exposures = exposures + 1
            """).execute(arguments: [experimentID, unitID, variantID, ts])
    }

    /// The id of a unit, by its stored key (the id itself or its keyed hash).
    func unitID(_ unit: String, db: Database) throws -> Int64 {
        if let id = cache.units[unit] { return id }
        let id = try Self.dictionaryID(table: "units", column: "key", value: unit, db: db)
        if cache.units.count >= cache.limit { cache.units.removeAll(keepingCapacity: true) }
        cache.units[unit] = id
        return id
    }

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
