import Crypto
import Foundation
import RampartStore

/// Who a console request is from: the session found from its cookie, the token, and the CSRF token derived from it.
public struct ConsoleIdentity: Sendable {
    public var session: ConsoleSession
    /// The session token from the cookie (never stored server-side).
    var token: String

    /// Whether this person may change things (admin keys); viewers only read.
    public var canChange: Bool { session.scope == .admin }

    /// The CSRF token every state-changing form carries: HMAC-SHA256 of a fixed label keyed by the session token,
    /// so it is bound to the session, unguessable without the (HttpOnly) cookie, and never stored.
    public var csrfToken: String { Self.csrfToken(for: token) }

    static func csrfToken(for token: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("rampart console csrf".utf8), using: SymmetricKey(data: Data(token.utf8)))
        return Data(mac).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether a submitted CSRF token is this session's, compared in constant time.
    func acceptsCSRF(_ submitted: String?) -> Bool {
        guard let submitted else { return false }
        return KeyRing.constantTimeEqual(Array(submitted.utf8), Array(csrfToken.utf8))
    }
}
