import Foundation
import GRDB
import GRDBSQLite
import RampartCore

extension SQLiteEventStore {
    public func ingest(_ events: [Event]) async throws -> IngestResult {
        guard !events.isEmpty else { return IngestResult() }
        do {
            return try await writer.write { db in
                let cache = self.cache
                db.afterNextTransaction(onCommit: { _ in }, onRollback: { _ in cache.clear() })
                return try self.insert(events, db: db)
            }
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

    /// Inserts a batch inside the current transaction, binding through SQLite's C API (the hot path).
    func insert(_ events: [Event], db: Database) throws -> IngestResult {
        var result = IngestResult()
        let statement = try db.cachedStatement(sql: Self.insertSQL).sqliteStatement
        let connection = db.sqliteConnection
        let propsIndex = Int32(EventColumns.fixedCount + EventColumns.typed.count + 1)
        var unknown: [String: JSONValue] = [:]
        var json: [UInt8] = []
        eventLoop: for (position, event) in events.enumerated() {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
            unknown.removeAll(keepingCapacity: true)
            for (key, value) in event.properties {
                guard let column = EventColumns.index[key] else {
                    if !value.isNull { unknown[key] = value }
                    continue
                }
                let type = EventColumns.typed[column].type
                if value.isNull { continue }
                if let reason = KnownProperties.check(key, value, type: type) {
                    result.rejections.append(EventRejection(index: position, uuid: event.id, field: "properties.\(key)", reason: reason))
                    continue eventLoop
                }
                Self.bind(value, type: type, at: Int32(EventColumns.fixedCount + column + 1), statement)
            }
            if event.name == EventName.exposure, let problem = EventParser.exposureProblem(event.properties) {
                result.rejections.append(EventRejection(index: position, uuid: event.id, field: "properties.\(problem.property)", reason: problem.reason))
                continue
            }
            if event.name.isEmpty || event.unit.isEmpty {
                let field = event.name.isEmpty ? "event" : "unit"
                result.rejections.append(EventRejection(index: position, uuid: event.id, field: field, reason: "must not be empty"))
                continue
            }
            let nameID = try nameID(event.name, db: db)
            let unitID = try unitID(event.unit, db: db)
            let ts = event.milliseconds
            sqlite3_bind_int64(statement, 1, nameID)
            sqlite3_bind_int64(statement, 2, unitID)
            sqlite3_bind_int64(statement, 3, ts)
            withUnsafeBytes(of: event.id.uuid) { raw in
                _ = sqlite3_bind_blob(statement, 4, raw.baseAddress, 16, SQLITE_TRANSIENT)
            }
            if !unknown.isEmpty {
                json.removeAll(keepingCapacity: true)
                JSONValue.appendObject(unknown, to: &json)
                Self.bindText(json, at: propsIndex, statement)
            }
            let code = sqlite3_step(statement)
            guard code == SQLITE_DONE else {
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)))
            }
            if sqlite3_changes(connection) == 1 {
                result.stored += 1
                if event.name == EventName.exposure {
                    try recordExposure(event, unitID: unitID, ts: ts, db: db)
                }
            } else {
                result.duplicates += 1
            }
        }
        sqlite3_reset(statement)
        return result
    }

    /// Keeps `exposure_units` up to date: the earliest exposure time, and whether the unit saw several variants.
    ///
    /// Whatever the order exposures arrive in, a unit ends with the minimum timestamp and `multi = 1` exactly when
    /// its exposures name two different variants; the variant is only used when `multi = 0`, when all agree.
    func recordExposure(_ event: Event, unitID: Int64, ts: Int64, db: Database) throws {
        guard let key = event.properties["experiment"]?.stringValue, let variant = event.properties["variant"]?.stringValue
        else { return }
        let phase = Int(event.properties["phase"]?.numberValue ?? 0)
        let experimentID = try experimentID(ExperimentScope(key: key, phase: phase), db: db)
        let variantID = try variantID(variant, experiment: experimentID, db: db)
        try db.cachedStatement(sql: """
            INSERT INTO exposure_units (experiment_id, unit_id, variant_id, first_ts, multi, exposures)
            VALUES (?, ?, ?, ?, 0, 1)
            ON CONFLICT (experiment_id, unit_id) DO UPDATE SET
                multi = multi OR variant_id <> excluded.variant_id,
                first_ts = min(first_ts, excluded.first_ts),
                exposures = exposures + 1
            """).execute(arguments: [experimentID, unitID, variantID, ts])
    }

    func unitID(_ unit: String, db: Database) throws -> Int64 {
        if let id = cache.units[unit] { return id }
        let key = unitHasher?.hash(unit) ?? unit
        let id = try Self.dictionaryID(table: "units", column: "key", value: key, db: db)
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

    static func bind(_ value: JSONValue, type: PropertyType, at index: Int32, _ statement: OpaquePointer) {
        switch value {
        case .string(var s):
            s.withUTF8 { bytes in
                if bytes.isEmpty {
                    _ = sqlite3_bind_text(statement, index, "", 0, SQLITE_TRANSIENT)
                } else {
                    _ = sqlite3_bind_text(statement, index, UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(bytes.count), SQLITE_TRANSIENT)
                }
            }
        case .number(let n):
            if case .integer = type {
                sqlite3_bind_int64(statement, index, Int64(n))
            } else {
                sqlite3_bind_double(statement, index, n)
            }
        case .bool(let b):
            sqlite3_bind_int64(statement, index, b ? 1 : 0)
        case .null, .array, .object:
            break
        }
    }

    static func bindText(_ bytes: [UInt8], at index: Int32, _ statement: OpaquePointer) {
        bytes.withUnsafeBufferPointer { buffer in
            _ = sqlite3_bind_text(statement, index, UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self), Int32(buffer.count), SQLITE_TRANSIENT)
        }
    }
}

/// SQLite copies the bound bytes.
let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
