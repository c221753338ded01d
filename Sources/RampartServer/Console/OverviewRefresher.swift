import Foundation
import Logging
import RampartCore
import RampartStore
import ServiceLifecycle

/// Keeps the overview's analyses current off the request path: every `interval`, or at once when a page nudges it,
/// it reads the rollouts and the stored-event counts once and re-analyses only the experiments
/// ``OverviewCache/isStale(_:counts:now:)`` names, new and redefined ones first, then the oldest analyses.
///
/// It analyses one experiment at a time and, after each, pauses so that it is busy at most ``busyShare`` of the time
/// (an analysis of 0.2 s with a share of ½ is followed by a pause of 0.2 s): page requests then always find a core,
/// even on a small machine and when every experiment's data keeps changing.
struct OverviewRefresher: Service {
    let cache: OverviewCache
    let store: any ValueDistributionStore & ControlStore
    let interval: Duration
    let logger: Logger
    /// Told every fresh verdict, for the webhooks (``VerdictWatcher``).
    var watcher: VerdictWatcher? = nil
    /// The most of its time the refresher spends analysing, in (0, 1]; 1 never pauses.
    var busyShare: Double = 1

    func run() async throws {
        let clock = ContinuousClock()
        await refresh()
        var next = clock.now + interval
        // A pass every `interval`, or sooner (within 250 ms) when a page asks for one.
        await runPeriodically(every: .milliseconds(250)) {
            guard cache.takeNudge() || clock.now >= next else { return }
            await refresh()
            next = clock.now + interval
        }
    }

    /// The pause after an analysis that took `busy`, which keeps the refresher's share of the time at ``busyShare``.
    func pause(after busy: Duration) -> Duration {
        let share = busyShare.isFinite ? min(1, max(0.05, busyShare)) : 1
        return busy * ((1 - share) / share)
    }

    /// One pass; returns how many experiments it analysed.
    @discardableResult
    func refresh(now: @Sendable () -> Date = Date.init) async -> Int {
        let clock = ContinuousClock()
        var analysed = 0
        do {
            let states = try await store.rollouts()
            cache.keep(only: Set(states.map(\.experiment.key)))
            // Counts read before the analyses: an event stored during the pass moves the marker past the entry's.
            let counts = try await store.storedEventCounts()
            let moment = now()
            // New and redefined experiments first (their rows show "analysing…"), then the oldest analyses.
            let due = states.filter { cache.isStale($0, counts: counts, now: moment) }.map { state in
                let entry = cache.cached(state.experiment.key).flatMap { $0.revision == state.revision ? $0 : nil }
                return (state: state, computedAt: entry?.computedAt ?? .distantPast)
            }.sorted { $0.computedAt < $1.computedAt }
            for (state, _) in due {
                if Task.isCancelled || Task.isShuttingDownGracefully { break }
                let started = clock.now
                let entry = try await cache.analyse(state, store: store, counts: counts, now: now())
                let busy = clock.now - started
                await watcher?.observe(state, verdict: entry.report.verdict, at: entry.computedAt)
                analysed += 1
                let rest = pause(after: busy)
                if rest > .zero { try? await Task.sleep(for: rest) }
                cache.record(analysisSeconds: busy.seconds, pausedSeconds: rest.seconds)
            }
        } catch {
            logger.debug("console overview refresh failed; will retry", metadata: ["error": "\(error)"])
        }
        return analysed
    }
}
