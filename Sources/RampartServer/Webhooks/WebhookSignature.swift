import Crypto
import Foundation

/// Signs webhook requests, as Stripe does: `X-Rampart-Timestamp` is the moment of sending (Unix seconds) and
/// `X-Rampart-Signature` is `v1=` and the hex HMAC-SHA-256, keyed with the endpoint's secret (its UTF-8 bytes), of
/// the timestamp, a full stop and the raw body. A receiver recomputes it over the bytes it received, compares in
/// constant time, and refuses a timestamp more than five minutes from its clock (docs/integrations.md).
public enum WebhookSignature {
    public static let timestampHeader = "X-Rampart-Timestamp"
    public static let signatureHeader = "X-Rampart-Signature"
    /// The scheme's version prefix.
    public static let scheme = "v1"

    /// The hex HMAC-SHA-256 of `message` keyed with `key`.
    public static func hmacHex(key: [UInt8], message: [UInt8]) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key))
        return code.map { String(format: "%02x", $0) }.joined()
    }

    /// The `X-Rampart-Signature` value for a body sent at `timestamp`.
    ///
    /// - Parameters:
    ///   - body: The exact bytes sent.
    ///   - timestamp: Unix seconds, as sent in `X-Rampart-Timestamp`.
    ///   - secret: The endpoint's secret.
    public static func signature(body: [UInt8], timestamp: Int, secret: String) -> String {
        "\(scheme)=" + hmacHex(key: Array(secret.utf8), message: Array("\(timestamp).".utf8) + body)
    }

    /// The `X-Rampart-Signature` value signed with several secrets (during a rotation's overlap: the new one, then
    /// the old one): one `v1=` entry per secret, comma-separated, as Stripe sends several `v1` entries.
    ///
    /// - Parameters:
    ///   - body: The exact bytes sent.
    ///   - timestamp: Unix seconds, as sent in `X-Rampart-Timestamp`.
    ///   - secrets: The secrets, newest first.
    public static func signature(body: [UInt8], timestamp: Int, secrets: [String]) -> String {
        secrets.map { signature(body: body, timestamp: timestamp, secret: $0) }.joined(separator: ",")
    }

    /// Checks a signature as a receiver does (used by the tests and documented for receivers): the header may hold
    /// several comma-separated `v1=` entries (a rotation's overlap), and one matching entry is enough.
    ///
    /// - Parameters:
    ///   - header: The `X-Rampart-Signature` value received.
    ///   - body: The bytes received.
    ///   - timestamp: The `X-Rampart-Timestamp` value received.
    ///   - secret: The endpoint's secret.
    ///   - now: The receiver's clock, Unix seconds.
    ///   - tolerance: The largest accepted distance between `timestamp` and `now`, in seconds.
    public static func verify(header: String, body: [UInt8], timestamp: Int, secret: String, now: Int, tolerance: Int = 300) -> Bool {
        guard abs(now - timestamp) <= tolerance else { return false }
        let expected = Array(signature(body: body, timestamp: timestamp, secret: secret).utf8)
        var matched = false
        for entry in header.split(separator: ",") {
            let given = Array(entry.trimmingCharacters(in: .whitespaces).utf8)
            guard expected.count == given.count else { continue }
            var difference: UInt8 = 0
            for (a, b) in zip(expected, given) { difference |= a ^ b }
            matched = matched || difference == 0
        }
        return matched
    }
}
