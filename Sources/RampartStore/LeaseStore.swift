import Foundation

/// Time-limited leases, so that of several replicas sharing a store one at a time does periodic work (the
/// autopilot acts once per interval however many replicas run it).
public protocol LeaseStore: Sendable {
    /// Takes or renews the lease `name` for `holder` when nobody else holds it unexpired.
    ///
    /// - Parameters:
    ///   - name: What the lease is for, e.g. `autopilot`.
    ///   - holder: Who asks (one id per process).
    ///   - duration: How long the lease lasts from now, in seconds (the database server's clock).
    /// - Returns: Whether `holder` holds the lease now.
    func acquireLease(_ name: String, holder: String, duration: TimeInterval) async throws -> Bool
}
