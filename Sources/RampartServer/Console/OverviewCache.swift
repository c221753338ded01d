import Foundation
import Logging
import RampartAnalysis
import RampartCore
import RampartStore
import ServiceLifecycle
import Synchronization

/// The overview's analyses, kept between requests so that `GET /` reads them instead of analysing every
/// experiment.
///
/// Each entry is a verdict-only analysis (``AnalysisDepth/verdict``: the metrics with a role, attribution, the
/// sample-ratio test; no timeline, funnel, cost or plan), whose verdict is the report's. It is recomputed by
/// ``OverviewRefresher`` only when it may have changed: a new revision of the rollout (a ramp action, a new
/// definition), new events of a name its analysis reads (``ValueDistributionStore/storedEventCounts()``), or an age
/// beyond ``maxAge`` (stage durations and the as-of window move with the clock).
///
/// A page request shows the cached entry of an experiment whose revision is current, whatever its age; it analyses
/// at most ``requestBudget`` experiments that have no such entry (new or changed ones) and shows the rest as
/// "analysing…" for the refresher to fill in, so the first page after a start never analyses every experiment. An
/// entry whose data changed since it was computed is shown as it is, marked "updating", and the page nudges the
/// refresher; the page polls sooner until every row is current.
final class OverviewCache: Sendable {
    struct Entry: Sendable {
        var revision: Int
        /// The stored-event counts of the names the analysis reads, summed, when it was computed.
        var marker: Int
        var computedAt: Date
        var report: ExperimentReport
        var lastAudit: AuditEntry?
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let nudged = Mutex(false)
    /// The age beyond which the refresher analyses an unchanged experiment again.
    let maxAge: TimeInterval
    /// The most experiments a page request analyses itself.
    let requestBudget: Int

    init(maxAge: TimeInterval, requestBudget: Int = 4) {
        self.maxAge = maxAge
        self.requestBudget = requestBudget
    }

    /// The change marker of an experiment: the stored-event counts of the names a verdict-only analysis reads,
    /// summed (each count only grows, so the sum changes exactly when one of them does).
    ///
    /// - Parameters:
    ///   - experiment: The experiment.
    ///   - counts: ``ValueDistributionStore/storedEventCounts()``.
    static func marker(_ experiment: Experiment, counts: [String: Int]) -> Int {
        ExperimentAnalyzer.eventNames(for: experiment, depth: .verdict).reduce(0) { $0 + (counts[$1] ?? 0) }
    }

    /// The cached entry of an experiment, if any.
    func cached(_ key: String) -> Entry? {
        entries.withLock { $0[key] }
    }

    /// Whether the refresher must analyse a rollout again: no entry, a new revision, new events its analysis reads,
    /// or an entry older than ``maxAge``.
    func isStale(_ state: RolloutState, counts: [String: Int], now: Date) -> Bool {
        guard let entry = cached(state.experiment.key) else { return true }
        return entry.revision != state.revision || entry.marker != Self.marker(state.experiment, counts: counts)
            || now.timeIntervalSince(entry.computedAt) >= maxAge
    }

    /// Analyses a rollout (verdict only) and caches the result.
    ///
    /// - Parameters:
    ///   - state: The rollout as stored now.
    ///   - store: Where the events and the audit log are read.
    ///   - counts: The stored-event counts read before the analysis (the entry's marker).
    ///   - now: The moment of the analysis.
    @discardableResult
    func analyse(_ state: RolloutState, store: any ValueDistributionStore & ControlStore, counts: [String: Int], now: Date = Date()) async throws -> Entry {
        let report = try await ExperimentAnalyzer(store: store).analyze(state, now: now, depth: .verdict)
        let entry = Entry(
            revision: state.revision, marker: Self.marker(state.experiment, counts: counts), computedAt: now,
            report: report, lastAudit: try await store.auditEntries(state.experiment.key).lastChange
        )
        entries.withLock { $0[state.experiment.key] = entry }
        return entry
    }

    /// How many cached analyses were computed at or after a moment (for benchmarks).
    func computedCount(since moment: Date) -> Int {
        entries.withLock { $0.values.filter { $0.computedAt >= moment }.count }
    }

    /// Asks the refresher for a pass now (a page saw experiments whose data or definition changed).
    func nudge() {
        nudged.withLock { $0 = true }
    }

    /// Whether a pass was asked for since the last call.
    func takeNudge() -> Bool {
        nudged.withLock { wanted in
            defer { wanted = false }
            return wanted
        }
    }

    /// Forgets experiments that are no longer stored.
    func keep(only keys: Set<String>) {
        entries.withLock { all in all = all.filter { keys.contains($0.key) } }
    }
}

/// Keeps the overview's analyses current off the request path: every `interval`, or at once when a page nudges it,
/// it reads the rollouts and the stored-event counts once and re-analyses only the experiments
/// ``OverviewCache/isStale(_:counts:now:)`` names.
struct OverviewRefresher: Service {
    let cache: OverviewCache
    let store: any ValueDistributionStore & ControlStore
    let interval: Duration
    let logger: Logger
    /// Told every fresh verdict, for the webhooks (``VerdictWatcher``).
    var watcher: VerdictWatcher? = nil

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

    /// One pass; returns how many experiments it analysed.
    @discardableResult
    func refresh(now: @Sendable () -> Date = Date.init) async -> Int {
        var analysed = 0
        do {
            let states = try await store.rollouts()
            cache.keep(only: Set(states.map(\.experiment.key)))
            // Counts read before the analyses: an event stored during the pass moves the marker past the entry's.
            let counts = try await store.storedEventCounts()
            for state in states where cache.isStale(state, counts: counts, now: now()) {
                let entry = try await cache.analyse(state, store: store, counts: counts, now: now())
                await watcher?.observe(state, verdict: entry.report.verdict, at: entry.computedAt)
                analysed += 1
            }
        } catch {
            logger.debug("console overview refresh failed; will retry", metadata: ["error": "\(error)"])
        }
        return analysed
    }
}
