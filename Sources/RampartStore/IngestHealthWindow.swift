import Foundation

/// The window of an ``IngestHealthStore/eventCounts(since:until:bucketSeconds:)`` read, widened to whole buckets, so
/// every backend counts whole buckets, and SQLite can answer from its per-minute and per-day counts.
enum IngestHealthWindow {
    /// The first millisecond of the bucket holding `since`, and the end of the bucket holding the last millisecond
    /// before `until` (exclusive).
    ///
    /// - Parameters:
    ///   - since: The start of the window.
    ///   - until: The end of the window (exclusive).
    ///   - width: The bucket width in milliseconds (buckets start at its multiples since the Unix epoch).
    static func buckets(since: Date, until: Date, width: Int64) -> (from: Int64, to: Int64) {
        let from = Int64((since.timeIntervalSince1970 * 1000).rounded(.down))
        let to = Int64((until.timeIntervalSince1970 * 1000).rounded(.down))
        func floor(_ value: Int64) -> Int64 { value >= 0 ? value / width : -((-value + width - 1) / width) }
        let first = floor(from) * width
        return (first, max(first, (floor(to - 1) + 1) * width))
    }
}
