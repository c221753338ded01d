import Crypto
import Foundation

/// An API key as stored: never the key itself, only its SHA-256 hash, its scope and a short displayable prefix.
public struct APIKey: Sendable, Hashable, Codable {
    /// The first characters of the key (scope prefix and 6 more), safe to show in lists and logs.
    public var displayPrefix: String
    public var scope: KeyScope
    /// SHA-256 of the full key.
    public var hash: [UInt8]
    /// A human label: who or what uses the key.
    public var name: String
    public var createdAt: Date

    public init(displayPrefix: String, scope: KeyScope, hash: [UInt8], name: String, createdAt: Date) {
        self.displayPrefix = displayPrefix
        self.scope = scope
        self.hash = hash
        self.name = name
        self.createdAt = createdAt
    }

    /// Creates a new random key.
    ///
    /// - Parameters:
    ///   - scope: What the key may do.
    ///   - name: A label for it.
    /// - Returns: The plaintext, to show once and never store, and the record to store.
    public static func generate(scope: KeyScope, name: String, now: Date = Date()) -> (plaintext: String, key: APIKey) {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        // 40 characters from 62 give about 238 bits of entropy.
        let secret = String((0..<40).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
        let plaintext = scope.prefix + secret
        return (plaintext, fromPlaintext(plaintext, scope: scope, name: name, now: now))
    }

    /// The stored record for a key given in plaintext, e.g. one bootstrapped from the environment.
    public static func fromPlaintext(_ plaintext: String, scope: KeyScope, name: String, now: Date = Date()) -> APIKey {
        APIKey(
            displayPrefix: String(plaintext.prefix(scope.prefix.count + 6)),
            scope: scope,
            hash: digest(plaintext),
            name: name,
            createdAt: now
        )
    }

    /// SHA-256 of a presented key.
    public static func digest(_ plaintext: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(plaintext.utf8)))
    }
}
