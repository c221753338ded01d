import Foundation

/// When a failed delivery is tried again: exponential backoff, `base × 2^(attempt−1)` capped at `cap`, with up to
/// `jitter` of the delay added at random so that receivers coming back are not hit by every sender at once; after
/// `maxAttempts` attempts the delivery is given up (and audited as failed).
public struct WebhookBackoff: Sendable, Hashable {
    /// The delay after the first failed attempt, in seconds.
    public var base: TimeInterval
    /// The longest delay, in seconds.
    public var cap: TimeInterval
    /// Attempts in all before giving up.
    public var maxAttempts: Int
    /// The largest share of the delay added at random (0 for none).
    public var jitter: Double

    public init(base: TimeInterval = 10, cap: TimeInterval = 3_600, maxAttempts: Int = 12, jitter: Double = 0.1) {
        self.base = base
        self.cap = cap
        self.maxAttempts = maxAttempts
        self.jitter = jitter
    }

    /// The delay before the next attempt after `attempts` failed ones, without jitter; `nil` when none is left.
    ///
    /// - Parameter attempts: Attempts made so far (at least 1).
    public func delay(afterAttempts attempts: Int) -> TimeInterval? {
        guard attempts < maxAttempts else { return nil }
        let exponent = Double(max(0, attempts - 1))
        return min(cap, base * pow(2, exponent))
    }

    /// The delay with jitter added: `delay × (1 + jitter × u)` for `u` in [0, 1).
    ///
    /// - Parameters:
    ///   - attempts: Attempts made so far.
    ///   - unit: A uniform draw in [0, 1).
    public func delay(afterAttempts attempts: Int, unit: Double) -> TimeInterval? {
        delay(afterAttempts: attempts).map { $0 * (1 + jitter * min(max(unit, 0), 1)) }
    }
}
