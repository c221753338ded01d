import RampartStore

/// The last few valid keys presented, so that a repeat presentation is recognised without hashing it again.
///
/// Only keys that matched a stored hash are remembered. A lookup compares the presented bytes with every slot, full
/// or empty, each over the presented length and without stopping early: the time depends on the presented length
/// only, not on which slot matched, nor how many of its bytes did.
struct RecentKeys {
    /// How many keys are remembered; more than the SDK keys one deployment uses at once.
    static let capacity = 8
    /// The longest key remembered; each slot holds this many bytes, zero-padded.
    static let width = 128

    /// The slots' bytes, `width` per slot, zero-padded.
    private var bytes = [UInt8](repeating: 0, count: RecentKeys.capacity * RecentKeys.width)
    /// Each slot's key length; 0 for an empty slot, which no presented key matches.
    private var counts = [Int](repeating: 0, count: RecentKeys.capacity)
    private var scopes = [KeyScope](repeating: .sdk, count: RecentKeys.capacity)
    /// The slot the next remembered key replaces.
    private var next = 0

    /// The scope of a remembered key equal to `presented`, or `nil`.
    func scope(of presented: UnsafeBufferPointer<UInt8>) -> KeyScope? {
        guard !presented.isEmpty, presented.count <= Self.width else { return nil }
        var found: KeyScope?
        bytes.withUnsafeBufferPointer { bytes in
            for slot in 0..<Self.capacity {
                let start = slot * Self.width
                var difference = UInt(bitPattern: counts[slot] ^ presented.count)
                for i in 0..<presented.count { difference |= UInt(bytes[start + i] ^ presented[i]) }
                if difference == 0 { found = scopes[slot] }
            }
        }
        return found
    }

    /// Remembers a valid key, replacing the oldest remembered one; keys longer than `width` are not remembered.
    ///
    /// - Parameters:
    ///   - presented: The key's bytes.
    ///   - scope: Its scope.
    mutating func remember(_ presented: UnsafeBufferPointer<UInt8>, scope: KeyScope) {
        guard !presented.isEmpty, presented.count <= Self.width else { return }
        let start = next * Self.width
        for i in 0..<Self.width { bytes[start + i] = i < presented.count ? presented[i] : 0 }
        counts[next] = presented.count
        scopes[next] = scope
        next = (next + 1) % Self.capacity
    }

    /// Forgets every remembered key (after the accepted keys change, so a revoked key stops working at once).
    mutating func removeAll() {
        self = RecentKeys()
    }
}
