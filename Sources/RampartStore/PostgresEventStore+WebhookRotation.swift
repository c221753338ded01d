import Foundation
import PostgresNIO
import RampartCore

extension PostgresEventStore {
    /// As SQLite's migration "v6 webhook secret rotation" (``SQLiteEventStore/registerWebhookRotationMigrations(_:)``).
    static let webhookRotationMigration: (name: String, sql: String) = ("v6 webhook secret rotation", """
        ALTER TABLE webhook_endpoints ADD COLUMN previous_secret text, ADD COLUMN previous_secret_until double precision;
        """)

    public func rotateWebhook(_ id: String, secret: String, overlap: TimeInterval, at: Date, expected: String?) async throws -> WebhookEndpoint? {
        try await transaction("rotating a webhook secret") { c in
            // Locks the row: two rotations at once apply one after the other.
            guard let row = try await self.rows(Statement("SELECT secret FROM webhook_endpoints WHERE id = ? FOR UPDATE", [.text(id)]), on: c).first else { return nil }
            let current = try row.decode(String.self)
            if let expected, current != expected { return try await self.endpoints(on: c).first { $0.id == id } }
            let keep = overlap > 0
            _ = try await self.rows(Statement("UPDATE webhook_endpoints SET secret = ?, previous_secret = ?, previous_secret_until = ? WHERE id = ?", [
                .text(secret), keep ? .text(current) : .null, keep ? .double(at.timeIntervalSince1970 + overlap) : .null, .text(id),
            ]), on: c)
            return try await self.endpoints(on: c).first { $0.id == id }
        }
    }
}

extension PostgresEventStore: WebhookTransfer {
    public func exportWebhooks() async throws -> WebhookSnapshot {
        try await read("reading the webhooks") { c in
            WebhookSnapshot(
                endpoints: try await self.endpoints(on: c),
                pending: try await self.deliveryRows(where: "o.status = 'pending'", order: "o.id", [], on: c),
                watches: try await self.rows(Statement("SELECT experiment, state, updated_at FROM notification_watch ORDER BY experiment"), on: c).map { row in
                    let (experiment, state, updated) = try row.decode((String, String, Double).self)
                    return WebhookSnapshot.Watch(experiment: experiment, state: try WebhookDelivery.decodeState(state), updatedAt: Date(timeIntervalSince1970: updated))
                }
            )
        }
    }

    public func importWebhooks(_ snapshot: WebhookSnapshot) async throws -> WebhookImport {
        try await transaction("copying webhooks") { c in
            var result = WebhookImport()
            let existing = Dictionary(try await self.endpoints(on: c).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            for e in snapshot.endpoints {
                let values: [Value] = [
                    .text(e.url), Self.optional(e.experiment), .text(e.eventList), .text(e.secret), .double(e.createdAt.timeIntervalSince1970),
                    Self.optional(e.previousSecret), e.previousSecretUntil.map { .double($0.timeIntervalSince1970) } ?? .null, .text(e.id),
                ]
                if let target = existing[e.id] {
                    guard WebhookImport.differs(e, target) else { result.endpointsUnchanged += 1; continue }
                    _ = try await self.rows(Statement("""
                        UPDATE webhook_endpoints SET url = ?, experiment = ?, events = ?, secret = ?, created_at = ?, previous_secret = ?,
                            previous_secret_until = ? WHERE id = ?
                        """, values), on: c)
                    result.endpointsUpdated += 1
                } else {
                    _ = try await self.rows(Statement("""
                        INSERT INTO webhook_endpoints (url, experiment, events, secret, created_at, previous_secret, previous_secret_until, id)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """, values), on: c)
                    result.endpointsInserted += 1
                }
            }
            for d in snapshot.pending {
                let inserted = try await self.rows(Statement("""
                    INSERT INTO webhook_outbox (endpoint_id, url, event_id, event, created_at, status, attempts, next_attempt_at, last_status, last_error)
                    VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id
                    """, [
                        .text(d.endpoint.id), .text(d.endpoint.url), .text(d.event.id.uuidString.lowercased()), .text(try WebhookDelivery.encode(d.event)),
                        .double(d.event.at.timeIntervalSince1970), .int(Int64(d.attempts)), .double(d.nextAttemptAt.timeIntervalSince1970),
                        d.lastStatus.map { .int(Int64($0)) } ?? .null, Self.optional(d.lastError),
                    ]), on: c)
                if inserted.isEmpty { result.pendingPresent += 1 } else { result.pendingInserted += 1 }
            }
            for w in snapshot.watches {
                let written = try await self.rows(Statement("""
                    INSERT INTO notification_watch (experiment, state, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT (experiment) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
                    WHERE notification_watch.updated_at < excluded.updated_at AND notification_watch.state <> excluded.state
                    RETURNING experiment
                    """, [.text(w.experiment), .text(try WebhookDelivery.encode(w.state)), .double(w.updatedAt.timeIntervalSince1970)]), on: c)
                if written.isEmpty { result.watchesUnchanged += 1 } else { result.watchesWritten += 1 }
            }
            return result
        }
    }
}
