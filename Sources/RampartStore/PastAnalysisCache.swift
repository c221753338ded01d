import Foundation
import RampartCore
import Synchronization

/// Analyses as of a moment on an earlier UTC day than today, kept in memory with a marker of the data they read, so
/// that the same analysis asked again is answered without reading the events while that data has not changed.
///
/// An experiment with an α-spending design is analysed twice for every report, verdict or autopilot round: as of
/// now, and as of the last completed UTC day end, its current look (docs/statistics.md). The second analysis reads
/// as much as the first, yet its data changes only when an event dated on or before that day arrives late. The
/// marker is the number of stored events of the analysis's names and of exposures dated on or before the as-of
/// moment's UTC day, counted in the ingest transaction by both stores (SQLite's `event_days`, PostgreSQL's
/// `event_day_counts`). Events are never deleted and a duplicate is never stored, so the marker grows whenever such
/// an event is stored, by any process, and an unchanged marker means the same data: a kept analysis is exactly what
/// reading again would give. Analyses as of today are not kept (every new event would change their marker), nor
/// those of one segment's units (segment membership is not counted).
///
/// The marker is read before the analysis, so an event stored while the analysis runs can only make the next request
/// read again, never keep a result that misses it.
///
/// PostgreSQL also keeps here the served-vs.-ran counts as of the end of the day before a report's moment, under the
/// same kind of marker (``ranVersions(_:dayEnd:marker:read:)``).
final class PastAnalysisCache: Sendable {
    /// What is kept: an analysis (what is read, and of which population as of which moment), or the counts of the
    /// prompt versions and models that ran in a scope as of a day end (``ranVersions(_:dayEnd:marker:read:)``).
    enum Key: Hashable, Sendable {
        case analysis(AnalysisRequest, ExperimentScope)
        case ranVersions(ExperimentScope, dayEnd: Int64)
    }

    /// A kept result.
    enum Kept: Sendable {
        case analysis(AnalysisResult)
        case ranVersions([RanVersionCount])
    }

    /// What the hits and misses were (for tests and benchmarks).
    struct Statistics: Sendable, Equatable {
        var hits = 0
        var misses = 0
        var kept = 0
    }

    private struct Entry {
        var marker: Int
        var result: Kept
        var used: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var clock: UInt64 = 0
        var statistics = Statistics()
    }

    /// The most analyses kept; the least recently used is forgotten first. 0 keeps none.
    let capacity: Int
    private let state = Mutex(State())

    /// - Parameter capacity: The most analyses kept (0 keeps none).
    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// Milliseconds in a UTC day.
    static let dayMilliseconds: Int64 = 86_400_000

    /// The day of a stored timestamp, as both stores count events per day: milliseconds divided by a day's,
    /// truncated (so a later moment never has an earlier day).
    static func day(_ milliseconds: Int64) -> Int64 {
        milliseconds / dayMilliseconds
    }

    /// The key of an analysis this cache may keep, `nil` for one it may not: kept analyses are as of a moment whose
    /// UTC day is before `now`'s, of every unit.
    ///
    /// - Parameters:
    ///   - request: The analysis's request.
    ///   - scope: Its scope.
    ///   - now: The present moment.
    func key(_ request: AnalysisRequest, _ scope: ExperimentScope, now: Date = Date()) -> Key? {
        guard capacity > 0, scope.asOf != nil, scope.segment == nil else { return nil }
        let today = Self.day(Int64((now.timeIntervalSince1970 * 1000).rounded(.down)))
        guard Self.day(scope.asOfMilliseconds) < today else { return nil }
        return .analysis(request, scope)
    }

    /// The event names whose stored counts mark an analysis's data: the request's and the exposure event.
    static func markedNames(_ request: AnalysisRequest) -> [String] {
        Array(Set(request.metrics.map(\.query.event)).union([EventName.exposure])).sorted()
    }

    /// The kept result for `key`, if its marker is `marker`.
    func result(_ key: Key, marker: Int) -> Kept? {
        state.withLock { state in
            state.clock += 1
            guard var entry = state.entries[key], entry.marker == marker else {
                state.statistics.misses += 1
                return nil
            }
            entry.used = state.clock
            state.entries[key] = entry
            state.statistics.hits += 1
            return entry.result
        }
    }

    /// Keeps a result read when the marker was `marker`, forgetting the least recently used beyond ``capacity``.
    func keep(_ result: Kept, _ key: Key, marker: Int) {
        state.withLock { state in
            state.clock += 1
            state.entries[key] = Entry(marker: marker, result: result, used: state.clock)
            state.statistics.kept += 1
            while state.entries.count > capacity, let oldest = state.entries.min(by: { $0.value.used < $1.value.used })?.key {
                state.entries[oldest] = nil
            }
        }
    }

    /// The hits, misses and analyses kept so far.
    var statistics: Statistics {
        state.withLock { $0.statistics }
    }

    /// How many analyses are kept.
    var count: Int {
        state.withLock { $0.entries.count }
    }

    /// Answers an analysis from the cache when it may be kept and its marker has not moved, else reads it with
    /// `analyse` and keeps it.
    ///
    /// - Parameters:
    ///   - request: The analysis's request.
    ///   - scope: Its scope.
    ///   - marker: Reads the marker of `names` through `day` (the stored events of those names dated on or before it).
    ///   - analyse: Reads the analysis.
    func analysis(
        _ request: AnalysisRequest, in scope: ExperimentScope,
        marker: (_ names: [String], _ day: Int64) async throws -> Int,
        analyse: () async throws -> AnalysisResult
    ) async throws -> AnalysisResult {
        guard let key = key(request, scope) else { return try await analyse() }
        let mark = try await marker(Self.markedNames(request), Self.day(scope.asOfMilliseconds))
        if case .analysis(let kept) = result(key, marker: mark) { return kept }
        let result = try await analyse()
        keep(.analysis(result), key, marker: mark)
        return result
    }
}
