import Foundation
import PostgresNIO
import RampartCore

extension PostgresEventStore: StoreTransfer {
    /// Pages follow the primary key, the uuid.
    public func exportEvents(after cursor: EventPage.Cursor?, limit: Int) async throws -> EventPage {
        let typed = EventColumns.typed.map { "e.\($0.name)" }.joined(separator: ", ")
        var values: [Value] = []
        var position = ""
        if let cursor {
            position = "WHERE e.uuid > ?::uuid"
            values.append(.text(Self.uuidText(cursor.uuid)))
        }
        values.append(.int(Int64(limit)))
        let statement = Statement("""
            SELECT e.uuid, n.name, u.key, e.ts, \(typed), e.props::text
            FROM events AS e JOIN event_names AS n ON n.id = e.name_id JOIN units AS u ON u.id = e.unit_id
            \(position) ORDER BY e.uuid LIMIT ?
            """, values)
        let rows = try await rows(statement, "reading events to copy")
        var events: [Event] = []
        events.reserveCapacity(rows.count)
        var last: [UInt8] = []
        for row in rows {
            var cells = row.makeIterator()
            let uuid = try cells.next()!.decode(UUID.self)
            let name = try cells.next()!.decode(String.self)
            let unit = try cells.next()!.decode(String.self)
            let ts = try cells.next()!.decode(Int64.self)
            var typedValues: [JSONValue?] = []
            typedValues.reserveCapacity(EventColumns.typed.count)
            for column in EventColumns.typed {
                let cell = cells.next()!
                switch EventColumns.storage[column.name]! {
                case .text: typedValues.append(try cell.decode(String?.self).map(JSONValue.string))
                case .real: typedValues.append(try cell.decode(Double?.self).map(JSONValue.number))
                case .integer: typedValues.append(try cell.decode(Int64?.self).map { .number(Double($0)) })
                }
            }
            let props = try cells.next()!.decode(String?.self)
            last = withUnsafeBytes(of: uuid.uuid) { Array($0) }
            events.append(try Event.stored(name: name, unit: unit, milliseconds: ts, uuid: last, typed: typedValues, props: props))
        }
        return EventPage(events: events, next: events.count < limit ? nil : EventPage.Cursor(numbers: [], uuid: last))
    }

    public func importEvents(_ events: [Event]) async throws -> IngestResult {
        guard !events.isEmpty else { return IngestResult() }
        return try await store(EncodedBatch(events, hasher: nil))
    }

    public func exportControl() async throws -> ControlSnapshot {
        try await read("reading the control plane to copy") { c in
            let rollouts = try await self.rows(Statement("SELECT \(Self.storedRolloutColumns) FROM rollouts ORDER BY key"), on: c).map(Self.storedRollout)
            var audit: [String: [AuditEntry]] = [:]
            for entry in try await self.auditRows(experiment: nil, on: c) { audit[entry.experiment, default: []].append(entry) }
            let keys = try await self.rows(Statement("SELECT hash, display_prefix, scope, name, created_at FROM api_keys ORDER BY created_at, hash"), on: c)
                .compactMap(Self.apiKey)
            return ControlSnapshot(rollouts: rollouts, audit: audit, keys: keys)
        }
    }

    public func importControl(experiment: String, rollout: StoredRollout?, audit: [AuditEntry]) async throws -> ControlImport {
        try await transaction("copying experiment '\(experiment)'") { c in
            _ = try await self.rows(Statement("SELECT pg_advisory_xact_lock(?)", [.int(Self.importLock)]), on: c)
            let target = try await self.rows(Statement("SELECT \(Self.storedRolloutColumns) FROM rollouts WHERE key = ? FOR UPDATE", [.text(experiment)]), on: c)
                .first.map(Self.storedRollout)
            let plan = try ControlImport.plan(experiment: experiment, rollout: rollout, audit: audit, target: target,
                                              targetAudit: try await self.auditRows(experiment: experiment, on: c))
            if plan.writeRollout, let r = rollout {
                _ = try await self.rows(Statement("""
                    INSERT INTO rollouts (key, definition, stage_index, stage_started_at, revision, updated_at, file_base, file_seen)
                    VALUES (?, ?, ?::integer, ?, ?::integer, ?, ?, ?)
                    ON CONFLICT (key) DO UPDATE SET definition = excluded.definition, stage_index = excluded.stage_index,
                        stage_started_at = excluded.stage_started_at, revision = excluded.revision, updated_at = excluded.updated_at,
                        file_base = excluded.file_base, file_seen = excluded.file_seen
                    """, [
                        .text(r.key), .text(r.definition), r.stageIndex.map { .int(Int64($0)) } ?? .null, r.stageStartedAt.map(Value.double) ?? .null,
                        .int(Int64(r.revision)), .double(r.updatedAt), Self.optional(r.fileBase), Self.optional(r.fileSeen),
                    ]), on: c)
            }
            for entry in plan.append { try await self.append(entry, on: c) }
            if plan.writeRollout { try await self.notifyChange(on: c) }
            return ControlImport(rolloutWritten: plan.writeRollout, auditAppended: plan.append.count)
        }
    }

    public func importKey(_ key: APIKey) async throws -> Bool {
        let inserted = try await rows(Statement(
            "INSERT INTO api_keys (hash, display_prefix, scope, name, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING RETURNING hash",
            [.bytes(key.hash), .text(key.displayPrefix), .text(key.scope.rawValue), .text(key.name), .double(key.createdAt.timeIntervalSince1970)]
        ), "copying an API key")
        return !inserted.isEmpty
    }

    /// The columns of a ``StoredRollout``, in the order ``storedRollout(_:)`` reads them.
    static let storedRolloutColumns = "key, definition, stage_index, stage_started_at, revision, updated_at, file_base, file_seen"

    static func storedRollout(_ row: PostgresRow) throws -> StoredRollout {
        let (key, definition, stage, started, revision, updated, base, seen) = try row.decode((String, String, Int?, Double?, Int, Double, String?, String?).self)
        return StoredRollout(key: key, definition: definition, stageIndex: stage, stageStartedAt: started, revision: revision, updatedAt: updated, fileBase: base, fileSeen: seen)
    }

    /// The canonical text of 16 uuid bytes.
    static func uuidText(_ bytes: [UInt8]) -> String {
        UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                    bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15])).uuidString
    }
}
