import Foundation
import GRDB
import RampartCore

extension SQLiteEventStore {
    /// Migration "v6 webhook secret rotation": the secret a rotation replaced and the end of its overlap.
    static func registerWebhookRotationMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6 webhook secret rotation") { db in
            try db.execute(sql: """
                ALTER TABLE webhook_endpoints ADD COLUMN previous_secret TEXT;
                ALTER TABLE webhook_endpoints ADD COLUMN previous_secret_until REAL;
                """)
        }
    }

    public func rotateWebhook(_ id: String, secret: String, overlap: TimeInterval, at: Date, expected: String?) async throws -> WebhookEndpoint? {
        try await write("rotating a webhook secret") { db in
            guard let current = try Self.endpoints(db).first(where: { $0.id == id }) else { return nil }
            if let expected, current.secret != expected { return current }
            let keep = overlap > 0
            try db.execute(sql: "UPDATE webhook_endpoints SET secret = ?, previous_secret = ?, previous_secret_until = ? WHERE id = ?",
                           arguments: [secret, keep ? current.secret : nil, keep ? at.timeIntervalSince1970 + overlap : nil, id])
            return try Self.endpoints(db).first { $0.id == id }
        }
    }
}

extension SQLiteEventStore: WebhookTransfer {
    public func exportWebhooks() async throws -> WebhookSnapshot {
        try await read { db in
            WebhookSnapshot(
                endpoints: try Self.endpoints(db),
                pending: try Self.deliveryRows(db, where: "o.status = 'pending'", order: "o.id", arguments: []),
                watches: try Row.fetchAll(db, sql: "SELECT experiment, state, updated_at FROM notification_watch ORDER BY experiment").map { row in
                    WebhookSnapshot.Watch(experiment: row["experiment"], state: try WebhookDelivery.decodeState(row["state"]), updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
                }
            )
        }
    }

    public func importWebhooks(_ snapshot: WebhookSnapshot) async throws -> WebhookImport {
        try await write("copying webhooks") { db in
            var result = WebhookImport()
            let existing = Dictionary(try Self.endpoints(db).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            for e in snapshot.endpoints {
                let arguments: StatementArguments = [e.url, e.experiment, e.eventList, e.secret, e.createdAt.timeIntervalSince1970,
                                                     e.previousSecret, e.previousSecretUntil?.timeIntervalSince1970, e.id]
                if let target = existing[e.id] {
                    guard WebhookImport.differs(e, target) else { result.endpointsUnchanged += 1; continue }
                    try db.execute(sql: """
                        UPDATE webhook_endpoints SET url = ?, experiment = ?, events = ?, secret = ?, created_at = ?, previous_secret = ?,
                            previous_secret_until = ? WHERE id = ?
                        """, arguments: arguments)
                    result.endpointsUpdated += 1
                } else {
                    try db.execute(sql: """
                        INSERT INTO webhook_endpoints (url, experiment, events, secret, created_at, previous_secret, previous_secret_until, id)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: arguments)
                    result.endpointsInserted += 1
                }
            }
            for d in snapshot.pending {
                try db.execute(sql: """
                    INSERT INTO webhook_outbox (endpoint_id, url, event_id, event, created_at, status, attempts, next_attempt_at, last_status, last_error)
                    VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?) ON CONFLICT DO NOTHING
                    """, arguments: [d.endpoint.id, d.endpoint.url, d.event.id.uuidString.lowercased(), try WebhookDelivery.encode(d.event),
                                     d.event.at.timeIntervalSince1970, d.attempts, d.nextAttemptAt.timeIntervalSince1970, d.lastStatus, d.lastError])
                if db.changesCount > 0 { result.pendingInserted += 1 } else { result.pendingPresent += 1 }
            }
            for w in snapshot.watches {
                let state = try WebhookDelivery.encode(w.state)
                try db.execute(sql: """
                    INSERT INTO notification_watch (experiment, state, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT (experiment) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
                    WHERE notification_watch.updated_at < excluded.updated_at AND notification_watch.state <> excluded.state
                    """, arguments: [w.experiment, state, w.updatedAt.timeIntervalSince1970])
                if db.changesCount > 0 { result.watchesWritten += 1 } else { result.watchesUnchanged += 1 }
            }
            return result
        }
    }
}
