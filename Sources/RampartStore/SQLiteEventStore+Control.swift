import Foundation
import GRDB
import RampartCore

extension SQLiteEventStore: ControlStore {
    /// The control-plane tables, migrated beside the event tables.
    static var controlMigrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 control") { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS rollouts (
                    key TEXT PRIMARY KEY,
                    definition TEXT NOT NULL,
                    stage_index INTEGER,
                    stage_started_at REAL NOT NULL,
                    revision INTEGER NOT NULL,
                    updated_at REAL NOT NULL
                ) STRICT;
                CREATE TABLE IF NOT EXISTS audit_log (
                    id INTEGER PRIMARY KEY,
                    experiment TEXT NOT NULL,
                    action TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    at REAL NOT NULL,
                    from_state TEXT NOT NULL,
                    to_state TEXT NOT NULL,
                    verdict TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    forced INTEGER NOT NULL
                ) STRICT;
                CREATE INDEX IF NOT EXISTS audit_log_experiment ON audit_log (experiment, id);
                CREATE TABLE IF NOT EXISTS api_keys (
                    hash BLOB PRIMARY KEY,
                    display_prefix TEXT NOT NULL,
                    scope TEXT NOT NULL,
                    name TEXT NOT NULL,
                    created_at REAL NOT NULL
                ) STRICT;
                """)
        }
        // A stage's start is a recorded fact: the ramp action that entered it, or (NULL) the phase's first exposure,
        // never the moment the row was created. A start kept from v1 must be an `advance` in the audit log. The
        // file's definition as last imported (`file_base`) and as last examined (`file_seen`) let an import tell an
        // edited file from a definition changed through the API (`DefinitionImport`).
        migrator.registerMigration("v2 control: recorded stage starts, file bases") { db in
            try db.execute(sql: """
                CREATE TABLE rollouts_v2 (
                    key TEXT PRIMARY KEY,
                    definition TEXT NOT NULL,
                    stage_index INTEGER,
                    stage_started_at REAL,
                    revision INTEGER NOT NULL,
                    updated_at REAL NOT NULL,
                    file_base TEXT,
                    file_seen TEXT
                ) STRICT;
                INSERT INTO rollouts_v2 (key, definition, stage_index, stage_started_at, revision, updated_at)
                SELECT r.key, r.definition, r.stage_index,
                    CASE WHEN EXISTS (
                        SELECT 1 FROM audit_log AS a WHERE a.experiment = r.key AND a.action = 'advance' AND a.at = r.stage_started_at
                    ) THEN r.stage_started_at END,
                    r.revision, r.updated_at
                FROM rollouts AS r;
                DROP TABLE rollouts;
                ALTER TABLE rollouts_v2 RENAME TO rollouts;
                """)
        }
        registerConsoleMigrations(&migrator)
        registerWebhookMigrations(&migrator)
        registerWebhookRotationMigrations(&migrator)
        return migrator
    }

    public func rollouts() async throws -> [RolloutState] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM rollouts ORDER BY key").map(Self.rollout)
        }
    }

    public func rollout(_ key: String) async throws -> RolloutState? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM rollouts WHERE key = ?", arguments: [key]).map(Self.rollout)
        }
    }

    @discardableResult
    public func seed(_ experiments: [Experiment], source: String, filesWin: Bool) async throws -> [DefinitionImport.Decision] {
        // Decide on a read first: an import that changes nothing (the usual case) writes nothing, so that opening a
        // database takes no write lock.
        let planned = try await read { db in
            try experiments.map { try Self.importDecision($0, source: source, filesWin: filesWin, db: db) }
        }
        guard planned.contains(where: \.writes) else { return planned.map(\.decision) }
        return try await write("importing experiment files") { db in
            var decisions: [DefinitionImport.Decision] = []
            for file in experiments {
                let (decision, writes) = try Self.importDecision(file, source: source, filesWin: filesWin, db: db)
                decisions.append(decision)
                guard writes else { continue }
                if let state = decision.state {
                    if decision.outcome == .inserted { try Self.insert(state, db: db) } else { try Self.update(state, db: db, now: Date()) }
                }
                if let audit = decision.audit { try Self.append(audit, db: db) }
                try db.execute(sql: "UPDATE rollouts SET file_base = ?, file_seen = ? WHERE key = ?",
                    arguments: [try Self.encode(decision.base), try Self.encode(decision.seen), file.key])
            }
            return decisions
        }
    }

    /// The rollouts as ``seed(_:source:filesWin:)`` would leave them, read without writing: for commands that only
    /// read (`report`, `funnel`, `audit`, `list`), so that they never take the write lock.
    ///
    /// - Parameters:
    ///   - experiments: The definitions read from the experiment files.
    ///   - source: Where they were read from, for the decisions' messages.
    /// - Returns: Every rollout in key order (stored, or as the file would insert or update it), and what importing
    ///   each file would do.
    public func seeded(_ experiments: [Experiment], source: String) async throws -> (rollouts: [RolloutState], decisions: [DefinitionImport.Decision]) {
        try await read { db in
            var rollouts: [String: RolloutState] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM rollouts") {
                let state = try Self.rollout(row)
                rollouts[state.experiment.key] = state
            }
            var decisions: [DefinitionImport.Decision] = []
            for file in experiments {
                let (decision, _) = try Self.importDecision(file, source: source, filesWin: false, db: db)
                decisions.append(decision)
                if let state = decision.state { rollouts[state.experiment.key] = state }
            }
            return (rollouts.values.sorted { $0.experiment.key < $1.experiment.key }, decisions)
        }
    }

    /// What importing one file does, and whether that writes anything.
    static func importDecision(_ file: Experiment, source: String, filesWin: Bool, db: Database) throws -> (decision: DefinitionImport.Decision, writes: Bool) {
        let row = try Row.fetchOne(db, sql: "SELECT * FROM rollouts WHERE key = ?", arguments: [file.key])
        let stored = try row.map(Self.rollout)
        let baseText: String? = row?["file_base"]
        let seenText: String? = row?["file_seen"]
        var changedByAPI = false
        if stored != nil, baseText == nil {
            changedByAPI = try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM audit_log WHERE experiment = ? AND action IN ('create', 'update', 'new_phase'))
                """, arguments: [file.key]) ?? false
        }
        let decision = DefinitionImport.decide(
            file: file, stored: stored, base: try baseText.map { try decode($0, key: file.key) },
            seen: try seenText.map { try decode($0, key: file.key) }, changedByAPI: changedByAPI, filesWin: filesWin, source: source
        )
        let base = try encode(decision.base)
        let seen = try encode(decision.seen)
        let writes = decision.state != nil || decision.audit != nil || base != baseText || seen != seenText
        return (decision, writes)
    }

    public func save(_ state: RolloutState, audit: AuditEntry?) async throws {
        try await write { db in
            let current = try Int.fetchOne(db, sql: "SELECT revision FROM rollouts WHERE key = ?", arguments: [state.experiment.key])
            switch current {
            case .none:
                guard state.revision == 0 else {
                    throw RampartError(.notFound, "experiment '\(state.experiment.key)' is not stored")
                }
                try Self.insert(state, db: db)
            case .some(let revision):
                guard state.revision == revision + 1 else {
                    throw RampartError(.conflict, "experiment '\(state.experiment.key)' changed meanwhile (revision \(revision), expected \(state.revision - 1)); reload and try again")
                }
                try Self.update(state, db: db, now: Date())
            }
            if let audit {
                try Self.append(audit, db: db)
                // A ramp action notifies the webhooks in the transaction that makes it (docs/integrations.md).
                try Self.enqueue(WebhookEvent.rolloutChange(audit).map { [$0] } ?? [], db: db)
            }
        }
    }

    public func auditEntries(_ key: String) async throws -> [AuditEntry] {
        try await read { db in try Self.auditRows(db, experiment: key) }
    }

    public func apiKeys() async throws -> [APIKey] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_keys ORDER BY created_at").compactMap(Self.apiKey)
        }
    }

    public func insertKey(_ key: APIKey) async throws {
        try await write { db in
            try db.execute(sql: "INSERT INTO api_keys (hash, display_prefix, scope, name, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [Data(key.hash), key.displayPrefix, key.scope.rawValue, key.name, key.createdAt.timeIntervalSince1970])
        }
    }

    public func revokeKey(hash: [UInt8]) async throws -> (key: APIKey, sessionsEnded: Int)? {
        try await write("revoking an API key") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM api_keys WHERE hash = ?", arguments: [Data(hash)]),
                  let key = Self.apiKey(row)
            else { return nil }
            try db.execute(sql: "DELETE FROM api_keys WHERE hash = ?", arguments: [Data(hash)])
            try db.execute(sql: "DELETE FROM console_sessions WHERE key_prefix = ? AND key_name = ?", arguments: [key.displayPrefix, key.name])
            return (key, db.changesCount)
        }
    }

    // MARK: Rows

    /// Audit entries in log order, of one experiment or (`nil`) of all.
    static func auditRows(_ db: Database, experiment: String?) throws -> [AuditEntry] {
        let filter = experiment == nil ? "" : "WHERE experiment = ?"
        return try Row.fetchAll(db, sql: "SELECT * FROM audit_log \(filter) ORDER BY id", arguments: StatementArguments(experiment.map { [$0] } ?? [])).map { row in
            AuditEntry(
                experiment: row["experiment"], action: row["action"], actor: row["actor"],
                at: Date(timeIntervalSince1970: row["at"]), from: row["from_state"], to: row["to_state"],
                verdict: row["verdict"], reason: row["reason"], forced: row["forced"]
            )
        }
    }

    /// An `api_keys` row; `nil` for a scope this version does not know.
    static func apiKey(_ row: Row) -> APIKey? {
        guard let scope = KeyScope(rawValue: row["scope"]) else { return nil }
        let hash: Data = row["hash"]
        return APIKey(displayPrefix: row["display_prefix"], scope: scope, hash: Array(hash), name: row["name"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
    }

    static func rollout(_ row: Row) throws -> RolloutState {
        let started: Double? = row["stage_started_at"]
        return RolloutState(
            experiment: try decode(row["definition"], key: row["key"]), stageIndex: row["stage_index"],
            stageStartedAt: started.map(Date.init(timeIntervalSince1970:)), revision: row["revision"]
        )
    }

    static func decode(_ json: String, key: String) throws -> Experiment {
        do {
            return try JSONDecoder().decode(Experiment.self, from: Data(json.utf8))
        } catch {
            throw RampartError(.storage, "the stored definition of '\(key)' cannot be read", cause: error)
        }
    }

    static func append(_ audit: AuditEntry, db: Database) throws {
        try db.execute(sql: """
            INSERT INTO audit_log (experiment, action, actor, at, from_state, to_state, verdict, reason, forced)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [audit.experiment, audit.action, audit.actor, audit.at.timeIntervalSince1970, audit.from, audit.to, audit.verdict, audit.reason, audit.forced])
    }

    static func encode(_ experiment: Experiment) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(experiment), as: UTF8.self)
    }

    static func insert(_ state: RolloutState, db: Database) throws {
        try db.execute(sql: """
            INSERT INTO rollouts (key, definition, stage_index, stage_started_at, revision, updated_at) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [state.experiment.key, try encode(state.experiment), state.stageIndex, state.stageStartedAt?.timeIntervalSince1970, state.revision, Date().timeIntervalSince1970])
    }

    static func update(_ state: RolloutState, db: Database, now: Date) throws {
        try db.execute(sql: """
            UPDATE rollouts SET definition = ?, stage_index = ?, stage_started_at = ?, revision = ?, updated_at = ? WHERE key = ?
            """, arguments: [try encode(state.experiment), state.stageIndex, state.stageStartedAt?.timeIntervalSince1970, state.revision, now.timeIntervalSince1970, state.experiment.key])
    }
}
