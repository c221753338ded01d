import Foundation
import PostgresNIO
import RampartCore

extension PostgresEventStore {
    /// The advisory lock (per transaction) that serializes imports of experiment files across replicas.
    static let importLock: Int64 = 0x5241_4D50_0002

    public func rollouts() async throws -> [RolloutState] {
        try await rows(Statement("SELECT key, definition, stage_index, stage_started_at, revision FROM rollouts ORDER BY key"), "reading the rollouts")
            .map(Self.rollout)
    }

    public func rollout(_ key: String) async throws -> RolloutState? {
        try await rows(Statement("SELECT key, definition, stage_index, stage_started_at, revision FROM rollouts WHERE key = ?", [.text(key)]), "reading rollout '\(key)'")
            .first.map(Self.rollout)
    }

    @discardableResult
    public func seed(_ experiments: [Experiment], source: String, filesWin: Bool) async throws -> [DefinitionImport.Decision] {
        try await transaction("importing experiment files") { c in
            _ = try await self.rows(Statement("SELECT pg_advisory_xact_lock(?)", [.int(Self.importLock)]), on: c)
            var decisions: [DefinitionImport.Decision] = []
            for file in experiments {
                let (decision, writes) = try await self.importDecision(file, source: source, filesWin: filesWin, on: c)
                decisions.append(decision)
                guard writes else { continue }
                if let state = decision.state {
                    if decision.outcome == .inserted { try await self.insert(state, on: c) } else { try await self.update(state, on: c) }
                }
                if let audit = decision.audit { try await self.append(audit, on: c) }
                _ = try await self.rows(Statement("UPDATE rollouts SET file_base = ?, file_seen = ? WHERE key = ?", [
                    Self.optional(try SQLiteEventStore.encode(decision.base)), Self.optional(try SQLiteEventStore.encode(decision.seen)), .text(file.key),
                ]), on: c)
            }
            if decisions.contains(where: { $0.outcome != .unchanged }) { try await self.notifyChange(on: c) }
            return decisions
        }
    }

    /// The rollouts as ``seed(_:source:filesWin:)`` would leave them, without writing (read-only commands).
    public func seeded(_ experiments: [Experiment], source: String) async throws -> (rollouts: [RolloutState], decisions: [DefinitionImport.Decision]) {
        try await read("reading the rollouts") { c in
            var rollouts: [String: RolloutState] = [:]
            for row in try await self.rows(Statement("SELECT key, definition, stage_index, stage_started_at, revision FROM rollouts"), on: c) {
                let state = try Self.rollout(row)
                rollouts[state.experiment.key] = state
            }
            var decisions: [DefinitionImport.Decision] = []
            for file in experiments {
                let (decision, _) = try await self.importDecision(file, source: source, filesWin: false, on: c)
                decisions.append(decision)
                if let state = decision.state { rollouts[state.experiment.key] = state }
            }
            return (rollouts.values.sorted { $0.experiment.key < $1.experiment.key }, decisions)
        }
    }

    /// SQLite's ``SQLiteEventStore/importDecision(_:source:filesWin:db:)``.
    func importDecision(_ file: Experiment, source: String, filesWin: Bool, on c: PostgresConnection) async throws -> (decision: DefinitionImport.Decision, writes: Bool) {
        let row = try await rows(Statement("SELECT key, definition, stage_index, stage_started_at, revision, file_base, file_seen FROM rollouts WHERE key = ?", [.text(file.key)]), on: c).first
        let stored = try row.map(Self.rollout)
        let (baseText, seenText) = try row.map { try $0.decode((String, String, Int?, Double?, Int, String?, String?).self) }.map { ($0.5, $0.6) } ?? (nil, nil)
        var changedByAPI = false
        if stored != nil, baseText == nil {
            changedByAPI = try await rows(Statement(
                "SELECT EXISTS (SELECT 1 FROM audit_log WHERE experiment = ? AND action IN ('create', 'update', 'new_phase'))", [.text(file.key)]
            ), on: c)[0].decode(Bool.self)
        }
        let decision = DefinitionImport.decide(
            file: file, stored: stored, base: try baseText.map { try SQLiteEventStore.decode($0, key: file.key) },
            seen: try seenText.map { try SQLiteEventStore.decode($0, key: file.key) }, changedByAPI: changedByAPI, filesWin: filesWin, source: source
        )
        let base = try SQLiteEventStore.encode(decision.base)
        let seen = try SQLiteEventStore.encode(decision.seen)
        let writes = decision.state != nil || decision.audit != nil || base != baseText || seen != seenText
        return (decision, writes)
    }

