import RampartStore
import Synchronization

/// The API keys the service accepts, held in memory and checked in constant time.
public final class KeyRing: Sendable {
    private struct State {
        var keys: [APIKey]
        /// Valid keys seen lately; emptied whenever `keys` changes.
        var recent = RecentKeys()
    }

    private let state: Mutex<State>

    public init(_ keys: [APIKey] = []) {
        state = Mutex(State(keys: keys))
    }

    /// Replaces the accepted keys (after a key is created or revoked, and on every configuration reload).
    public func replace(_ keys: [APIKey]) {
        state.withLock { state in
            guard state.keys != keys else { return }
            state.keys = keys
            state.recent.removeAll()
        }
    }

    /// Adds a key.
    public func add(_ key: APIKey) {
        state.withLock { state in
            state.keys.append(key)
            state.recent.removeAll()
        }
    }

    /// The scope of a presented key, or `nil` when it is not known.
    ///
    /// A key presented lately is recognised by a constant-time comparison of its bytes with the few remembered valid
    /// keys (`RecentKeys`). Otherwise it is hashed and compared with every stored hash; each comparison looks at all
    /// 32 bytes and the loop never stops early, so the time taken does not reveal how much of a hash matched, nor
    /// which key did.
    public func scope(of presented: String) -> KeyScope? {
        scope(of: Substring(presented))
    }

    /// The scope of a presented key, or `nil` when it is not known; see `scope(of:)`.
    func scope(of presented: Substring) -> KeyScope? {
        var presented = presented
        return presented.withUTF8 { scope(of: $0) }
    }

    /// The scope of a presented key given as UTF-8 bytes, or `nil` when it is not known; see `scope(of:)`.
    func scope(of presented: UnsafeBufferPointer<UInt8>) -> KeyScope? {
        if let scope = state.withLock({ $0.recent.scope(of: presented) }) { return scope }
        let digest = APIKey.digest(String(decoding: presented, as: UTF8.self))
        return state.withLock { state in
            var found: KeyScope?
            for key in state.keys where Self.constantTimeEqual(key.hash, digest) {
                found = key.scope
            }
            if let found { state.recent.remember(presented, scope: found) }
            return found
        }
    }

    /// The stored key matching a presented key (hashed and compared with every stored hash in constant time), or
    /// `nil`: the console's sign-in needs the key's name and scope.
    public func key(matching presented: String) -> APIKey? {
        let digest = APIKey.digest(presented)
        return state.withLock { state in
            var found: APIKey?
            for key in state.keys where Self.constantTimeEqual(key.hash, digest) {
                found = key
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
