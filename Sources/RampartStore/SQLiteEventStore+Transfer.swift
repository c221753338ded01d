import Foundation
import GRDB
import RampartCore

extension SQLiteEventStore: StoreTransfer {
    /// Pages follow the clustered key of `events` (name, unit, time, uuid), so each page is a range scan.
    public func exportEvents(after cursor: EventPage.Cursor?, limit: Int) async throws -> EventPage {
        if cursor == nil { try await mergeStagedEvents() }
        let typed = EventColumns.typed.map { "e.\($0.name)" }.joined(separator: ", ")
        let position = cursor.map { _ in "WHERE (e.name_id, e.unit_id, e.ts, e.uuid) > (?, ?, ?, ?)" } ?? ""
        let sql = """
            SELECT e.name_id, e.unit_id, e.ts, e.uuid, n.name, u.key, \(typed), e.props
            FROM events AS e JOIN event_names AS n ON n.id = e.name_id JOIN units AS u ON u.id = e.unit_id
            \(position) ORDER BY e.name_id, e.unit_id, e.ts, e.uuid LIMIT ?
            """
        var arguments: StatementArguments = []
        if let cursor {
            arguments += [cursor.numbers[0], cursor.numbers[1], cursor.numbers[2], Data(cursor.uuid)]
        }
        arguments += [limit]
        let page = arguments
        return try await read { db in
            var events: [Event] = []
            var last: EventPage.Cursor?
            let rows = try Row.fetchCursor(db, sql: sql, arguments: page)
            while let row = try rows.next() {
                let uuid = [UInt8](row["uuid"] as Data)
                let typed: [JSONValue?] = EventColumns.typed.indices.map { i in Self.json(row[6 + i]) }
                events.append(try Event.stored(name: row["name"], unit: row["key"], milliseconds: row["ts"], uuid: uuid, typed: typed, props: row["props"]))
                last = EventPage.Cursor(numbers: [row["name_id"], row["unit_id"], row["ts"]], uuid: uuid)
            }
            return EventPage(events: events, next: events.count < limit ? nil : last)
        }
    }

    public func importEvents(_ events: [Event]) async throws -> IngestResult {
        guard !events.isEmpty else { return IngestResult() }
        return try await store(EncodedBatch(events, hasher: nil))
    }

    public func exportControl() async throws -> ControlSnapshot {
        try await read { db in
            let rollouts = try Row.fetchAll(db, sql: "SELECT * FROM rollouts ORDER BY key").map(Self.storedRollout)
            var audit: [String: [AuditEntry]] = [:]
            for entry in try Self.auditRows(db, experiment: nil) { audit[entry.experiment, default: []].append(entry) }
            let keys = try Row.fetchAll(db, sql: "SELECT hash, display_prefix, scope, name, created_at FROM api_keys ORDER BY created_at, hash").compactMap(Self.apiKey)
            return ControlSnapshot(rollouts: rollouts, audit: audit, keys: keys)
        }
    }

    public func importControl(experiment: String, rollout: StoredRollout?, audit: [AuditEntry]) async throws -> ControlImport {
        try await write("copying experiment '\(experiment)'") { db in
            let target = try Row.fetchOne(db, sql: "SELECT * FROM rollouts WHERE key = ?", arguments: [experiment]).map(Self.storedRollout)
            let plan = try ControlImport.plan(experiment: experiment, rollout: rollout, audit: audit, target: target, targetAudit: try Self.auditRows(db, experiment: experiment))
            if plan.writeRollout, let rollout {
                try db.execute(sql: """
                    INSERT INTO rollouts (key, definition, stage_index, stage_started_at, revision, updated_at, file_base, file_seen)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET definition = excluded.definition, stage_index = excluded.stage_index,
                        stage_started_at = excluded.stage_started_at, revision = excluded.revision, updated_at = excluded.updated_at,
                        file_base = excluded.file_base, file_seen = excluded.file_seen
                    """, arguments: [rollout.key, rollout.definition, rollout.stageIndex, rollout.stageStartedAt, rollout.revision, rollout.updatedAt, rollout.fileBase, rollout.fileSeen])
            }
            for entry in plan.append { try Self.append(entry, db: db) }
            return ControlImport(rolloutWritten: plan.writeRollout, auditAppended: plan.append.count)
        }
    }

    public func importKey(_ key: APIKey) async throws -> Bool {
        try await write("copying an API key") { db in
            try db.execute(sql: "INSERT INTO api_keys (hash, display_prefix, scope, name, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING",
                arguments: [Data(key.hash), key.displayPrefix, key.scope.rawValue, key.name, key.createdAt.timeIntervalSince1970])
            return db.changesCount > 0
        }
    }

    /// A `rollouts` row as stored.
    static func storedRollout(_ row: Row) -> StoredRollout {
        StoredRollout(key: row["key"], definition: row["definition"], stageIndex: row["stage_index"], stageStartedAt: row["stage_started_at"],
                      revision: row["revision"], updatedAt: row["updated_at"], fileBase: row["file_base"], fileSeen: row["file_seen"])
    }

    /// A stored typed value as JSON: text as a string, integers and reals as numbers.
    static func json(_ value: DatabaseValue) -> JSONValue? {
        switch value.storage {
        case .null: return nil
        case .int64(let i): return .number(Double(i))
        case .double(let d): return .number(d)
        case .string(let s): return .string(s)
        case .blob: return nil
        }
    }
}
