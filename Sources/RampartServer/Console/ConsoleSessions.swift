import Crypto
import Foundation
import Hummingbird
import RampartStore

/// Starts, finds and ends console sessions, and writes their cookies.
struct ConsoleSessions: Sendable {
    static let cookieName = "rampart_session"
    /// The double-submit cookie guarding the sign-in form itself (there is no session yet to bind a CSRF token to).
    static let signInCookieName = "rampart_signin"

    let store: any SessionStore
    let configuration: ConsoleConfiguration

    /// A new random token: 32 bytes from the system generator, hex.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    static func hash(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(token.utf8)))
    }

    /// Starts a session for a key that signed in; returns its token (for the cookie) and the record stored.
    func start(for key: APIKey, now: Date = Date()) async throws -> (token: String, session: ConsoleSession) {
        let token = Self.newToken()
        let session = ConsoleSession(
            tokenHash: Self.hash(token), keyName: key.name, scope: key.scope, keyPrefix: key.displayPrefix,
            createdAt: now, expiresAt: now.addingTimeInterval(configuration.sessionTTL)
        )
        try await store.insertSession(session)
        try? await store.deleteExpiredSessions(now: now)
        return (token, session)
    }

    /// The live session of a presented token, if any.
    func identity(token: String, now: Date = Date()) async throws -> ConsoleIdentity? {
        guard token.count == 64, token.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { return nil }
        return try await store.session(tokenHash: Self.hash(token), now: now).map { ConsoleIdentity(session: $0, token: token) }
    }

    /// Ends a session on the server.
    func end(_ identity: ConsoleIdentity) async throws {
        try await store.deleteSession(tokenHash: identity.session.tokenHash)
    }

    /// The session cookie: HttpOnly, SameSite=Strict, Secure behind TLS, for the session's lifetime.
    func cookie(_ token: String) -> Cookie {
        Cookie(name: Self.cookieName, value: token, maxAge: Int(configuration.sessionTTL), path: "/",
               secure: configuration.behindTLS, httpOnly: true, sameSite: .strict)
    }

    /// A cookie that deletes the session cookie in the browser.
    func clearedCookie() -> Cookie {
        Cookie(name: Self.cookieName, value: "", maxAge: 0, path: "/", secure: configuration.behindTLS, httpOnly: true, sameSite: .strict)
    }

    /// The sign-in form's double-submit cookie.
    func signInCookie(_ value: String) -> Cookie {
        Cookie(name: Self.signInCookieName, value: value, maxAge: 3600, path: "/", secure: configuration.behindTLS, httpOnly: true, sameSite: .strict)
    }
}
