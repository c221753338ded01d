import RampartStore
import Synchronization

/// The API keys the service accepts, held in memory and checked in constant time.
public final class KeyRing: Sendable {
    private let keys: Mutex<[APIKey]>

    public init(_ keys: [APIKey] = []) {
        self.keys = Mutex(keys)
    }

    /// Replaces the accepted keys (after a key is created or revoked).
    public func replace(_ keys: [APIKey]) {
        self.keys.withLock { $0 = keys }
    }

    /// Adds a key.
    public func add(_ key: APIKey) {
        keys.withLock { $0.append(key) }
    }

    /// The scope of a presented key, or `nil` when it is not known.
    ///
    /// The presented key is hashed and compared with every stored hash; each comparison looks at all 32 bytes and the
    /// loop never stops early, so the time taken does not reveal how much of a hash matched, nor which key did.
    public func scope(of presented: String) -> KeyScope? {
        let digest = APIKey.digest(presented)
        return keys.withLock { keys in
            var found: KeyScope?
            for key in keys where Self.constantTimeEqual(key.hash, digest) {
                found = key.scope
            }
            return found
        }
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}
