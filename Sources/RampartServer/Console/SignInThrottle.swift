import Foundation
import Synchronization

/// Counts failed sign-ins per address: after `limit` failures within `window`, sign-ins from that address are
/// refused (429) until the oldest failure leaves the window.
final class SignInThrottle: Sendable {
    private let failures = Mutex<[String: [Date]]>([:])
    let limit: Int
    let window: TimeInterval

    init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Seconds to wait before the address may try again, or `nil` when it may try now.
    func retryAfter(_ address: String, now: Date = Date()) -> Int? {
        failures.withLock { all in
            let recent = (all[address] ?? []).filter { now.timeIntervalSince($0) < window }
            all[address] = recent.isEmpty ? nil : recent
            guard recent.count >= limit, let oldest = recent.first else { return nil }
            return max(1, Int((window - now.timeIntervalSince(oldest)).rounded(.up)))
        }
    }

    /// Records a failed sign-in.
    func fail(_ address: String, now: Date = Date()) {
        failures.withLock { all in
            var recent = (all[address] ?? []).filter { now.timeIntervalSince($0) < window }
            recent.append(now)
            all[address] = recent
            // Bound the table: forget addresses with nothing recent when it grows.
            if all.count > 10_000 { all = all.filter { $0.value.contains { now.timeIntervalSince($0) < window } } }
        }
    }
}
