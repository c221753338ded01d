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
    public func seed(_ experiments: [Experiment], now: Date) async throws -> [String: [String]] {
        // Usually nothing changes: that is decided in a read, so that opening a database takes no write lock.
        let planned = try await read { db in try Self.seedChanges(experiments, now: now, db: db) }
        guard !planned.changes.isEmpty else { return planned.refused }
        return try await write("importing experiment files") { db in
            let (refused, changes) = try Self.seedChanges(experiments, now: now, db: db)
            for change in changes {
                switch change {
                case .insert(let state): try Self.insert(state, db: db)
                case .update(let state): try Self.update(state, db: db, now: now)
                }
            }
            return refused
        }
    }

    /// The rollouts as ``seed(_:now:)`` would leave them, read without writing: for commands that only read.
    ///
    /// - Parameters:
    ///   - experiments: The definitions read from experiments/.
    ///   - now: The stage start of rollouts not stored yet.
    /// - Returns: Every rollout in key order (stored, or as the file would insert or update it), and the files
    ///   whose changes would be refused, with why.
    public func seeded(_ experiments: [Experiment], now: Date) async throws -> (rollouts: [RolloutState], refused: [String: [String]]) {
        try await read { db in
            var rollouts: [String: RolloutState] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM rollouts") {
                let state = try Self.rollout(row)
                rollouts[state.experiment.key] = state
            }
            let (refused, changes) = try Self.seedChanges(experiments, now: now, db: db)
            for change in changes {
                switch change {
                case .insert(let state), .update(let state): rollouts[state.experiment.key] = state
                }
            }
            return (rollouts.values.sorted { $0.experiment.key < $1.experiment.key }, refused)
        }
    }

    /// A row ``seed(_:now:)`` writes.
    enum SeedChange {
        case insert(RolloutState)
        case update(RolloutState)
    }

    /// What importing the files changes, read from the stored rollouts: rows to insert and update, and the files
    /// whose changes are refused.
    static func seedChanges(_ experiments: [Experiment], now: Date, db: Database) throws -> (refused: [String: [String]], changes: [SeedChange]) {
        var refused: [String: [String]] = [:]
        var changes: [SeedChange] = []
        for file in experiments {
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM rollouts WHERE key = ?", arguments: [file.key]) else {
                changes.append(.insert(RolloutState(experiment: file, stageStartedAt: now)))
                continue
            }
            var stored = try Self.rollout(row)
            var merged = file
            merged.status = stored.experiment.status
            merged.coverage = stored.experiment.coverage
            merged.shippedVariant = stored.experiment.shippedVariant
            guard merged != stored.experiment else { continue }
            let reasons = merged.reshuffleReasons(from: stored.experiment)
            guard reasons.isEmpty else {
                refused[file.key] = reasons
                continue
            }
            if merged.phase != stored.experiment.phase { stored.stageStartedAt = now }
            stored.experiment = merged
            stored.stageIndex = merged.ramp.firstIndex { abs($0.coverage - merged.coverage) < 1e-12 }
            stored.revision += 1
            changes.append(.update(stored))
        }
        return (refused, changes)
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
                try db.execute(sql: """
                    INSERT INTO audit_log (experiment, action, actor, at, from_state, to_state, verdict, reason, forced)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [audit.experiment, audit.action, audit.actor, audit.at.timeIntervalSince1970, audit.from, audit.to, audit.verdict, audit.reason, audit.forced])
            }
        }
    }

    public func auditEntries(_ key: String) async throws -> [AuditEntry] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit_log WHERE experiment = ? ORDER BY id", arguments: [key]).map { row in
                AuditEntry(
                    experiment: row["experiment"], action: row["action"], actor: row["actor"],
                    at: Date(timeIntervalSince1970: row["at"]), from: row["from_state"], to: row["to_state"],
                    verdict: row["verdict"], reason: row["reason"], forced: row["forced"]
                )
            }
        }
    }

    public func apiKeys() async throws -> [APIKey] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_keys ORDER BY created_at").compactMap { row in
                guard let scope = KeyScope(rawValue: row["scope"]) else { return nil }
                let hash: Data = row["hash"]
                return APIKey(displayPrefix: row["display_prefix"], scope: scope, hash: Array(hash), name: row["name"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
            }
        }
    }

    public func insertKey(_ key: APIKey) async throws {
        try await write { db in
            try db.execute(sql: "INSERT INTO api_keys (hash, display_prefix, scope, name, created_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [Data(key.hash), key.displayPrefix, key.scope.rawValue, key.name, key.createdAt.timeIntervalSince1970])
        }
    }

    // MARK: Rows

    static func rollout(_ row: Row) throws -> RolloutState {
        let json: String = row["definition"]
        let experiment: Experiment
        do {
            experiment = try JSONDecoder().decode(Experiment.self, from: Data(json.utf8))
        } catch {
            throw RampartError(.storage, "the stored definition of '\(row["key"] as String)' cannot be read", cause: error)
        }
        return RolloutState(
            experiment: experiment, stageIndex: row["stage_index"],
            stageStartedAt: Date(timeIntervalSince1970: row["stage_started_at"]), revision: row["revision"]
        )
    }

    static func encode(_ experiment: Experiment) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(experiment), as: UTF8.self)
    }

    static func insert(_ state: RolloutState, db: Database) throws {
        try db.execute(sql: """
            INSERT INTO rollouts (key, definition, stage_index, stage_started_at, revision, updated_at) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [state.experiment.key, try encode(state.experiment), state.stageIndex, state.stageStartedAt.timeIntervalSince1970, state.revision, Date().timeIntervalSince1970])
    }

    static func update(_ state: RolloutState, db: Database, now: Date) throws {
        try db.execute(sql: """
            UPDATE rollouts SET definition = ?, stage_index = ?, stage_started_at = ?, revision = ?, updated_at = ? WHERE key = ?
            """, arguments: [try encode(state.experiment), state.stageIndex, state.stageStartedAt.timeIntervalSince1970, state.revision, now.timeIntervalSince1970, state.experiment.key])
    }
}
