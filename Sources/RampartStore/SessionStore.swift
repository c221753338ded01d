import Foundation

/// Console sign-in sessions, stored hashed with an expiry.
///
/// A session token is random and sent to the browser once, in a cookie; the store keeps only its SHA-256 hash
/// (``ConsoleSession/tokenHash``), so a copy of the database cannot sign anyone in. Implemented by
/// ``SQLiteEventStore``; the PostgreSQL backend implements it too. Sessions authorise console pages only, never the
/// JSON API (docs/console.md).
public protocol SessionStore: Sendable {
    /// Stores a new session.
    ///
    /// - Parameter session: The session, with the hash of its token.
    func insertSession(_ session: ConsoleSession) async throws

    /// The session whose token hashes to `tokenHash`, if it exists and has not expired at `now`.
    ///
    /// - Parameters:
    ///   - tokenHash: SHA-256 of the presented token.
    ///   - now: The current time; a session with `expiresAt <= now` is not returned.
    func session(tokenHash: [UInt8], now: Date) async throws -> ConsoleSession?

    /// Ends a session (sign-out). Deleting a session that does not exist is not an error.
    ///
    /// - Parameter tokenHash: SHA-256 of the session's token.
    func deleteSession(tokenHash: [UInt8]) async throws

    /// Deletes every session expired at `now`.
    ///
    /// - Parameter now: The current time.
    /// - Returns: How many sessions were deleted.
    @discardableResult
    func deleteExpiredSessions(now: Date) async throws -> Int

    /// Records a failed sign-in, so every replica on this store throttles the address alike, and forgets failures
    /// older than `forgetBefore` (of every address).
    ///
    /// - Parameters:
    ///   - addressHash: SHA-256 of the client's address (the address itself is not stored).
    ///   - at: When it failed.
    ///   - forgetBefore: Failures before this moment are deleted.
    func recordSignInFailure(addressHash: [UInt8], at: Date, forgetBefore: Date) async throws

    /// The moments of the failed sign-ins from an address at or after `since`, oldest first.
    ///
    /// - Parameters:
    ///   - addressHash: SHA-256 of the client's address.
    ///   - since: The start of the window.
    func signInFailures(addressHash: [UInt8], since: Date) async throws -> [Date]
}

/// One signed-in console session, as stored.
public struct ConsoleSession: Sendable, Hashable {
    /// SHA-256 of the session token (the token itself is never stored).
    public var tokenHash: [UInt8]
    /// The name of the API key that signed in: the actor recorded in the audit log.
    public var keyName: String
    /// The scope of that key: `admin` (full console) or `viewer` (read only).
    public var scope: KeyScope
    /// The displayable prefix of that key.
    public var keyPrefix: String
    public var createdAt: Date
    public var expiresAt: Date

    /// Creates a session record.
    ///
    /// - Parameters:
    ///   - tokenHash: SHA-256 of the token.
    ///   - keyName: The signing-in key's name.
    ///   - scope: The signing-in key's scope.
    ///   - keyPrefix: The signing-in key's displayable prefix.
    ///   - createdAt: When the session started.
    ///   - expiresAt: When it stops being valid.
    public init(tokenHash: [UInt8], keyName: String, scope: KeyScope, keyPrefix: String, createdAt: Date, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.keyName = keyName
        self.scope = scope
        self.keyPrefix = keyPrefix
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}