    /// Saves under the rollout's optimistic revision: the row is locked (`FOR UPDATE`), so of two replicas saving
    /// the same revision at once one commits and the other is refused as a conflict.
    public func save(_ state: RolloutState, audit: AuditEntry?) async throws {
        try await transaction("saving rollout '\(state.experiment.key)'") { c in
            let current = try await self.rows(Statement("SELECT revision FROM rollouts WHERE key = ? FOR UPDATE", [.text(state.experiment.key)]), on: c)
                .first?.decode(Int.self)
            switch current {
            case .none:
                guard state.revision == 0 else {
                    throw RampartError(.notFound, "experiment '\(state.experiment.key)' is not stored")
                }
                // Two replicas creating the same key at once: the second insert changes nothing and is a conflict.
                let inserted = try await self.rows(Statement("""
                    INSERT INTO rollouts (key, definition, stage_index, stage_started_at, revision, updated_at) VALUES (?, ?, ?::integer, ?, ?::integer, ?)
                    ON CONFLICT (key) DO NOTHING RETURNING key
                    """, try Self.stateValues(state)), on: c)
                guard !inserted.isEmpty else {
                    throw RampartError(.conflict, "experiment '\(state.experiment.key)' was created meanwhile; reload and try again")
                }
            case .some(let revision):
                guard state.revision == revision + 1 else {
                    throw RampartError(.conflict, "experiment '\(state.experiment.key)' changed meanwhile (revision \(revision), expected \(state.revision - 1)); reload and try again")
                }
                try await self.update(state, on: c)
            }
            if let audit {
                try await self.append(audit, on: c)
                // A ramp action notifies the webhooks in the transaction that makes it (docs/integrations.md).
                try await self.enqueue(WebhookEvent.rolloutChange(audit).map { [$0] } ?? [], on: c)
            }
            try await self.notifyChange(on: c)
        }
    }

    public func auditEntries(_ key: String) async throws -> [AuditEntry] {
        try await read("reading the audit log") { c in try await self.auditRows(experiment: key, on: c) }
    }

    public func apiKeys() async throws -> [APIKey] {
        try await rows(Statement("SELECT hash, display_prefix, scope, name, created_at FROM api_keys ORDER BY created_at"), "reading the API keys").compactMap(Self.apiKey)
    }

    /// Audit entries in log order, of one experiment or (`nil`) of all.
    func auditRows(experiment: String?, on c: PostgresConnection) async throws -> [AuditEntry] {
        let filter = experiment == nil ? "" : "WHERE experiment = ?"
        return try await rows(Statement("""
            SELECT experiment, action, actor, at, from_state, to_state, verdict, reason, forced FROM audit_log \(filter) ORDER BY id
            """, experiment.map { [.text($0)] } ?? []), on: c).map { row in
            let (experiment, action, actor, at, from, to, verdict, reason, forced) = try row.decode((String, String, String, Double, String, String, String, String, Bool).self)
            return AuditEntry(experiment: experiment, action: action, actor: actor, at: Date(timeIntervalSince1970: at), from: from, to: to, verdict: verdict, reason: reason, forced: forced)
        }
    }

    /// An `api_keys` row (hash, display prefix, scope, name, creation); `nil` for a scope this version does not know.
    static func apiKey(_ row: PostgresRow) throws -> APIKey? {
        let (hash, prefix, scope, name, created) = try row.decode((ByteBuffer, String, String, String, Double).self)
        guard let scope = KeyScope(rawValue: scope) else { return nil }
        return APIKey(displayPrefix: prefix, scope: scope, hash: Array(hash.readableBytesView), name: name, createdAt: Date(timeIntervalSince1970: created))
    }

