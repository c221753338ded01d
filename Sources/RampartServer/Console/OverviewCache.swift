import Foundation
import Logging
import RampartAnalysis
import RampartCore
import RampartStore
import ServiceLifecycle
import Synchronization

/// The overview's analyses, kept between requests so that `GET /` reads them instead of analysing every
/// experiment: an entry is reused while the rollout's revision is unchanged, whatever its age;
/// ``OverviewRefresher`` recomputes every entry in the background (every `maxAge / 2`), so a request analyses only
/// experiments that are new or changed (a ramp action, a new definition). The page shows when each was computed.
///
/// An entry is not recomputed in the request because it is old: one full analysis takes 0.3–0.4 s, so with 200
/// experiments a refresh takes longer than any useful maximum age, and a page that waited for stale entries would
/// take tens of seconds (docs/performance.md, "Console overview").
final class OverviewCache: Sendable {
    struct Entry: Sendable {
        var revision: Int
        var computedAt: Date
        var report: ExperimentReport
        var lastAudit: AuditEntry?
    }

    private let entries = Mutex<[String: Entry]>([:])
    /// The age the background refresher aims to keep entries under (it runs every half of it).
    let maxAge: TimeInterval

    init(maxAge: TimeInterval) {
        self.maxAge = maxAge
    }

    /// The entry of a rollout: the cached one when its revision is current (whatever its age), otherwise a new
    /// analysis (then cached).
    ///
    /// - Parameters:
    ///   - state: The rollout as stored now.
    ///   - store: Where analyses and the audit log are read.
    ///   - now: The current time.
    ///   - refresh: Analyse even when the cached entry is current.
    func entry(for state: RolloutState, store: any ValueDistributionStore & ControlStore, now: Date = Date(), refresh: Bool = false) async throws -> Entry {
        let key = state.experiment.key
        if !refresh, let cached = entries.withLock({ $0[key] }), cached.revision == state.revision {
            return cached
        }
        let report = try await ExperimentAnalyzer(store: store).analyze(state, now: now)
        let entry = Entry(revision: state.revision, computedAt: now, report: report, lastAudit: try await store.auditEntries(key).last)
        entries.withLock { $0[key] = entry }
        return entry
    }

    /// Forgets experiments that are no longer stored.
    func keep(only keys: Set<String>) {
        entries.withLock { all in all = all.filter { keys.contains($0.key) } }
    }
}

/// Recomputes the overview's analyses every `interval` (half the cache's maximum age), off the request path.
struct OverviewRefresher: Service {
    let cache: OverviewCache
    let store: any ValueDistributionStore & ControlStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        await refresh()
        await runPeriodically(every: interval) { await refresh() }
    }

    func refresh() async {
        do {
            let states = try await store.rollouts()
            cache.keep(only: Set(states.map(\.experiment.key)))
            for state in states {
                _ = try await cache.entry(for: state, store: store, refresh: true)
            }
        } catch {
            logger.debug("console overview refresh failed; will retry", metadata: ["error": "\(error)"])
        }
    }
}
