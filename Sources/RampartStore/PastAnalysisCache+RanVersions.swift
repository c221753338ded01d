import Foundation
import RampartCore

extension PastAnalysisCache {
    /// The moment up to which a scope's ran-version counts (``DecisionQualityStore/ranVersions(in:)``) may be kept:
    /// the end of the UTC day before the scope's moment (or before now, for a scope without one or one later than
    /// now), in stored milliseconds; `nil` when nothing may be kept (a capacity of 0, one segment's units).
    ///
    /// A store answers such a scope as the counts kept as of that day end plus those of the events after it
    /// (``ranVersions(_:dayEnd:marker:read:)``): of a report's read of every LLM event, only today's is read again.
    ///
    /// - Parameters:
    ///   - scope: The scope asked.
    ///   - now: The present moment.
    func ranVersionsDayEnd(_ scope: ExperimentScope, now: Date = Date()) -> Int64? {
        guard capacity > 0, scope.segment == nil else { return nil }
        let present = Int64((now.timeIntervalSince1970 * 1000).rounded(.down))
        let moment = min(scope.asOfMilliseconds, present)
        let day = Self.day(moment)
        guard day > 0 else { return nil }
        return day * Self.dayMilliseconds - 1
    }

    /// The event names whose stored counts mark ran-version counts' data: the LLM events read and the exposure event.
    static let ranVersionNames = (RanVersionCount.eventNames + [EventName.exposure]).sorted()

    /// A scope's ran-version counts as of `dayEnd` (``ranVersionsDayEnd(_:now:)``), answered from the cache while no
    /// LLM event or exposure dated on or before that day has been stored since they were read, else read with `read`
    /// and kept.
    ///
    /// - Parameters:
    ///   - scope: The scope (its moment is not part of the key: `dayEnd` is; nor its segment, which is never kept).
    ///   - dayEnd: The moment the counts are as of.
    ///   - marker: Reads the marker of `names` through `day` (the stored events of those names dated on or before it).
    ///   - read: Reads the counts as of `dayEnd`.
    func ranVersions(
        _ scope: ExperimentScope, dayEnd: Int64,
        marker: (_ names: [String], _ day: Int64) async throws -> Int,
        read: () async throws -> [RanVersionCount]
    ) async throws -> [RanVersionCount] {
        let key = Key.ranVersions(scope.population, dayEnd: dayEnd)
        let mark = try await marker(Self.ranVersionNames, Self.day(dayEnd))
        if case .ranVersions(let kept) = result(key, marker: mark) { return kept }
        let counts = try await read()
        keep(.ranVersions(counts), key, marker: mark)
        return counts
    }
}