    public func insertKey(_ key: APIKey) async throws {
        try await transaction("storing an API key") { c in
            _ = try await self.rows(Statement(
                "INSERT INTO api_keys (hash, display_prefix, scope, name, created_at) VALUES (?, ?, ?, ?, ?)",
                [.bytes(key.hash), .text(key.displayPrefix), .text(key.scope.rawValue), .text(key.name), .double(key.createdAt.timeIntervalSince1970)]
            ), on: c)
            try await self.notifyChange(on: c)
        }
    }

    public func revokeKey(hash: [UInt8]) async throws -> (key: APIKey, sessionsEnded: Int)? {
        try await transaction("revoking an API key") { c in
            let deleted = try await self.rows(Statement(
                "DELETE FROM api_keys WHERE hash = ? RETURNING hash, display_prefix, scope, name, created_at", [.bytes(hash)]
            ), on: c)
            guard let row = deleted.first, let key = try Self.apiKey(row) else { return nil }
            let ended = try await self.rows(Statement(
                "DELETE FROM console_sessions WHERE key_prefix = ? AND key_name = ? RETURNING 1", [.text(key.displayPrefix), .text(key.name)]
            ), on: c).count
            try await self.notifyChange(on: c)
            return (key, ended)
        }
    }

    /// The channel replicas listen on (``ChangeFeed``): a rollout or an API key changed.
    public static let changeChannel = "rampart_rollouts"

    func notifyChange(on c: PostgresConnection) async throws {
        _ = try await rows(Statement("SELECT pg_notify(?, '')", [.text(Self.changeChannel)]), on: c)
    }

    // MARK: Rows

    static func rollout(_ row: PostgresRow) throws -> RolloutState {
        var cells = row.makeIterator()
        let key = try cells.next()!.decode(String.self)
        let definition = try cells.next()!.decode(String.self)
        let stage = try cells.next()!.decode(Int?.self)
        let started = try cells.next()!.decode(Double?.self)
        let revision = try cells.next()!.decode(Int.self)
        return RolloutState(
            experiment: try SQLiteEventStore.decode(definition, key: key), stageIndex: stage,
            stageStartedAt: started.map(Date.init(timeIntervalSince1970:)), revision: revision
        )
    }

    static func optional(_ text: String?) -> Value { text.map(Value.text) ?? .null }

    static func stateValues(_ state: RolloutState) throws -> [Value] {
        [
            .text(state.experiment.key), .text(try SQLiteEventStore.encode(state.experiment)),
            state.stageIndex.map { .int(Int64($0)) } ?? .null, state.stageStartedAt.map { .double($0.timeIntervalSince1970) } ?? .null,
            .int(Int64(state.revision)), .double(Date().timeIntervalSince1970),
        ]
    }

    func insert(_ state: RolloutState, on c: PostgresConnection) async throws {
        _ = try await rows(Statement("""
            INSERT INTO rollouts (key, definition, stage_index, stage_started_at, revision, updated_at) VALUES (?, ?, ?::integer, ?, ?::integer, ?)
            """, try Self.stateValues(state)), on: c)
    }

    func update(_ state: RolloutState, on c: PostgresConnection) async throws {
        _ = try await rows(Statement("""
            UPDATE rollouts SET definition = ?, stage_index = ?::integer, stage_started_at = ?, revision = ?::integer, updated_at = ? WHERE key = ?
            """, [
                .text(try SQLiteEventStore.encode(state.experiment)), state.stageIndex.map { .int(Int64($0)) } ?? .null,
                state.stageStartedAt.map { .double($0.timeIntervalSince1970) } ?? .null, .int(Int64(state.revision)),
                .double(Date().timeIntervalSince1970), .text(state.experiment.key),
            ]), on: c)
    }

    func append(_ audit: AuditEntry, on c: PostgresConnection) async throws {
        _ = try await rows(Statement("""
            INSERT INTO audit_log (experiment, action, actor, at, from_state, to_state, verdict, reason, forced) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [
                .text(audit.experiment), .text(audit.action), .text(audit.actor), .double(audit.at.timeIntervalSince1970),
                .text(audit.from), .text(audit.to), .text(audit.verdict), .text(audit.reason), .bool(audit.forced),
            ]), on: c)
    }
}
