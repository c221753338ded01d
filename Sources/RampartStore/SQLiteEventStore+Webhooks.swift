import Foundation
import GRDB
import RampartCore

extension SQLiteEventStore: WebhookStore {
    /// Migration "v5 webhooks": endpoints, the outbox (one row per event and endpoint) and the last notified state
    /// per experiment (``WebhookStore``).
    static func registerWebhookMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5 webhooks") { db in
            try db.execute(sql: """
                CREATE TABLE webhook_endpoints (
                    id TEXT PRIMARY KEY,
                    url TEXT NOT NULL,
                    experiment TEXT,
                    events TEXT NOT NULL,
                    secret TEXT NOT NULL,
                    created_at REAL NOT NULL
                ) STRICT;
                CREATE TABLE webhook_outbox (
                    id INTEGER PRIMARY KEY,
                    endpoint_id TEXT NOT NULL,
                    url TEXT NOT NULL,
                    event_id TEXT NOT NULL,
                    event TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    next_attempt_at REAL NOT NULL,
                    lease_holder TEXT,
                    lease_until REAL,
                    last_status INTEGER,
                    last_error TEXT,
                    finished_at REAL,
                    UNIQUE (endpoint_id, event_id)
                ) STRICT;
                CREATE INDEX webhook_outbox_due ON webhook_outbox (status, next_attempt_at);
                CREATE TABLE notification_watch (
                    experiment TEXT PRIMARY KEY,
                    state TEXT NOT NULL,
                    updated_at REAL NOT NULL
                ) STRICT;
                """)
        }
    }

    @discardableResult
    public func addWebhook(_ endpoint: WebhookEndpoint) async throws -> Bool {
        try await write("storing a webhook") { db in
            try db.execute(sql: """
                INSERT INTO webhook_endpoints (id, url, experiment, events, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO NOTHING
                """, arguments: [endpoint.id, endpoint.url, endpoint.experiment, endpoint.eventList, endpoint.secret, endpoint.createdAt.timeIntervalSince1970])
            return db.changesCount > 0
        }
    }

    public func webhooks() async throws -> [WebhookEndpoint] {
        try await read { db in try Self.endpoints(db) }
    }

    @discardableResult
    public func removeWebhook(_ id: String) async throws -> Bool {
        try await write("removing a webhook") { db in
            try db.execute(sql: "DELETE FROM webhook_endpoints WHERE id = ?", arguments: [id])
            let existed = db.changesCount > 0
            try db.execute(sql: "DELETE FROM webhook_outbox WHERE endpoint_id = ? AND status = 'pending'", arguments: [id])
            return existed
        }
    }

    @discardableResult
    public func enqueue(_ events: [WebhookEvent]) async throws -> Int {
        guard !events.isEmpty else { return 0 }
        return try await write("queueing notifications") { db in try Self.enqueue(events, db: db) }
    }

    public func watchState(_ experiment: String) async throws -> VerdictWatch.State? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT state FROM notification_watch WHERE experiment = ?", arguments: [experiment]).map(WebhookDelivery.decodeState)
        }
    }

    public func recordWatch(_ experiment: String, expected: VerdictWatch.State?, new: VerdictWatch.State, events: [WebhookEvent], at: Date) async throws -> Bool {
        try await write("recording notified verdicts") { db in
            let stored = try String.fetchOne(db, sql: "SELECT state FROM notification_watch WHERE experiment = ?", arguments: [experiment]).map(WebhookDelivery.decodeState)
            guard stored == expected else { return false }
            try db.execute(sql: """
                INSERT INTO notification_watch (experiment, state, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (experiment) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
                """, arguments: [experiment, try WebhookDelivery.encode(new), at.timeIntervalSince1970])
            try Self.enqueue(events, db: db)
            return true
        }
    }

    public func claimDeliveries(holder: String, limit: Int, lease: TimeInterval, now: Date) async throws -> [WebhookDelivery] {
        let t = now.timeIntervalSince1970
        // Polled every second: look on a read first, so that an empty outbox never takes the write lock.
        let due = try await read { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM webhook_outbox WHERE status = 'pending' AND next_attempt_at <= ? AND (lease_until IS NULL OR lease_until <= ?))
                """, arguments: [t, t]) ?? false
        }
        guard due else { return [] }
        return try await write("claiming webhook deliveries") { db in
            // One writer at a time: the select and the update see the same rows, so no two processes claim one.
            let ids = try Int64.fetchAll(db, sql: """
                SELECT o.id FROM webhook_outbox AS o JOIN webhook_endpoints AS e ON e.id = o.endpoint_id
                WHERE o.status = 'pending' AND o.next_attempt_at <= ? AND (o.lease_until IS NULL OR o.lease_until <= ?)
                ORDER BY o.next_attempt_at, o.id LIMIT ?
                """, arguments: [t, t, limit])
            guard !ids.isEmpty else { return [] }
            let list = ids.map(String.init).joined(separator: ",")
            try db.execute(sql: "UPDATE webhook_outbox SET lease_holder = ?, lease_until = ? WHERE id IN (\(list))", arguments: [holder, t + lease])
            return try Self.deliveryRows(db, where: "o.id IN (\(list))", order: "o.next_attempt_at, o.id", arguments: [])
        }
    }

    @discardableResult
    public func finishDelivery(_ id: Int64, holder: String, outcome: WebhookDelivery.Outcome, at: Date) async throws -> Bool {
        try await write("recording a webhook delivery") { db in
            guard let delivery = try Self.deliveryRows(db, where: "o.id = ? AND o.lease_holder = ?", order: "o.id", arguments: [id, holder]).first else { return false }
            let c = delivery.columns(after: outcome, at: at)
            try db.execute(sql: """
                UPDATE webhook_outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_status = ?, last_error = ?,
                    lease_holder = NULL, lease_until = NULL, finished_at = ? WHERE id = ?
                """, arguments: [c.status, c.attempts, c.next, c.code, c.error, c.finished, id])
            if let audit = delivery.audit(outcome, attempts: c.attempts, at: at) { try Self.append(audit, db: db) }
            return true
        }
    }

    public func deliveries(limit: Int) async throws -> [WebhookDelivery] {
        try await read { db in try Self.deliveryRows(db, where: "1 = 1", order: "o.id DESC", arguments: [], limit: limit) }
    }

    // MARK: Rows

    static func endpoints(_ db: Database) throws -> [WebhookEndpoint] {
        try Row.fetchAll(db, sql: "SELECT * FROM webhook_endpoints ORDER BY created_at, id").map { row in
            WebhookDelivery.endpoint(id: row["id"], url: row["url"], experiment: row["experiment"], events: row["events"], secret: row["secret"], createdAt: row["created_at"],
                                     previousSecret: row["previous_secret"], previousUntil: row["previous_secret_until"])
        }
    }

    /// Writes one outbox row per event and endpoint that wants it (inside the caller's transaction).
    @discardableResult
    static func enqueue(_ events: [WebhookEvent], db: Database) throws -> Int {
        guard !events.isEmpty else { return 0 }
        let endpoints = try endpoints(db)
        var written = 0
        for event in events {
            for endpoint in endpoints where endpoint.wants(event) {
                try db.execute(sql: """
                    INSERT INTO webhook_outbox (endpoint_id, url, event_id, event, created_at, status, attempts, next_attempt_at)
                    VALUES (?, ?, ?, ?, ?, 'pending', 0, ?) ON CONFLICT DO NOTHING
                    """, arguments: [endpoint.id, endpoint.url, event.id.uuidString.lowercased(), try WebhookDelivery.encode(event), event.at.timeIntervalSince1970, event.at.timeIntervalSince1970])
                written += db.changesCount
            }
        }
        return written
    }

    static func deliveryRows(_ db: Database, where filter: String, order: String, arguments: StatementArguments, limit: Int? = nil) throws -> [WebhookDelivery] {
        try Row.fetchAll(db, sql: """
            SELECT o.*, e.experiment AS e_experiment, e.events AS e_events, e.secret AS e_secret, e.created_at AS e_created_at,
                e.previous_secret AS e_previous_secret, e.previous_secret_until AS e_previous_until
            FROM webhook_outbox AS o LEFT JOIN webhook_endpoints AS e ON e.id = o.endpoint_id
            WHERE \(filter) ORDER BY \(order) \(limit.map { "LIMIT \($0)" } ?? "")
            """, arguments: arguments).map { row in
            let finished: Double? = row["finished_at"]
            return WebhookDelivery(
                id: row["id"],
                endpoint: WebhookDelivery.endpoint(id: row["endpoint_id"], url: row["url"], experiment: row["e_experiment"], events: row["e_events"] ?? "", secret: row["e_secret"] ?? "", createdAt: row["e_created_at"] ?? 0,
                                                   previousSecret: row["e_previous_secret"], previousUntil: row["e_previous_until"]),
                event: try WebhookDelivery.decode(row["event"]), status: WebhookDelivery.Status(rawValue: row["status"]) ?? .pending,
                attempts: row["attempts"], nextAttemptAt: Date(timeIntervalSince1970: row["next_attempt_at"]), lastStatus: row["last_status"],
                lastError: row["last_error"], finishedAt: finished.map(Date.init(timeIntervalSince1970:))
            )
        }
    }
}
