import Foundation
import GRDB

extension SQLiteEventStore: SessionStore {
    /// The console's tables: sessions (token hashes with expiry) and the bounded log of rejected events.
    static func registerConsoleMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3 console: sessions, rejections") { db in
            try db.execute(sql: """
                CREATE TABLE console_sessions (
                    token_hash BLOB PRIMARY KEY,
                    key_name TEXT NOT NULL,
                    scope TEXT NOT NULL,
                    key_prefix TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    expires_at REAL NOT NULL
                ) STRICT;
                CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
                CREATE TABLE ingest_rejections (
                    id INTEGER PRIMARY KEY,
                    at REAL NOT NULL,
                    idx INTEGER NOT NULL,
                    field TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    source TEXT NOT NULL
                ) STRICT;
                """)
        }
        // Failed sign-ins, shared by every process on the file (``SessionStore/recordSignInFailure(addressHash:at:forgetBefore:)``).
        migrator.registerMigration("v4 console: sign-in failures") { db in
            try db.execute(sql: """
                CREATE TABLE sign_in_failures (address_hash BLOB NOT NULL, at REAL NOT NULL) STRICT;
                CREATE INDEX sign_in_failures_address ON sign_in_failures (address_hash, at);
                CREATE INDEX sign_in_failures_at ON sign_in_failures (at);
                """)
        }
    }

    public func insertSession(_ session: ConsoleSession) async throws {
        try await write("storing a console session") { db in
            try db.execute(sql: """
                INSERT INTO console_sessions (token_hash, key_name, scope, key_prefix, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [Data(session.tokenHash), session.keyName, session.scope.rawValue, session.keyPrefix,
                                 session.createdAt.timeIntervalSince1970, session.expiresAt.timeIntervalSince1970])
        }
    }

    public func session(tokenHash: [UInt8], now: Date) async throws -> ConsoleSession? {
        try await read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM console_sessions WHERE token_hash = ? AND expires_at > ?",
                                             arguments: [Data(tokenHash), now.timeIntervalSince1970]),
                  let scope = KeyScope(rawValue: row["scope"]) else { return nil }
            let hash: Data = row["token_hash"]
            return ConsoleSession(
                tokenHash: Array(hash), keyName: row["key_name"], scope: scope, keyPrefix: row["key_prefix"],
                createdAt: Date(timeIntervalSince1970: row["created_at"]), expiresAt: Date(timeIntervalSince1970: row["expires_at"])
            )
        }
    }

    public func deleteSession(tokenHash: [UInt8]) async throws {
        try await write("ending a console session") { db in
            try db.execute(sql: "DELETE FROM console_sessions WHERE token_hash = ?", arguments: [Data(tokenHash)])
        }
    }

    @discardableResult
    public func deleteExpiredSessions(now: Date) async throws -> Int {
        try await write("deleting expired console sessions") { db in
            try db.execute(sql: "DELETE FROM console_sessions WHERE expires_at <= ?", arguments: [now.timeIntervalSince1970])
            return db.changesCount
        }
    }

    public func recordSignInFailure(addressHash: [UInt8], at: Date, forgetBefore: Date) async throws {
        try await write("recording a failed sign-in") { db in
            try db.execute(sql: "DELETE FROM sign_in_failures WHERE at < ?", arguments: [forgetBefore.timeIntervalSince1970])
            try db.execute(sql: "INSERT INTO sign_in_failures (address_hash, at) VALUES (?, ?)", arguments: [Data(addressHash), at.timeIntervalSince1970])
        }
    }

    public func signInFailures(addressHash: [UInt8], since: Date) async throws -> [Date] {
        try await read { db in
            try Double.fetchAll(db, sql: "SELECT at FROM sign_in_failures WHERE address_hash = ? AND at >= ? ORDER BY at",
                                arguments: [Data(addressHash), since.timeIntervalSince1970]).map(Date.init(timeIntervalSince1970:))
        }
    }
}
