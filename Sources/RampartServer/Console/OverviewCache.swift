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
/// beyond ``maxAge`` (stage durations and the as-of window move with the clock). New events re-analyse an experiment
/// at most once per ``minInterval``: under continuous ingest every experiment's events move all the time (every
/// analysis reads the exposures), and re-analysing all of them back to back would keep a core busy for good.
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

    /// What the refresher did since the cache was made (for the bench and the logs).
    struct Activity: Sendable, Equatable {
        /// Analyses made by the refresher.
        var analyses = 0
        /// Time spent in them, in seconds.
        var busySeconds = 0.0
        /// Time the refresher paused between them to leave the cores to requests, in seconds.
        var pausedSeconds = 0.0
        /// The longest analysis, in seconds.
        var longestSeconds = 0.0
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let nudged = Mutex(false)
    private let activity = Mutex(Activity())
    /// The age beyond which the refresher analyses an unchanged experiment again.
    let maxAge: TimeInterval
    /// The least time between two analyses of an experiment whose only change is new events.
    let minInterval: TimeInterval
    /// The most experiments a page request analyses itself.
    let requestBudget: Int

    /// - Parameters:
    ///   - maxAge: The age beyond which an unchanged experiment is analysed again.
    ///   - minInterval: The least time between two analyses of an experiment whose events moved on (its revision
    ///     unchanged); 0 re-analyses at every pass that sees new events.
    ///   - requestBudget: The most experiments a page request analyses itself.
    init(maxAge: TimeInterval, minInterval: TimeInterval = 0, requestBudget: Int = 4) {
        self.maxAge = maxAge
        self.minInterval = min(minInterval, maxAge)
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

    /// Whether the refresher must analyse a rollout again: no entry, a new revision, new events its analysis reads
    /// (once the entry is ``minInterval`` old), or an entry older than ``maxAge``.
    func isStale(_ state: RolloutState, counts: [String: Int], now: Date) -> Bool {
        guard let entry = cached(state.experiment.key), entry.revision == state.revision else { return true }
        let age = now.timeIntervalSince(entry.computedAt)
        return age >= maxAge || (age >= minInterval && entry.marker != Self.marker(state.experiment, counts: counts))
    }

    /// Whether an entry whose events moved on is due for the refresher (``minInterval`` old).
    func isDue(_ entry: Entry, now: Date) -> Bool {
        now.timeIntervalSince(entry.computedAt) >= minInterval
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

    /// Counts one of the refresher's analyses and the pause after it.
    func record(analysisSeconds: Double, pausedSeconds: Double) {
        activity.withLock {
            $0.analyses += 1
            $0.busySeconds += analysisSeconds
            $0.pausedSeconds += pausedSeconds
            $0.longestSeconds = max($0.longestSeconds, analysisSeconds)
        }
    }

    /// What the refresher did so far.
    var refresherActivity: Activity {
        activity.withLock { $0 }
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
