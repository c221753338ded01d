import Crypto
import Foundation
import RampartStore

/// Counts failed sign-ins per address in the store, so every replica on one store throttles alike: after `limit`
/// failures within `window`, sign-ins from that address are refused (429) until the oldest failure leaves the
/// window. Addresses are stored as SHA-256 hashes.
///
/// Two replicas checking at the same instant may each let one more attempt through before either records its
/// failure; the limit holds to within the number of replicas.
struct SignInThrottle: Sendable {
    let store: any SessionStore
    let limit: Int
    let window: TimeInterval

    init(store: any SessionStore, limit: Int, window: TimeInterval) {
        self.store = store
        self.limit = limit
        self.window = window
    }

    static func hash(_ address: String) -> [UInt8] {
        Array(SHA256.hash(data: Data("rampart sign-in address\n\(address)".utf8)))
    }

    /// Seconds to wait before the address may try again, or `nil` when it may try now.
    func retryAfter(_ address: String, now: Date = Date()) async throws -> Int? {
        let recent = try await store.signInFailures(addressHash: Self.hash(address), since: now.addingTimeInterval(-window))
        guard recent.count >= limit, let oldest = recent.suffix(limit).first else { return nil }
        return max(1, Int((window - now.timeIntervalSince(oldest)).rounded(.up)))
    }

    /// Records a failed sign-in (and forgets failures that left the window).
    func fail(_ address: String, now: Date = Date()) async throws {
        try await store.recordSignInFailure(addressHash: Self.hash(address), at: now, forgetBefore: now.addingTimeInterval(-window))
    }
}
